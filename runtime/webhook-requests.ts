// Waking an endpoint's delivery workflow (signal-with-start: the first wake starts it). Outbox
// events need no wake: the database trigger queues their deliveries and the workflow's idle poll
// finds them; the API wakes it when a person queued something (create, enable, retry, recover).
import type { Client } from '@temporalio/client';
import { wakeWebhookDeliverySignal, webhookWorkflowId } from '../workflows/webhook-delivery.ts';
import { DeliveryStatus, EndpointId, TenantId } from './search-attributes.ts';

export async function wakeWebhookDelivery(
  client: Client,
  taskQueue: string,
  target: { tenantId: string; endpointId: string },
): Promise<void> {
  await client.workflow.signalWithStart('webhookDelivery', {
    workflowId: webhookWorkflowId(target.endpointId),
    taskQueue,
    args: [{ tenantId: target.tenantId, endpointId: target.endpointId }],
    signal: wakeWebhookDeliverySignal,
    signalArgs: [],
    typedSearchAttributes: [
      { key: TenantId, value: target.tenantId },
      { key: EndpointId, value: target.endpointId },
      { key: DeliveryStatus, value: 'idle' },
    ],
  });
}
