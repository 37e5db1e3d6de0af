// The expected agency commission of one transaction, its producer splits and the explanation.
//
// Decisions (insurance-domain.md §5 and the product brief; see also rules.ts and splits.ts):
// - Premium the rate applies to, by transaction type:
//   NEW, RWL, REWRITE: the premium written on the transaction (the full term premium at inception
//     or renewal). The term's termPremiumCents is only used when the transaction carries none,
//     because it is the *current* term premium and already includes later endorsements, which earn
//     their own commission.
//   END, AUD, ADJ: the additional (positive) or return (negative) premium, at the term's rate (§5.5).
//   PMT: the amount collected, at the term's rate — commission as earned (§5.3). An agency that
//     books both the NEW event and its PMT collections must expect commission on one of the two.
//   CAN: a chargeback of the unearned commission (§5.4). The return premium on the transaction is
//     used when there is one (an AMS sometimes reports it as a positive number: a cancellation
//     always returns premium, so its size is what counts). When it is 0 the unearned premium is
//     computed from the term premium: flat = all of it; pro rata = days remaining / term days;
//     short rate = the customary table (short-rate.ts) or, as an option, 90% of pro rata.
//   REI: restores what the cancellation charged back. Given the cancellation it reinstates, the
//     result is that chargeback's exact mirror (agency and every share); otherwise the reinstated
//     premium on the transaction at the term's rate.
//   BOR: new business for the gaining agency, on the premium written on the transaction or, when
//     there is none, the pro-rata premium for the rest of the term from the BOR date.
// - Taxes and fees are never commissionable ("commissionable premium = premium sold − policy taxes
//   and fees", §5.1); an agency broker fee is added to the basis only under a rule with
//   commissionOnFees.
// - Flat rules pay their amount once per term, on NEW, RWL, REWRITE and BOR. Endorsements, audits,
//   adjustments and installments earn nothing under them (the amount does not depend on premium);
//   only a flat cancellation (from inception) takes the amount back, and a reinstatement of that
//   cancellation restores it. A mid-term cancellation keeps a flat amount: it was earned at issue.
// - Tiers are chosen by the term's premium as carried on the policy term (a band, not a marginal
//   schedule), or by its policy year, so every transaction on a term uses the same rate and a
//   chargeback reverses at the rate the commission was earned at.
// - Every amount is computed exactly with decimal.js and rounded half-even to the cent once: the
//   unearned premium, the agency commission, and each share.
import { Money, type MoneyDecimal } from '../money.ts';
import { dayNumber, daysBetween } from './calendar.ts';
import {
  describeBasis,
  describeRule,
  describeShare,
  describeSplitPlan,
  formatDollars,
  formatExactDollars,
  formatPercent,
  termKindWords,
} from './explain.ts';
import { commissionDateOf, InvalidRuleError, NoRuleError, selectRule, termKindOf } from './rules.ts';
import { shortRateEarnedPercent } from './short-rate.ts';
import { selectSplitPlan, splitCommission } from './splits.ts';
import type {
  CancelMethod,
  CommissionRule,
  CommissionTransaction,
  ExpectedCommission,
  PolicyTerm,
  RateSource,
  RecordedCommission,
  SplitPlan,
  TermKind,
  TransactionType,
} from './types.ts';

export type ShortRateMethod = 'table' | 'ninety_percent_of_pro_rata';

export interface CalculationOptions {
  /**
   * How a short-rate cancellation's unearned premium is estimated when the AMS reports none:
   * the customary table (default) or the "90% of pro rata" simplification.
   */
  shortRateMethod?: ShortRateMethod;
  /** A minimum the carrier always keeps under the table (some carriers: 25%); none by default. */
  shortRateMinimumEarnedPercent?: string | null;
  /**
   * Commission earned so far on the term (net of earlier chargebacks). When given, a cancellation
   * never charges back more than this.
   */
  termCommissionEarnedCents?: number;
  /** For REI: the cancellation being reinstated; the REI then restores exactly its chargeback. */
  reinstatedCancellation?: CommissionTransaction;
}

