// One per statement run (reconcile/<statementId>): matches the statement's lines to expected
// commissions and records what they paid. The matching and every write happen in one activity
// transaction, so a retry after a crash starts that statement over and never pays anything twice.
import { proxyActivities } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.ts';

const { reconcileStatementLines } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export interface ReconcileStatementInput {
  tenantId: string;
  statementId: string;
  /** "Today" for aging unpaid expectations; the activity's date when omitted. */
  asOf?: string;
}

export async function reconcileStatement(input: ReconcileStatementInput) {
  return reconcileStatementLines(input);
}
