// How each announced renewal ended, decided once when it leaves the outreach list: renewed (a
// later term links to it) or lost (cancelled, deleted, or past expiration without a renewal).
// The CRM records of the renewal are closed from here (won or lost).
import { Migration } from '@mikro-orm/migrations';

export class RenewalOutcomes extends Migration {
  override name = '0011-renewal-outcomes';

  override up(): void {
    this.addSql(`
create table renewal_outcomes (
  policy_id uuid primary key references policies(id) on delete cascade,
  tenant_id uuid not null references tenants(id) on delete cascade,
  outcome text not null check (outcome in ('renewed', 'lost')),
  renewal_policy_id uuid references policies(id) on delete set null,
  decided_at timestamptz not null default now()
);
create index renewal_outcomes_tenant on renewal_outcomes (tenant_id, decided_at, policy_id);
alter table renewal_outcomes enable row level security;
create policy renewal_outcomes_tenant on renewal_outcomes to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`);
  }
}
