// Expected commissions, computed from what the database holds: the tenant's rules and split
// plans, each policy term with its place in its renewal chain, and the term's transactions. A
// result is written only when its inputs changed (input hash), with a commission.calculated event
// in the same transaction; a transaction with no applicable rule is recorded as such, with the
// reason, so the agency sees which rule is missing.
import { createHash } from 'node:crypto';
import { addDays } from '../connectors/kit/demo-agency.ts';
import { calculateExpected, calculateTermTransactions } from '../domain/commissions/calculate.ts';
import { linkRenewalChains } from '../domain/commissions/renewal-chain.ts';
import { NoRuleError } from '../domain/commissions/rules.ts';
import { selectSplitPlan } from '../domain/commissions/splits.ts';
import type {
  CommissionRule,
  CommissionTransaction,
  ExpectedCommission,
  PolicyTerm,
  ProducerRole,
  SplitPlan,
  TransactionType,
} from '../domain/commissions/types.ts';
import { amountToleranceSql, settlesSql } from './commission-payments.ts';
import { appendEvents, type OutboxEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';

/** Days after the transaction a carrier is expected to pay (per-carrier overrides in tenant settings). */
export const DEFAULT_PAY_LAG_DAYS = 45;

export async function loadRules(
  db: Queryable,
  tenantId: string,
  carrierId?: string,
): Promise<CommissionRule[]> {
  const { rows } = await db.query(
    `select * from commission_rules where tenant_id = $1 and ($2::uuid is null or carrier_id = $2 or mga_id = $2) order by effective_from, id`,
    [tenantId, carrierId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    carrierId: r.carrier_id,
    mgaId: r.mga_id,
    lineOfBusiness: r.line_of_business,
    state: r.state,
    termKind: r.term_kind,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    basis: r.basis,
    priority: r.priority,
    commissionOnFees: r.commission_on_fees,
    description: r.description ?? undefined,
    source: r.source ?? 'schedule',
  }));
}

export async function loadSplitPlans(db: Queryable, tenantId: string): Promise<SplitPlan[]> {
  const { rows } = await db.query(
    'select * from split_plans where tenant_id = $1 order by effective_from, id',
    [tenantId],
  );
  return rows.map((r) => ({
    id: r.id,
    producerId: r.producer_id,
    policyId: r.policy_id,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    entries: r.entries,
  }));
}

/** Links every term of the clients' books into renewal chains and stores year, prior and inception. */
export async function refreshRenewalChains(
  db: Queryable,
  tenantId: string,
  clientIds: string[],
): Promise<void> {
  if (!clientIds.length) return;
  const { rows } = await db.query(
    `select id, policy_number, prior_policy_number, carrier_id, line_of_business, client_id, effective_date, expiration_date,
            original_inception_date, policy_year, prior_policy_id
       from policies where tenant_id = $1 and client_id = any($2::uuid[]) and deleted_at is null
        and effective_date is not null and expiration_date is not null`,
    [tenantId, clientIds],
  );
  const chained = linkRenewalChains(
    rows.map((r) => ({
      id: r.id,
      policyNumber: r.policy_number,
      priorPolicyNumber: r.prior_policy_number,
      carrierId: r.carrier_id,
      lineOfBusiness: r.line_of_business,
      clientId: r.client_id,
      effectiveDate: r.effective_date,
      expirationDate: r.expiration_date,
      originalInceptionDate: r.original_inception_date,
    })),
  );
  const before = new Map(rows.map((r) => [r.id, r]));
  const changed = chained.filter((c) => {
    const r = before.get(c.id);
    return (
      r.policy_year !== c.policyYear ||
      r.prior_policy_id !== c.priorTermId ||
      r.original_inception_date !== c.originalInceptionDate
    );
  });
  if (!changed.length) return;
  await db.query(
    `update policies p set policy_year = u.policy_year, prior_policy_id = u.prior_id, original_inception_date = u.inception
       from unnest($1::uuid[], $2::int[], $3::uuid[], $4::date[]) as u(id, policy_year, prior_id, inception) where p.id = u.id`,
    [
      changed.map((c) => c.id),
      changed.map((c) => c.policyYear),
      changed.map((c) => c.priorTermId),
      changed.map((c) => c.originalInceptionDate),
    ],
  );
}

export interface TermRow {
  id: string;
  tenant_id: string;
  carrier_id: string | null;
  mga_id: string | null;
  producer_id: string | null;
  line_of_business: string | null;
  state: string | null;
  effective_date: string | null;
  expiration_date: string | null;
  original_inception_date: string | null;
  term_premium_cents: number | null;
  policy_year: number | null;
  commission_rate?: string | null;
  commission_rate_source?: string | null;
  producer_shares?: { producerId: string; percent: string; role: ProducerRole }[] | null;
}

