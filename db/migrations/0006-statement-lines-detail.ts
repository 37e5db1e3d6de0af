// What the statement importer reads beyond the first cut of statement_lines: the row number a
// spreadsheet shows (errors and reviews point at it), the transaction date next to the term's
// effective date, the insured name as compared, the line's currency, and the discrepancy codes
// reconciliation raised. A statement records which workflow run reconciled it.
import { Migration } from '@mikro-orm/migrations';

export class StatementLinesDetail extends Migration {
  override name = '0006-statement-lines-detail';

  override up(): void {
    this.addSql(`
alter table statement_lines
  add column source_row integer,
  add column transaction_date date,
  add column insured_name_normalized text,
  add column currency char(3) not null default 'USD',
  add column discrepancies text[] not null default '{}',
  add column decision text check (decision in ('confirmed', 'rejected', 'rematched'));
alter table statements
  add column workflow_id text,
  add column external_ref text;
create index statement_lines_status on statement_lines (statement_id, status);
create index statements_tenant_uploaded on statements (tenant_id, uploaded_at desc);
create index policy_aliases_carrier on policy_aliases (tenant_id, carrier_id);
`);
  }
}
