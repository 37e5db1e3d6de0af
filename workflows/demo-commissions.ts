// Once per demo tenant (demo-commissions/<tenantId>), started by `npm start`: waits for the demo
// agency's first full syncs, then gives it a commission picture to look at (demo schedule lines
// and a reconciled carrier statement). Waiting is the activity's retry: no timers to babysit.
import { proxyActivities } from '@temporalio/workflow';
import type { DemoCommissionActivities, DemoCommissionsInput } from '../activities/demo-commissions.ts';

const { demoBookReady } = proxyActivities<DemoCommissionActivities>({
  startToCloseTimeout: '30 seconds',
  // The first full syncs of a fresh demo take a few minutes; a machine that was asleep, longer.
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 1.5, maximumInterval: '1 minute' },
});

const { seedDemoCommissions } = proxyActivities<DemoCommissionActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 5 },
});

export async function demoCommissions(input: DemoCommissionsInput): Promise<{ statementId: string | null }> {
  await demoBookReady({ tenantId: input.tenantId });
  return seedDemoCommissions(input);
}
