// The tenant's renewal outreach (`renewal-outreach/<tenantId>`, daily from a Schedule, or on
// demand): one pass finds the policies expiring within 90 days, scores them and writes
// renewal.upcoming to the outbox once per policy per window; then each CRM connection gets the
// upcoming renewals page by page on its vendor's task queue. Only ids and counts pass through
// history: names and policy details stay in the database. One CRM refusing (bad credentials, a
// missing record type) is reported in the result and does not keep the others from their update.
// Renewals that left the list (renewed, or lost) have their CRM records closed as won or lost.
import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { RenewalOutreachActivities } from '../activities/renewal-outreach.ts';
import { vendorTaskQueue } from '../runtime/task-queues.ts';

const { findUpcomingRenewals } = proxyActivities<RenewalOutreachActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});

function crmActivities(provider: string) {
  return proxyActivities<RenewalOutreachActivities>({
    taskQueue: vendorTaskQueue(workflowInfo().taskQueue, provider),
    startToCloseTimeout: '5 minutes',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: 20,
      nonRetryableErrorTypes: ['AuthInvalid', 'VendorRejected'],
    },
  });
}

export interface RenewalOutreachInput {
  tenantId: string;
  /** The day to look ahead from (YYYY-MM-DD); today (workflow time) when absent. */
  asOf?: string;
}

export interface CrmOutcome {
  connectionId: string;
  provider: string;
  processed: number;
  created: number;
  updated: number;
  tasksCreated: number;
  tasksUpdated: number;
  /** Renewal records closed as won or lost (absent from runs before closing existed). */
  closed?: number;
  error?: string;
}

export interface RenewalOutreachResult {
  asOf: string;
  upcoming: number;
  notified: number;
  /** Renewals decided (renewed or lost) in this pass; absent from runs before deciding existed. */
  decided?: number;
  scored: boolean;
  crm: CrmOutcome[];
}

/** Calls a paged activity from the first page to the last, handing each page's result on. */
async function eachPage<R extends { next: string | null }>(
  call: (afterPolicyId: string | null) => Promise<R>,
  take: (page: R) => void,
): Promise<void> {
  let after: string | null = null;
  do {
    const r: R = await call(after);
    take(r);
    after = r.next;
  } while (after);
}

export async function renewalOutreach(input: RenewalOutreachInput): Promise<RenewalOutreachResult> {
  // Workflow time is recorded, so a replay sees the same day.
  const asOf = input.asOf ?? new Date().toISOString().slice(0, 10);
  const found = await findUpcomingRenewals({ tenantId: input.tenantId, asOf });
  const crm: CrmOutcome[] = [];
  for (const { connectionId, provider } of found.connections) {
    const { pushRenewalsToCrm, closeRenewalsInCrm } = crmActivities(provider);
    const outcome: CrmOutcome = {
      connectionId,
      provider,
      processed: 0,
      created: 0,
      updated: 0,
      tasksCreated: 0,
      tasksUpdated: 0,
    };
    const page = { tenantId: input.tenantId, connectionId, asOf };
    try {
      await eachPage(
        (afterPolicyId) => pushRenewalsToCrm({ ...page, afterPolicyId }),
        (r) => {
          outcome.processed += r.processed;
          outcome.created += r.created;
          outcome.updated += r.updated;
          outcome.tasksCreated += r.tasksCreated;
          outcome.tasksUpdated += r.tasksUpdated;
        },
      );
      if (patched('renewal-closures')) {
        outcome.closed = 0;
        await eachPage(
          (afterPolicyId) => closeRenewalsInCrm({ ...page, afterPolicyId }),
          (r) => {
            outcome.closed! += r.closed;
          },
        );
      }
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      outcome.error = cause instanceof ApplicationFailure ? `${cause.type}: ${cause.message}` : err.message;
    }
    crm.push(outcome);
  }
  return {
    asOf,
    upcoming: found.upcoming,
    notified: found.notified,
    decided: found.decided,
    scored: found.scored,
    crm,
  };
}