export class InvalidTransactionError extends Error {
  override name = 'InvalidTransactionError';
  readonly transactionId: string;
  constructor(transactionId: string, message: string) {
    super(`transaction ${transactionId}: ${message}`);
    this.transactionId = transactionId;
  }
}

const transactionTypes: readonly TransactionType[] = [
  'NEW',
  'RWL',
  'END',
  'CAN',
  'REI',
  'AUD',
  'PMT',
  'ADJ',
  'REWRITE',
  'BOR',
];

function requireCents(transactionId: string, field: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new InvalidTransactionError(transactionId, `${field} must be whole cents, got ${value}`);
  }
}

function validateTransaction(tx: CommissionTransaction): void {
  if (!transactionTypes.includes(tx.type)) {
    throw new InvalidTransactionError(tx.id, `unknown transaction type ${JSON.stringify(tx.type)}`);
  }
  requireCents(tx.id, 'premiumDeltaCents', tx.premiumDeltaCents);
  requireCents(tx.id, 'taxesFeesCents', tx.taxesFeesCents);
  requireCents(tx.id, 'brokerFeeCents', tx.brokerFeeCents ?? 0);
  requireCents(tx.id, 'policy.termPremiumCents', tx.policy.termPremiumCents);
  try {
    dayNumber(tx.effectiveDate);
    if (dayNumber(tx.policy.expirationDate) <= dayNumber(tx.policy.effectiveDate)) {
      throw new Error(
        `the term ends (${tx.policy.expirationDate}) before it starts (${tx.policy.effectiveDate})`,
      );
    }
  } catch (error) {
    throw new InvalidTransactionError(tx.id, (error as Error).message);
  }
  if (!Number.isInteger(tx.policy.policyYear) || tx.policy.policyYear < 1) {
    throw new InvalidTransactionError(tx.id, `policy year must be 1 or more, got ${tx.policy.policyYear}`);
  }
  if (tx.type === 'CAN' && tx.premiumDeltaCents === 0 && tx.cancelMethod === null) {
    throw new InvalidTransactionError(
      tx.id,
      'a cancellation without return premium needs a cancel method (flat, pro_rata or short_rate)',
    );
  }
}

/** Exact cents rounded half-even to whole cents; the one place an amount is rounded. */
function roundCents(exactCents: MoneyDecimal): number {
  const n = exactCents.toDecimalPlaces(0, Money.ROUND_HALF_EVEN).toNumber();
  if (!Number.isSafeInteger(n)) throw new Error(`amount out of range: ${exactCents.toFixed()} cents`);
  return n === 0 ? 0 : n;
}

function negate(cents: number): number {
  return cents === 0 ? 0 : -cents;
}

/** "$185.18" or, when rounding changed it, "$185.18 (rounded half-even from $185.175)". */
function roundedWords(exactCents: MoneyDecimal, cents: number): string {
  if (exactCents.equals(cents)) return formatDollars(cents);
  return `${formatDollars(cents)} (rounded half-even from ${formatExactDollars(exactCents)})`;
}

export interface UnearnedPremium {
  /** Unearned (returned) premium, positive, in cents. */
  cents: number;
  steps: string[];
}

/**
 * The premium a cancellation returns, computed from the term premium when the AMS did not report
 * it: flat = everything; pro rata = days remaining / term days; short rate = the customary table or
 * 90% of pro rata. The cancellation date is clamped to the term.
 */
