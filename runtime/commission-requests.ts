// Telling a tenant's commission workflow that something changed (signal-with-start: it starts the
// workflow the first time).
import type { Client } from '@temporalio/client';
import { commissionsWorkflowId, recalculateCommissionsSignal } from '../workflows/shared.ts';
import { TenantId } from './search-attributes.ts';

export async function requestCommissionRecalculation(
  client: Client,
  taskQueue: string,
  tenantId: string,
  scope: { all?: boolean; policyIds?: string[] } = {},
): Promise<void> {
  await client.workflow.signalWithStart('commissionRecalculation', {
    workflowId: commissionsWorkflowId(tenantId),
    taskQueue,
    args: [{ tenantId }],
    signal: recalculateCommissionsSignal,
    signalArgs: [scope],
    typedSearchAttributes: [{ key: TenantId, value: tenantId }],
  });
}
