// A conflict waits for a person: `conflict/<id>` sleeps until a decision signal arrives or the
// tenant's decision window ends, then applies the decision (or the rule's fallback) and writes the
// winning value back into the system that lost, where its connector takes writes. Durable: the
// wait survives restarts and deploys; the write-back retries with backoff until the vendor takes it.
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ConflictActivities, ConflictOutcome } from '../activities/conflicts.ts';
import { type ConflictDecision, decideConflictSignal } from './shared.ts';

const { applyConflictDecision } = proxyActivities<ConflictActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
const { writeBack } = proxyActivities<ConflictActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['AuthInvalid', 'VendorRejected'],
  },
});

export interface ResolveConflictInput {
  conflictId: string;
  /** When the fallback decides (ISO). */
  deadlineAt: string;
}

export interface ResolveConflictResult extends Omit<ConflictOutcome, 'writeBacks'> {
  writtenBack: number;
}

export async function resolveConflict(input: ResolveConflictInput): Promise<ResolveConflictResult> {
  let decision: ConflictDecision | null = null;
  setHandler(decideConflictSignal, (d) => {
    decision ??= d; // the first decision counts
  });
  const waitMs = Date.parse(input.deadlineAt) - Date.now();
  if (waitMs > 0) await condition(() => decision !== null, waitMs);
  const outcome = await applyConflictDecision({ conflictId: input.conflictId, decision });
  let writtenBack = 0;
  for (const target of outcome.writeBacks) {
    const r = await writeBack(target);
    if (r.written) writtenBack++;
  }
  return {
    status: outcome.status,
    resolution: outcome.resolution,
    resolvedBy: outcome.resolvedBy,
    writtenBack,
  };
}
