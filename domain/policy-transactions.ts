// What makes a policy transaction acceptable before it is stored, whoever sends it (the API, an
// AMS or a rater push). A transaction's effective date is when its change takes effect on the
// coverage, so most types fall inside their term: from its effective date up to, not including,
// its expiration date (coverage ends then). Two kinds follow money rather than coverage: an audit
// settles the term's exposure after the term ends, so it may be dated on or after the term's
// start with no upper bound; an installment payment (PMT) or an adjustment (ADJ) is dated when
// the money moves, so any date is accepted. A bound the term does not have is not checked.
import type { TransactionDraft } from './canonical.ts';

export interface TermDates {
  effectiveDate: string | null;
  expirationDate: string | null;
}

export interface FieldProblem {
  /** The field as the API names it (effective_date, cancel_method). */
  field: string;
  message: string;
}

const words: Record<TransactionDraft['type'], string> = {
  NEW: 'new business transaction',
  RWL: 'renewal',
  END: 'endorsement',
  CAN: 'cancellation',
  REI: 'reinstatement',
  AUD: 'audit',
  PMT: 'payment',
  ADJ: 'adjustment',
  REWRITE: 'rewrite',
  BOR: 'broker-of-record change',
};

type Checked = Pick<TransactionDraft, 'type' | 'effectiveDate' | 'premiumDeltaCents' | 'cancelMethod'>;

/** Every reason the transaction cannot be stored on this term; empty when it can. */
export function transactionProblems(tx: Checked, term: TermDates): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const date = dateProblem(tx, term);
  if (date) problems.push({ field: 'effective_date', message: date });
  // The engine computes the unearned premium of a cancellation without one from its method.
  if (tx.type === 'CAN' && !tx.premiumDeltaCents && !tx.cancelMethod)
    problems.push({
      field: 'cancel_method',
      message:
        'a cancellation without return premium needs cancel_method (flat, pro_rata or short_rate) to compute the unearned commission',
    });
  if (tx.type !== 'CAN' && tx.cancelMethod)
    problems.push({
      field: 'cancel_method',
      message: `only a cancellation has a cancel method, not ${tx.type}`,
    });
  return problems;
}

function dateProblem(tx: Checked, term: TermDates): string | null {
  if (tx.type === 'PMT' || tx.type === 'ADJ') return null;
  const { effectiveDate: from, expirationDate: to } = term;
  const what = `${tx.type} (${words[tx.type]})`;
  if (from && tx.effectiveDate < from)
    return `${what} is dated ${tx.effectiveDate}, before its term starts on ${from}`;
  if (tx.type === 'AUD') return null;
  if (to && tx.effectiveDate >= to)
    return `${what} is dated ${tx.effectiveDate}, but its term ends on ${to} (a change takes effect before the expiration date; only AUD, PMT and ADJ may fall after it)`;
  return null;
}
