// Starting a statement's reconciliation: one workflow per statement id. A request while a run is
// going attaches to it; a later request (after people taught aliases) starts a fresh run.
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
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