export function unearnedPremiumOnCancellation(
  policy: Pick<PolicyTerm, 'effectiveDate' | 'expirationDate' | 'termPremiumCents'>,
  cancelDate: string,
  method: CancelMethod,
  options: Pick<CalculationOptions, 'shortRateMethod' | 'shortRateMinimumEarnedPercent'> = {},
): UnearnedPremium {
  const termDays = daysBetween(policy.effectiveDate, policy.expirationDate);
  if (termDays <= 0) throw new Error(`term ${policy.effectiveDate}–${policy.expirationDate} has no days`);
  const daysInForce = Math.min(termDays, Math.max(0, daysBetween(policy.effectiveDate, cancelDate)));
  const daysRemaining = termDays - daysInForce;
  const premium = new Money(policy.termPremiumCents);
  const termPremiumWords = formatDollars(policy.termPremiumCents);

  if (method === 'flat') {
    return {
      cents: policy.termPremiumCents,
      steps: [`Flat cancellation: the whole term premium ${termPremiumWords} is unearned`],
    };
  }
  if (method === 'pro_rata') {
    const exact = premium.times(daysRemaining).dividedBy(termDays);
    const cents = roundCents(exact);
    return {
      cents,
      steps: [
        `Pro-rata unearned premium: ${daysRemaining}/${termDays} of ${termPremiumWords} = ${roundedWords(exact, cents)}`,
      ],
    };
  }
  if ((options.shortRateMethod ?? 'table') === 'ninety_percent_of_pro_rata') {
    const exact = premium
      .times(daysRemaining)
      .times(90)
      .dividedBy(termDays * 100);
    const cents = roundCents(exact);
    return {
      cents,
      steps: [
        `Short-rate unearned premium (90% of pro rata): 90% of ${daysRemaining}/${termDays} of ${termPremiumWords} = ${roundedWords(exact, cents)}`,
      ],
    };
  }
  const factor = shortRateEarnedPercent(daysInForce, termDays, options.shortRateMinimumEarnedPercent ?? null);
  const unearnedPercent = new Money(100).minus(factor.earnedPercent);
  const exact = premium.times(unearnedPercent).dividedBy(100);
  const cents = roundCents(exact);
  const scaled = factor.tableDay !== daysInForce ? `, read at day ${factor.tableDay} of a 365-day year` : '';
  return {
    cents,
    steps: [
      `Short rate: ${daysInForce} of ${termDays} days in force${scaled}; the customary short-rate table earns ${formatPercent(factor.earnedPercent)}`,
      `Short-rate unearned premium: ${formatPercent(unearnedPercent)} of ${termPremiumWords} = ${roundedWords(exact, cents)}`,
    ],
  };
}

/** The signed premium the rule's rate applies to (before any broker fee). */
function premiumOf(tx: CommissionTransaction, options: CalculationOptions, steps: string[]): number {
  const delta = tx.premiumDeltaCents;
  const { policy } = tx;
  switch (tx.type) {
    case 'NEW':
    case 'RWL':
    case 'REWRITE': {
      if (delta !== 0) {
        steps.push(`Written premium: ${formatDollars(delta)}`);
        return delta;
      }
      steps.push(
        `The transaction carries no premium; the term premium ${formatDollars(policy.termPremiumCents)} is used`,
      );
      return policy.termPremiumCents;
    }
    case 'BOR': {
      if (delta !== 0) {
        steps.push(`Premium taken over by broker of record: ${formatDollars(delta)}`);
        return delta;
      }
      const rest = unearnedPremiumOnCancellation(policy, tx.effectiveDate, 'pro_rata');
      steps.push(
        `The transaction carries no premium; the gaining agency earns on the rest of the term from ${tx.effectiveDate}`,
        ...rest.steps.map((s) =>
          s.replace('Pro-rata unearned premium', 'Pro-rata premium for the rest of the term'),
        ),
      );
      return rest.cents;
    }
    case 'END':
    case 'AUD':
    case 'ADJ': {
      const what = tx.type === 'END' ? 'endorsement' : tx.type === 'AUD' ? 'audit' : 'adjustment';
      steps.push(
        delta >= 0
          ? `Additional premium (${what}): ${formatDollars(delta)}`
          : `Return premium (${what}): ${formatDollars(delta)}`,
      );
      return delta;
    }
    case 'PMT': {
      steps.push(`Premium collected (installment, commission as earned): ${formatDollars(delta)}`);
      return delta;
    }
    case 'CAN': {
      if (delta !== 0) {
        const sign = delta > 0 ? ' (reported as a positive amount; a cancellation returns premium)' : '';
        steps.push(`Return premium reported on the cancellation: ${formatDollars(-Math.abs(delta))}${sign}`);
        return -Math.abs(delta);
      }
      const method = tx.cancelMethod!;
      steps.push(
        `The cancellation carries no return premium; it is computed from the term premium ${formatDollars(policy.termPremiumCents)} (${policy.effectiveDate} to ${policy.expirationDate})`,
      );
      const unearned = unearnedPremiumOnCancellation(policy, tx.effectiveDate, method, options);
      steps.push(...unearned.steps);
      return negate(unearned.cents);
    }
    case 'REI': {
      if (delta === 0) {
        steps.push('The reinstatement carries no premium and names no cancellation: nothing to restore');
        return 0;
      }
      steps.push(`Reinstated premium: ${formatDollars(Math.abs(delta))}`);
      return Math.abs(delta);
    }
  }
}

