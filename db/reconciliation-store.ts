// Reconciling a stored statement: load what the carrier's lines may pay (every expectation of the
// carrier, paid ones included so a second payment is seen as a duplicate), run the matcher, and
// write its verdicts, the payments they imply and the discrepancy events in one transaction.
// Lines a person decided are left as decided; a re-run re-matches only the rest, with the
// aliases people taught it since.
import { reconcile } from '../domain/reconciliation/match.ts';
import {
  defaultTolerances,
  type ExpectedItem,
  type LineResult,
  type PolicyAlias,
  type ReconciliationSummary,
  type StatementItem,
  type Tolerances,
} from '../domain/reconciliation/types.ts';
import { type PaymentInput, recordPayments, removeLinePayments } from './commission-payments.ts';
import { reconcileDepositStatement } from './deposit-statements.ts';
import { appendEvents, type OutboxEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';

/** Days of grace before an unpaid expectation is missing when the tenant set none for the carrier. */
export const agingGraceDays = 30;

export interface ReconciliationSettings {
  tolerances?: Partial<Tolerances>;
  /** Days after the expected pay date before an unpaid expectation is missing, per carrier id. */
  missingGraceDays?: Record<string, number>;
}

export async function reconciliationSettings(
  db: Queryable,
  tenantId: string,
): Promise<ReconciliationSettings> {
  const { rows } = await db.query('select settings from tenants where id = $1', [tenantId]);
  const settings = (rows[0]?.settings ?? {}) as {
    reconciliationTolerances?: Partial<Tolerances>;
    missingGraceDays?: Record<string, number>;
  };
  return { tolerances: settings.reconciliationTolerances, missingGraceDays: settings.missingGraceDays };
}

/**
 * Every expectation of the carrier the matcher may link a line to, those without a rate too (a
 * payment for one is ours, and shows the rate to learn). A renewal or rewrite carries the numbers
 * of the two terms before it (the linked term's number, else the prior number the AMS recorded),
 * so a statement printing last term's number still finds it.
 */
export async function loadExpectedItems(
  db: Queryable,
  tenantId: string,
  carrierId: string,
): Promise<ExpectedItem[]> {
  const { rows } = await db.query(
    `select e.id, e.carrier_id, p.policy_number, p.policy_number_normalized, coalesce(cl.display_name, '') as insured,
            e.effective_date::text as effective_date, e.transaction_type, e.agency_cents::float8 as agency_cents,
            (e.agency_cents - e.paid_cents)::float8 as balance, e.expected_pay_date::text as pay_date,
            e.basis_cents::float8 as basis_cents, e.rate, e.status = 'no_rule' as unpriced,
            case when e.transaction_type in ('RWL', 'REWRITE') then
              array_remove(array[coalesce(pp.policy_number, p.prior_policy_number),
                                 coalesce(ppp.policy_number, pp.prior_policy_number)], null)
            end as prior_numbers
       from expected_commissions e
       join policies p on p.id = e.policy_id
       left join policies pp on pp.id = p.prior_policy_id
       left join policies ppp on ppp.id = pp.prior_policy_id
       left join clients cl on cl.id = p.client_id
      where e.tenant_id = $1 and e.carrier_id = $2 and e.status <> 'written_off'
      order by e.effective_date, e.id`,
    [tenantId, carrierId],
  );
  return rows.map((r) => {
    const item: ExpectedItem = {
      id: r.id,
      carrierId: r.carrier_id,
      policyNumber: r.policy_number,
      policyNumberNormalized: r.policy_number_normalized,
      insuredName: r.insured,
      effectiveDate: r.effective_date,
      transactionType: r.transaction_type,
      expectedCents: r.agency_cents,
      balanceCents: r.balance,
      expectedPayDate: r.pay_date,
      basisCents: r.basis_cents,
      rate: r.rate,
      // Always set (undefined for most): items of one shape keep the matcher's reads fast.
      priorPolicyNumbers: undefined,
      unpriced: r.unpriced === true,
    };
    // Most renewals keep their number; only a different one is worth indexing.
    const priors = ((r.prior_numbers as string[] | null) ?? []).filter(
      (n, k, all) => n !== '' && n !== r.policy_number && all.indexOf(n) === k,
    );
    if (priors.length > 0) item.priorPolicyNumbers = priors;
    return item;
  });
}

async function loadStatementItems(
  db: Queryable,
  statementId: string,
  carrierId: string,
): Promise<StatementItem[]> {
  const { rows } = await db.query(
    `select id::text, line_no, policy_number, coalesce(insured_name, '') as insured,
            coalesce(case when transaction_type in ('END', 'CAN', 'REI', 'AUD') then transaction_date end, effective_date)::text as day,
            transaction_type, commission_cents::float8 as commission, premium_cents::float8 as premium, commission_rate
       from statement_lines where statement_id = $1 and decision is null order by line_no`,
    [statementId],
  );
  return rows.map((r) => ({
    id: r.id,
    lineNo: r.line_no,
    carrierId,
    policyNumber: r.policy_number,
    insuredName: r.insured,
    effectiveDate: r.day ?? '',
    transactionType: r.transaction_type,
    commissionCents: r.commission,
    premiumCents: r.premium,
    rate: r.commission_rate,
  }));
}

export async function loadAliases(
  db: Queryable,
  tenantId: string,
  carrierId: string,
): Promise<PolicyAlias[]> {
  const { rows } = await db.query(
    `select carrier_id, statement_policy_number, policy_number from policy_aliases
      where tenant_id = $1 and (carrier_id = $2 or carrier_id is null)`,
    [tenantId, carrierId],
  );
  return rows.map((r) => ({
    carrierId: r.carrier_id ?? carrierId,
    statementPolicyNumber: r.statement_policy_number,
    policyNumber: r.policy_number,
  }));
}

async function writeLineResults(db: Queryable, results: readonly LineResult[]): Promise<void> {
  for (let at = 0; at < results.length; at += 2000) {
    const batch = results.slice(at, at + 2000);
    await db.query(
      `update statement_lines l
          set status = u.status, matches = u.matches::jsonb, method = u.method, confidence = u.confidence,
              difference_cents = u.difference, discrepancies = coalesce(string_to_array(u.codes, ','), '{}'), evidence = u.evidence::jsonb,
              reason = u.reason
         from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::text[], $8::text[], $9::text[])
              as u(id, status, matches, method, confidence, difference, codes, evidence, reason)
        where l.id = u.id`,
      [
        batch.map((r) => r.lineId),
        batch.map((r) => r.status),
        batch.map((r) => JSON.stringify(r.matches)),
        batch.map((r) => r.method),
        batch.map((r) => r.confidence),
        batch.map((r) => r.differenceCents),
        batch.map((r) => (r.discrepancies.length ? r.discrepancies.join(',') : null)),
        batch.map((r) => JSON.stringify(r.evidence)),
        batch.map((r) => r.reason),
      ],
    );
  }
}

export interface StatementReconciliation {
  summary: ReconciliationSummary;
  missing: { expectedId: string; balanceCents: number; daysOverdue: number; reason: string }[];
  decidedLines: number;
}

/**
 * Reconciles one statement inside the caller's transaction. Statements of one carrier reconcile
 * one at a time (an advisory lock), so two never both take the same unpaid expectation.
 */
export async function reconcileStoredStatement(
  db: Queryable,
  tenantId: string,
  statementId: string,
  asOf: string,
): Promise<StatementReconciliation> {
  const { rows } = await db.query(
    `select carrier_id, source, coalesce(statement_date, uploaded_at::date)::text as paid_on from statements where tenant_id = $1 and id = $2`,
    [tenantId, statementId],
  );
  const statement = rows[0];
  if (!statement) throw new Error(`statement ${statementId} not found`);
  if (statement.source === 'quickbooks')
    return reconcileDeposit(db, tenantId, statementId, statement.carrier_id);
  const carrierId: string | null = statement.carrier_id;
  if (!carrierId) throw new Error(`statement ${statementId} has no carrier; it cannot be reconciled`);
  await db.query('select pg_advisory_xact_lock(hashtext($1))', [`reconcile:${tenantId}:${carrierId}`]);

  // A re-run starts over for every line nobody decided: their earlier payments come off first.
  const { rows: undecided } = await db.query<{ id: string }>(
    'select id from statement_lines where statement_id = $1 and decision is null',
    [statementId],
  );
  await removeLinePayments(
    db,
    tenantId,
    undecided.map((r) => Number(r.id)),
  );
  const settings = await reconciliationSettings(db, tenantId);
  // One connection: its queries run one after another.
  const expected = await loadExpectedItems(db, tenantId, carrierId);
  const lines = await loadStatementItems(db, statementId, carrierId);
  const aliases = await loadAliases(db, tenantId, carrierId);
  const result = reconcile(lines, expected, {
    asOf,
    tolerances: settings.tolerances,
    aliases,
    // The same default as the aging pass of activities/commissions.ts.
    graceDays: settings.missingGraceDays?.[carrierId] ?? agingGraceDays,
  });
  // The matcher names carriers by id; people read the carrier's name.
  const { rows: named } = await db.query('select name from carriers where id = $1', [carrierId]);
  const carrierName: string = named[0]?.name ?? carrierId;
  for (const r of result.lines) r.reason = r.reason.replaceAll(carrierId, carrierName);
  await writeLineResults(db, result.lines);

  const payments: PaymentInput[] = [];
  const events: OutboxEvent[] = [];
  const lineNoById = new Map(lines.map((l) => [l.id, l]));
  for (const r of result.lines) {
    for (const m of r.matches) {
      if (m.appliedCents === 0) continue;
      payments.push({
        expectedCommissionId: m.expectedId,
        amountCents: m.appliedCents,
        paidOn: statement.paid_on,
        source: 'statement',
        statementId,
        statementLineId: Number(r.lineId),
        createdBy: 'reconciliation',
      });
    }
    if (r.discrepancies.length) {
      const line = lineNoById.get(r.lineId);
      events.push({
        type: 'commission.discrepancy',
        entityType: 'statement',
        entityId: statementId,
        data: {
          statement_line_id: r.lineId,
          line_no: line?.lineNo,
          policy_number: line?.policyNumber,
          status: r.status,
          codes: r.discrepancies,
          difference_cents: r.differenceCents,
          expected_commission_ids: r.matches.map((m) => m.expectedId),
          reason: r.reason,
        },
      });
    }
  }
  await recordPayments(db, tenantId, payments);
  await appendEvents(db, { tenantId, connectionId: null }, events);

  const missing = result.expected
    .filter((e) => e.status === 'missing')
    .map((e) => ({
      expectedId: e.expectedId,
      balanceCents: e.balanceCents,
      daysOverdue: e.daysOverdue,
      reason: e.reason.replaceAll(carrierId, carrierName),
    }));
  const { rows: decided } = await db.query<{ n: string }>(
    'select count(*) as n from statement_lines where statement_id = $1 and decision is not null',
    [statementId],
  );
  const outcome: StatementReconciliation = {
    summary: result.summary,
    missing: missing.slice(0, 500),
    decidedLines: Number(decided[0]?.n ?? 0),
  };
  await db.query(
    `update statements set status = 'reconciled', reconciled_at = now(), summary = $3::jsonb where tenant_id = $1 and id = $2`,
    [tenantId, statementId, JSON.stringify({ ...outcome, missingCount: missing.length })],
  );
  return outcome;
}

/** A QuickBooks deposit: the cash check of db/deposit-statements.ts, one carrier at a time. */
async function reconcileDeposit(
  db: Queryable,
  tenantId: string,
  statementId: string,
  carrierId: string | null,
): Promise<StatementReconciliation> {
  if (carrierId)
    await db.query('select pg_advisory_xact_lock(hashtext($1))', [`reconcile:${tenantId}:${carrierId}`]);
  const settings = await reconciliationSettings(db, tenantId);
  const lines = await reconcileDepositStatement(db, tenantId, statementId, {
    amountCents: settings.tolerances?.amountCents ?? defaultTolerances.amountCents,
  });
  const { rows } = await db.query(
    `select coalesce(sum(commission_cents) filter (where status in ('matched', 'underpaid', 'overpaid')), 0)::float8 as paid,
            coalesce(sum(difference_cents) filter (where status in ('matched', 'underpaid', 'overpaid')), 0)::float8 as variance
       from statement_lines where statement_id = $1`,
    [statementId],
  );
  const summary: ReconciliationSummary = {
    lines,
    methods: { exact: 0, normalized: 0, alias: 0, fuzzy: 0, many_to_one: 0, one_to_many: 0 },
    expected: { open: 0, missing: 0 },
    paidCents: rows[0].paid,
    varianceCents: rows[0].variance,
  };
  const { rows: flagged } = await db.query(
    `select id, line_no, policy_number, status, discrepancies, difference_cents::float8 as difference, reason
       from statement_lines where statement_id = $1 and cardinality(discrepancies) > 0`,
    [statementId],
  );
  await appendEvents(
    db,
    { tenantId, connectionId: null },
    flagged.map((l) => ({
      type: 'commission.discrepancy',
      entityType: 'statement',
      entityId: statementId,
      data: {
        statement_line_id: String(l.id),
        line_no: l.line_no,
        reference: l.policy_number,
        status: l.status,
        codes: l.discrepancies,
        difference_cents: l.difference,
        reason: l.reason,
      },
    })),
  );
  const outcome: StatementReconciliation = { summary, missing: [], decidedLines: 0 };
  await db.query(
    `update statements set status = 'reconciled', reconciled_at = now(), summary = $3::jsonb where tenant_id = $1 and id = $2`,
    [tenantId, statementId, JSON.stringify({ ...outcome, missingCount: 0, kind: 'deposit' })],
  );
  return outcome;
}

export type LineDecision =
  | { action: 'confirm' }
  | { action: 'reject' }
  | { action: 'rematch'; expectedCommissionIds: string[] };

/**
 * A person's verdict on one line. Confirming or re-matching a line whose printed policy number
 * differs from ours teaches an alias, so the next statement matches it on the alias tier.
 */
export async function decideLine(
  db: Queryable,
  tenantId: string,
  statementId: string,
  lineNo: number,
  decision: LineDecision,
  decidedBy: string,
): Promise<{ lineId: number; alias: PolicyAlias | null } | null> {
  const { rows } = await db.query(
    `select l.id, l.line_no, l.policy_number, coalesce(l.insured_name, '') as insured, l.commission_cents::float8 as commission,
            l.matches, s.carrier_id, coalesce(s.statement_date, s.uploaded_at::date)::text as paid_on
       from statement_lines l join statements s on s.id = l.statement_id
      where s.tenant_id = $1 and l.statement_id = $2 and l.line_no = $3`,
    [tenantId, statementId, lineNo],
  );
  const line = rows[0];
  if (!line) return null;
  const lineId = Number(line.id);
  let expectedIds: string[] = (line.matches as { expectedId: string }[]).map((m) => m.expectedId);

  if (decision.action === 'reject') {
    await removeLinePayments(db, tenantId, [lineId]);
    await db.query(
      `update statement_lines set decision = 'rejected', decided_by = $2, decided_at = now(), status = 'unexpected',
              matches = '[]', method = null, confidence = 0, difference_cents = commission_cents,
              discrepancies = '{UNEXPECTED_COMMISSION}', reason = 'A person rejected the match; the line pays nothing we expected.'
        where id = $1`,
      [lineId, decidedBy],
    );
    return { lineId, alias: null };
  }

  if (decision.action === 'rematch') {
    expectedIds = decision.expectedCommissionIds;
    const { rows: chosen } = await db.query(
      `select id, (agency_cents - paid_cents)::float8 as balance, agency_cents::float8 as expected from expected_commissions
        where tenant_id = $1 and id = any($2::uuid[]) and carrier_id is not distinct from $3`,
      [tenantId, expectedIds, line.carrier_id],
    );
    if (chosen.length !== new Set(expectedIds).size)
      throw new RangeError('unknown expected commission for this carrier');
    await removeLinePayments(db, tenantId, [lineId]);
    // Balances re-read after this line's own payments came off; the line fills them in the
    // order given and any remainder stays on the last one (an overpayment to look at).
    const { rows: balances } = await db.query(
      `select id, (agency_cents - paid_cents)::float8 as balance from expected_commissions where id = any($1::uuid[])`,
      [expectedIds],
    );
    const balanceOf = new Map(balances.map((b) => [b.id as string, b.balance as number]));
    let left: number = line.commission;
    const matches = expectedIds.map((id, i) => {
      const take =
        i === expectedIds.length - 1
          ? left
          : Math.sign(left) * Math.min(Math.abs(left), Math.abs(balanceOf.get(id) ?? 0));
      left -= take;
      return { expectedId: id, appliedCents: take };
    });
    const owed = expectedIds.reduce((sum, id) => sum + (balanceOf.get(id) ?? 0), 0);
    const difference = line.commission - owed;
    const status = difference === 0 ? 'matched' : difference < 0 ? 'underpaid' : 'overpaid';
    await recordPayments(
      db,
      tenantId,
      matches
        .filter((m) => m.appliedCents !== 0)
        .map((m) => ({
          expectedCommissionId: m.expectedId,
          amountCents: m.appliedCents,
          paidOn: line.paid_on,
          source: 'statement' as const,
          statementId,
          statementLineId: lineId,
          createdBy: decidedBy,
        })),
    );
    await db.query(
      `update statement_lines set decision = 'rematched', decided_by = $2, decided_at = now(), status = $3, matches = $4::jsonb,
              method = null, confidence = 100, difference_cents = $5,
              discrepancies = case when $5::bigint = 0 then '{}'::text[] else '{AMOUNT_VARIANCE}'::text[] end,
              reason = $6
        where id = $1`,
      [
        lineId,
        decidedBy,
        status,
        JSON.stringify(matches),
        difference,
        `Matched by hand to ${expectedIds.length} expected commission(s); paid minus owed is ${difference} cents.`,
      ],
    );
  } else {
    await db.query(
      `update statement_lines set decision = 'confirmed', decided_by = $2, decided_at = now() where id = $1`,
      [lineId, decidedBy],
    );
  }

  const first = expectedIds[0];
  if (!first) return { lineId, alias: null };
  const { rows: target } = await db.query(
    `select e.id, p.policy_number, p.policy_number_normalized from expected_commissions e join policies p on p.id = e.policy_id
      where e.id = $1`,
    [first],
  );
  const ours = target[0];
  if (!ours || ours.policy_number === line.policy_number) return { lineId, alias: null };
  const alias: PolicyAlias = {
    carrierId: line.carrier_id,
    statementPolicyNumber: line.policy_number,
    policyNumber: ours.policy_number,
  };
  await db.query(
    `insert into policy_aliases (tenant_id, carrier_id, statement_policy_number, policy_number, created_by)
     values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, statement_policy_number) do update set policy_number = excluded.policy_number,
        carrier_id = excluded.carrier_id, created_by = excluded.created_by, created_at = now()`,
    [tenantId, alias.carrierId, alias.statementPolicyNumber, alias.policyNumber, decidedBy],
  );
  return { lineId, alias };
}
