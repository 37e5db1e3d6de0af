// What the hub knows about a policy term at the moment its renewal is decided, taken only from the
// canonical model: the term and its transactions, its renewal chain (prior term link, or the prior
// policy number when the carrier rewrote the policy under a new number), and the client's other
// policies. Everything is read "as of" a decision date so a feature never looks past the moment it
// describes: the renewal outcome must not leak into its own explanation.
import type { TransactionType } from '../commissions/types.ts';

export type PolicyTermStatus = 'prospective' | 'active' | 'cancelled' | 'expired' | 'replaced' | 'lost';
export type BusinessType = 'personal' | 'commercial' | 'benefits' | 'life_health';

export interface TermTransactionRecord {
  type: TransactionType;
  effectiveDate: string;
  premiumDeltaCents: number;
}

/** One policy term as the hub stores it (canonical `policy` row plus its transactions). */
export interface PolicyTermRecord {
  termId: string;
  clientId: string;
  carrierId: string | null;
  policyNumber: string;
  /** The canonical prior-term link; null when the source system only gave a prior policy number. */
  priorTermId: string | null;
  priorPolicyNumber: string | null;
  lineOfBusiness: string | null;
  businessType: BusinessType | null;
  effectiveDate: string;
  expirationDate: string;
  /** When the chain's first term began; kept across renewals and policy-number changes. */
  originalInceptionDate: string | null;
  termPremiumCents: number;
  status: PolicyTermStatus;
  transactions: readonly TermTransactionRecord[];
}

/** A term with the history its renewal features are derived from. */
export interface RenewalTermHistory {
  term: PolicyTermRecord;
  /** Earlier terms of the same renewal chain, the most recent first. */
  priorTerms: PolicyTermRecord[];
  /** The client's other renewal chains (other lines or policies), each oldest term first. */
  otherChains: PolicyTermRecord[][];
  /** The last recorded contact with the client (CRM activity), when a CRM is connected. */
  lastContactDate: string | null;
  /**
   * The carrier's renewal offer for the next term, when it was recorded before the decision.
   * Never fill this from the successor term: a successor exists only when the client renewed, so
   * "offer known" would give the outcome away to the model.
   */
  pendingRenewalPremiumCents: number | null;
}

export interface RenewalFeatures {
  termId: string;
  /** The date the features describe: the last day of the term, or today for an upcoming renewal. */
  asOf: string;
  /** Years from the original inception to this term's expiration. */
  tenureYears: number;
  /** Premium change the client saw at the last renewal, in percent; null for a first term. */
  lastRenewalPremiumChangePct: number | null;
  /** The renewal offer against the expiring premium, in percent; null when no offer is on file. */
  pendingPremiumChangePct: number | null;
  /** Endorsements written on this term so far. */
  endorsements: number;
  /** The client's other policies in force on the decision date. */
  otherActivePolicies: number;
  /** The client's other policies that were lost or cancelled before the decision date. */
  otherPoliciesEnded: number;
  /** A cancellation followed by a reinstatement on any of the client's policies, so far. */
  paymentLapse: boolean;
  commercial: boolean;
  /** Days since the last contact with the client; null when no CRM activity is known. */
  daysSinceContact: number | null;
}

const dayMs = 86_400_000;

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** Whether the term stood cancelled on a date: its last cancellation or reinstatement by then was a cancellation. */
function cancelledOn(term: PolicyTermRecord, date: string): boolean {
  let cancelled = false;
  for (const t of [...term.transactions].sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate))) {
    if (t.effectiveDate > date) break;
    if (t.type === 'CAN') cancelled = true;
    else if (t.type === 'REI') cancelled = false;
  }
  return cancelled;
}

function inForceOn(term: PolicyTermRecord, date: string): boolean {
  return term.effectiveDate <= date && date < term.expirationDate && !cancelledOn(term, date);
}

/** A payment lapse shows in the transactions as a cancellation that a reinstatement undid. */
function lapsedBy(term: PolicyTermRecord, date: string): boolean {
  const sorted = [...term.transactions].sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate));
  let cancelled = false;
  for (const t of sorted) {
    if (t.effectiveDate > date) break;
    if (t.type === 'CAN') cancelled = true;
    else if (t.type === 'REI' && cancelled) return true;
  }
  return false;
}

