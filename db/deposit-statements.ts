// Carrier commission deposits in QuickBooks as statements. A bookkeeper records each carrier's
// commission EFT as a Deposit whose line names the carrier (the vendor) and usually the statement
// it pays ("TRAV-STMT-202609"). Each synced deposit becomes a statement (source 'quickbooks', one
// line per deposit line); reconciling it is a cash check at the carrier-and-month level: does the
// money that arrived equal what the carrier owed for the month its reference names (or, without
// one, the month before the deposit)? A deposit is cash, not policy detail: it records no payment
// against individual expectations, so it never double-counts a statement uploaded for the month.
//
// Assumption (QuickBooks gives no statement period): the period comes from a "<KEY>-STMT-YYYYMM"
// reference in the line description or private note, else the calendar month before TxnDate.
import { parseMoneyToCents } from '../domain/money.ts';
import type { Queryable } from './pool.ts';

interface DepositLine {
  Amount?: string | number;
  Description?: string;
  DepositLineDetail?: { Entity?: { value?: string; name?: string; type?: string } };
}

interface DepositPayload {
  Id: string;
  SyncToken?: string;
  TxnDate?: string;
  PrivateNote?: string;
  Line?: DepositLine[];
}

const referencePattern = /\b([A-Z0-9]+-STMT-(\d{4})(\d{2}))\b/;

/** A deposit line's amount in cents; a line QuickBooks sent without a readable amount counts 0. */
function cents(amount: string | number | undefined): number {
  try {
    return parseMoneyToCents(amount) ?? 0;
  } catch {
    return 0;
  }
}