/** Split plan ids that stand for the shares a system of record states: no split_plans row. */
export const RECORDED_PLAN_PREFIX = 'recorded:';

/**
 * The shares the system of record states for the term, as a policy-level plan, when the agency
 * has no split plan of its own for it (the agency's plans win, as its schedules do).
 */
function recordedSplitPlan(term: TermRow, policy: PolicyTerm, plans: readonly SplitPlan[]): SplitPlan | null {
  const shares = term.producer_shares;
  if (!shares?.length) return null;
  try {
    if (selectSplitPlan(plans, policy, policy.effectiveDate) !== null) return null;
  } catch {
    return null; // the agency's plans are ambiguous: that error is theirs to show
  }
  return {
    id: `${RECORDED_PLAN_PREFIX}${term.commission_rate_source ?? 'ams'}:${term.id}`,
    producerId: null,
    policyId: term.id,
    effectiveFrom: policy.effectiveDate,
    effectiveTo: null,
    entries: shares.map((s) => ({
      producerId: s.producerId,
      role: s.role,
      newPercent: s.percent,
      renewalPercent: s.percent,
    })),
  };
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

export interface RecalculationResult {
  policies: number;
  transactions: number;
  changed: number;
  noRule: number;
}

export function errorReason(err: Error): string {
  return err instanceof NoRuleError ? err.message : `${err.name}: ${err.message}`;
}

export interface TransactionRow {
  id: string;
  policy_id: string;
  type: string;
  effective_date: string;
  premium_delta_cents: number | string;
  taxes_fees_cents: number | string;
  broker_fee_cents: number | string;
  cancel_method: string | null;
  commission_rate: string | null;
  commission_cents: number | string | null;
  commission_source: string | null;
  deleted_at: Date | null;
}

export const TRANSACTION_COLUMNS = `id, policy_id, type, effective_date, premium_delta_cents, taxes_fees_cents, broker_fee_cents,
  cancel_method, commission_rate, commission_cents, commission_source, deleted_at`;
export const TERM_COLUMNS = `id, tenant_id, carrier_id, mga_id, producer_id, line_of_business, state, effective_date, expiration_date,
  original_inception_date, term_premium_cents, policy_year, commission_rate, commission_rate_source, producer_shares`;

/**
 * Calculates a term's live transactions in order (a cancellation needs what came before it). One
 * transaction that cannot be calculated must not hide the others, so a failure falls back to one
 * at a time and the failing ones carry their error.
 */
export function calculateTerm(
  term: TermRow,
  transactions: readonly TransactionRow[],
  inputs: { rules: CommissionRule[]; plans: SplitPlan[] },
): { tx: CommissionTransaction; policy: PolicyTerm; outcome: ExpectedCommission | Error }[] {
  const live = transactions.filter((t) => !t.deleted_at);
  if (!live.length || !term.effective_date || !term.expiration_date) return [];
  const policy: PolicyTerm = {
    id: term.id,
    carrierId: term.carrier_id,
    mgaId: term.mga_id,
    producerId: term.producer_id,
    lineOfBusiness: term.line_of_business,
    state: term.state,
    effectiveDate: term.effective_date,
    expirationDate: term.expiration_date,
    originalInceptionDate: term.original_inception_date,
    termPremiumCents: Number(term.term_premium_cents ?? 0),
    policyYear: term.policy_year ?? 1,
    recorded: term.commission_rate
      ? { rate: term.commission_rate, cents: null, system: term.commission_rate_source ?? 'ams' }
      : null,
  };
  const txs: CommissionTransaction[] = live.map((t) => ({
    id: t.id,
    type: t.type as TransactionType,
    effectiveDate: t.effective_date,
    premiumDeltaCents: Number(t.premium_delta_cents),
    taxesFeesCents: Number(t.taxes_fees_cents),
    brokerFeeCents: Number(t.broker_fee_cents),
    cancelMethod: t.cancel_method as CommissionTransaction['cancelMethod'],
    policy,
    recorded:
      t.commission_rate !== null || t.commission_cents !== null
        ? {
            rate: t.commission_rate,
            cents: t.commission_cents === null ? null : Number(t.commission_cents),
            system: t.commission_source ?? 'ams',
          }
        : null,
  }));
  const recordedPlan = recordedSplitPlan(term, policy, inputs.plans);
  const plans = recordedPlan ? [...inputs.plans, recordedPlan] : inputs.plans;
  let outcomes: (ExpectedCommission | Error)[];
  try {
    outcomes = calculateTermTransactions(txs, inputs.rules, plans);
  } catch {
    outcomes = txs.map((tx) => {
      try {
        return calculateExpected(tx, inputs.rules, plans);
      } catch (err) {
        return err as Error;
      }
    });
  }
  return txs.map((tx, i) => ({ tx, policy, outcome: outcomes[i]! }));
}

/** Recalculates the expected commission of every transaction on the given policy terms. */
export async function recalculatePolicies(
  db: Queryable,
  tenantId: string,
  policyIds: string[],
  inputs: { rules: CommissionRule[]; plans: SplitPlan[]; payLagDays?: Record<string, number> },
): Promise<RecalculationResult> {
  const result: RecalculationResult = { policies: 0, transactions: 0, changed: 0, noRule: 0 };
  if (!policyIds.length) return result;
  const { rows: terms } = await db.query<TermRow>(
    `select ${TERM_COLUMNS} from policies where tenant_id = $1 and id = any($2::uuid[])`,
    [tenantId, policyIds],
  );
  const { rows: txRows } = await db.query<TransactionRow>(
    `select ${TRANSACTION_COLUMNS} from policy_transactions where tenant_id = $1 and policy_id = any($2::uuid[])
      order by policy_id, effective_date, created_at, id`,
    [tenantId, policyIds],
  );
  const { rows: existingRows } = await db.query<{ transaction_id: string; input_hash: string }>(
    'select transaction_id, input_hash from expected_commissions where tenant_id = $1 and policy_id = any($2::uuid[])',
    [tenantId, policyIds],
  );
  const existing = new Map(existingRows.map((r) => [r.transaction_id, r.input_hash]));
  const rulesById = new Map(inputs.rules.map((r) => [r.id, r]));
  const plansById = new Map(inputs.plans.map((p) => [p.id, p]));
  const byPolicy = new Map<string, TransactionRow[]>();
  for (const t of txRows) byPolicy.set(t.policy_id, [...(byPolicy.get(t.policy_id) ?? []), t]);

  const writes: {
    tx: CommissionTransaction;
    expected: ExpectedCommission | null;
    reason?: string;
    hash: string;
    term: TermRow;
  }[] = [];
  const removed: string[] = [];
  for (const term of terms) {
    result.policies++;
    for (const t of byPolicy.get(term.id) ?? []) if (t.deleted_at && existing.has(t.id)) removed.push(t.id);
    for (const { tx, policy, outcome } of calculateTerm(term, byPolicy.get(term.id) ?? [], inputs)) {
      const expected = outcome instanceof Error ? null : outcome;
      const inputHash = hash({
        tx: { ...tx, policy: undefined },
        policy,
        rule: expected?.ruleId ? rulesById.get(expected.ruleId) : null,
        plan: expected?.splitPlanId ? (plansById.get(expected.splitPlanId) ?? term.producer_shares) : null,
        error: outcome instanceof Error ? outcome.message : null,
      });
      result.transactions++;
      if (outcome instanceof Error) result.noRule++;
      if (existing.get(tx.id) === inputHash) continue;
      writes.push({
        tx,
        expected,
        reason: outcome instanceof Error ? errorReason(outcome) : undefined,
        hash: inputHash,
        term,
      });
    }
  }

  if (writes.length) {
    const lag = (carrierId: string | null) => inputs.payLagDays?.[carrierId ?? ''] ?? DEFAULT_PAY_LAG_DAYS;
    await db.query(
      `insert into expected_commissions (tenant_id, transaction_id, policy_id, carrier_id, producer_id, transaction_type, effective_date,
                                         agency_cents, basis_cents, rate, term_kind, rule_id, split_plan_id, splits, house_cents,
                                         explanation, expected_pay_date, status, input_hash, rate_source, recorded_rate, recorded_source,
                                         calculated_at)
       select $1, u.transaction_id, u.policy_id, u.carrier_id, u.producer_id, u.transaction_type, u.effective_date, u.agency_cents,
              u.basis_cents, u.rate, u.term_kind, u.rule_id, u.split_plan_id, u.splits::jsonb, u.house_cents,
              (select coalesce(array_agg(x), '{}') from jsonb_array_elements_text(u.explanation::jsonb) x),
              u.expected_pay_date, u.status, u.input_hash, u.rate_source, u.recorded_rate, u.recorded_source, now()
         from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::date[], $8::bigint[], $9::bigint[], $10::text[],
                     $11::text[], $12::uuid[], $13::uuid[], $14::text[], $15::bigint[], $16::text[], $17::date[], $18::text[], $19::text[],
                     $20::text[], $21::text[], $22::text[])
              as u(transaction_id, policy_id, carrier_id, producer_id, transaction_type, effective_date, agency_cents, basis_cents, rate,
                   term_kind, rule_id, split_plan_id, splits, house_cents, explanation, expected_pay_date, status, input_hash,
                   rate_source, recorded_rate, recorded_source)
       on conflict (transaction_id) do update set
          rate_source = excluded.rate_source, recorded_rate = excluded.recorded_rate, recorded_source = excluded.recorded_source,
          carrier_id = excluded.carrier_id, producer_id = excluded.producer_id, transaction_type = excluded.transaction_type,
          effective_date = excluded.effective_date, agency_cents = excluded.agency_cents, basis_cents = excluded.basis_cents,
          rate = excluded.rate, term_kind = excluded.term_kind, rule_id = excluded.rule_id, split_plan_id = excluded.split_plan_id,
          splits = excluded.splits, house_cents = excluded.house_cents, explanation = excluded.explanation,
          expected_pay_date = excluded.expected_pay_date, input_hash = excluded.input_hash, calculated_at = now(),
          status = case when excluded.status = 'no_rule' then 'no_rule'
                        -- A payment may have come before the rate (a statement for an unpriced transaction).
                        when expected_commissions.paid_cents = 0 then 'open'
                        when ${settlesSql('expected_commissions.paid_cents', 'excluded.agency_cents', amountToleranceSql('$1'))} then 'paid'
                        else 'partially_paid' end`,
      [
        tenantId,
        writes.map((w) => w.tx.id),
        writes.map((w) => w.term.id),
        writes.map((w) => w.term.carrier_id),
        writes.map((w) => w.term.producer_id),
        writes.map((w) => w.tx.type),
        writes.map((w) => w.tx.effectiveDate),
        writes.map((w) => w.expected?.agencyCents ?? 0),
        writes.map((w) => w.expected?.basisCents ?? 0),
        writes.map((w) => w.expected?.rate ?? null),
        writes.map((w) => w.expected?.termKind ?? ((w.term.policy_year ?? 1) > 1 ? 'renewal' : 'new')),
        writes.map((w) => w.expected?.ruleId ?? null),
        // A plan a system of record states has no split_plans row.
        writes.map((w) =>
          w.expected?.splitPlanId?.startsWith(RECORDED_PLAN_PREFIX)
            ? null
            : (w.expected?.splitPlanId ?? null),
        ),
        writes.map((w) => JSON.stringify(w.expected?.splits ?? [])),
        writes.map((w) => w.expected?.houseCents ?? 0),
        writes.map((w) => JSON.stringify(w.expected?.explanation ?? [w.reason ?? 'not calculated'])),
        writes.map((w) => addDays(w.tx.effectiveDate, lag(w.term.carrier_id))),
        writes.map((w) => (w.expected ? 'open' : 'no_rule')),
        writes.map((w) => w.hash),
        writes.map((w) => w.expected?.rateSource ?? null),
        writes.map((w) => w.expected?.recordedRate ?? null),
        writes.map((w) => w.expected?.recordedSystem ?? null),
      ],
    );
    const events: OutboxEvent[] = writes
      .filter((w) => w.expected)
      .map((w) => ({
        type: 'commission.calculated',
        entityType: 'policy_transaction',
        entityId: w.tx.id,
        data: {
          policy_id: w.term.id,
          agency_cents: w.expected!.agencyCents,
          rule_id: w.expected!.ruleId,
          transaction_type: w.tx.type,
        },
      }));
    await appendEvents(db, { tenantId, connectionId: null }, events);
    result.changed += writes.length;
  }
  if (removed.length) {
    await db.query(
      'delete from expected_commissions where tenant_id = $1 and transaction_id = any($2::uuid[])',
      [tenantId, removed],
    );
    result.changed += removed.length;
  }
  return result;
}

export interface RateDisagreement {
  carrier_id: string | null;
  carrier_name: string | null;
  line_of_business: string | null;
  term_kind: 'new' | 'renewal';
  schedule_rate: string;
  recorded_rate: string;
  recorded_source: string | null;
  policies: number;
  transactions: number;
}

/** Schedule rates that differ from the rate the system of record states, grouped as a schedule line is. */
export async function rateDisagreements(db: Queryable, tenantId: string): Promise<RateDisagreement[]> {
  const { rows } = await db.query(
    `select e.carrier_id, c.name as carrier_name, p.line_of_business, e.term_kind, e.rate as schedule_rate,
            e.recorded_rate, e.recorded_source, count(distinct e.policy_id)::int as policies, count(*)::int as transactions
       from expected_commissions e
       join policies p on p.id = e.policy_id
       left join carriers c on c.id = e.carrier_id
      where e.tenant_id = $1 and e.rate_source in ('schedule', 'learned') and e.rate is not null
        and e.recorded_rate is not null and e.rate::numeric <> e.recorded_rate::numeric
      group by 1, 2, 3, 4, 5, 6, 7
      order by policies desc, carrier_name, p.line_of_business, e.term_kind`,
    [tenantId],
  );
  return rows as RateDisagreement[];
}
