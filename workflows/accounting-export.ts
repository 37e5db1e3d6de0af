// The tenant's accounting close (`accounting-export/<tenantId>/<period>`, monthly from a Schedule
// for the month just ended, or on demand for any month): posts the month's commission journal to
// each accounting connection on its vendor's task queue. Posting is idempotent by DocNumber, so
// running a month again (late transactions, a corrected schedule) updates the same entries and
// deletes those of carriers whose month came to nothing.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AccountingActivities } from '../activities/accounting.ts';
import { vendorTaskQueue } from '../runtime/task-queues.ts';

const { listAccountingConnections } = proxyActivities<AccountingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

function ledgerActivities(provider: string) {
  return proxyActivities<AccountingActivities>({
    taskQueue: vendorTaskQueue(workflowInfo().taskQueue, provider),
    startToCloseTimeout: '10 minutes',
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      maximumAttempts: 20,
      nonRetryableErrorTypes: ['AuthInvalid', 'VendorRejected'],
    },
  });
}

export interface AccountingExportInput {
  tenantId: string;
  /** YYYY-MM; the month before the workflow's start when absent (the monthly close). */
  period?: string;
}

export interface LedgerOutcome {
  connectionId: string;
  provider: string;
  entries: number;
  created: number;
  existing: number;
  /** Absent from results of runs before deletions existed. */
  removed?: number;
  debitCents: number;
  error?: string;
}

export interface AccountingExportResult {
  period: string;
  ledgers: LedgerOutcome[];
}

function previousMonth(now: Date): string {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth(); // 0-based: the previous month's 1-based number
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}

export async function accountingExport(input: AccountingExportInput): Promise<AccountingExportResult> {
  const period = input.period ?? previousMonth(new Date());
  const { connections } = await listAccountingConnections({ tenantId: input.tenantId });
  const ledgers: LedgerOutcome[] = [];
  for (const { connectionId, provider } of connections) {
    try {
      const r = await ledgerActivities(provider).postJournalEntries({
        tenantId: input.tenantId,
        connectionId,
        period,
      });
      ledgers.push({ connectionId, provider, ...r });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      ledgers.push({
        connectionId,
        provider,
        entries: 0,
        created: 0,
        existing: 0,
        removed: 0,
        debitCents: 0,
        error: cause instanceof ApplicationFailure ? `${cause.type}: ${cause.message}` : err.message,
      });
    }
  }
  return { period, ledgers };
}
