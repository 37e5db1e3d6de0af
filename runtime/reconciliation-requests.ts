// Starting a statement's reconciliation: one workflow per statement id. A request while a run is
// going attaches to it; a later request (after people taught aliases) starts a fresh run.
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Queryable } from '../db/pool.ts';
import { reconcileWorkflowId } from '../workflows/shared.ts';
import { TenantId } from './search-attributes.ts';

export async function requestReconciliation(
  client: Client,
  taskQueue: string,
  tenantId: string,
  statementId: string,
  asOf?: string,
): Promise<{ workflowId: string; runId: string }> {
  const handle = await client.workflow.start('reconcileStatement', {
    workflowId: reconcileWorkflowId(statementId),
    taskQueue,
    args: [{ tenantId, statementId, ...(asOf ? { asOf } : {}) }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: TenantId, value: tenantId }],
  });
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

/**
 * Marks statements as reconciling, in the caller's transaction; start their workflows with
 * requestReconciliation once it commits (the workflow must see the stored lines).
 */
export async function markReconciling(db: Queryable, statementIds: string[]): Promise<void> {
  if (!statementIds.length) return;
  await db.query(
    `update statements s set status = 'reconciling', workflow_id = u.workflow_id
       from unnest($1::uuid[], $2::text[]) as u(id, workflow_id) where s.id = u.id`,
    [statementIds, statementIds.map(reconcileWorkflowId)],
  );
}