/** The premium written when the term began (NEW, RWL or REWRITE), before endorsements. */
function writtenPremiumCents(term: PolicyTermRecord): number {
  return term.transactions
    .filter((t) => t.type === 'NEW' || t.type === 'RWL' || t.type === 'REWRITE')
    .reduce((sum, t) => sum + t.premiumDeltaCents, 0);
}

function percentChange(from: number, to: number): number | null {
  return from > 0 && to > 0 ? ((to - from) / from) * 100 : null;
}

/**
 * The features of a term's renewal, as they stood on `asOf` (default: the term's last day; an
 * upcoming renewal is scored as of today, never later than the term's last day).
 */
export function deriveRenewalFeatures(history: RenewalTermHistory, asOf?: string): RenewalFeatures {
  const { term, priorTerms, otherChains } = history;
  const lastDay = addDays(term.expirationDate, -1);
  const date = asOf !== undefined && asOf < lastDay ? asOf : lastDay;

  const inception =
    term.originalInceptionDate ?? priorTerms[priorTerms.length - 1]?.effectiveDate ?? term.effectiveDate;
  const prior = priorTerms[0];
  const lastRenewalPremiumChangePct = prior
    ? percentChange(prior.termPremiumCents, writtenPremiumCents(term))
    : null;
  const pendingPremiumChangePct =
    history.pendingRenewalPremiumCents === null
      ? null
      : percentChange(term.termPremiumCents, history.pendingRenewalPremiumCents);

  let otherActivePolicies = 0;
  let otherPoliciesEnded = 0;
  for (const chain of otherChains) {
    // The chain's latest term that had begun by the decision date tells where the policy stands.
    const started = chain.filter((t) => t.effectiveDate <= date);
    const latest = started[started.length - 1];
    if (!latest) continue; // written after the decision: not part of the client's picture then
    if (inForceOn(latest, date)) otherActivePolicies++;
    else otherPoliciesEnded++;
  }

  const everyTerm = [term, ...priorTerms, ...otherChains.flat()];
  return {
    termId: term.termId,
    asOf: date,
    tenureYears: Math.max(0, daysBetween(inception, term.expirationDate)) / 365,
    lastRenewalPremiumChangePct,
    pendingPremiumChangePct,
    endorsements: term.transactions.filter((t) => t.type === 'END' && t.effectiveDate <= date).length,
    otherActivePolicies,
    otherPoliciesEnded,
    paymentLapse: everyTerm.some((t) => lapsedBy(t, date)),
    commercial: term.businessType === 'commercial',
    daysSinceContact:
      history.lastContactDate === null || history.lastContactDate > date
        ? null
        : daysBetween(history.lastContactDate, date),
  };
}

