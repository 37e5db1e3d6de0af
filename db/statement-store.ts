// Carrier statements in the database: the statement row, its lines and its other rows (structure
// and unreadable lines) written in batches as the importer streams them (inside the caller's
// transaction, so a refused file leaves nothing), the saved column mapping per carrier, and the
// content hash that recognises a file seen before.
import { randomUUID } from 'node:crypto';
import {
  type ColumnMapping,
  columnMappingSchema,
  type ImportResult,
  type StatementLine,
  type StatementRowRecord,
} from '../domain/statements/types.ts';
import type { Queryable } from './pool.ts';

const lineBatch = 1000;

export interface NewStatement {
  tenantId: string;
  carrierId: string | null;
  source: 'upload' | 'quickbooks';
  filename: string;
  externalRef?: string | null;
  statementDate?: string | null;
}

/**
 * A statement being written: lines go in through `add` (flushed every thousand) and `finish`
 * records the importer's verdict totals. Until the caller commits, none of it is visible.
 */
export class StatementWriter {
  readonly id = randomUUID();
  private readonly pending: StatementLine[] = [];
  private readonly pendingRows: StatementRowRecord[] = [];
  private rowPosition = 0;
  private started = false;

  private readonly db: Queryable;
  private readonly statement: NewStatement;

  constructor(db: Queryable, statement: NewStatement) {
    this.db = db;
    this.statement = statement;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const s = this.statement;
    // The hash is unknown until the last byte; a placeholder keeps the unique index satisfied.
    await this.db.query(
      `insert into statements (id, tenant_id, carrier_id, source, filename, format, content_hash, line_count, external_ref, statement_date)
       values ($1, $2, $3, $4, $5, 'pending', $6, 0, $7, $8)`,
      [
        this.id,
        s.tenantId,
        s.carrierId,
        s.source,
        s.filename,
        `pending:${this.id}`,
        s.externalRef ?? null,
        s.statementDate ?? null,
      ],
    );
  }

  async add(line: StatementLine): Promise<void> {
    await this.start();
    this.pending.push(line);
    if (this.pending.length >= lineBatch) await this.flush();
  }

  /** A row of the file that is not a line: structure, or an unreadable line kept for review. */
  async addRow(row: StatementRowRecord): Promise<void> {
    await this.start();
    this.pendingRows.push(row);
    if (this.pendingRows.length >= lineBatch) await this.flushRows();
  }

  private async flushRows(): Promise<void> {
    const rows = this.pendingRows.splice(0);
    if (!rows.length) return;
    const first = this.rowPosition + 1;
    this.rowPosition += rows.length;
    await this.db.query(
      `insert into statement_rows (tenant_id, statement_id, position, source_row, sheet, kind, cells, reason, errors, amount_cents)
       select $1, $2, $3 + u.ord - 1, u.source_row, u.sheet, u.kind, u.cells::jsonb, u.reason, u.errors::jsonb, u.amount
         from unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
              with ordinality as u(source_row, sheet, kind, cells, reason, errors, amount, ord)`,
      [
        this.statement.tenantId,
        this.id,
        first,
        rows.map((r) => r.sourceRow),
        rows.map((r) => r.sheet),
        rows.map((r) => r.kind),
        rows.map((r) => JSON.stringify(r.cells)),
        rows.map((r) => r.reason),
        rows.map((r) => JSON.stringify(r.errors)),
        rows.map((r) => r.amountCents),
      ],
    );
  }

  private async flush(): Promise<void> {
    const lines = this.pending.splice(0);
    if (!lines.length) return;
    await this.db.query(
      `insert into statement_lines (tenant_id, statement_id, line_no, source_row, raw, policy_number, policy_number_normalized,
              insured_name, insured_name_normalized, effective_date, transaction_date, transaction_type, premium_cents,
              commission_rate, commission_cents, producer_code, line_of_business, currency, sheet)
       select $1, $2, u.line_no, u.source_row, u.raw::jsonb, u.pn, u.pnn, u.insured, u.insured_n, u.eff, u.txd, u.tt, u.premium,
              u.rate, u.commission, u.producer, u.lob, u.currency, u.sheet
         from unnest($3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::date[], $11::date[],
                     $12::text[], $13::bigint[], $14::text[], $15::bigint[], $16::text[], $17::text[], $18::text[], $19::text[])
              as u(line_no, source_row, raw, pn, pnn, insured, insured_n, eff, txd, tt, premium, rate, commission, producer, lob, currency, sheet)`,
      [
        this.statement.tenantId,
        this.id,
        lines.map((l) => l.lineNo),
        lines.map((l) => l.sourceRow),
        lines.map((l) => JSON.stringify(l.raw)),
        lines.map((l) => l.policyNumber),
        lines.map((l) => l.policyNumberNormalized),
        lines.map((l) => l.insuredName || null),
        lines.map((l) => l.insuredNameNormalized || null),
        lines.map((l) => l.effectiveDate || null),
        lines.map((l) => l.transactionDate),
        lines.map((l) => l.transactionType),
        lines.map((l) => l.premiumCents),
        lines.map((l) => l.commissionRate),
        lines.map((l) => l.commissionCents),
        lines.map((l) => l.producerCode),
        lines.map((l) => l.lineOfBusiness),
        lines.map((l) => l.currency),
        lines.map((l) => l.sheet),
      ],
    );
  }

