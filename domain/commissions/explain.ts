// The words of an expected commission's explanation: amounts as an agency accountant writes them
// ("$1,234.50", "−$58.04"), percents without trailing zeros, rules and producers by name. Every
// figure shown is the figure used, so a reader can redo the arithmetic from the steps alone.
import { formatCents, Money, type MoneyDecimal } from '../money.ts';
import type { CommissionRule, ProducerRole, ProducerShare, SplitPlan, TermKind } from './types.ts';

const minus = '\u2212';

/** "$1,234.50" for 123450; "−$58.04" for −5804 (a true minus sign, as on printed statements). */
export function formatDollars(cents: number): string {
  const text = formatCents(Math.abs(cents));
  const [whole, fraction] = text.split('.') as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? minus : ''}$${grouped}.${fraction}`;
}

/** "12.5%" for "12.50"; exact, never rounded for display. */
export function formatPercent(rate: string | MoneyDecimal): string {
  const value = typeof rate === 'string' ? new Money(rate) : rate;
  const text = value.toFixed();
  return `${text.startsWith('-') ? minus + text.slice(1) : text}%`;
}

/**
 * An unrounded amount in cents, shown in dollars: "$185.175"; a long or repeating fraction is cut
 * after four decimals and marked "…" ("$487.0356…"), since only the rounding direction matters.
 */
export function formatExactDollars(exactCents: MoneyDecimal): string {
  const dollars = exactCents.abs().dividedBy(100);
  const [whole, fraction = ''] = dollars.toFixed().split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const shown =
    fraction.length < 2
      ? fraction.padEnd(2, '0')
      : fraction.length > 4
        ? `${fraction.slice(0, 4)}…`
        : fraction;
  return `${exactCents.isNegative() && !exactCents.isZero() ? minus : ''}$${grouped}.${shown}`;
}

export function termKindWords(termKind: TermKind | 'any'): string {
  return termKind === 'new' ? 'new business' : termKind === 'renewal' ? 'renewal' : 'new or renewal';
}

/** "Rule R12 (carrier TRAV, HOME, any state, renewal, 2026-01-01…)" plus its description if any. */
export function describeRule(rule: CommissionRule): string {
  const payer =
    rule.carrierId !== null && rule.mgaId !== null
      ? `carrier ${rule.carrierId} via MGA ${rule.mgaId}`
      : rule.carrierId !== null
        ? `carrier ${rule.carrierId}`
        : rule.mgaId !== null
          ? `MGA ${rule.mgaId}`
          : 'any carrier';
  const parts = [
    payer,
    rule.lineOfBusiness ?? 'any line',
    rule.state ?? 'any state',
    termKindWords(rule.termKind),
    `${rule.effectiveFrom}…${rule.effectiveTo ?? ''}`,
  ];
  const description = rule.description ? ` “${rule.description}”` : '';
  return `Rule ${rule.id}${description} (${parts.join(', ')})`;
}

export function describeBasis(rule: CommissionRule): string {
  const { basis } = rule;
  if (basis.kind === 'percent') return `${formatPercent(basis.rate)} of premium`;
  if (basis.kind === 'flat') return `${formatDollars(basis.amountCents)} per policy term`;
  const unit = basis.by === 'premium' ? 'term premium' : 'policy year';
  const bands = basis.tiers.map((tier) => {
    if (basis.by === 'premium') {
      return `${tier.upTo === null ? 'higher' : `up to ${formatDollars(tier.upTo)}`}: ${formatPercent(tier.rate)}`;
    }
    return `${tier.upTo === null ? 'later years' : `through year ${tier.upTo}`}: ${formatPercent(tier.rate)}`;
  });
  return `tiered by ${unit}: ${bands.join('; ')}`;
}

const roleWords: Record<ProducerRole, string> = {
  writing: 'Writing producer',
  servicing: 'Servicing producer',
  house: 'House producer',
  override: 'Override',
  referral: 'Referral',
};

export function describeSplitPlan(plan: SplitPlan): string {
  // "recorded:<system>:<policy>": the shares the system of record states for the policy.
  const recorded = /^recorded:([^:]+):/.exec(plan.id);
  if (recorded)
    return `The producer shares ${recorded[1] === 'applied-epic' ? 'Applied Epic' : recorded[1]} records for the policy`;
  const scope =
    plan.policyId !== null
      ? `override for policy ${plan.policyId}`
      : plan.producerId !== null
        ? `book of producer ${plan.producerId}`
        : 'agency-wide';
  return `Split plan ${plan.id} (${scope}, ${plan.effectiveFrom}…${plan.effectiveTo ?? ''})`;
}

/** "Writing producer P1: 40% = −$23.22" */
export function describeShare(share: ProducerShare): string {
  return `${roleWords[share.role]} ${share.producerId}: ${formatPercent(share.percent)} = ${formatDollars(share.cents)}`;
}
