// A schedule tick's one step: ask the connection's sync workflow for a sync (coalesced if one
// runs). Skipped for a connection that is not active.
import { Context, getClient } from '@temporalio/activity';
import { loadConnection } from '../db/connection-store.ts';
import { requestSync } from '../runtime/sync-requests.ts';
import type { ActivityDeps } from './deps.ts';

export function createSyncRequestActivities(deps: ActivityDeps) {
  async function requestScheduledSync(input: {
    connectionId: string;
    mode: 'full' | 'incremental';
  }): Promise<{ requested: boolean; reason?: string }> {
    const conn = await loadConnection(deps.pool, deps.keyring, input.connectionId).catch(() => null);
    if (!conn) return { requested: false, reason: 'connection no longer exists' };
    if (conn.status !== 'active') return { requested: false, reason: `connection is ${conn.status}` };
    await requestSync(
      getClient(),
      Context.current().info.taskQueue,
      { connectionId: conn.id, tenantId: conn.tenantId, provider: conn.provider },
      { mode: input.mode },
    );
    return { requested: true };
  }
  return { requestScheduledSync };
}

export type SyncRequestActivities = ReturnType<typeof createSyncRequestActivities>;
