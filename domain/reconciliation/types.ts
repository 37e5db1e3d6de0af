// The vocabulary of statement reconciliation: what the agency expects to be paid (expected
// commission items), what a carrier statement says it paid (statement lines), the tolerances an
// agency configures, the policy-number aliases people taught the matcher, and what the matcher
// decided for each line and each unpaid expectation. Pure data; money in integer cents, dates as
// ISO "YYYY-MM-DD", rates as percent strings ("15" is 15%), as in domain/commissions/types.ts.
import type { TransactionType } from '../commissions/types.ts';

export type { TransactionType };

/** One expected commission the agency is owed (an ExpectedCommission row, agency payee). */
export interface ExpectedItem {
  id: string;
  carrierId: string;
  /** As the AMS holds it. */
  policyNumber: string;
  /** normalizePolicyNumber(policyNumber) from domain/normalize.ts, as stored in the database. */
  policyNumberNormalized: string;
  insuredName: string;
  /** The transaction's effective date (term effective date for NEW/RWL). */
  effectiveDate: string;
  transactionType: TransactionType;
  expectedCents: number;
  /** What is still unpaid before this statement: expectedCents minus earlier payments. */
  balanceCents: number;
  /** When the carrier should have paid (carrier lag included); drives open vs missing. */
  expectedPayDate: string;
  /** The premium the expected rate applied to, when known; lets premium-basis errors be told apart. */
  basisCents?: number | null;
  /** The expected rate as a percent string ("12"), when known. */
  rate?: string | null;
  /**
   * The carrier's new-business and renewal rates for this line, when known, so a variance can be
   * named "the new-business rate was paid on a renewal" rather than just "rate mismatch".
   */
  termRates?: { newBusiness: string; renewal: string } | null;
  /**
   * No rate is known for the transaction (no schedule line, nothing recorded by a system of
   * record): nothing is expected, yet a payment for it is still this agency's.
   */
  unpriced?: boolean;
  /**
   * Policy numbers of the earlier terms of this policy's renewal chain, nearest first, when the
   * number changed at renewal: carriers keep printing a renewal under the number it had last term.
   * Numbers that agree with policyNumber in some printed form may be included; they add nothing.
   */
  priorPolicyNumbers?: readonly string[];
}

/** One row of a carrier commission statement after column mapping. */
export interface StatementItem {
  id: string;
  lineNo: number;
  carrierId: string;
  /** As printed on the statement: prefixes, suffixes, punctuation and lost zeros included. */
  policyNumber: string;
  /** As printed: "Gomes, Adam", "GOMES ADAM J", "Adam J. Gomes"… */
  insuredName: string;
  /** ISO date; an empty string when the statement has none. */
  effectiveDate: string;
  /** Null when the statement's code is absent (the mapping could not say). */
  transactionType: TransactionType | null;
  /** Negative for chargebacks. */
  commissionCents: number;
  premiumCents: number | null;
  /** The rate the carrier printed, as a percent string ("15"). */
  rate: string | null;
}

/** Per-agency (or per-carrier) tolerances; see defaultTolerances for the assumptions. */
export interface Tolerances {
  /** A difference up to this is rounding and clears automatically. */
  amountCents: number;
  /** Rate differences above this many percentage points are reported as a rate mismatch. */
  ratePoints: string;
  /** Differences within this percent of the expected amount are a minor variance for review. */
  reviewPercent: string;
  /** How far apart statement and expected effective dates may be outside the exact-key tier. */
  dateWindowDays: number;
  /** Minimum insured-name similarity (0–1) for a name-based (fuzzy) match. */
  nameSimilarity: number;
}

/** insurance-domain.md §5.7: auto-clear $1.00, flag 0.25 pp rate deltas, 2% minor-variance band. */
export const defaultTolerances: Tolerances = {
  amountCents: 100,
  ratePoints: '0.25',
  reviewPercent: '2',
  dateWindowDays: 31,
  nameSimilarity: 0.85,
};

/** Days after expectedPayDate before an unpaid expectation counts as missing. */
export const defaultGraceDays = 15;

