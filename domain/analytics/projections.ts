// Renewal commission the agency can expect over the coming months from the book in force today:
// each in-force term renews (with some probability) at its expiration into a new term at the
// expected premium, and that renewal earns the renewal commission rate. Probability-weighted so
// the totals are an expectation a principal can plan with; every amount is exact cents, rounded
// half-even once per projected renewal, so months, carriers and lines add up to the same total.
import { Decimal } from 'decimal.js';
import { Money, type MoneyDecimal } from '../money.ts';
import type { PolicyTermStatus } from './renewal-features.ts';

export interface InForceTerm {
  termId: string;
  policyNumber: string;
  clientId: string;
  carrierId: string | null;
  lineOfBusiness: string | null;
  effectiveDate: string;
  expirationDate: string;
  termPremiumCents: number;
  status: PolicyTermStatus;
  /** The carrier's renewal offer when on file: it replaces the expected premium change. */
  pendingRenewalPremiumCents?: number | null;
}

export type ProbabilitySource = 'model' | 'line_retention' | 'default_retention';

export interface ProjectionOptions {
  /** Today: terms in force on this date are projected. */
  asOf: string;
  /** Length of the window in months (default 12). */
  months?: number;
  /**
   * The renewal commission rate for a term, as a percent string ("12.5" is 12.5%), from the
   * commission engine. Called with the projected renewal term (its dates and expected premium).
   */
  rateFor: (term: InForceTerm) => string;
  /** Renewal probabilities per term id, from scoreRenewals. */
  renewalProbabilities?: ReadonlyMap<string, number>;
  /** Retention rate per line of business (0..1) for terms the model has not scored. */
  retentionByLine?: Readonly<Record<string, number>>;
  /** Retention for a term with neither a score nor a line rate. */
  defaultRetention?: number;
  /** Expected premium change at renewal, as a percent string ("4.5"); default "0". */
  expectedPremiumChangePct?: (term: InForceTerm) => string;
}

export interface ProjectedRenewal {
  termId: string;
  policyNumber: string;
  carrierId: string | null;
  lineOfBusiness: string | null;
  renewalDate: string;
  /** YYYY-MM of the renewal date. */
  month: string;
  /** 1 for the term's next renewal, 2 for the one after (short terms renew twice in a year). */
  renewalNumber: number;
  expiringPremiumCents: number;
  expectedPremiumCents: number;
  probability: number;
  probabilitySource: ProbabilitySource;
  commissionRate: string;
  /** expected premium × rate × probability, half-even to the cent. */
  expectedCommissionCents: number;
}

export interface ProjectionTotal {
  key: string;
  renewals: number;
  /** Premium of the projected renewals if all renew (not weighted). */
  renewalPremiumCents: number;
  expectedCommissionCents: number;
}

export interface CommissionProjection {
  asOf: string;
  /** First day after the window. */
  windowEnd: string;
  renewals: ProjectedRenewal[];
  /** Every month the window touches, in order, including months with nothing renewing. */
  byMonth: ProjectionTotal[];
  byCarrier: ProjectionTotal[];
  byLine: ProjectionTotal[];
  totalExpectedCommissionCents: number;
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, lastDay));
  return first.toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The next term's expiration: the same number of months when the term is whole months, else the same days. */
function nextExpiration(effective: string, expiration: string): string {
  const months =
    (Number(expiration.slice(0, 4)) - Number(effective.slice(0, 4))) * 12 +
    (Number(expiration.slice(5, 7)) - Number(effective.slice(5, 7)));
  if (months > 0 && addMonths(effective, months) === expiration) return addMonths(expiration, months);
  const days = Math.round((Date.parse(expiration) - Date.parse(effective)) / 86_400_000);
  return addDays(expiration, days);
}

/** Cents (possibly fractional after a rate or a probability) to whole cents, half-even. */
function roundCents(cents: MoneyDecimal): number {
  const n = cents.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toNumber();
  if (!Number.isSafeInteger(n)) throw new Error(`amount out of range: ${cents.toString()} cents`);
  return n === 0 ? 0 : n; // no negative zero
}

function percentOf(percent: string, what: string): MoneyDecimal {
  const value = new Money(percent);
  if (!value.isFinite()) throw new Error(`${what} is not a number: "${percent}"`);
  return value.dividedBy(100);
}