function percentRate(rule: CommissionRule, raw: string): MoneyDecimal {
  let rate: MoneyDecimal;
  try {
    rate = new Money(raw);
  } catch {
    throw new InvalidRuleError(rule.id, `not a rate: ${JSON.stringify(raw)}`);
  }
  if (!rate.isFinite() || rate.isNegative())
    throw new InvalidRuleError(rule.id, `rate must be 0 or more: ${raw}`);
  return rate;
}

/** The percent a rule pays on this term, or null for a flat amount. */
function rateOf(rule: CommissionRule, policy: PolicyTerm, steps: string[]): MoneyDecimal | null {
  const { basis } = rule;
  if (basis.kind === 'flat') return null;
  if (basis.kind === 'percent') return percentRate(rule, basis.rate);
  const measure = basis.by === 'premium' ? policy.termPremiumCents : policy.policyYear;
  const bands = [...basis.tiers].sort((a, b) =>
    a.upTo === b.upTo ? 0 : a.upTo === null ? 1 : b.upTo === null ? -1 : a.upTo - b.upTo,
  );
  const tier = bands.find((band) => band.upTo === null || measure <= band.upTo);
  if (!tier) {
    throw new InvalidRuleError(
      rule.id,
      `no tier covers ${basis.by === 'premium' ? `term premium ${formatDollars(measure)}` : `policy year ${measure}`}`,
    );
  }
  const rate = percentRate(rule, tier.rate);
  const band =
    tier.upTo === null
      ? 'the top band'
      : basis.by === 'premium'
        ? `the band up to ${formatDollars(tier.upTo)}`
        : `the band to year ${tier.upTo}`;
  steps.push(
    basis.by === 'premium'
      ? `Tier: term premium ${formatDollars(measure)} falls in ${band} → ${formatPercent(rate)}`
      : `Tier: policy year ${measure} falls in ${band} → ${formatPercent(rate)}`,
  );
  return rate;
}

function commissionLabel(type: TransactionType, basisCents: number): string {
  if (type === 'CAN') return 'Chargeback';
  if (type === 'REI') return 'Restored commission';
  return basisCents < 0 ? 'Return commission' : 'Agency commission';
}

/** The agency commission under a flat rule: the amount once per term, back only on a flat cancel. */
function flatAmountOf(tx: CommissionTransaction, amountCents: number, steps: string[]): number {
  requireCents(tx.id, 'flat amount', amountCents);
  switch (tx.type) {
    case 'NEW':
    case 'RWL':
    case 'REWRITE':
    case 'BOR':
      steps.push(`Agency commission: flat ${formatDollars(amountCents)} for the policy term`);
      return amountCents;
    case 'CAN':
      if (tx.cancelMethod === 'flat') {
        steps.push(`Chargeback: the flat ${formatDollars(amountCents)} is returned on a flat cancellation`);
        return negate(amountCents);
      }
      steps.push(
        'A mid-term cancellation keeps a flat per-policy amount: it was earned when the term was written',
      );
      return 0;
    case 'REI':
      steps.push(
        'A flat per-policy amount is only restored by reinstating a flat cancellation; none was named, so nothing is restored',
      );
      return 0;
    default:
      steps.push(`A flat per-policy rule pays nothing on ${tx.type}: the amount does not depend on premium`);
      return 0;
  }
}

