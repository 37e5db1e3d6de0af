// One per webhook endpoint (webhooks/<endpointId>): drains the endpoint's deliveries. Each round
// runs one drain activity (which sends everything due, concurrently, and records the attempts)
// and then sleeps until the earliest retry is due or the idle poll comes round; a wake signal
// (new endpoint, re-enabled, manual retry or recover) cuts the sleep short. The workflow carries
// nothing but the endpoint id: deliveries, payloads and secrets live in the database. It ends
// when the endpoint is disabled or deleted, and enabling it again starts it anew.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks.ts';
import { DeliveryStatus, EventType } from '../runtime/search-attributes.ts';

const { drainWebhookDeliveries } = proxyActivities<WebhookActivities>({
  // A drain's budget is a minute plus a last 15 s request; heartbeats notice a dead worker sooner.
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface WebhookDeliveryInput {
  tenantId: string;
  endpointId: string;
}

/** "Look now": something was queued for the endpoint. */
export const wakeWebhookDeliverySignal = defineSignal('wake');

export function webhookWorkflowId(endpointId: string): string {
  return `webhooks/${endpointId}`;
}

export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  let woken = true;
  setHandler(wakeWebhookDeliverySignal, () => {
    woken = true;
  });
  let shown = { status: '', eventType: '' };
  for (let round = 0; round < 300 && !workflowInfo().continueAsNewSuggested; round++) {
    woken = false;
    const r = await drainWebhookDeliveries({ endpointId: input.endpointId });
    // Search attributes change only when what an operator would filter on changes.
    const next = { status: r.status, eventType: r.headEventType ?? 'none' };
    if (next.status !== shown.status || next.eventType !== shown.eventType) {
      upsertSearchAttributes([
        { key: DeliveryStatus, value: next.status },
        { key: EventType, value: next.eventType },
      ]);
      shown = next;
    }
    if (r.state === 'stopped') return;
    if (r.sleepMs > 0) await condition(() => woken, r.sleepMs);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof webhookDelivery>(input);
}