function probabilityFor(
  term: InForceTerm,
  options: ProjectionOptions,
): { probability: MoneyDecimal; source: ProbabilitySource } {
  const scored = options.renewalProbabilities?.get(term.termId);
  const byLine = term.lineOfBusiness === null ? undefined : options.retentionByLine?.[term.lineOfBusiness];
  const [value, source]: [number | undefined, ProbabilitySource] =
    scored !== undefined
      ? [scored, 'model']
      : byLine !== undefined
        ? [byLine, 'line_retention']
        : [options.defaultRetention, 'default_retention'];
  if (value === undefined) {
    throw new Error(
      `no renewal probability for term ${term.termId}: score it, give a retention for ${term.lineOfBusiness ?? 'its line'} or a default retention`,
    );
  }
  if (!(value >= 0 && value <= 1))
    throw new Error(`renewal probability out of range for ${term.termId}: ${value}`);
  // A float probability becomes the decimal it prints as, so the arithmetic after it is exact.
  return { probability: new Money(String(value)), source };
}

function totalsBy(
  renewals: readonly ProjectedRenewal[],
  keyOf: (r: ProjectedRenewal) => string,
): ProjectionTotal[] {
  const totals = new Map<string, ProjectionTotal>();
  for (const r of renewals) {
    const key = keyOf(r);
    const t = totals.get(key) ?? { key, renewals: 0, renewalPremiumCents: 0, expectedCommissionCents: 0 };
    t.renewals++;
    t.renewalPremiumCents += r.expectedPremiumCents;
    t.expectedCommissionCents += r.expectedCommissionCents;
    totals.set(key, t);
  }
  return [...totals.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export function projectRenewalCommissions(
  terms: readonly InForceTerm[],
  options: ProjectionOptions,
): CommissionProjection {
  const { asOf } = options;
  const windowEnd = addMonths(asOf, options.months ?? 12);
  const renewals: ProjectedRenewal[] = [];

  for (const term of terms) {
    const inForce = term.status === 'active' && term.effectiveDate <= asOf && asOf < term.expirationDate;
    if (!inForce) continue;
    const { probability, source } = probabilityFor(term, options);
    const change = percentOf(options.expectedPremiumChangePct?.(term) ?? '0', 'expected premium change');
    let current: InForceTerm = term;
    let reachProbability = new Money(1);
    // A six-month term renews twice in a year: each renewal starts from the previous one, which
    // itself has to happen first, so its probability compounds.
    for (let renewalNumber = 1; current.expirationDate < windowEnd; renewalNumber++) {
      const expectedPremiumCents =
        renewalNumber === 1 && term.pendingRenewalPremiumCents != null
          ? term.pendingRenewalPremiumCents
          : roundCents(new Money(current.termPremiumCents).times(change.plus(1)));
      const renewalTerm: InForceTerm = {
        ...term,
        effectiveDate: current.expirationDate,
        expirationDate: nextExpiration(current.effectiveDate, current.expirationDate),
        termPremiumCents: expectedPremiumCents,
        pendingRenewalPremiumCents: null,
      };
      reachProbability = reachProbability.times(probability);
      const commissionRate = options.rateFor(renewalTerm);
      const expectedCommissionCents = roundCents(
        new Money(expectedPremiumCents)
          .times(percentOf(commissionRate, `commission rate for ${term.termId}`))
          .times(reachProbability),
      );
      renewals.push({
        termId: term.termId,
        policyNumber: term.policyNumber,
        carrierId: term.carrierId,
        lineOfBusiness: term.lineOfBusiness,
        renewalDate: renewalTerm.effectiveDate,
        month: renewalTerm.effectiveDate.slice(0, 7),
        renewalNumber,
        expiringPremiumCents: current.termPremiumCents,
        expectedPremiumCents,
        probability: reachProbability.toNumber(),
        probabilitySource: source,
        commissionRate,
        expectedCommissionCents,
      });
      current = renewalTerm;
    }
  }
  renewals.sort((a, b) => a.renewalDate.localeCompare(b.renewalDate) || a.termId.localeCompare(b.termId));

  const byMonthFound = new Map(totalsBy(renewals, (r) => r.month).map((t) => [t.key, t]));
  const byMonth: ProjectionTotal[] = [];
  const lastMonth = addDays(windowEnd, -1).slice(0, 7);
  for (let month = asOf.slice(0, 7); month <= lastMonth; month = addMonths(`${month}-01`, 1).slice(0, 7)) {
    byMonth.push(
      byMonthFound.get(month) ?? {
        key: month,
        renewals: 0,
        renewalPremiumCents: 0,
        expectedCommissionCents: 0,
      },
    );
  }
  return {
    asOf,
    windowEnd,
    renewals,
    byMonth,
    byCarrier: totalsBy(renewals, (r) => r.carrierId ?? 'unknown'),
    byLine: totalsBy(renewals, (r) => r.lineOfBusiness ?? 'unknown'),
    totalExpectedCommissionCents: renewals.reduce((sum, r) => sum + r.expectedCommissionCents, 0),
  };
}