function describeTransaction(tx: CommissionTransaction, termKind: TermKind): string {
  const { policy } = tx;
  const counts =
    tx.type === 'REWRITE'
      ? ' (a rewrite counts as new business)'
      : tx.type === 'BOR'
        ? ' (new business for the gaining agency)'
        : '';
  const method = tx.type === 'CAN' && tx.cancelMethod ? `, ${tx.cancelMethod.replace('_', ' ')}` : '';
  return `${tx.type} ${tx.id} effective ${tx.effectiveDate}${method} on policy term ${policy.id} (${policy.effectiveDate} to ${policy.expirationDate}, policy year ${policy.policyYear}): ${termKindWords(termKind)}${counts}`;
}

function splitSteps(
  plan: SplitPlan | null,
  splits: ExpectedCommission['splits'],
  houseCents: number,
): string[] {
  if (plan === null) return [`No split plan applies: the house keeps ${formatDollars(houseCents)}`];
  return [describeSplitPlan(plan), ...splits.map(describeShare), `House: ${formatDollars(houseCents)}`];
}

function reinstate(
  tx: CommissionTransaction,
  cancellation: CommissionTransaction,
  rules: readonly CommissionRule[],
  splitPlans: readonly SplitPlan[],
  options: CalculationOptions,
): ExpectedCommission {
  if (cancellation.type !== 'CAN') {
    throw new InvalidTransactionError(
      tx.id,
      `reinstates ${cancellation.id}, which is a ${cancellation.type}, not a CAN`,
    );
  }
  if (cancellation.policy.id !== tx.policy.id) {
    throw new InvalidTransactionError(
      tx.id,
      `reinstates ${cancellation.id} on policy term ${cancellation.policy.id}, not on ${tx.policy.id}`,
    );
  }
  const charged = calculateExpected(cancellation, rules, splitPlans, {
    ...options,
    reinstatedCancellation: undefined,
  });
  const splits = charged.splits.map((share) => ({ ...share, cents: negate(share.cents) }));
  const houseCents = negate(charged.houseCents);
  const agencyCents = negate(charged.agencyCents);
  return {
    transactionId: tx.id,
    agencyCents,
    basisCents: negate(charged.basisCents),
    rate: charged.rate,
    termKind: charged.termKind,
    ruleId: charged.ruleId,
    rateSource: charged.rateSource,
    recordedRate: charged.recordedRate,
    recordedSystem: charged.recordedSystem,
    splitPlanId: charged.splitPlanId,
    splits,
    houseCents,
    explanation: [
      describeTransaction(tx, charged.termKind),
      `Reinstates cancellation ${cancellation.id}, whose chargeback was:`,
      ...charged.explanation.map((step) => `  ${step}`),
      `Restored commission: the chargeback reversed = ${formatDollars(agencyCents)}`,
      ...splitSteps(splitPlans.find((plan) => plan.id === charged.splitPlanId) ?? null, splits, houseCents),
    ],
  };
}

const systemNames: Record<string, string> = {
  'applied-epic': 'Applied Epic',
  ezlynx: 'EZLynx',
  hawksoft: 'HawkSoft',
  ams360: 'AMS360',
  api: 'the API',
};

function systemName(system: string): string {
  return systemNames[system] ?? system;
}

/** What a system of record states for the transaction, else for its policy line; null when nothing. */
function recordedOf(tx: CommissionTransaction): RecordedCommission | null {
  const own = tx.recorded;
  if (own && (own.rate !== null || own.cents !== null)) return own;
  const line = tx.policy.recorded;
  return line && line.rate !== null ? { ...line, cents: null } : null;
}

/** A stated rate run through the engine like a schedule line, so premiums, fees and cancellations work the same. */
function recordedRule(tx: CommissionTransaction, rate: string): CommissionRule {
  return {
    id: 'recorded',
    carrierId: tx.policy.carrierId,
    mgaId: tx.policy.mgaId,
    lineOfBusiness: tx.policy.lineOfBusiness,
    state: tx.policy.state,
    termKind: 'any',
    effectiveFrom: tx.policy.effectiveDate,
    effectiveTo: null,
    basis: { kind: 'percent', rate },
    priority: 0,
  };
}

