// What a connection's schedule starts on every tick. Scheduled runs get a timestamp appended to
// their workflow id, so they cannot be the per-connection sync itself; this thin workflow hands
// the tick to sync/<connectionId>, which runs it or folds it into the sync already running.
import { proxyActivities } from '@temporalio/workflow';
import type { SyncRequestActivities } from '../activities/sync-requests.ts';

const { requestScheduledSync } = proxyActivities<SyncRequestActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export async function scheduledSync(input: {
  connectionId: string;
  mode: 'full' | 'incremental';
}): Promise<{ requested: boolean; reason?: string }> {
  return requestScheduledSync(input);
}
