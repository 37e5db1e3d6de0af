// Renewal intelligence from the tenant's own book: the model learns from the renewals the book
// has already decided (a later term links back, or the term ended without one) and scores the
// terms still in force. Trained on request: a book of tens of thousands of terms trains in well
// under a second, and a stored model would go stale with every sync.

import {
  buildRenewalHistories,
  type PolicyTermRecord,
  type RenewalTermHistory,
  renewalOutcomes,
} from '../domain/analytics/renewal-features.ts';
import {
  type RenewalModel,
  type RenewalScore,
  scoreRenewals,
  trainRenewalModel,
} from '../domain/analytics/renewal-model.ts';
import type { TransactionType } from '../domain/commissions/types.ts';
import type { Queryable } from './pool.ts';

/**
 * SQL for the live later terms of the term aliased `p`: those linked to it by the renewal chain
 * (prior_policy_id, set by the commission pass) and, before that pass has run, those that start
 * when it ends and carry its number or name it as their prior policy number.
 */
export const laterTermsSql = (p: string) => `select n.id from policies n
  where n.tenant_id = ${p}.tenant_id and n.deleted_at is null and n.id <> ${p}.id
    and (n.prior_policy_id = ${p}.id
         or (n.effective_date = ${p}.expiration_date
             and (n.policy_number_normalized = ${p}.policy_number_normalized
                  or upper(regexp_replace(n.prior_policy_number, '[\\s\\-./_#]', '', 'g')) = ${p}.policy_number_normalized)))`;

/** Below this many decided renewals of each outcome the model would learn noise; retention rates stand in. */
const MIN_EXAMPLES_PER_OUTCOME = 20;

export async function loadBook(db: Queryable, tenantId: string): Promise<PolicyTermRecord[]> {
  const { rows } = await db.query(
    `select p.id, p.client_id, p.carrier_id, p.policy_number, p.prior_policy_id, p.prior_policy_number, p.line_of_business,
            p.business_type, p.effective_date, p.expiration_date, p.original_inception_date, p.term_premium_cents, p.status,
            coalesce((select json_agg(json_build_object('type', t.type, 'effectiveDate', t.effective_date, 'premiumDeltaCents', t.premium_delta_cents)
                                      order by t.effective_date)
                        from policy_transactions t where t.policy_id = p.id and t.deleted_at is null), '[]') as transactions
       from policies p
      where p.tenant_id = $1 and p.deleted_at is null and p.client_id is not null
        and p.effective_date is not null and p.expiration_date is not null`,
    [tenantId],
  );
  return rows.map((r) => ({
    termId: r.id,
    clientId: r.client_id,
    carrierId: r.carrier_id,
    policyNumber: r.policy_number,
    priorTermId: r.prior_policy_id,
    priorPolicyNumber: r.prior_policy_number,
    lineOfBusiness: r.line_of_business,
    businessType: r.business_type,
    effectiveDate: r.effective_date,
    expirationDate: r.expiration_date,
    originalInceptionDate: r.original_inception_date,
    termPremiumCents: Number(r.term_premium_cents ?? 0),
    status: r.status,
    transactions: (
      r.transactions as { type: TransactionType; effectiveDate: string; premiumDeltaCents: number }[]
    ).map((t) => ({
      ...t,
      premiumDeltaCents: Number(t.premiumDeltaCents),
    })),
  }));
}

export interface RenewalIntelligence {
  asOf: string;
  /** Null when the book has too few decided renewals to learn from. */
  model: RenewalModel | null;
  decided: number;
  renewed: number;
  retentionByLine: Record<string, number>;
  baseRetention: number;
  histories: Map<string, RenewalTermHistory>;
  book: PolicyTermRecord[];
}

export async function renewalIntelligence(
  db: Queryable,
  tenantId: string,
  asOf: string,
): Promise<RenewalIntelligence> {
  const book = await loadBook(db, tenantId);
  const outcomes = renewalOutcomes(book, asOf);
  const histories = new Map(buildRenewalHistories(book).map((h) => [h.term.termId, h]));
  const examples = [...outcomes]
    .filter(([, renewed]) => renewed !== null)
    .map(([termId, renewed]) => ({ history: histories.get(termId)!, renewed: renewed! }));
  const renewed = examples.filter((e) => e.renewed).length;
  const byLine = new Map<string, { renewed: number; decided: number }>();
  for (const e of examples) {
    const line = e.history.term.lineOfBusiness ?? '';
    const s = byLine.get(line) ?? { renewed: 0, decided: 0 };
    s.decided++;
    if (e.renewed) s.renewed++;
    byLine.set(line, s);
  }
  const enough = renewed >= MIN_EXAMPLES_PER_OUTCOME && examples.length - renewed >= MIN_EXAMPLES_PER_OUTCOME;
  return {
    asOf,
    model: enough ? trainRenewalModel(examples) : null,
    decided: examples.length,
    renewed,
    retentionByLine: Object.fromEntries(
      [...byLine]
        .filter(([line, s]) => line && s.decided >= 10)
        .map(([line, s]) => [line, s.renewed / s.decided]),
    ),
    baseRetention: examples.length ? renewed / examples.length : 0.85,
    histories,
    book,
  };
}

/** The terms in force on asOf, expiring within the window, scored riskiest first. */
export function scoreExpiring(intel: RenewalIntelligence, withinDays: number): RenewalScore[] {
  if (!intel.model) return [];
  const until = new Date(Date.parse(`${intel.asOf}T00:00:00Z`) + withinDays * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const expiring = intel.book
    .filter(
      (t) =>
        t.status === 'active' &&
        t.effectiveDate <= intel.asOf &&
        intel.asOf < t.expirationDate &&
        t.expirationDate <= until,
    )
    .map((t) => intel.histories.get(t.termId)!);
  return scoreRenewals(intel.model, expiring, { asOf: intel.asOf });
}

/** Renewal probability of every term in force on asOf (for projections). */
export function inForceProbabilities(intel: RenewalIntelligence): Map<string, number> {
  if (!intel.model) return new Map();
  const inForce = intel.book
    .filter((t) => t.status === 'active' && t.effectiveDate <= intel.asOf && intel.asOf < t.expirationDate)
    .map((t) => intel.histories.get(t.termId)!);
  return new Map(
    scoreRenewals(intel.model, inForce, { asOf: intel.asOf }).map((s) => [s.termId, s.probability]),
  );
}
