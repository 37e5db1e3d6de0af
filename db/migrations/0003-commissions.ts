// Commission intelligence: carrier commission rules and producer split plans (effective-dated,
// never deleted, only ended), the expected commission of every policy transaction with the rule
// that produced it, carrier statements with their lines, saved column mappings, reconciliation
// results per line, and the policy-number aliases people taught the matcher.
import { Migration } from '@mikro-orm/migrations';

export class Commissions extends Migration {
  override name = '0003-commissions';

  override up(): void {
    this.addSql(`
alter table policy_transactions add column broker_fee_cents bigint not null default 0;
alter table policies add column mga_id uuid references carriers(id);
alter table policies add column policy_year integer;

create table commission_rules (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  carrier_id uuid references carriers(id),
  mga_id uuid references carriers(id),
  line_of_business text,
  state text,
  term_kind text not null default 'any' check (term_kind in ('new', 'renewal', 'any')),
  effective_from date not null,
  effective_to date,
  basis jsonb not null,
  priority integer not null default 0,
  commission_on_fees boolean not null default false,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (effective_to is null or effective_to > effective_from)
);
create index commission_rules_tenant_carrier on commission_rules (tenant_id, carrier_id);

create table split_plans (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  producer_id uuid references producers(id),
  policy_id uuid references policies(id),
  effective_from date not null,
  effective_to date,
  entries jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (producer_id is not null or policy_id is not null)
);
create index split_plans_tenant on split_plans (tenant_id, producer_id);
create index split_plans_policy on split_plans (policy_id) where policy_id is not null;

create table expected_commissions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  transaction_id uuid not null unique references policy_transactions(id) on delete cascade,
  policy_id uuid not null references policies(id) on delete cascade,
  carrier_id uuid references carriers(id),
  producer_id uuid references producers(id),
  transaction_type text not null,
  effective_date date not null,
  agency_cents bigint not null,
  basis_cents bigint not null,
  rate text,
  term_kind text not null,
  rule_id uuid references commission_rules(id),
  split_plan_id uuid references split_plans(id),
  splits jsonb not null default '[]',
  house_cents bigint not null,
  explanation text[] not null default '{}',
  expected_pay_date date not null,
  status text not null default 'open'
    check (status in ('open', 'partially_paid', 'paid', 'missing', 'written_off', 'disputed', 'no_rule')),
  paid_cents bigint not null default 0,
  -- What the calculation read (transaction, term, rule, plan): a recalculation that finds the
  -- same hash changes nothing and says nothing.
  input_hash text not null,
  calculated_at timestamptz not null default now()
);
create index expected_commissions_tenant_status on expected_commissions (tenant_id, status, expected_pay_date);
create index expected_commissions_policy on expected_commissions (policy_id);
create index expected_commissions_carrier on expected_commissions (tenant_id, carrier_id, effective_date);

create table statement_mappings (
  tenant_id uuid not null references tenants(id) on delete cascade,
  carrier_id uuid not null references carriers(id),
  mapping jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, carrier_id)
);

create table statements (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  carrier_id uuid references carriers(id),
  source text not null default 'upload' check (source in ('upload', 'quickbooks')),
  filename text not null,
  format text not null,
  content_hash text not null,
  statement_date date,
  line_count integer not null,
  total_premium_cents bigint not null default 0,
  total_commission_cents bigint not null default 0,
  mapping jsonb,
  status text not null default 'imported' check (status in ('imported', 'reconciling', 'reconciled')),
  summary jsonb not null default '{}',
  uploaded_at timestamptz not null default now(),
  reconciled_at timestamptz,
  unique (tenant_id, content_hash)
);

create table statement_lines (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  statement_id uuid not null references statements(id) on delete cascade,
  line_no integer not null,
  raw jsonb not null,
  policy_number text not null,
  policy_number_normalized text not null,
  insured_name text,
  effective_date date,
  transaction_type text,
  premium_cents bigint,
  commission_rate text,
  commission_cents bigint not null,
  producer_code text,
  line_of_business text,
  status text not null default 'pending'
    check (status in ('pending', 'matched', 'underpaid', 'overpaid', 'unexpected', 'duplicate')),
  matches jsonb not null default '[]',
  method text,
  confidence integer,
  difference_cents bigint,
  evidence jsonb,
  reason text,
  decided_by text,
  decided_at timestamptz,
  unique (statement_id, line_no)
);
create index statement_lines_statement on statement_lines (statement_id, status);

create table policy_aliases (
  tenant_id uuid not null references tenants(id) on delete cascade,
  carrier_id uuid references carriers(id),
  statement_policy_number text not null,
  policy_number text not null,
  created_by text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, statement_policy_number)
);
`);
  }
}