/** The amount a system of record states for the transaction, taken as it is, then split. */
function statedAmount(
  tx: CommissionTransaction,
  recorded: RecordedCommission,
  termKind: TermKind,
  splitPlans: readonly SplitPlan[],
  options: CalculationOptions,
): ExpectedCommission {
  requireCents(tx.id, 'recorded commission', recorded.cents!);
  const steps: string[] = [describeTransaction(tx, termKind)];
  const basisCents = premiumOf(tx, options, steps);
  const agencyCents = recorded.cents!;
  steps.push(
    `No schedule line applies; ${systemName(recorded.system)} records the commission on this transaction: ${formatDollars(agencyCents)}${recorded.rate !== null ? ` (${formatPercent(new Money(recorded.rate))})` : ''}`,
  );
  const plan = selectSplitPlan(splitPlans, tx.policy, commissionDateOf(tx));
  const { splits, houseCents } = splitCommission(agencyCents, plan, termKind);
  steps.push(...splitSteps(plan, splits, houseCents));
  return {
    transactionId: tx.id,
    agencyCents,
    basisCents,
    rate: recorded.rate,
    termKind,
    ruleId: null,
    rateSource: recorded.system === 'api' ? 'manual' : 'ams',
    recordedRate: recorded.rate,
    recordedSystem: recorded.system,
    splitPlanId: plan?.id ?? null,
    splits,
    houseCents,
    explanation: steps,
  };
}

/**
 * The expected agency commission for one transaction, split among producers, with every step of
 * the arithmetic in words. Throws NoRuleError / AmbiguousRuleError (rules), InvalidRuleError,
 * InvalidSplitPlanError / AmbiguousSplitPlanError (splits) and InvalidTransactionError.
 */
