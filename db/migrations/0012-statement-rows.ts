// Every row of an imported statement is accounted for: statement lines as before, and the rows
// that are not lines in statement_rows (titles, repeated headers, sections, subtotals and totals,
// blanks, notes, rows of other worksheets) together with the lines that could not be read, kept
// with their cells and reasons for review. A statement carries its three counts, the period read
// from its preamble, the totals it printed checked against its lines, and whether a person should
// look at it.
import { Migration } from '@mikro-orm/migrations';

export class StatementRows extends Migration {
  override name = '0012-statement-rows';

  override up(): void {
    this.addSql(`
create table statement_rows (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  statement_id uuid not null references statements(id) on delete cascade,
  -- File order: rows of the file that are not lines, numbered as they were met.
  position integer not null,
  source_row integer not null,
  sheet text,
  kind text not null check (kind in ('preamble', 'header', 'repeated_header', 'section', 'subtotal', 'total',
    'balance_forward', 'blank', 'note', 'other_sheet', 'al3_group', 'unreadable')),
  cells jsonb not null,
  reason text not null,
  errors jsonb not null default '[]',
  amount_cents bigint,
  unique (statement_id, position)
);
create index statement_rows_kind on statement_rows (statement_id, kind, position);
alter table statement_rows enable row level security;
create policy statement_rows_tenant on statement_rows to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table statement_lines add column sheet text;
alter table statements
  add column non_data_row_count integer not null default 0,
  add column unreadable_line_count integer not null default 0,
  add column rows_by_kind jsonb not null default '{}',
  add column period_start date,
  add column period_end date,
  add column control_checks jsonb not null default '[]',
  add column warnings jsonb not null default '[]',
  add column needs_review boolean not null default false;
`);
  }
}
