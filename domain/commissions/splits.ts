// Producer splits: who shares the agency commission on a policy, and exactly how many cents each.
//
// Decisions (insurance-domain.md §5.2 and model (a) "ProducerSplitPlan"):
// - A share is a percent of the agency commission; the percent follows the term's new/renewal
//   status, so an endorsement or a chargeback on a renewal term splits at the renewal percent.
// - Whatever the entries leave is the house's (house accounts keep 100% when no plan applies).
// - Cents: every party's exact share (producers in plan order, then the house) is rounded half-even
//   to the cent; when the rounded shares do not add up to the agency commission, the missing cents
//   go to (or the surplus cents come from) the parties whose rounding moved them furthest from
//   their exact share — the largest-remainder method. Tie-break: earlier in the plan first, the
//   house last. Shares are computed on the absolute amount and the sign applied afterwards, so a
//   chargeback splits as the exact mirror of the commission it reverses, cent for cent.
// - Plan choice: a policy override beats the producer's book plan, which beats an agency-wide plan
//   (neither policyId nor producerId); within a level the plan in force on the date with the
//   latest effectiveFrom wins, and two such plans starting the same day are an error.
import { Money, type MoneyDecimal } from '../money.ts';
import type { PolicyTerm, ProducerShare, SplitEntry, SplitPlan, TermKind } from './types.ts';

export class InvalidSplitPlanError extends Error {
  override name = 'InvalidSplitPlanError';
  readonly planId: string;
  constructor(planId: string, message: string) {
    super(`split plan ${planId}: ${message}`);
    this.planId = planId;
  }
}

export class AmbiguousSplitPlanError extends Error {
  override name = 'AmbiguousSplitPlanError';
  readonly planIds: string[];
  constructor(planIds: string[], policyId: string, date: string) {
    super(`split plans ${planIds.join(', ')} all apply to policy ${policyId} from the same date (${date})`);
    this.planIds = planIds;
  }
}

export interface CommissionSplit {
  splits: ProducerShare[];
  /** The agency commission left after the producer shares; splits + house = agency, exactly. */
  houseCents: number;
}

export function splitPercentOf(entry: SplitEntry, termKind: TermKind): string {
  return termKind === 'renewal' ? entry.renewalPercent : entry.newPercent;
}

function percentValue(plan: SplitPlan, raw: string): MoneyDecimal {
  let value: MoneyDecimal;
  try {
    value = new Money(raw);
  } catch {
    throw new InvalidSplitPlanError(plan.id, `not a percent: ${JSON.stringify(raw)}`);
  }
  if (!value.isFinite() || value.isNegative()) {
    throw new InvalidSplitPlanError(plan.id, `percent must be zero or more: ${JSON.stringify(raw)}`);
  }
  return value;
}

function signed(sign: 1 | -1, cents: number): number {
  const value = sign * cents;
  return value === 0 ? 0 : value; // no negative zero
}

/** Splits `agencyCents` (negative for a chargeback) among a plan's producers and the house. */
export function splitCommission(
  agencyCents: number,
  plan: SplitPlan | null,
  termKind: TermKind,
): CommissionSplit {
  if (!Number.isSafeInteger(agencyCents))
    throw new Error(`agency commission must be whole cents: ${agencyCents}`);
  if (plan === null) return { splits: [], houseCents: agencyCents };

  const percents = plan.entries.map((entry) => percentValue(plan, splitPercentOf(entry, termKind)));
  const total = percents.reduce((sum, p) => sum.plus(p), new Money(0));
  if (total.greaterThan(100)) {
    throw new InvalidSplitPlanError(
      plan.id,
      `${termKind} percents add up to ${total.toFixed()}%, more than 100%`,
    );
  }
  const sign: 1 | -1 = agencyCents < 0 ? -1 : 1;
  const amount = Math.abs(agencyCents);
  // The house is the last party, so the tie-break "earlier in the plan first, house last" is
  // simply the index order.
  const exact = [...percents, new Money(100).minus(total)].map((p) =>
    new Money(amount).times(p).dividedBy(100),
  );
  const cents = exact.map((q) => q.toDecimalPlaces(0, Money.ROUND_HALF_EVEN).toNumber());
  let difference = amount - cents.reduce((sum, c) => sum + c, 0);
  if (difference !== 0) {
    const residual = exact.map((q, i) => q.minus(cents[i]!));
    const order = residual
      .map((r, index) => ({ r, index }))
      .sort((a, b) => {
        // Short of cents: most under-rounded first. Over: most over-rounded first.
        const byResidual = difference > 0 ? b.r.comparedTo(a.r) : a.r.comparedTo(b.r);
        return byResidual !== 0 ? byResidual : a.index - b.index;
      });
    const step = difference > 0 ? 1 : -1;
    for (let k = 0; difference !== 0; k++) {
      const party = order[k % order.length]!.index;
      cents[party]! += step;
      difference -= step;
    }
  }
  const splits: ProducerShare[] = plan.entries.map((entry, i) => ({
    producerId: entry.producerId,
    role: entry.role,
    percent: percents[i]!.toFixed(),
    cents: signed(sign, cents[i]!),
  }));
  return { splits, houseCents: signed(sign, cents[cents.length - 1]!) };
}

function inForce(plan: SplitPlan, date: string): boolean {
  return plan.effectiveFrom <= date && (plan.effectiveTo === null || date < plan.effectiveTo);
}

/**
 * The split plan for a policy term on a date: a policy override, else the producer's plan, else an
 * agency-wide plan, else null (the whole commission is the house's).
 */
export function selectSplitPlan(
  plans: readonly SplitPlan[],
  policy: Pick<PolicyTerm, 'id' | 'producerId'>,
  date: string,
): SplitPlan | null {
  const current = plans.filter((plan) => inForce(plan, date));
  const levels: ((plan: SplitPlan) => boolean)[] = [
    (plan) => plan.policyId !== null && plan.policyId === policy.id,
    (plan) => plan.policyId === null && plan.producerId !== null && plan.producerId === policy.producerId,
    (plan) => plan.policyId === null && plan.producerId === null,
  ];
  for (const applies of levels) {
    const candidates = current
      .filter(applies)
      .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : a.effectiveFrom > b.effectiveFrom ? -1 : 0));
    const latest = candidates[0];
    if (!latest) continue;
    const sameStart = candidates.filter((plan) => plan.effectiveFrom === latest.effectiveFrom);
    if (sameStart.length > 1) {
      throw new AmbiguousSplitPlanError(
        sameStart.map((plan) => plan.id).sort(),
        policy.id,
        latest.effectiveFrom,
      );
    }
    return latest;
  }
  return null;
}
