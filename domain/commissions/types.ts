// The commission domain's shared vocabulary: commission rules (carrier schedules), producer split
// plans, the transaction a commission attaches to, and the expected commission the engine
// computes. Pure data; money in integer cents, rates as decimal strings ("15" is 15%).

export type TransactionType =
  | 'NEW'
  | 'RWL'
  | 'END'
  | 'CAN'
  | 'REI'
  | 'AUD'
  | 'PMT'
  | 'ADJ'
  | 'REWRITE'
  | 'BOR';
export type CancelMethod = 'flat' | 'pro_rata' | 'short_rate';

/**
 * Where an expected commission's rate came from: the agency's schedule, the commission its AMS
 * records, a schedule line learned from what carriers paid, or a rate sent through the API.
 */
export type RateSource = 'schedule' | 'ams' | 'learned' | 'manual';

/** A commission a system of record states; `system` is a provider ("applied-epic") or "api". */
export interface RecordedCommission {
  /** Percent of premium ("12.5"), when stated. */
  rate: string | null;
  /** The signed amount, when stated (a transaction's own commission). */
  cents: number | null;
  system: string;
}
export type TermKind = 'new' | 'renewal';

/** How a rule turns premium into agency commission. */
export type CommissionBasis =
  | { kind: 'percent'; rate: string }
  | { kind: 'flat'; amountCents: number }
  /** Tiers by term premium (cents) or by policy year (1, 2, …); `upTo` inclusive, null = no upper bound. */
  | { kind: 'tiered'; by: 'premium' | 'policy_year'; tiers: { upTo: number | null; rate: string }[] };

/**
 * One line of a carrier's (or MGA's) commission schedule. Null criteria are catch-alls; the most
 * specific matching rule wins (carrier > MGA > any; line > any; state > any; new/renewal > any),
 * then the highest priority; a tie is an error the agency must fix.
 */
export interface CommissionRule {
  id: string;
  carrierId: string | null;
  mgaId: string | null;
  lineOfBusiness: string | null;
  state: string | null;
  termKind: TermKind | 'any';
  effectiveFrom: string; // YYYY-MM-DD, inclusive
  effectiveTo: string | null; // exclusive; null = open-ended
  basis: CommissionBasis;
  priority: number;
  /** Broker fees are commissionable under this rule (default false). */
  commissionOnFees?: boolean;
  description?: string;
  /** 'learned': accepted from what carriers actually paid (default 'schedule'). */
  source?: 'schedule' | 'learned';
}

export type ProducerRole = 'writing' | 'servicing' | 'house' | 'override' | 'referral';

/** A producer's share of the agency commission, different for new business and renewals. */
export interface SplitEntry {
  producerId: string;
  role: ProducerRole;
  newPercent: string; // percent of agency commission, e.g. "40"
  renewalPercent: string;
}

/**
 * Who shares a policy's commission. A plan applies to one producer's book (producerId) or, as an
 * override, to one policy (policyId); effective-dated. Whatever the entries leave is the house's.
 */
export interface SplitPlan {
  id: string;
  producerId: string | null;
  policyId: string | null;
  effectiveFrom: string;
  effectiveTo: string | null;
  entries: SplitEntry[];
}

export interface PolicyTerm {
  id: string;
  carrierId: string | null;
  mgaId: string | null;
  producerId: string | null;
  lineOfBusiness: string | null;
  state: string | null;
  effectiveDate: string;
  expirationDate: string;
  /** When the first term of the chain began (renewal chains keep it across number changes). */
  originalInceptionDate: string | null;
  termPremiumCents: number;
  /** 1 for the first term of a chain, 2 for its first renewal… */
  policyYear: number;
  /** The commission percent the system of record states for the policy line (no amount). */
  recorded?: RecordedCommission | null;
}

export interface CommissionTransaction {
  id: string;
  type: TransactionType;
  effectiveDate: string;
  /** Written premium change: positive for new/renewal/additional, negative for returns. */
  premiumDeltaCents: number;
  /** Taxes and fees carried on the transaction (never commissionable). */
  taxesFeesCents: number;
  /** Agency broker fee on the transaction (commissionable only when the rule says so). */
  brokerFeeCents?: number;
  cancelMethod: CancelMethod | null;
  policy: PolicyTerm;
  /** The commission the system of record states for this transaction (rate, amount or both). */
  recorded?: RecordedCommission | null;
}

export interface ProducerShare {
  producerId: string;
  role: ProducerRole;
  percent: string;
  cents: number;
}

export interface ExpectedCommission {
  transactionId: string;
  /** The agency's commission for the transaction (negative for a chargeback). */
  agencyCents: number;
  /** The premium the rate applied to. */
  basisCents: number;
  /** The effective rate as a percent string ("15"), or null for a flat amount. */
  rate: string | null;
  termKind: TermKind;
  /** The schedule rule applied; null when the rate came from a system of record. */
  ruleId: string | null;
  rateSource: RateSource;
  /**
   * The rate the system of record states for the transaction or its policy line, whichever
   * source was used: compared with a schedule's rate to list disagreements.
   */
  recordedRate: string | null;
  recordedSystem: string | null;
  splitPlanId: string | null;
  splits: ProducerShare[];
  /** The agency commission left after producer splits (the house's share). */
  houseCents: number;
  /** Each step of the arithmetic, in words, for GET /v1/commissions/calculate. */
  explanation: string[];
}
