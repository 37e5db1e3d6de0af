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

export async function renewalOutreach(input: RenewalOutreachInput): Promise<RenewalOutreachResult> {
  // Workflow time is recorded, so a replay sees the same day.
  const asOf = input.asOf ?? new Date().toISOString().slice(0, 10);
  const found = await findUpcomingRenewals({ tenantId: input.tenantId, asOf });
  const crm: CrmOutcome[] = [];
  for (const { connectionId, provider } of found.connections) {
    const { pushRenewalsToCrm } = crmActivities(provider);
    const outcome: CrmOutcome = {
      connectionId,
      provider,
      processed: 0,
      created: 0,
      updated: 0,
      tasksCreated: 0,
      tasksUpdated: 0,
    };
    let after: string | null = null;
    try {
      do {
        const r: Awaited<ReturnType<typeof pushRenewalsToCrm>> = await pushRenewalsToCrm({
          tenantId: input.tenantId,
          connectionId,
          asOf,
          afterPolicyId: after,
        });
        outcome.processed += r.processed;
        outcome.created += r.created;
        outcome.updated += r.updated;
        outcome.tasksCreated += r.tasksCreated;
        outcome.tasksUpdated += r.tasksUpdated;
        after = r.next;
      } while (after);
      if (patched('renewal-closures')) {
        const { closeRenewalsInCrm } = crmActivities(provider);
        outcome.closed = 0;
        do {
          const r: Awaited<ReturnType<typeof closeRenewalsInCrm>> = await closeRenewalsInCrm({
            tenantId: input.tenantId,
            connectionId,
            asOf,
            afterPolicyId: after,
          });
          outcome.closed += r.closed;
          after = r.next;
        } while (after);
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