export function calculateExpected(
  transaction: CommissionTransaction,
  rules: readonly CommissionRule[],
  splitPlans: readonly SplitPlan[],
  options: CalculationOptions = {},
): ExpectedCommission {
  validateTransaction(transaction);
  if (transaction.type === 'REI' && options.reinstatedCancellation) {
    return reinstate(transaction, options.reinstatedCancellation, rules, splitPlans, options);
  }
  const tx = transaction;
  const termKind = termKindOf(tx.policy, tx.type);
  const recorded = recordedOf(tx);
  let rule: CommissionRule;
  let rateSource: RateSource;
  try {
    rule = selectRule(rules, tx);
    rateSource = rule.source === 'learned' ? 'learned' : 'schedule';
  } catch (err) {
    // No schedule line for it: what the system of record states is the expectation.
    if (!(err instanceof NoRuleError) || recorded === null) throw err;
    rateSource = recorded.system === 'api' ? 'manual' : 'ams';
    if (recorded.cents !== null) return statedAmount(tx, recorded, termKind, splitPlans, options);
    rule = recordedRule(tx, recorded.rate!);
  }
  const steps: string[] = [
    describeTransaction(tx, termKind),
    rateSource === 'ams' || rateSource === 'manual'
      ? `No schedule line applies; ${systemName(recorded!.system)} records ${formatPercent(new Money(recorded!.rate!))} for ${recorded === tx.recorded ? 'this transaction' : 'the policy line'}`
      : `${describeRule(rule)}: ${describeBasis(rule)}${rateSource === 'learned' ? ' (learned from what the carrier paid)' : ''}`,
  ];

  const premiumCents = premiumOf(tx, options, steps);
  if (tx.taxesFeesCents !== 0) {
    steps.push(`Taxes and fees ${formatDollars(tx.taxesFeesCents)} are not commissionable`);
  }
  let basisCents = premiumCents;
  const brokerFee = tx.brokerFeeCents ?? 0;
  if (brokerFee !== 0) {
    if (rule.commissionOnFees) {
      // The fee moves with the premium: returned on a cancellation, restored on a reinstatement.
      const fee =
        tx.type === 'CAN' ? -Math.abs(brokerFee) : tx.type === 'REI' ? Math.abs(brokerFee) : brokerFee;
      basisCents += fee;
      steps.push(
        `Broker fee ${formatDollars(fee)} is commissionable under rule ${rule.id}: basis ${formatDollars(premiumCents)} + ${formatDollars(fee)} = ${formatDollars(basisCents)}`,
      );
    } else {
      steps.push(`Broker fee ${formatDollars(brokerFee)} is not commissionable under rule ${rule.id}`);
    }
  }

  const rate = rateOf(rule, tx.policy, steps);
  let agencyCents: number;
  if (rate === null) {
    agencyCents = flatAmountOf(tx, (rule.basis as { amountCents: number }).amountCents, steps);
  } else {
    const exact = new Money(basisCents).times(rate).dividedBy(100);
    agencyCents = roundCents(exact);
    const label = commissionLabel(tx.type, basisCents);
    const shownRate = basisCents < 0 ? formatPercent(rate.negated()) : formatPercent(rate);
    steps.push(
      `${label}: ${shownRate} of ${formatDollars(Math.abs(basisCents))} = ${roundedWords(exact, agencyCents)}`,
    );
  }

  if (tx.type === 'CAN' && agencyCents < 0 && options.termCommissionEarnedCents !== undefined) {
    const earned = Math.max(0, options.termCommissionEarnedCents);
    if (-agencyCents > earned) {
      agencyCents = negate(earned);
      steps.push(
        `Chargeback limited to the ${formatDollars(earned)} of commission earned on the term so far: ${formatDollars(agencyCents)}`,
      );
    }
  }

  const plan = selectSplitPlan(splitPlans, tx.policy, commissionDateOf(tx));
  const { splits, houseCents } = splitCommission(agencyCents, plan, termKind);
  steps.push(...splitSteps(plan, splits, houseCents));

  return {
    transactionId: tx.id,
    agencyCents,
    basisCents,
    rate: rate === null ? null : rate.toFixed(),
    termKind,
    ruleId: rateSource === 'schedule' || rateSource === 'learned' ? rule.id : null,
    rateSource,
    recordedRate: recorded?.rate ?? null,
    recordedSystem: recorded?.system ?? null,
    splitPlanId: plan?.id ?? null,
    splits,
    houseCents,
    explanation: steps,
  };
}

/**
 * Every transaction of one policy term, in the order they were written: each cancellation is
 * limited to the commission earned on the term before it, and each reinstatement restores exactly
 * the chargeback of the latest cancellation not yet reinstated.
 */
export function calculateTermTransactions(
  transactions: readonly CommissionTransaction[],
  rules: readonly CommissionRule[],
  splitPlans: readonly SplitPlan[],
  options: Omit<CalculationOptions, 'termCommissionEarnedCents' | 'reinstatedCancellation'> = {},
): ExpectedCommission[] {
  const termId = transactions[0]?.policy.id;
  let earnedCents = 0;
  const open: { cancellation: CommissionTransaction; earnedBefore: number }[] = [];
  return transactions.map((tx) => {
    if (tx.policy.id !== termId) {
      throw new InvalidTransactionError(tx.id, `is on policy term ${tx.policy.id}, not ${termId}`);
    }
    let result: ExpectedCommission;
    if (tx.type === 'CAN') {
      result = calculateExpected(tx, rules, splitPlans, {
        ...options,
        termCommissionEarnedCents: earnedCents,
      });
      open.push({ cancellation: tx, earnedBefore: earnedCents });
    } else if (tx.type === 'REI' && open.length > 0) {
      const { cancellation, earnedBefore } = open.pop()!;
      result = calculateExpected(tx, rules, splitPlans, {
        ...options,
        termCommissionEarnedCents: earnedBefore,
        reinstatedCancellation: cancellation,
      });
    } else {
      result = calculateExpected(tx, rules, splitPlans, options);
    }
    earnedCents += result.agencyCents;
    return result;
  });
}
