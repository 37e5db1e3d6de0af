// One per tenant (commissions/<tenantId>): keeps expected commissions in step with the book. Syncs
// and rule changes signal it; it reads the outbox from where it left off, recalculates what
// changed, ages unpaid expectations, and sleeps. The cursor travels through continue-as-new, and
// losing it costs only a full, idempotent recalculation (unchanged inputs write nothing).
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CommissionActivities } from '../activities/commissions.ts';
import { recalculateCommissionsSignal } from './shared.ts';

const { recalculateFromOutbox, ageExpectedCommissions } = proxyActivities<CommissionActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes' },
});

export interface CommissionRecalculationInput {
  tenantId: string;
  cursor?: number;
  pending?: boolean;
  all?: boolean;
  policyIds?: string[];
  /** How long to sleep between aging passes when nothing changes (a workflow input so tests shorten it). */
  idleMs?: number;
}

export async function commissionRecalculation(input: CommissionRecalculationInput): Promise<void> {
  let cursor = input.cursor ?? 0;
  let pending = input.pending ?? true;
  let all = input.all ?? false;
  // Named terms wait in a set; past a few thousand a full pass is cheaper than the list.
  let policyIds = new Set(input.policyIds ?? []);
  setHandler(recalculateCommissionsSignal, (req) => {
    pending = true;
    all ||= Boolean(req?.all);
    for (const id of req?.policyIds ?? []) policyIds.add(id);
    if (policyIds.size > 5000) {
      all = true;
      policyIds = new Set();
    }
  });
  for (let pass = 0; pass < 50 && !workflowInfo().continueAsNewSuggested; pass++) {
    await condition(() => pending, input.idleMs ?? 6 * 3_600_000);
    const everything = all;
    const named = [...policyIds];
    pending = false;
    all = false;
    policyIds = new Set();
    let afterPolicyId: string | null = null;
    for (;;) {
      const r: Awaited<ReturnType<typeof recalculateFromOutbox>> = await recalculateFromOutbox({
        tenantId: input.tenantId,
        afterSeq: cursor,
        all: everything,
        policyIds: everything ? [] : named,
        afterPolicyId,
      });
      cursor = r.nextSeq;
      afterPolicyId = r.afterPolicyId;
      named.length = 0;
      if (r.done) break;
    }
    await ageExpectedCommissions({ tenantId: input.tenantId });
  }
  await continueAsNew<typeof commissionRecalculation>({
    ...input,
    cursor,
    pending,
    all,
    policyIds: [...policyIds],
  });
}
