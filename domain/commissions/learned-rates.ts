// Rates learned from what carriers actually paid. Each reconciled statement line that pays one
// transaction shows a rate: the one the carrier printed, or its commission over the premium. Lines
// of one carrier, line of business and term kind that agree become a proposed schedule line (per
// state when states are paid differently), with how many lines showed it and how far they spread,
// unless the book already expects that rate. Accepting one is a single step for the agency.
import { Money } from '../money.ts';
import type { RateSource, TermKind } from './types.ts';

export interface RateObservation {
  carrierId: string;
  carrierName: string | null;
  lineOfBusiness: string | null;
  state: string | null;
  termKind: TermKind;
  /** The transaction's effective date. */
  effectiveDate: string;
  /** The rate the carrier printed on the line ("15"), if it did. */
  printedRate: string | null;
  /** The line's commission and the premium it was paid on (the statement's, else the book's). */
  commissionCents: number;
  premiumCents: number | null;
  /** What the book expected for the transaction, and from where. */
  expectedRate: string | null;
  rateSource: RateSource | null;
}

export interface RateProposal {
  /** Stable for the group: carrier, line, state and term kind. */
  id: string;
  carrierId: string;
  carrierName: string | null;
  lineOfBusiness: string | null;
  /** Null: the same rate in every state observed. */
  state: string | null;
  termKind: TermKind;
  rate: string;
  /** Lines that showed a rate for the group, and how many showed the proposed one. */
  observations: number;
  agreeing: number;
  spread: { min: string; max: string };
  /** What the book expects today for the group (the most common), and from where. */
  current: { rate: string | null; source: RateSource | null };
  effectiveFrom: string;
}

/** Premiums below a dollar amount this small make a computed rate mostly rounding. */
const minimumPremiumCents = 10_000;
/** One line is a payment, not a pattern. */
const minimumObservations = 2;

function plain(d: InstanceType<typeof Money>): string {
  const s = d.toFixed();
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** The rate a line shows: printed, else commission ÷ premium to two places; null when it cannot tell. */
export function observedRate(o: RateObservation): string | null {
  if (o.printedRate !== null && o.printedRate !== '') return plain(new Money(o.printedRate));
  if (o.premiumCents === null || Math.abs(o.premiumCents) < minimumPremiumCents) return null;
  if (Math.sign(o.premiumCents) !== Math.sign(o.commissionCents) || o.commissionCents === 0) return null;
  return plain(new Money(o.commissionCents).times(100).dividedBy(o.premiumCents).toDecimalPlaces(2));
}

function compareRates(a: string, b: string): number {
  return new Money(a).comparedTo(b);
}

function mode(values: readonly string[]): { value: string; count: number } {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: { value: string; count: number } | null = null;
  for (const [value, count] of counts) {
    if (!best || count > best.count || (count === best.count && compareRates(value, best.value) < 0))
      best = { value, count };
  }
  return best!;
}

/** Stable id of a group, safe in a URL. */
export function proposalId(
  g: Pick<RateProposal, 'carrierId' | 'lineOfBusiness' | 'state' | 'termKind'>,
): string {
  return Buffer.from(JSON.stringify([g.carrierId, g.lineOfBusiness, g.state, g.termKind]), 'utf8').toString(
    'base64url',
  );
}

interface Rated extends RateObservation {
  rate: string;
}

function proposalFor(
  rated: Rated[],
  key: Pick<RateProposal, 'carrierId' | 'lineOfBusiness' | 'state' | 'termKind'>,
): RateProposal | null {
  if (rated.length < minimumObservations) return null;
  const top = mode(rated.map((r) => r.rate));
  const sorted = [...rated].sort((a, b) => compareRates(a.rate, b.rate));
  const current = mode(rated.map((r) => `${r.rateSource ?? ''}|${r.expectedRate ?? ''}`)).value.split('|');
  const currentSource = (current[0] || null) as RateSource | null;
  const currentRate = current[1] || null;
  // The book already expects what carriers pay: nothing to learn.
  if (currentSource !== null && currentRate !== null && compareRates(currentRate, top.value) === 0)
    return null;
  return {
    id: proposalId(key),
    ...key,
    carrierName: rated[0]!.carrierName,
    rate: top.value,
    observations: rated.length,
    agreeing: top.count,
    spread: { min: sorted[0]!.rate, max: sorted[sorted.length - 1]!.rate },
    current: { rate: currentRate, source: currentSource },
    effectiveFrom: rated.map((r) => r.effectiveDate).sort()[0]!,
  };
}

/**
 * Proposed schedule lines from observed payments: per carrier × line × new/renewal, split by
 * state only when two states each show a different usual rate. Most observations first.
 */
export function proposeRates(observations: readonly RateObservation[]): RateProposal[] {
  const groups = new Map<string, Rated[]>();
  for (const o of observations) {
    const rate = observedRate(o);
    if (rate === null) continue;
    const key = JSON.stringify([o.carrierId, o.lineOfBusiness, o.termKind]);
    groups.set(key, [...(groups.get(key) ?? []), { ...o, rate }]);
  }
  const out: RateProposal[] = [];
  for (const rated of groups.values()) {
    const { carrierId, lineOfBusiness, termKind } = rated[0]!;
    const byState = new Map<string, Rated[]>();
    for (const r of rated) byState.set(r.state ?? '', [...(byState.get(r.state ?? '') ?? []), r]);
    const usual = [...byState.entries()]
      .filter(([, list]) => list.length >= minimumObservations)
      .map(([state, list]) => ({ state, rate: mode(list.map((r) => r.rate)).value, list }));
    const statesDiffer = new Set(usual.map((u) => u.rate)).size > 1;
    if (statesDiffer) {
      for (const u of usual) {
        const p = proposalFor(u.list, { carrierId, lineOfBusiness, state: u.state || null, termKind });
        if (p) out.push(p);
      }
    } else {
      const p = proposalFor(rated, { carrierId, lineOfBusiness, state: null, termKind });
      if (p) out.push(p);
    }
  }
  return out.sort(
    (a, b) =>
      b.observations - a.observations ||
      (a.carrierName ?? '').localeCompare(b.carrierName ?? '') ||
      (a.lineOfBusiness ?? '').localeCompare(b.lineOfBusiness ?? '') ||
      a.termKind.localeCompare(b.termKind),
  );
}
