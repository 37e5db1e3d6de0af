// Payments against expected commissions. An expectation's paid total, last payment date and
// status are always derived from its payments, so adding or removing payments (a reconciliation
// decision, a manual "mark paid", an undo) can never leave a total that disagrees with them. A
// chargeback is an expectation below zero: it is settled when the carrier has taken it back. A
// payment within the tenant's rounding tolerance of the expectation settles it too, the difference
// staying visible as paid minus expected.
import { defaultTolerances } from '../domain/reconciliation/types.ts';
import { appendEvents } from './outbox.ts';
import type { Queryable } from './pool.ts';

/**
 * The tenant's rounding tolerance in cents (tenants.settings.reconciliationTolerances.amountCents,
 * else the default), as a SQL expression over the parameter holding the tenant id.
 */
export function amountToleranceSql(tenantParam: string): string {
  const setting = `s.settings -> 'reconciliationTolerances' -> 'amountCents'`;
  return `coalesce((select case when jsonb_typeof(${setting}) = 'number' then abs((${setting})::text::numeric)::bigint end
                      from tenants s where s.id = ${tenantParam}), ${defaultTolerances.amountCents})`;
}

/**
 * SQL for "these payments settle the expectation": all of it (or more), or all but a difference
 * within the tolerance on the expectation's side of zero, so a cent short of a commission or of
 * a chargeback does not leave it outstanding for ever. Callers handle nothing paid first.
 */
export function settlesSql(paid: string, expected: string, tolerance: string): string {
  return `((${expected} >= 0 and ${paid} >= ${expected}) or (${expected} < 0 and ${paid} <= ${expected})
          or (sign(${paid}) = sign(${expected}) and abs(${expected} - ${paid}) <= ${tolerance}))`;
}

export interface PaymentInput {
  expectedCommissionId: string;
  amountCents: number;
  paidOn: string;
  source: 'statement' | 'manual';
  statementId?: string | null;
  statementLineId?: number | null;
  note?: string | null;
  createdBy?: string | null;
}

export async function recordPayments(
  db: Queryable,
  tenantId: string,
  payments: readonly PaymentInput[],
): Promise<void> {
  if (!payments.length) return;
  await db.query(
    `insert into commission_payments (tenant_id, expected_commission_id, amount_cents, paid_on, source, statement_id, statement_line_id, note, created_by)
     select $1, u.e, u.a, u.d, u.s, u.st, u.l, u.n, u.c
       from unnest($2::uuid[], $3::bigint[], $4::date[], $5::text[], $6::uuid[], $7::bigint[], $8::text[], $9::text[]) as u(e, a, d, s, st, l, n, c)`,
    [
      tenantId,
      payments.map((p) => p.expectedCommissionId),
      payments.map((p) => p.amountCents),
      payments.map((p) => p.paidOn),
      payments.map((p) => p.source),
      payments.map((p) => p.statementId ?? null),
      payments.map((p) => p.statementLineId ?? null),
      payments.map((p) => p.note ?? null),
      payments.map((p) => p.createdBy ?? null),
    ],
  );
  await refreshPaidTotals(db, tenantId, [...new Set(payments.map((p) => p.expectedCommissionId))]);
}

/** Removes a statement line's payments (a re-match or a rejected match) and re-derives the totals. */
export async function removeLinePayments(
  db: Queryable,
  tenantId: string,
  statementLineIds: readonly number[],
): Promise<void> {
  if (!statementLineIds.length) return;
  const { rows } = await db.query<{ expected_commission_id: string }>(
    'delete from commission_payments where tenant_id = $1 and statement_line_id = any($2::bigint[]) returning expected_commission_id',
    [tenantId, statementLineIds],
  );
  await refreshPaidTotals(db, tenantId, [...new Set(rows.map((r) => r.expected_commission_id))]);
}

/**
 * Re-derives paid_cents, last_paid_on and status from the payments, and announces each
 * expectation that became fully paid (commission.paid) in the same transaction.
 */
export async function refreshPaidTotals(
  db: Queryable,
  tenantId: string,
  expectedIds: readonly string[],
): Promise<void> {
  if (!expectedIds.length) return;
  const { rows } = await db.query<{
    id: string;
    transaction_id: string;
    policy_id: string;
    paid_cents: string;
    agency_cents: string;
    newly_paid: boolean;
  }>(
    `with totals as (
       select e.id, coalesce(sum(p.amount_cents), 0)::bigint as paid, max(p.paid_on) as last_paid
         from expected_commissions e left join commission_payments p on p.expected_commission_id = e.id
        where e.tenant_id = $1 and e.id = any($2::uuid[])
        group by e.id
     ), before as (
       select id, status from expected_commissions where id = any($2::uuid[])
     ), tolerance as (
       select ${amountToleranceSql('$1')} as cents
     )
     update expected_commissions e
        set paid_cents = t.paid, last_paid_on = t.last_paid,
            status = case
              when e.status in ('no_rule', 'written_off', 'disputed') then e.status
              when t.paid = 0 then case when e.status = 'missing' then 'missing' else 'open' end
              when ${settlesSql('t.paid', 'e.agency_cents', 'tol.cents')} then 'paid'
              else 'partially_paid' end
       from totals t, before b, tolerance tol
      where e.id = t.id and b.id = t.id
      returning e.id, e.transaction_id, e.policy_id, e.paid_cents, e.agency_cents, (e.status = 'paid' and b.status <> 'paid') as newly_paid`,
    [tenantId, expectedIds],
  );
  await appendEvents(
    db,
    { tenantId, connectionId: null },
    rows
      .filter((r) => r.newly_paid)
      .map((r) => ({
        type: 'commission.paid',
        entityType: 'policy_transaction',
        entityId: r.transaction_id,
        data: {
          expected_commission_id: r.id,
          policy_id: r.policy_id,
          paid_cents: Number(r.paid_cents),
          expected_cents: Number(r.agency_cents),
          // Non-zero when settled within the tolerance (or overpaid).
          difference_cents: Number(r.paid_cents) - Number(r.agency_cents),
        },
      })),
  );
}
