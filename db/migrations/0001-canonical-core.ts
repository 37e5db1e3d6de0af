// The canonical core: tenants and their keys, connections with their stream cursors, the
// source records every vendor row is kept as, the canonical entities merged from them, sync
// runs, quarantine and the change outbox. Money is integer minor units (bigint), never floats.
import { Migration } from '@mikro-orm/migrations';

export class CanonicalCore extends Migration {
  override name = '0001-canonical-core';

  override up(): void {
    this.addSql(`
create table tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  plan text not null default 'starter' check (plan in ('free', 'starter', 'professional', 'enterprise')),
  settings jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  name text not null,
  prefix text not null,
  key_hash text not null unique,
  scopes text[] not null default '{}',
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_tenant on api_keys (tenant_id);

create table connections (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  provider text not null,
  display_name text not null,
  status text not null default 'active' check (status in ('active', 'paused', 'error', 'disconnected')),
  status_reason text,
  credentials text,
  credentials_key_id text,
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index connections_tenant on connections (tenant_id);

-- Per stream: the incremental cursor (where the next incremental sync starts) and the
-- checkpoint of the run in progress (where a crashed run resumes), kept apart on purpose.
create table connection_streams (
  tenant_id uuid not null references tenants(id) on delete cascade,
  connection_id uuid not null references connections(id) on delete cascade,
  stream text not null,
  cursor jsonb,
  checkpoint jsonb,
  checkpoint_run_id uuid,
  last_full_sync_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (connection_id, stream)
);

create table sync_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  connection_id uuid not null references connections(id) on delete cascade,
  workflow_id text not null,
  mode text not null check (mode in ('full', 'incremental')),
  status text not null default 'running' check (status in ('running', 'completed', 'failed', 'cancelled')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  attempts integer not null default 1,
  counts jsonb not null default '{}',
  error text,
  failure_class text
);
create index sync_runs_connection on sync_runs (connection_id, started_at desc);

create table source_records (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  connection_id uuid not null references connections(id) on delete cascade,
  stream text not null,
  external_id text not null,
  payload jsonb not null,
  payload_hash text not null,
  vendor_updated_at timestamptz,
  first_seen_at timestamptz not null default now(),
  last_changed_at timestamptz not null default now(),
  last_seen_run_id uuid,
  deleted_at timestamptz,
  delete_reason text,
  canonical_type text,
  canonical_id uuid,
  unique (tenant_id, connection_id, stream, external_id)
);
create index source_records_canonical on source_records (canonical_id);
create index source_records_sweep on source_records (connection_id, stream, last_seen_run_id) where deleted_at is null;

create table quarantined_records (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  connection_id uuid not null references connections(id) on delete cascade,
  sync_run_id uuid references sync_runs(id) on delete set null,
  stream text not null,
  external_id text not null,
  payload jsonb not null,
  field text,
  reason text not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  resolved_at timestamptz,
  unique (connection_id, stream, external_id)
);
create index quarantined_records_tenant on quarantined_records (tenant_id, last_seen_at desc);

create table clients (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  kind text not null default 'business' check (kind in ('person', 'business')),
  display_name text not null,
  name_normalized text not null,
  email text,
  phone text,
  address jsonb,
  provenance jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  delete_reason text
);
create index clients_tenant_updated on clients (tenant_id, updated_at, id);
create index clients_tenant_name on clients (tenant_id, name_normalized);

create table carriers (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  kind text not null default 'carrier' check (kind in ('carrier', 'mga', 'wholesaler')),
  name text not null,
  name_normalized text not null,
  naic_code text,
  parent_carrier_id uuid references carriers(id),
  aliases text[] not null default '{}',
  provenance jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  delete_reason text
);
-- Carriers named on vendor records are found or created by name: one live carrier per name.
create unique index carriers_tenant_name on carriers (tenant_id, name_normalized) where deleted_at is null;

create table producers (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  kind text not null default 'producer' check (kind in ('producer', 'broker_external', 'house', 'csr')),
  name text not null,
  email text,
  codes jsonb not null default '{}',
  active boolean not null default true,
  provenance jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  delete_reason text
);
create index producers_tenant on producers (tenant_id, updated_at, id);

-- One row per policy term; a renewal is a new term linked through prior_policy_id.
create table policies (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  client_id uuid references clients(id),
  carrier_id uuid references carriers(id),
  producer_id uuid references producers(id),
  policy_number text not null,
  policy_number_normalized text not null,
  line_of_business text,
  business_type text,
  state text,
  effective_date date,
  expiration_date date,
  original_inception_date date,
  prior_policy_id uuid references policies(id),
  prior_policy_number text,
  bill_mode text check (bill_mode in ('agency', 'direct')),
  status text not null default 'active'
    check (status in ('prospective', 'active', 'cancelled', 'expired', 'replaced', 'lost')),
  term_premium_cents bigint,
  currency char(3) not null default 'USD',
  provenance jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  delete_reason text
);
create index policies_tenant_updated on policies (tenant_id, updated_at, id);
create index policies_tenant_number on policies (tenant_id, policy_number_normalized);
create index policies_tenant_expiration on policies (tenant_id, expiration_date) where deleted_at is null;

create table policy_transactions (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  policy_id uuid not null references policies(id) on delete cascade,
  type text not null check (type in ('NEW', 'RWL', 'END', 'CAN', 'REI', 'AUD', 'PMT', 'ADJ', 'REWRITE', 'BOR')),
  effective_date date not null,
  accounting_period char(7),
  premium_delta_cents bigint not null default 0,
  taxes_fees_cents bigint not null default 0,
  cancel_method text check (cancel_method in ('flat', 'pro_rata', 'short_rate')),
  provenance jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  delete_reason text
);
create index policy_transactions_policy on policy_transactions (policy_id, effective_date);

-- The outbox: every real change to a canonical entity, in commit order, for the change feed,
-- webhooks and follow-up work. Written in the same transaction as the change itself.
create table change_events (
  seq bigint generated always as identity primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  entity_type text not null,
  entity_id uuid not null,
  op text not null check (op in ('created', 'updated', 'deleted')),
  connection_id uuid,
  changed_fields text[] not null default '{}',
  occurred_at timestamptz not null default now()
);
create index change_events_tenant_seq on change_events (tenant_id, seq);
`);
  }
}