function normalisedPolicyNumber(policyNumber: string): string {
  return policyNumber.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

interface LinkedBook {
  priorOf: Map<string, PolicyTermRecord>;
  hasSuccessor: Set<string>;
  chainsByClient: Map<string, PolicyTermRecord[][]>;
  chainRootOf: Map<string, string>;
}

/**
 * Links every term to its prior term: by the canonical prior-term id, or else by the prior policy
 * number among the same client's terms that ended by the time this one began (a rewrite under a
 * new number keeps the chain, and with it the tenure).
 */
function linkChains(book: readonly PolicyTermRecord[]): LinkedBook {
  const byId = new Map(book.map((t) => [t.termId, t]));
  const byClientNumber = new Map<string, PolicyTermRecord[]>();
  for (const t of book) {
    const key = `${t.clientId}\u0000${normalisedPolicyNumber(t.policyNumber)}`;
    const list = byClientNumber.get(key) ?? [];
    list.push(t);
    byClientNumber.set(key, list);
  }
  const priorOf = new Map<string, PolicyTermRecord>();
  const hasSuccessor = new Set<string>();
  for (const t of book) {
    let prior = t.priorTermId ? byId.get(t.priorTermId) : undefined;
    if (!prior && t.priorPolicyNumber) {
      const candidates = (
        byClientNumber.get(`${t.clientId}\u0000${normalisedPolicyNumber(t.priorPolicyNumber)}`) ?? []
      ).filter((c) => c.termId !== t.termId && c.expirationDate <= t.effectiveDate);
      prior = candidates.sort((a, b) => b.expirationDate.localeCompare(a.expirationDate))[0];
    }
    if (prior) {
      priorOf.set(t.termId, prior);
      hasSuccessor.add(prior.termId);
    }
  }
  const chainRootOf = new Map<string, string>();
  for (const t of book) {
    let root = t;
    const seen = new Set<string>([t.termId]);
    for (let p = priorOf.get(root.termId); p && !seen.has(p.termId); p = priorOf.get(root.termId)) {
      seen.add(p.termId);
      root = p;
    }
    chainRootOf.set(t.termId, root.termId);
  }
  const chainsByRoot = new Map<string, PolicyTermRecord[]>();
  for (const t of book) {
    const root = chainRootOf.get(t.termId)!;
    const chain = chainsByRoot.get(root) ?? [];
    chain.push(t);
    chainsByRoot.set(root, chain);
  }
  const chainsByClient = new Map<string, PolicyTermRecord[][]>();
  for (const chain of chainsByRoot.values()) {
    chain.sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate));
    const clientId = chain[0]!.clientId;
    const list = chainsByClient.get(clientId) ?? [];
    list.push(chain);
    chainsByClient.set(clientId, list);
  }
  return { priorOf, hasSuccessor, chainsByClient, chainRootOf };
}

export interface HistoryOptions {
  /** Last CRM contact per client id (ISO date). */
  lastContactByClient?: ReadonlyMap<string, string>;
  /** Recorded renewal offers per term id, in cents (see RenewalTermHistory). */
  pendingRenewalPremiumByTerm?: ReadonlyMap<string, number>;
}

/** Assembles each term's history from a flat book of terms (any order, any number of clients). */
export function buildRenewalHistories(
  book: readonly PolicyTermRecord[],
  options: HistoryOptions = {},
): RenewalTermHistory[] {
  const linked = linkChains(book);
  return book.map((term) => {
    const priorTerms: PolicyTermRecord[] = [];
    const seen = new Set<string>([term.termId]);
    for (
      let p = linked.priorOf.get(term.termId);
      p && !seen.has(p.termId);
      p = linked.priorOf.get(p.termId)
    ) {
      seen.add(p.termId);
      priorTerms.push(p);
    }
    const root = linked.chainRootOf.get(term.termId);
    const otherChains = (linked.chainsByClient.get(term.clientId) ?? []).filter(
      (chain) => linked.chainRootOf.get(chain[0]!.termId) !== root,
    );
    return {
      term,
      priorTerms,
      otherChains,
      lastContactDate: options.lastContactByClient?.get(term.clientId) ?? null,
      pendingRenewalPremiumCents: options.pendingRenewalPremiumByTerm?.get(term.termId) ?? null,
    };
  });
}

/**
 * Whether each term renewed, as the book shows it on `asOf`: true when a later term links back to
 * it, false when it was marked lost or ended with no successor, null while undecided or when the
 * term was cancelled (or replaced) before it came up for renewal. These are the labels the renewal
 * model trains on.
 */
export function renewalOutcomes(
  book: readonly PolicyTermRecord[],
  asOf: string,
): Map<string, boolean | null> {
  const linked = linkChains(book);
  const outcomes = new Map<string, boolean | null>();
  for (const term of book) {
    let outcome: boolean | null = null;
    if (linked.hasSuccessor.has(term.termId)) outcome = true;
    else if (term.status === 'lost') outcome = false;
    else if (term.status === 'cancelled' || term.status === 'replaced') outcome = null;
    else if (term.expirationDate <= asOf && !cancelledOn(term, addDays(term.expirationDate, -1))) {
      outcome = false;
    }
    outcomes.set(term.termId, outcome);
  }
  return outcomes;
}
