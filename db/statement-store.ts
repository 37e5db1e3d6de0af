// Carrier statements in the database: the statement row, its lines written in batches as the
// importer streams them (inside the caller's transaction, so a rejected file leaves nothing), the
// saved column mapping per carrier, and the content hash that recognises a file seen before.
import { randomUUID } from 'node:crypto';
import type { ColumnMapping, ImportResult, StatementLine } from '../domain/statements/types.ts';
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

  private async flush(): Promise<void> {
    const lines = this.pending.splice(0);
    if (!lines.length) return;
    await this.db.query(
      `insert into statement_lines (tenant_id, statement_id, line_no, source_row, raw, policy_number, policy_number_normalized,
              insured_name, insured_name_normalized, effective_date, transaction_date, transaction_type, premium_cents,
              commission_rate, commission_cents, producer_code, line_of_business, currency)
       select $1, $2, u.line_no, u.source_row, u.raw::jsonb, u.pn, u.pnn, u.insured, u.insured_n, u.eff, u.txd, u.tt, u.premium,
              u.rate, u.commission, u.producer, u.lob, u.currency
         from unnest($3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::date[], $11::date[],
                     $12::text[], $13::bigint[], $14::text[], $15::bigint[], $16::text[], $17::text[], $18::text[])
              as u(line_no, source_row, raw, pn, pnn, insured, insured_n, eff, txd, tt, premium, rate, commission, producer, lob, currency)`,
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
    await this.db.query(
      `update statements set format = $2, content_hash = $3, line_count = $4, total_premium_cents = $5,
              total_commission_cents = $6, mapping = $7::jsonb
        where id = $1`,
      [
        this.id,
        result.format,
        result.contentHash,
        result.totals.count,
        result.totals.premiumCents,
        result.totals.commissionCents,
        mappingUsed ? JSON.stringify(mappingUsed) : null,
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
  return (rows[0]?.mapping as ColumnMapping | undefined) ?? null;
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
  s.statement_date::text, s.line_count, s.total_premium_cents, s.total_commission_cents, s.status, s.summary,
  s.workflow_id, s.external_ref, s.uploaded_at, s.reconciled_at, s.uploaded_at::text as _position`;

export async function loadStatement(db: Queryable, tenantId: string, id: string) {
  const { rows } = await db.query(
    `select ${STATEMENT_COLUMNS} from statements s left join carriers c on c.id = s.carrier_id
      where s.tenant_id = $1 and s.id = $2`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}
