// Renewal outreach state: which policies the last daily pass found expiring (with the renewal
// probability it scored, so each CRM connection's push reads the same figures), and which
// renewal.upcoming notices went out, one per policy per window (90, 60, 30 days), whatever
// reruns happen. The CRM records themselves are keyed by external ids in the CRM, and the
// journal entries by DocNumber in the ledger, so neither needs a table here.
import { Migration } from '@mikro-orm/migrations';

export class OutboundCrmAccounting extends Migration {
  override name = '0009-outbound-crm-accounting';

  override up(): void {
    this.addSql(`
create table renewal_outreach (
  policy_id uuid primary key references policies(id) on delete cascade,
  tenant_id uuid not null references tenants(id) on delete cascade,
  as_of date not null,
  expiration_date date not null,
  window_days integer not null check (window_days in (90, 60, 30)),
  -- Null when the tenant's book has too few decided renewals to learn from.
  probability double precision check (probability is null or (probability >= 0 and probability <= 1)),
  risk_level text,
  -- What drove the score and what the producer can do, as the model says it (text only).
  drivers jsonb not null default '[]',
  actions jsonb not null default '[]',
  updated_at timestamptz not null default now()
);
create index renewal_outreach_tenant on renewal_outreach (tenant_id, as_of, policy_id);

create table renewal_notices (
  policy_id uuid not null references policies(id) on delete cascade,
  window_days integer not null check (window_days in (90, 60, 30)),
  tenant_id uuid not null references tenants(id) on delete cascade,
  expiration_date date not null,
  notified_at timestamptz not null default now(),
  primary key (policy_id, window_days)
);
`);
    for (const t of ['renewal_outreach', 'renewal_notices']) {
      this.addSql(`
alter table ${t} enable row level security;
create policy ${t}_tenant on ${t} to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`);
    }
  }
}
