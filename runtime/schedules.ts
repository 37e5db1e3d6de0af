// Each connection's Temporal Schedules: incremental syncs every N minutes and a nightly full sync.
// Overlap SKIP (the sync workflow coalesces anyway) and an explicit catch-up window, so an outage
// does not replay a night of ticks. They are created, updated, paused and deleted with the
// connection, and operators can pause, trigger or backfill them in Temporal UI as well.
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { registry } from '../connectors/registry.ts';
import type { ProviderId } from '../connectors/types.ts';
import { ensureOutboundSchedules } from './outbound-schedules.ts';
import { ConnectionId, Provider, SyncMode, TenantId } from './search-attributes.ts';

export interface ScheduleSettings {
  /** Minutes between incremental syncs. */
  incrementalEveryMinutes: number;
  /** Seconds between incremental syncs, overriding the minutes (tests use a few seconds). */
  incrementalEverySeconds?: number;
  /** Hour of the day (UTC) for the nightly full sync. */
  fullSyncHourUtc: number;
  paused: boolean;
  /** Why the schedules are paused (a person, or reauth_required). */
  note?: string;
}

export const defaultScheduleSettings: ScheduleSettings = {
  incrementalEveryMinutes: 15,
  fullSyncHourUtc: 2,
  paused: false,
};

export interface ScheduleTarget {
  connectionId: string;
  tenantId: string;
  provider: string;
}

export function scheduleIds(connectionId: string) {
  return { incremental: `sync/${connectionId}/incremental`, full: `sync/${connectionId}/full` };
}

const CATCHUP = '10 minutes';

function action(target: ScheduleTarget, mode: 'full' | 'incremental', taskQueue: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: 'scheduledSync',
    taskQueue,
    args: [{ connectionId: target.connectionId, mode }],
    workflowId: `sync-tick/${target.connectionId}/${mode}`,
    typedSearchAttributes: [
      { key: TenantId, value: target.tenantId },
      { key: ConnectionId, value: target.connectionId },
      { key: Provider, value: target.provider },
      { key: SyncMode, value: mode },
    ],
  };
}

function specs(settings: ScheduleSettings) {
  return {
    incremental: {
      intervals: [
        {
          every: settings.incrementalEverySeconds
            ? `${settings.incrementalEverySeconds} seconds`
            : `${settings.incrementalEveryMinutes} minutes`,
        },
      ],
    },
    full: { calendars: [{ hour: settings.fullSyncHourUtc, minute: 0 }] },
  };
}

/** Creates the connection's schedules, or brings existing ones in line with the settings. */
export async function ensureConnectionSchedules(
  client: Client,
  taskQueue: string,
  target: ScheduleTarget,
  settings: ScheduleSettings,
): Promise<void> {
  const ids = scheduleIds(target.connectionId);
  const spec = specs(settings);
  for (const mode of ['incremental', 'full'] as const) {
    const scheduleId = ids[mode];
    const handle = client.schedule.getHandle(scheduleId);
    try {
      await handle.update((prev) => ({
        ...prev,
        spec: spec[mode],
        action: action(target, mode, taskQueue),
        policies: { ...prev.policies, overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP },
        state: { ...prev.state, paused: settings.paused, note: settings.note ?? prev.state.note },
      }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create({
        scheduleId,
        spec: spec[mode],
        action: action(target, mode, taskQueue),
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP, pauseOnFailure: false },
        state: { paused: settings.paused, note: settings.note },
        typedSearchAttributes: [
          { key: TenantId, value: target.tenantId },
          { key: ConnectionId, value: target.connectionId },
        ],
      });
    }
  }
  // A CRM or the books to write to: the tenant's daily renewal outreach and monthly close run too.
  if (writesOut(target.provider)) await ensureOutboundSchedules(client, taskQueue, target.tenantId);
}

/** CRMs (renewal outreach) and the books (the monthly journal) are written to; AMSs only read. */
const writesOut = (provider: string) => {
  const category = registry[provider as ProviderId]?.connector.definition.category;
  return category === 'crm' || category === 'accounting';
};

export async function pauseConnectionSchedules(
  client: Client,
  connectionId: string,
  note: string,
): Promise<void> {
  for (const id of Object.values(scheduleIds(connectionId))) {
    await client.schedule
      .getHandle(id)
      .pause(note)
      .catch((err) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
  }
}

export async function deleteConnectionSchedules(client: Client, connectionId: string): Promise<void> {
  for (const id of Object.values(scheduleIds(connectionId))) {
    await client.schedule
      .getHandle(id)
      .delete()
      .catch((err) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
  }
}

export interface ScheduleView {
  id: string;
  paused: boolean;
  note: string | null;
  next_runs: string[];
  recent_runs: { scheduled_at: string; workflow_id: string }[];
}

export async function describeConnectionSchedules(
  client: Client,
  connectionId: string,
): Promise<Record<'incremental' | 'full', ScheduleView | null>> {
  const ids = scheduleIds(connectionId);
  const out: Record<string, ScheduleView | null> = {};
  for (const mode of ['incremental', 'full'] as const) {
    try {
      const d = await client.schedule.getHandle(ids[mode]).describe();
      out[mode] = {
        id: ids[mode],
        paused: d.state.paused,
        note: d.state.note ?? null,
        next_runs: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        recent_runs: d.info.recentActions.slice(-5).map((a) => ({
          scheduled_at: a.scheduledAt.toISOString(),
          workflow_id: a.action.workflow.workflowId,
        })),
      };
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      out[mode] = null;
    }
  }
  return out as Record<'incremental' | 'full', ScheduleView | null>;
}

/** How many ticks of a connection's schedule fall in [start, end): the work a backfill starts. */
export function scheduleTicks(
  settings: ScheduleSettings,
  mode: 'incremental' | 'full',
  start: Date,
  end: Date,
): number {
  const span = Math.max(0, end.getTime() - start.getTime());
  const every =
    mode === 'full'
      ? 86_400_000
      : (settings.incrementalEverySeconds ?? settings.incrementalEveryMinutes * 60) * 1000;
  return Math.floor(span / every);
}

export async function backfillConnectionSchedule(
  client: Client,
  connectionId: string,
  mode: 'incremental' | 'full',
  start: Date,
  end: Date,
): Promise<void> {
  await client.schedule
    .getHandle(scheduleIds(connectionId)[mode])
    .backfill({ start, end, overlap: ScheduleOverlapPolicy.BUFFER_ALL });
}
