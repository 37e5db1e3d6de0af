// Each tenant's outbound Schedules: the daily renewal outreach into its CRMs and the monthly
// close that posts last month's commission journal to its ledger. Overlap SKIP (a run still
// going makes the next tick redundant) and a catch-up window of a day, so a worker outage still
// gets the day's or month's run but never a backlog of them. Operators can pause, trigger or
// backfill them in Temporal UI; the API ensures them when a tenant first asks for either.
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { TenantId } from './search-attributes.ts';

/** On-demand runs use these ids too, so a run and a scheduled tick never work side by side. */
export const renewalOutreachWorkflowId = (tenantId: string) => `renewal-outreach/${tenantId}`;
export const accountingExportWorkflowId = (tenantId: string, period: string) =>
  `accounting-export/${tenantId}/${period}`;
export const renewalOutreachScheduleId = (tenantId: string) => `renewal-outreach/${tenantId}/daily`;
export const accountingScheduleId = (tenantId: string) => `accounting-export/${tenantId}/monthly`;

export interface OutboundScheduleSettings {
  /** Hour of the day (UTC) of the renewal outreach. */
  outreachHourUtc: number;
  /** Day of the month and hour (UTC) of the accounting close (it posts the previous month). */
  closeDayOfMonth: number;
  closeHourUtc: number;
}

export const defaultOutboundScheduleSettings: OutboundScheduleSettings = {
  outreachHourUtc: 7,
  closeDayOfMonth: 1,
  closeHourUtc: 6,
};

const CATCHUP = '1 day';

function plans(tenantId: string, taskQueue: string, settings: OutboundScheduleSettings) {
  const searchAttributes = [{ key: TenantId, value: tenantId }];
  return [
    {
      scheduleId: renewalOutreachScheduleId(tenantId),
      spec: { calendars: [{ hour: settings.outreachHourUtc, minute: 0 }] },
      action: {
        type: 'startWorkflow' as const,
        workflowType: 'renewalOutreach',
        taskQueue,
        args: [{ tenantId }],
        workflowId: `renewal-outreach-tick/${tenantId}`,
        typedSearchAttributes: searchAttributes,
      },
    },
    {
      scheduleId: accountingScheduleId(tenantId),
      spec: {
        calendars: [{ dayOfMonth: settings.closeDayOfMonth, hour: settings.closeHourUtc, minute: 0 }],
      },
      action: {
        type: 'startWorkflow' as const,
        workflowType: 'accountingExport',
        taskQueue,
        args: [{ tenantId }],
        workflowId: `accounting-export-tick/${tenantId}`,
        typedSearchAttributes: searchAttributes,
      },
    },
  ];
}

/** Creates the tenant's outbound schedules, or brings existing ones in line with the settings. */
export async function ensureOutboundSchedules(
  client: Client,
  taskQueue: string,
  tenantId: string,
  settings: OutboundScheduleSettings = defaultOutboundScheduleSettings,
): Promise<void> {
  for (const plan of plans(tenantId, taskQueue, settings)) {
    const handle = client.schedule.getHandle(plan.scheduleId);
    try {
      await handle.update((prev) => ({
        ...prev,
        spec: plan.spec,
        action: plan.action,
        policies: { ...prev.policies, overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP },
      }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create({
        scheduleId: plan.scheduleId,
        spec: plan.spec,
        action: plan.action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP, pauseOnFailure: false },
        typedSearchAttributes: [{ key: TenantId, value: tenantId }],
      });
    }
  }
}

export async function deleteOutboundSchedules(client: Client, tenantId: string): Promise<void> {
  for (const id of [renewalOutreachScheduleId(tenantId), accountingScheduleId(tenantId)]) {
    await client.schedule
      .getHandle(id)
      .delete()
      .catch((err) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
  }
}
