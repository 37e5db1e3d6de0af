// Measures the matcher against a known truth (a generated messy statement, or a statement a
// person reconciled by hand): precision is how many of the matcher's decisions were right, recall
// how many of the payable lines it decided correctly. Foreign lines left unexpected are neither.
import type { LineResult, LineStatus, MatchMethod } from './types.ts';

/**
 * What a statement line really is: the expectation(s) it pays, another agency's (or an unknown)
 * policy, or a repeat of a payment already made.
 */
export type LineTruth = string | readonly string[] | 'foreign' | 'duplicate';

export type ReconciliationTruth = ReadonlyMap<string, LineTruth>;

export interface MethodScore {
  decided: number;
  correct: number;
}

export interface Mistake {
  lineId: string;
  truth: string;
  predicted: string;
  method: MatchMethod | null;
  reason: string;
}

export interface Evaluation {
  lines: number;
  /** Correct decisions / decisions made (links and duplicates); 1 when nothing was decided. */
  precision: number;
  /** Correct decisions / lines that pay something or repeat a payment; 1 when there are none. */
  recall: number;
  decided: number;
  correct: number;
  /** Lines that truly pay an expectation or repeat a payment. */
  relevant: number;
  /** Foreign lines the matcher linked to one of ours: the costliest mistake. */
  foreignLinked: number;
  /** Linked to the wrong expectation(s). */
  wrongExpected: number;
  /** Truly payable lines left unexpected. */
  missed: number;
  byMethod: Record<MatchMethod, MethodScore>;
  byStatus: Record<LineStatus, number>;
  /** The first mistakes in line order, for a failing test's message. */
  mistakes: Mistake[];
}

function describe(truth: LineTruth | undefined): string {
  if (truth === undefined) return 'unknown';
  if (typeof truth === 'string') return truth;
  return [...truth].sort().join('+');
}

function predictedOf(result: LineResult): string {
  if (result.status === 'unexpected') return 'foreign';
  if (result.status === 'duplicate') return 'duplicate';
  return result.matches
    .map((m) => m.expectedId)
    .sort()
    .join('+');
}

export function evaluateReconciliation(
  results: readonly LineResult[],
  truth: ReconciliationTruth,
  options: { maxMistakes?: number } = {},
): Evaluation {
  const maxMistakes = options.maxMistakes ?? 20;
  const byMethod = {
    exact: { decided: 0, correct: 0 },
    normalized: { decided: 0, correct: 0 },
    alias: { decided: 0, correct: 0 },
    fuzzy: { decided: 0, correct: 0 },
    many_to_one: { decided: 0, correct: 0 },
    one_to_many: { decided: 0, correct: 0 },
  } satisfies Record<MatchMethod, MethodScore>;
  const byStatus: Record<LineStatus, number> = {
    matched: 0,
    underpaid: 0,
    overpaid: 0,
    unexpected: 0,
    duplicate: 0,
  };
  let decided = 0;
  let correct = 0;
  let relevant = 0;
  let foreignLinked = 0;
  let wrongExpected = 0;
  let missed = 0;
  const mistakes: Mistake[] = [];
  for (const result of results) {
    byStatus[result.status]++;
    const expected = describe(truth.get(result.lineId));
    const predicted = predictedOf(result);
    const isRelevant = expected !== 'foreign' && expected !== 'unknown';
    if (isRelevant) relevant++;
    const isDecision = predicted !== 'foreign';
    const right = predicted === expected;
    if (isDecision) {
      decided++;
      if (right) correct++;
      if (result.method !== null) {
        byMethod[result.method].decided++;
        if (right) byMethod[result.method].correct++;
      }
      if (!right) {
        if (expected === 'foreign') foreignLinked++;
        else wrongExpected++;
      }
    } else if (isRelevant) {
      missed++;
    }
    if (!right && mistakes.length < maxMistakes) {
      mistakes.push({
        lineId: result.lineId,
        truth: expected,
        predicted,
        method: result.method,
        reason: result.reason,
      });
    }
  }
  return {
    lines: results.length,
    precision: decided === 0 ? 1 : correct / decided,
    recall: relevant === 0 ? 1 : correct / relevant,
    decided,
    correct,
    relevant,
    foreignLinked,
    wrongExpected,
    missed,
    byMethod,
    byStatus,
    mistakes,
  };
}

/** One line per figure, for a benchmark's or a test's log. */
export function formatEvaluation(evaluation: Evaluation): string {
  const methods = (Object.entries(evaluation.byMethod) as [MatchMethod, MethodScore][])
    .filter(([, score]) => score.decided > 0)
    .map(([method, score]) => `${method} ${score.correct}/${score.decided}`)
    .join(', ');
  const statuses = (Object.entries(evaluation.byStatus) as [LineStatus, number][])
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');
  return [
    `lines ${evaluation.lines}: precision ${evaluation.precision.toFixed(4)} (${evaluation.correct}/${evaluation.decided}), recall ${evaluation.recall.toFixed(4)} (${evaluation.correct}/${evaluation.relevant})`,
    `foreign linked ${evaluation.foreignLinked}, wrong expectation ${evaluation.wrongExpected}, missed ${evaluation.missed}`,
    `by method: ${methods}`,
    `by status: ${statuses}`,
  ].join('\n');
}