  /** Records the verdict of a successful import; returns the statement id. */
  async finish(
    result: Extract<ImportResult, { ok: true }>,
    mappingUsed: ColumnMapping | null,
  ): Promise<string> {
    await this.start();
    await this.flush();
    await this.flushRows();
    await this.db.query(
      `update statements set format = $2, content_hash = $3, line_count = $4, total_premium_cents = $5,
              total_commission_cents = $6, mapping = $7::jsonb, non_data_row_count = $8, unreadable_line_count = $9,
              rows_by_kind = $10::jsonb, period_start = $11, period_end = $12, control_checks = $13::jsonb,
              warnings = $14::jsonb, needs_review = $15, statement_date = coalesce(statement_date, $16)
        where id = $1`,
      [
        this.id,
        result.format,
        result.contentHash,
        result.totals.count,
        result.totals.premiumCents,
        result.totals.commissionCents,
        mappingUsed ? JSON.stringify(mappingUsed) : null,
        result.counts.nonData,
        result.counts.unreadable,
        JSON.stringify(result.counts.byKind),
        result.period.start,
        result.period.end,
        JSON.stringify(result.controlChecks),
        JSON.stringify(result.warnings),
        result.needsReview,
        result.period.statementDate ?? result.period.end,
      ],
    );
    return this.id;
  }
}

/** The statement already imported from a file with these exact bytes, if any. */
export async function statementWithHash(
  db: Queryable,
  tenantId: string,
  contentHash: string,
): Promise<{ id: string; filename: string; uploaded_at: string } | null> {
  const { rows } = await db.query(
    'select id, filename, uploaded_at from statements where tenant_id = $1 and content_hash = $2',
    [tenantId, contentHash],
  );
  return rows[0] ?? null;
}

export async function savedMapping(
  db: Queryable,
  tenantId: string,
  carrierId: string,
): Promise<ColumnMapping | null> {
  const { rows } = await db.query(
    'select mapping from statement_mappings where tenant_id = $1 and carrier_id = $2',
    [tenantId, carrierId],
  );
  if (!rows[0]) return null;
  // Saved before a field existed, a mapping takes that field's default.
  const parsed = columnMappingSchema.safeParse(rows[0].mapping);
  return parsed.success ? parsed.data : null;
}

export interface SavedMapping {
  carrier_id: string;
  carrier_name: string;
  mapping: unknown;
  updated_at: string;
}

/** Every carrier's saved mapping, by carrier name. */
export async function listSavedMappings(db: Queryable, tenantId: string): Promise<SavedMapping[]> {
  const { rows } = await db.query<SavedMapping>(
    `select m.carrier_id, c.name as carrier_name, m.mapping, m.updated_at from statement_mappings m
       join carriers c on c.id = m.carrier_id
      where m.tenant_id = $1 order by c.name, m.carrier_id`,
    [tenantId],
  );
  return rows;
}

export async function savedMappingRow(
  db: Queryable,
  tenantId: string,
  carrierId: string,
): Promise<SavedMapping | null> {
  const { rows } = await db.query<SavedMapping>(
    `select m.carrier_id, c.name as carrier_name, m.mapping, m.updated_at from statement_mappings m
       join carriers c on c.id = m.carrier_id
      where m.tenant_id = $1 and m.carrier_id = $2`,
    [tenantId, carrierId],
  );
  return rows[0] ?? null;
}

/** Forgets a carrier's saved mapping; its next statement is read by preset or header detection. */
export async function deleteSavedMapping(
  db: Queryable,
  tenantId: string,
  carrierId: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    'delete from statement_mappings where tenant_id = $1 and carrier_id = $2',
    [tenantId, carrierId],
  );
  return (rowCount ?? 0) > 0;
}

export async function saveMapping(
  db: Queryable,
  tenantId: string,
  carrierId: string,
  mapping: ColumnMapping,
): Promise<void> {
  await db.query(
    `insert into statement_mappings (tenant_id, carrier_id, mapping) values ($1, $2, $3::jsonb)
     on conflict (tenant_id, carrier_id) do update set mapping = excluded.mapping, updated_at = now()`,
    [tenantId, carrierId, JSON.stringify(mapping)],
  );
}

export const STATEMENT_COLUMNS = `s.id, s.carrier_id, c.name as carrier_name, s.source, s.filename, s.format, s.content_hash,
  s.statement_date::text, s.period_start::text, s.period_end::text, s.line_count, s.non_data_row_count, s.unreadable_line_count,
  s.rows_by_kind, s.needs_review, s.control_checks, s.warnings, s.total_premium_cents, s.total_commission_cents, s.status, s.summary,
  s.workflow_id, s.external_ref, s.uploaded_at, s.reconciled_at, s.uploaded_at::text as _position`;

export async function loadStatement(db: Queryable, tenantId: string, id: string) {
  const { rows } = await db.query(
    `select ${STATEMENT_COLUMNS} from statements s left join carriers c on c.id = s.carrier_id
      where s.tenant_id = $1 and s.id = $2`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

export interface StatementRowView {
  position: number;
  source_row: number;
  sheet: string | null;
  kind: string;
  cells: string[];
  reason: string;
  errors: unknown[];
  amount_cents: string | null;
}

/** A statement's rows that are not lines, in file order, optionally of some kinds only. */
export async function statementRows(
  db: Queryable,
  statementId: string,
  opts: { kinds?: readonly string[]; after: number; limit: number },
): Promise<StatementRowView[]> {
  const { rows } = await db.query<StatementRowView>(
    `select position, source_row, sheet, kind, cells, reason, errors, amount_cents from statement_rows
      where statement_id = $1 and position > $2 and ($3::text[] is null or kind = any($3::text[]))
      order by position limit $4`,
    [statementId, opts.after, opts.kinds ?? null, opts.limit],
  );
  return rows;
}
