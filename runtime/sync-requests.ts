// "Sync now", from anywhere (the API, a schedule tick, a vendor webhook): a signal-with-start on
// the connection's fixed workflow id. It starts a sync, or, when one is running, queues a single
// follow-up run inside it; two syncs of one connection never run side by side.
import type { Client } from '@temporalio/client';
import { requestSyncSignal, type SyncRequest, syncWorkflowId } from '../workflows/shared.ts';
import { ConnectionId, Provider, TenantId } from './search-attributes.ts';

export interface SyncTarget {
  connectionId: string;
  tenantId: string;
  provider: string;
}

export async function requestSync(
  client: Client,
  taskQueue: string,
  target: SyncTarget,
  request: SyncRequest,
): Promise<{ workflowId: string; runId: string }> {
  const workflowId = syncWorkflowId(target.connectionId);
  const handle = await client.workflow.signalWithStart('syncConnection', {
    workflowId,
    taskQueue,
    args: [{ connectionId: target.connectionId }],
    signal: requestSyncSignal,
    signalArgs: [request],
    typedSearchAttributes: [
      { key: TenantId, value: target.tenantId },
      { key: ConnectionId, value: target.connectionId },
      { key: Provider, value: target.provider },
    ],
  });
  return { workflowId, runId: handle.signaledRunId };
}