/**
 * A person's earlier decision that a statement's policy number means one of ours (a number
 * changed at renewal, a carrier's internal number). Learned once, applied to every later statement.
 */
export interface PolicyAlias {
  carrierId: string;
  statementPolicyNumber: string;
  policyNumber: string;
}

export type LineStatus = 'matched' | 'underpaid' | 'overpaid' | 'unexpected' | 'duplicate';

export type MatchMethod = 'exact' | 'normalized' | 'alias' | 'fuzzy' | 'many_to_one' | 'one_to_many';

/** insurance-domain.md (a), "Discrepancy codes", the ones a statement run can raise. */
export type DiscrepancyCode =
  | 'MISSING_COMMISSION'
  | 'UNEXPECTED_COMMISSION'
  | 'RATE_MISMATCH'
  | 'PREMIUM_BASIS_MISMATCH'
  | 'AMOUNT_VARIANCE'
  | 'DUPLICATE_PAYMENT'
  | 'PARTIAL_PAYMENT'
  | 'NO_EXPECTED_RATE'
  /** The statement calls a renewal new business, or new business a renewal; linked regardless. */
  | 'TRANSACTION_TYPE_MISMATCH';

export interface LineMatch {
  expectedId: string;
  /** The part of the line's commission credited to this expectation (0 for a duplicate). */
  appliedCents: number;
}

export interface MatchEvidence {
  /**
   * Which keys agreed: 'carrier', 'policy_number', 'policy_number_variant', 'policy_alias',
   * 'policy_number_near', 'renewal_chain' (the line prints an earlier term's number), 'reversal'
   * (a negative NEW/RWL line paying the cancellation that reverses it),
   * 'effective_date', 'effective_date_window', 'transaction_type', 'insured_name', 'amount'.
   */
  keysMatched: string[];
  nameSimilarity?: number;
  /** Statement effective date minus expected effective date, in days. */
  dateDeltaDays?: number;
  rateExpected?: string;
  rateActual?: string;
  /** Everything else a person needs to trust or overturn the decision, one fact per entry. */
  notes: string[];
}

export interface LineResult {
  lineId: string;
  status: LineStatus;
  matches: LineMatch[];
  method: MatchMethod | null;
  /** How sure the matcher is of the link to the expectation(s), 0–100; 0 when unexpected. */
  confidence: number;
  /**
   * Paid minus expected for the expectation(s) this line settles, net of every line of this
   * statement paying them (so lines of one split payment all report the same group difference);
   * the whole commission for a duplicate or unexpected line.
   */
  differenceCents: number;
  discrepancies: DiscrepancyCode[];
  evidence: MatchEvidence;
  /** One or two sentences for the person reviewing the statement. */
  reason: string;
}

/** An expectation with a balance that no line of this statement paid. */
export interface ExpectedResult {
  expectedId: string;
  status: 'open' | 'missing';
  balanceCents: number;
  /** Days since expectedPayDate + grace; 0 while still open. */
  daysOverdue: number;
  discrepancies: DiscrepancyCode[];
  reason: string;
}

export interface ReconcileOptions {
  tolerances?: Partial<Tolerances>;
  aliases?: readonly PolicyAlias[];
  /** "Today" for aging, ISO date. */
  asOf: string;
  /** Days after expectedPayDate before an unpaid expectation is missing; default defaultGraceDays. */
  graceDays?: number;
  /** Carrier id → grace days, overriding graceDays: carriers pay on different lags. */
  graceDaysByCarrier?: Readonly<Record<string, number>>;
}

export interface ReconciliationSummary {
  lines: Record<LineStatus, number>;
  methods: Record<MatchMethod, number>;
  expected: { open: number; missing: number };
  paidCents: number;
  /** Sum of the differences of lines that settled expectations (matched, underpaid, overpaid). */
  varianceCents: number;
}

export interface ReconciliationResult {
  /** One per statement line, ordered by lineNo then id. */
  lines: LineResult[];
  /** Unpaid expectations, in the order they were given. */
  expected: ExpectedResult[];
  summary: ReconciliationSummary;
}
