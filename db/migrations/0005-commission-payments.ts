// What carriers actually paid: one payment row per amount applied to an expected commission, from
// a reconciled statement line or entered by hand ("mark paid"). An expectation's paid total and
// status follow from its payments, so undoing a reconciliation decision removes exactly its money.
import { Migration } from '@mikro-orm/migrations';

export class CommissionPayments extends Migration {
  override name = '0005-commission-payments';

  override up(): void {
    this.addSql(`
create table commission_payments (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  expected_commission_id uuid not null references expected_commissions(id) on delete cascade,
  statement_id uuid references statements(id) on delete cascade,
  statement_line_id bigint references statement_lines(id) on delete cascade,
  amount_cents bigint not null,
  paid_on date not null,
  source text not null check (source in ('statement', 'manual')),
  note text,
  created_by text,
  created_at timestamptz not null default now()
);
create index commission_payments_expected on commission_payments (expected_commission_id);
create index commission_payments_line on commission_payments (statement_line_id);
create index commission_payments_tenant_paid on commission_payments (tenant_id, paid_on);
alter table expected_commissions add column last_paid_on date;
alter table commission_payments enable row level security;
create policy commission_payments_tenant on commission_payments to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`);
  }
}
