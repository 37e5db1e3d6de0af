// Renewal chains: which earlier term each policy term renews, so that policy year (new business vs
// renewal commission) and the original inception date survive a policy number that changed at
// renewal (product brief: "policy numbers can change at renewal; the original inception date is
// kept"; model (a): a renewal is a new term linked through prior_term_id).
//
// A term is linked to its prior term by, in order:
//   1. its prior policy number: the latest earlier term with that (normalised) number, preferring
//      the same client, then the same carrier;
//   2. its own policy number: the latest earlier term of the same carrier with the same number
//      (carriers that keep the number across renewals, when the AMS left the prior number blank);
//   3. continuity: the one term of the same client, carrier and line that expired on the day this
//      one took effect, and that no other term already renews. Two such terms are ambiguous and
//      leave the term unlinked rather than guess.
// Policy years count terms, so a six-month auto policy's first renewal is policy year 2 as well.
// The first term of a chain starts at year 1 — unless the AMS gives it an original inception date
// before its effective date (it renews terms we never saw: year = 1 + the number of its own term
// lengths since inception, rounded) or a prior policy number we cannot find (at least year 2).
import { Money } from '../money.ts';
import { normalizePolicyNumber } from '../normalize.ts';
import { daysBetween } from './calendar.ts';

export interface ChainTermInput {
  id: string;
  policyNumber: string;
  priorPolicyNumber: string | null;
  carrierId: string | null;
  lineOfBusiness: string | null;
  clientId: string | null;
  effectiveDate: string;
  expirationDate: string;
  /** The original inception date as the AMS reports it, if it does. */
  originalInceptionDate?: string | null;
}

export type ChainLink = 'prior_policy_number' | 'same_policy_number' | 'continuity';

export interface ChainedTerm {
  id: string;
  priorTermId: string | null;
  /** How the prior term was found; null for the first term of a chain. */
  linkedBy: ChainLink | null;
  /** The id of the chain's first term. */
  chainId: string;
  policyYear: number;
  originalInceptionDate: string;
}

function sameCode(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.trim().toUpperCase() === b.trim().toUpperCase();
}

/** Latest effective date first; then id, so the pick never depends on input order. */
function latestFirst(a: ChainTermInput, b: ChainTermInput): number {
  if (a.effectiveDate !== b.effectiveDate) return a.effectiveDate < b.effectiveDate ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Links every term to the term it renews and numbers the chain; results in input order. */
export function linkRenewalChains(terms: readonly ChainTermInput[]): ChainedTerm[] {
  const ids = new Set<string>();
  for (const term of terms) {
    if (ids.has(term.id)) throw new Error(`policy term ${term.id} appears twice`);
    ids.add(term.id);
    if (daysBetween(term.effectiveDate, term.expirationDate) <= 0) {
      throw new Error(
        `policy term ${term.id} ends (${term.expirationDate}) before it starts (${term.effectiveDate})`,
      );
    }
  }
  const byNumber = new Map<string, ChainTermInput[]>();
  for (const term of terms) {
    const key = normalizePolicyNumber(term.policyNumber);
    byNumber.set(key, [...(byNumber.get(key) ?? []), term]);
  }
  const earlierWithNumber = (term: ChainTermInput, number: string): ChainTermInput[] =>
    (byNumber.get(normalizePolicyNumber(number)) ?? []).filter(
      (candidate) => candidate.id !== term.id && candidate.effectiveDate < term.effectiveDate,
    );

  const prior = new Map<string, { term: ChainTermInput; linkedBy: ChainLink }>();
  const unresolvedPriorNumber = new Set<string>();
  for (const term of terms) {
    if (term.priorPolicyNumber !== null && term.priorPolicyNumber.trim() !== '') {
      const candidates = earlierWithNumber(term, term.priorPolicyNumber).sort((a, b) => {
        const client = Number(b.clientId === term.clientId) - Number(a.clientId === term.clientId);
        if (client !== 0) return client;
        const carrier = Number(b.carrierId === term.carrierId) - Number(a.carrierId === term.carrierId);
        return carrier !== 0 ? carrier : latestFirst(a, b);
      });
      if (candidates[0]) {
        prior.set(term.id, { term: candidates[0], linkedBy: 'prior_policy_number' });
        continue;
      }
      unresolvedPriorNumber.add(term.id);
    }
    const sameNumber = earlierWithNumber(term, term.policyNumber)
      .filter((candidate) => candidate.carrierId === term.carrierId)
      .sort(latestFirst);
    if (sameNumber[0]) prior.set(term.id, { term: sameNumber[0], linkedBy: 'same_policy_number' });
  }

  const claimed = new Set([...prior.values()].map((link) => link.term.id));
  const chronological = [...terms].sort((a, b) => -latestFirst(a, b));
  for (const term of chronological) {
    if (prior.has(term.id) || term.clientId === null) continue;
    const candidates = terms.filter(
      (candidate) =>
        candidate.id !== term.id &&
        !claimed.has(candidate.id) &&
        candidate.clientId === term.clientId &&
        candidate.carrierId === term.carrierId &&
        sameCode(candidate.lineOfBusiness, term.lineOfBusiness) &&
        candidate.expirationDate === term.effectiveDate,
    );
    if (candidates.length === 1) {
      prior.set(term.id, { term: candidates[0]!, linkedBy: 'continuity' });
      claimed.add(candidates[0]!.id);
    }
  }

  // Priors always start earlier, so walking in date order meets every prior before its renewal.
  const chained = new Map<string, ChainedTerm>();
  for (const term of chronological) {
    const link = prior.get(term.id);
    const before = link ? chained.get(link.term.id)! : null;
    if (before) {
      chained.set(term.id, {
        id: term.id,
        priorTermId: before.id,
        linkedBy: link!.linkedBy,
        chainId: before.chainId,
        policyYear: before.policyYear + 1,
        originalInceptionDate: before.originalInceptionDate,
      });
      continue;
    }
    const reported = term.originalInceptionDate ?? null;
    let policyYear = 1;
    let originalInceptionDate = term.effectiveDate;
    if (reported !== null && reported < term.effectiveDate) {
      originalInceptionDate = reported;
      const termDays = daysBetween(term.effectiveDate, term.expirationDate);
      const termsBefore = new Money(daysBetween(reported, term.effectiveDate))
        .dividedBy(termDays)
        .toDecimalPlaces(0, Money.ROUND_HALF_EVEN)
        .toNumber();
      policyYear = 1 + Math.max(1, termsBefore);
    } else if (unresolvedPriorNumber.has(term.id)) {
      policyYear = 2;
    }
    chained.set(term.id, {
      id: term.id,
      priorTermId: null,
      linkedBy: null,
      chainId: term.id,
      policyYear,
      originalInceptionDate,
    });
  }
  return terms.map((term) => chained.get(term.id)!);
}
