// Which line of which commission schedule applies to a transaction.
//
// Decisions (insurance-domain.md §5.1, §5.5 and model (a) "Commission rules"):
// - A rule matches on carrier and/or MGA, line of business, state, new/renewal and an effective
//   range [effectiveFrom, effectiveTo). Null criteria and termKind 'any' are catch-alls.
// - Specificity is compared dimension by dimension, in this order: who pays (carrier and MGA >
//   carrier > MGA > any), then line, then state, then new/renewal. A carrier's own schedule line
//   therefore always beats an agency-wide default, however narrow the default is: commission is
//   paid under the carrier contract, so the contract speaks first.
// - Among equally specific rules the highest priority wins; equal priority is a tie the agency
//   must fix (AmbiguousRuleError names the rules), never a silent pick.
// - The date a rule must be in force on is the policy term's effective date for every transaction
//   on the term (NEW, RWL, REWRITE, END, CAN, REI, AUD, PMT, ADJ). Carrier schedule changes apply to
//   policies written or renewed on or after their date, an endorsement is paid "at the term's rate"
//   (§5.5), and a return commission must use "the rate that applied to the original transaction"
//   (§5.4); reading the rule at the mid-term transaction's own date would charge a cancellation
//   back at a rate the commission was never earned at. The exception is BOR: the gaining agency's
//   relationship starts on the broker-of-record date, so its schedule is read on that date.
import type {
  CommissionRule,
  CommissionTransaction,
  PolicyTerm,
  TermKind,
  TransactionType,
} from './types.ts';

/**
 * New business or renewal. NEW, REWRITE and BOR are new business whatever the chain says (a
 * rewrite is a new contract with new-business commission; a broker-of-record change is new
 * business for the gaining agency); RWL is a renewal. Every other transaction follows its term:
 * a renewal when the term's policyYear is above 1.
 */
export function termKindOf(
  term: Pick<PolicyTerm, 'policyYear'>,
  transactionType?: TransactionType,
): TermKind {
  if (transactionType === 'NEW' || transactionType === 'REWRITE' || transactionType === 'BOR') return 'new';
  if (transactionType === 'RWL') return 'renewal';
  return term.policyYear > 1 ? 'renewal' : 'new';
}

/** The date a commission schedule (and a split plan) must be in force on for this transaction. */
export function commissionDateOf(
  transaction: Pick<CommissionTransaction, 'type' | 'effectiveDate' | 'policy'>,
): string {
  return transaction.type === 'BOR' ? transaction.effectiveDate : transaction.policy.effectiveDate;
}

/** What a rule was looked up with: shown in errors so the agency can add the missing rule. */
export interface RuleCriteria {
  carrierId: string | null;
  mgaId: string | null;
  lineOfBusiness: string | null;
  state: string | null;
  termKind: TermKind;
  date: string;
}

export class NoRuleError extends Error {
  override name = 'NoRuleError';
  readonly transactionId: string;
  readonly criteria: RuleCriteria;
  constructor(transactionId: string, criteria: RuleCriteria) {
    super(
      `no commission rule for transaction ${transactionId}: carrier ${criteria.carrierId ?? '—'}, ` +
        `MGA ${criteria.mgaId ?? '—'}, line ${criteria.lineOfBusiness ?? '—'}, state ${criteria.state ?? '—'}, ` +
        `${criteria.termKind}, on ${criteria.date}`,
    );
    this.transactionId = transactionId;
    this.criteria = criteria;
  }
}

export class AmbiguousRuleError extends Error {
  override name = 'AmbiguousRuleError';
  readonly transactionId: string;
  readonly ruleIds: string[];
  constructor(transactionId: string, ruleIds: string[]) {
    super(
      `commission rules ${ruleIds.join(', ')} tie for transaction ${transactionId} ` +
        '(same specificity and priority): end-date one of them or change its priority',
    );
    this.transactionId = transactionId;
    this.ruleIds = ruleIds;
  }
}

/** A rule whose own definition cannot be applied (a premium no tier covers, a bad rate…). */
export class InvalidRuleError extends Error {
  override name = 'InvalidRuleError';
  readonly ruleId: string;
  constructor(ruleId: string, message: string) {
    super(`commission rule ${ruleId}: ${message}`);
    this.ruleId = ruleId;
  }
}

function sameCode(a: string, b: string | null): boolean {
  return b !== null && a.trim().toUpperCase() === b.trim().toUpperCase();
}

function sameId(a: string, b: string | null): boolean {
  return b !== null && a === b;
}

export function ruleMatches(rule: CommissionRule, criteria: RuleCriteria): boolean {
  if (rule.carrierId !== null && !sameId(rule.carrierId, criteria.carrierId)) return false;
  if (rule.mgaId !== null && !sameId(rule.mgaId, criteria.mgaId)) return false;
  if (rule.lineOfBusiness !== null && !sameCode(rule.lineOfBusiness, criteria.lineOfBusiness)) return false;
  if (rule.state !== null && !sameCode(rule.state, criteria.state)) return false;
  if (rule.termKind !== 'any' && rule.termKind !== criteria.termKind) return false;
  if (criteria.date < rule.effectiveFrom) return false;
  if (rule.effectiveTo !== null && criteria.date >= rule.effectiveTo) return false;
  return true;
}

/** Specificity as a vector compared left to right: [payer, line, state, new/renewal]. */
export function ruleSpecificity(rule: CommissionRule): [number, number, number, number] {
  const payer = (rule.carrierId !== null ? 2 : 0) + (rule.mgaId !== null ? 1 : 0);
  return [
    payer,
    rule.lineOfBusiness !== null ? 1 : 0,
    rule.state !== null ? 1 : 0,
    rule.termKind !== 'any' ? 1 : 0,
  ];
}

function compareRules(a: CommissionRule, b: CommissionRule): number {
  const sa = ruleSpecificity(a);
  const sb = ruleSpecificity(b);
  for (let i = 0; i < sa.length; i++) {
    if (sa[i] !== sb[i]) return sb[i]! - sa[i]!;
  }
  return b.priority - a.priority;
}

export function ruleCriteriaOf(transaction: CommissionTransaction): RuleCriteria {
  const { policy } = transaction;
  return {
    carrierId: policy.carrierId,
    mgaId: policy.mgaId,
    lineOfBusiness: policy.lineOfBusiness,
    state: policy.state,
    termKind: termKindOf(policy, transaction.type),
    date: commissionDateOf(transaction),
  };
}

/** The commission rule that applies to a transaction; throws NoRuleError or AmbiguousRuleError. */
export function selectRule(
  rules: readonly CommissionRule[],
  transaction: CommissionTransaction,
): CommissionRule {
  const criteria = ruleCriteriaOf(transaction);
  const matching = rules.filter((rule) => ruleMatches(rule, criteria)).sort(compareRules);
  const best = matching[0];
  if (!best) throw new NoRuleError(transaction.id, criteria);
  const tied = matching.filter((rule) => compareRules(rule, best) === 0);
  if (tied.length > 1) throw new AmbiguousRuleError(transaction.id, tied.map((r) => r.id).sort());
  return best;
}