function previousMonth(isoDate: string): string {
  const [y, m] = isoDate.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * Turns the connection's synced deposits that are not statements yet into statements; returns the
 * new statement ids. Idempotent: a deposit (by id and sync token) becomes a statement once.
 */
export async function importQuickBooksDeposits(
  db: Queryable,
  tenantId: string,
  connectionId: string,
): Promise<string[]> {
  const { rows } = await db.query<{ payload: DepositPayload }>(
    `select d.payload from source_records d
      where d.tenant_id = $1 and d.connection_id = $2 and d.stream = 'deposits' and d.deleted_at is null
        and not exists (select 1 from statements s where s.tenant_id = $1
                         and s.content_hash = 'qbo-deposit:' || $2 || ':' || (d.payload ->> 'Id') || ':' || coalesce(d.payload ->> 'SyncToken', '0'))
      order by d.payload ->> 'TxnDate', d.external_id`,
    [tenantId, connectionId],
  );
  const created: string[] = [];
  for (const { payload } of rows) {
    const lines = (payload.Line ?? []).filter((l) => l.DepositLineDetail || l.Amount !== undefined);
    const vendorId = lines.find((l) => l.DepositLineDetail?.Entity?.type === 'Vendor')?.DepositLineDetail
      ?.Entity?.value;
    const { rows: carrier } = vendorId
      ? await db.query<{ canonical_id: string }>(
          `select canonical_id from source_records where tenant_id = $1 and connection_id = $2 and stream = 'vendors'
              and external_id = $3 and canonical_type = 'carrier'`,
          [tenantId, connectionId, vendorId],
        )
      : { rows: [] };
    const { rows: statement } = await db.query<{ id: string }>(
      `insert into statements (tenant_id, carrier_id, source, filename, format, content_hash, statement_date, line_count,
                               total_commission_cents, external_ref)
       values ($1, $2, 'quickbooks', $3, 'qbo-deposit', $4, $5, $6, 0, $7)
       on conflict (tenant_id, content_hash) do nothing returning id`,
      [
        tenantId,
        carrier[0]?.canonical_id ?? null,
        `QuickBooks deposit ${payload.Id}`,
        `qbo-deposit:${connectionId}:${payload.Id}:${payload.SyncToken ?? '0'}`,
        payload.TxnDate ?? null,
        lines.length,
        `quickbooks:deposit:${payload.Id}`,
      ],
    );
    // Another import (a sync's completion and the API route at once) took this deposit first.
    if (!statement[0]) continue;
    const statementId = statement[0].id;
    let total = 0;
    for (const [i, line] of lines.entries()) {
      const amount = cents(line.Amount);
      total += amount;
      const text = `${line.Description ?? ''} ${payload.PrivateNote ?? ''}`;
      const reference =
        referencePattern.exec(text)?.[1] ?? (line.Description ?? payload.PrivateNote ?? '').slice(0, 120);
      await db.query(
        `insert into statement_lines (tenant_id, statement_id, line_no, source_row, raw, policy_number, policy_number_normalized,
                                      insured_name, transaction_date, commission_cents)
         values ($1, $2, $3, $3, $4::jsonb, $5, $5, $6, $7, $8)`,
        [
          tenantId,
          statementId,
          i + 1,
          JSON.stringify(line),
          reference,
          line.DepositLineDetail?.Entity?.name ?? null,
          payload.TxnDate ?? null,
          amount,
        ],
      );
    }
    await db.query('update statements set total_commission_cents = $2 where id = $1', [statementId, total]);
    created.push(statementId);
  }
  return created;
}

/**
 * The cash check of a deposit statement: each line against what the carrier's direct-bill
 * expectations for the named month add up to. Results go on the lines like a policy-level
 * reconciliation's, with the evidence a bookkeeper needs.
 */
export async function reconcileDepositStatement(
  db: Queryable,
  tenantId: string,
  statementId: string,
  tolerance: { amountCents: number },
) {
  const { rows: statementRows } = await db.query(
    `select s.carrier_id, c.name as carrier from statements s left join carriers c on c.id = s.carrier_id where s.id = $1`,
    [statementId],
  );
  const { carrier_id: carrierId, carrier } = statementRows[0];
  const { rows: lines } = await db.query(
    `select id, line_no, policy_number as reference, transaction_date::text as paid_on, commission_cents::float8 as amount
       from statement_lines where statement_id = $1 and decision is null order by line_no`,
    [statementId],
  );
  const counts = { matched: 0, underpaid: 0, overpaid: 0, unexpected: 0, duplicate: 0 };
  for (const line of lines) {
    const named = referencePattern.exec(line.reference);
    const month = named ? `${named[2]}-${named[3]}` : line.paid_on ? previousMonth(line.paid_on) : null;
    let status: keyof typeof counts;
    let reason: string;
    let difference: number = line.amount;
    const evidence: Record<string, unknown> = { keysMatched: [], notes: [] };
    if (!carrierId || !month) {
      status = 'unexpected';
      reason = 'The deposit names no carrier the hub knows; it cannot be attributed to a statement period.';
    } else {
      // Another deposit of this carrier already booked for the same reference: the same EFT twice.
      const { rows: twin } = await db.query(
        `select s.id from statement_lines l join statements s on s.id = l.statement_id
          where s.tenant_id = $1 and s.source = 'quickbooks' and s.carrier_id = $2 and l.policy_number = $3
            and l.commission_cents = $4 and s.id <> $5 and s.uploaded_at <= (select uploaded_at from statements where id = $5)
            and l.status <> 'duplicate' and l.status <> 'pending'`,
        [tenantId, carrierId, line.reference, line.amount, statementId],
      );
      const { rows: owed } = await db.query(
        `select coalesce(sum(e.agency_cents), 0)::float8 as owed, count(*) as n
           from expected_commissions e join policies p on p.id = e.policy_id
          where e.tenant_id = $1 and e.carrier_id = $2 and p.bill_mode = 'direct' and e.status <> 'no_rule'
            and to_char(e.effective_date, 'YYYY-MM') = $3`,
        [tenantId, carrierId, month],
      );
      const expected = Number(owed[0].owed);
      difference = line.amount - expected;
      evidence.keysMatched = ['carrier', named ? 'statement_reference' : 'deposit_month'];
      evidence.notes = [
        `${owed[0].n} direct-bill expectation(s) of ${carrier} effective in ${month} add up to ${(expected / 100).toFixed(2)}.`,
      ];
      if (twin.length) {
        status = 'duplicate';
        difference = line.amount;
        reason = `The same amount for ${line.reference} was already deposited (statement ${twin[0].id}): entered twice?`;
      } else if (Math.abs(difference) <= tolerance.amountCents) {
        status = 'matched';
        reason = `The deposit pays ${carrier}'s ${month} direct-bill commission in full.`;
      } else {
        status = difference < 0 ? 'underpaid' : 'overpaid';
        reason = `The deposit is ${(Math.abs(difference) / 100).toFixed(2)} ${difference < 0 ? 'less' : 'more'} than ${carrier}'s ${month} direct-bill commission.`;
      }
    }
    counts[status]++;
    const codes =
      status === 'matched'
        ? []
        : status === 'duplicate'
          ? ['DUPLICATE_PAYMENT']
          : status === 'unexpected'
            ? ['UNEXPECTED_COMMISSION']
            : ['AMOUNT_VARIANCE'];
    await db.query(
      `update statement_lines set status = $2, method = $3, confidence = $4, difference_cents = $5, evidence = $6::jsonb,
              reason = $7, discrepancies = $8::text[], matches = '[]'
        where id = $1`,
      [
        line.id,
        status,
        status === 'unexpected' ? null : 'deposit',
        status === 'unexpected' ? 0 : 100,
        difference,
        JSON.stringify(evidence),
        reason,
        codes,
      ],
    );
  }
  return counts;
}
