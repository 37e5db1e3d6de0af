// Outbound webhooks: the agency's endpoints (each with its own whsec_ secret, shown once and
// rotatable with an overlap), their deliveries with attempts, manual retry and recover. Every
// event type's payload is documented under `webhooks` in the OpenAPI document.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createEndpoint,
  type DeliveryRow,
  deleteEndpoint,
  type EndpointRow,
  getDelivery,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  recoverFailed,
  requeueDelivery,
  rotateSecret,
  updateEndpoint,
} from '../../db/webhook-store.ts';
import { allowListFromEnv } from '../../runtime/outbound/address-policy.ts';
import { PAYLOAD_VERSION, WEBHOOK_EVENT_TYPES } from '../../runtime/outbound/event-payloads.ts';
import { checkWebhookUrl } from '../../runtime/outbound/url-policy.ts';
import { wakeWebhookDelivery } from '../../runtime/webhook-requests.ts';
import { webhookWorkflowId } from '../../workflows/webhook-delivery.ts';
import type { AppEnv } from '../deps.ts';
import { instant } from '../fields.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';

// ---- Payloads, one documented schema per event type ----

const uuid = z.uuid();
const policyData = z.object({ policy_id: uuid, connection_id: uuid.optional() });

const eventData = {
  'policy.created': policyData,
  'policy.updated': policyData.extend({
    changed_fields: z.array(z.string()).openapi({ description: 'Canonical field names that changed.' }),
  }),
  'policy.deleted': policyData,
  'policy.renewed': policyData.extend({ prior_policy_number: z.string() }),
  'policy.cancelled': policyData.extend({ previous_status: z.string().nullable() }),
  'commission.calculated': z.object({
    transaction_id: uuid,
    policy_id: uuid,
    agency_cents: z.number().int(),
    rule_id: uuid.nullable(),
    transaction_type: z.string(),
  }),
  'commission.paid': z.object({
    transaction_id: uuid,
    expected_commission_id: uuid,
    policy_id: uuid,
    paid_cents: z.number().int(),
    expected_cents: z.number().int(),
    difference_cents: z.number().int().optional().openapi({
      description:
        'Paid minus expected: non-zero when a payment within the rounding tolerance settled it, or overpaid it.',
    }),
  }),
  'commission.discrepancy': z.object({
    transaction_id: uuid,
    code: z.string().openapi({ example: 'MISSING_COMMISSION' }),
    balance_cents: z.number().int(),
    carrier_id: uuid.nullable(),
  }),
  'renewal.upcoming': z.object({
    policy_id: uuid,
    days_until_expiry: z.number().int().optional(),
    expiration_date: z.string().optional(),
  }),
  'conflict.opened': z.object({
    conflict_id: uuid,
    connection_id: uuid.optional(),
    entity_type: z.string(),
    entity_id: uuid,
    field: z.string(),
  }),
  'conflict.resolved': z.object({
    conflict_id: uuid,
    resolution: z.string(),
    resolved_by: z.enum(['user', 'deadline']),
    field: z.string(),
  }),
  'sync.completed': z.object({
    sync_run_id: uuid,
    connection_id: uuid,
    mode: z.enum(['full', 'incremental']),
    counts: z.record(z.string(), z.number().int()),
  }),
  'sync.failed': z.object({
    sync_run_id: uuid,
    connection_id: uuid,
    failure_class: z.string(),
    error: z.string(),
  }),
  'connection.paused': z.object({ connection_id: uuid, reason: z.string() }),
} satisfies Record<(typeof WEBHOOK_EVENT_TYPES)[number], z.ZodObject>;

const schemaName = (type: string) =>
  `${type
    .split(/[._]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Event_${PAYLOAD_VERSION}`;

/** The body of each event type (`{ type, version, timestamp, data }`); fields may be added within a version. */
export const webhookEventSchemas = Object.fromEntries(
  Object.entries(eventData).map(([type, data]) => [
    type,
    z
      .object({
        type: z.literal(type),
        version: z.literal(PAYLOAD_VERSION),
        timestamp: z.iso.datetime(),
        data: data.loose(),
      })
      .openapi(schemaName(type)),
  ]),
) as unknown as Record<(typeof WEBHOOK_EVENT_TYPES)[number], z.ZodObject>;

// ---- Resources ----

const eventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

const endpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(eventTypeSchema),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: 'Why the endpoint was disabled.' }),
    disabled_at: z.string().nullable(),
    failing_since: z.string().nullable().openapi({ description: 'Every attempt has failed since then.' }),
    rate_limit_per_second: z.number().int().nullable(),
    strict_ordering: z.boolean(),
    previous_secret_expires_at: z
      .string()
      .nullable()
      .openapi({ description: 'During a rotation: until when the previous secret still signs.' }),
    workflow_id: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toEndpoint(r: EndpointRow) {
  const retiring = r.previous_secrets
    .map((p) => p.expires_at)
    .filter((t) => Date.parse(t) > Date.now())
    .sort()
    .at(-1);
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    event_types: r.event_types as (typeof WEBHOOK_EVENT_TYPES)[number][],
    enabled: r.enabled,
    disabled_reason: r.disabled_reason,
    disabled_at: iso(r.disabled_at),
    failing_since: iso(r.failing_since),
    rate_limit_per_second: r.rate_limit_per_second,
    strict_ordering: r.strict_ordering,
    previous_secret_expires_at: retiring ?? null,
    workflow_id: webhookWorkflowId(r.id),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const deliverySchema = z
  .object({
    id: z.uuid(),
    endpoint_id: z.uuid(),
    webhook_id: z.string().openapi({ description: 'The webhook-id header: the same on every attempt.' }),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_response: z
      .object({
        status_code: z.number().int().nullable(),
        body: z.string().nullable(),
        error: z.string().nullable(),
      })
      .nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('WebhookDelivery');

function toDelivery(r: DeliveryRow) {
  return {
    id: r.id,
    endpoint_id: r.endpoint_id,
    webhook_id: r.msg_id,
    event_type: r.event_type,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: iso(r.next_attempt_at),
    last_attempt_at: iso(r.last_attempt_at),
    last_response: r.last_attempt_at
      ? { status_code: r.last_status_code, body: r.last_response, error: r.last_error }
      : null,
    created_at: r.created_at.toISOString(),
    finished_at: iso(r.finished_at),
  };
}

const attemptSchema = z
  .object({
    attempt: z.number().int(),
    attempted_at: z.string(),
    outcome: z.enum(['delivered', 'retry', 'gone', 'rejected', 'blocked']),
    status_code: z.number().int().nullable(),
    response_body: z.string().nullable().openapi({ description: 'The first KB of the response.' }),
    response_truncated: z.boolean(),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('WebhookAttempt');

const createBody = z.object({
  url: z.string().max(2048),
  event_types: z.array(eventTypeSchema).min(1),
  description: z.string().max(500).nullable().optional(),
  enabled: z.boolean().default(true),
  rate_limit_per_second: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .nullable()
    .optional()
    .openapi({ description: 'Most requests per second to this endpoint; none when null.' }),
  strict_ordering: z.boolean().default(false).openapi({
    description: 'One request at a time, in event order; a failing event holds the ones after it.',
  }),
});

const patchBody = z.object({
  url: z.string().max(2048).optional(),
  event_types: z.array(eventTypeSchema).min(1).optional(),
  description: z.string().max(500).nullable().optional(),
  enabled: z.boolean().optional(),
  rate_limit_per_second: z.number().int().min(1).max(10_000).nullable().optional(),
  strict_ordering: z.boolean().optional(),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const createEndpointRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  tags: ['Webhooks'],
  summary: 'Register an endpoint; its signing secret is in this response only',
  middleware: [requireScope('webhooks:write')] as const,
  request: body(createBody),
  responses: {
    201: json(endpointSchema.extend({ secret: z.string() }), 'The endpoint and its whsec_ secret'),
  },
});

const listEndpointsRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  tags: ['Webhooks'],
  summary: 'Endpoints',
  middleware: [requireScope('webhooks:read')] as const,
  responses: { 200: json(z.object({ data: z.array(endpointSchema) }), 'Endpoints') },
});

const getEndpointRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}',
  tags: ['Webhooks'],
  summary: 'An endpoint, with why it was disabled',
  middleware: [requireScope('webhooks:read')] as const,
  request: { params: idParam },
  responses: { 200: json(endpointSchema, 'The endpoint') },
});

const patchEndpointRoute = createRoute({
  method: 'patch',
  path: '/v1/webhooks/{id}',
  tags: ['Webhooks'],
  summary: 'Change an endpoint (enabling it again clears the failure record)',
  middleware: [requireScope('webhooks:write')] as const,
  request: { params: idParam, ...body(patchBody) },
  responses: { 200: json(endpointSchema, 'The endpoint') },
});

const deleteEndpointRoute = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  tags: ['Webhooks'],
  summary: 'Delete an endpoint and its delivery history',
  middleware: [requireScope('webhooks:write')] as const,
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' } },
});

const rotateRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/rotate-secret',
  tags: ['Webhooks'],
  summary: 'New signing secret; the old one keeps signing alongside it for the overlap',
  middleware: [requireScope('webhooks:write')] as const,
  request: {
    params: idParam,
    body: {
      content: {
        'application/json': {
          schema: z.object({
            overlap_seconds: z
              .number()
              .int()
              .min(0)
              .max(7 * 86_400)
              .default(86_400)
              .openapi({ description: 'How long the previous secret still signs (0: not at all).' }),
          }),
        },
      },
      required: false,
    },
  },
  responses: {
    200: json(
      z.object({ secret: z.string(), previous_secret_expires_at: z.string().nullable() }),
      'The new secret (shown once)',
    ),
  },
});

const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  tags: ['Webhooks'],
  summary: 'Deliveries to the endpoint, newest event first',
  middleware: [requireScope('webhooks:read')] as const,
  request: {
    params: idParam,
    query: z.object({
      status: z.enum(['pending', 'succeeded', 'failed']).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
    }),
  },
  responses: {
    200: json(z.object({ data: z.array(deliverySchema), next_cursor: z.string().nullable() }), 'Deliveries'),
  },
});

const getDeliveryRoute = createRoute({
  method: 'get',
  path: '/v1/deliveries/{id}',
  tags: ['Webhooks'],
  summary: 'A delivery with every attempt',
  middleware: [requireScope('webhooks:read')] as const,
  request: { params: idParam },
  responses: { 200: json(deliverySchema.extend({ attempt_log: z.array(attemptSchema) }), 'The delivery') },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/v1/deliveries/{id}/retry',
  tags: ['Webhooks'],
  summary: 'Send a finished delivery again (same webhook-id)',
  middleware: [requireScope('webhooks:write')] as const,
  request: { params: idParam },
  responses: { 202: json(deliverySchema, 'Queued') },
});

const recoverRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/recover',
  tags: ['Webhooks'],
  summary: 'Resend every delivery that failed since a time',
  middleware: [requireScope('webhooks:write')] as const,
  request: {
    params: idParam,
    query: z.object({ since: instant.openapi({ description: 'ISO 8601 time.' }) }),
  },
  responses: { 202: json(z.object({ requeued: z.number().int() }), 'Queued') },
});

type Ctx = Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0];

function checkedUrl(url: string): string {
  const result = checkWebhookUrl(url, { allowHosts: allowListFromEnv() });
  if (!result.ok) {
    throw new ProblemError('validation', result.message, {
      errors: [{ field: 'url', message: result.message, code: result.code }],
    });
  }
  return result.url.href;
}

async function endpointOf(c: Ctx, id: string): Promise<EndpointRow> {
  const endpoint = await getEndpoint(c.get('db'), c.get('tenantId'), id);
  if (!endpoint) throw new ProblemError('not-found', `No webhook endpoint ${id}.`);
  return endpoint;
}

function wakeAfterCommit(c: Ctx, endpoint: EndpointRow): void {
  if (!endpoint.enabled) return;
  const deps = c.get('deps');
  c.get('afterCommit')(() =>
    wakeWebhookDelivery(deps.temporal, deps.taskQueue, {
      tenantId: endpoint.tenant_id,
      endpointId: endpoint.id,
    }),
  );
}

export const webhookRoutes = new OpenAPIHono<AppEnv>()
  .openapi(createEndpointRoute, async (c) => {
    const input = c.req.valid('json');
    const { endpoint, secret } = await createEndpoint(c.get('db'), c.get('deps').keyring, c.get('tenantId'), {
      url: checkedUrl(input.url),
      eventTypes: [...new Set(input.event_types)],
      description: input.description ?? null,
      enabled: input.enabled,
      rateLimitPerSecond: input.rate_limit_per_second ?? null,
      strictOrdering: input.strict_ordering,
    });
    wakeAfterCommit(c as never, endpoint);
    return c.json({ ...toEndpoint(endpoint), secret }, 201);
  })
  .openapi(listEndpointsRoute, async (c) => {
    const rows = await listEndpoints(c.get('db'), c.get('tenantId'));
    return c.json({ data: rows.map(toEndpoint) }, 200);
  })
  .openapi(getEndpointRoute, async (c) => {
    return c.json(toEndpoint(await endpointOf(c as never, c.req.valid('param').id)), 200);
  })
  .openapi(patchEndpointRoute, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    const updated = await updateEndpoint(c.get('db'), c.get('tenantId'), id, {
      ...(patch.url !== undefined ? { url: checkedUrl(patch.url) } : {}),
      ...(patch.event_types ? { eventTypes: [...new Set(patch.event_types)] } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.rate_limit_per_second !== undefined
        ? { rateLimitPerSecond: patch.rate_limit_per_second }
        : {}),
      ...(patch.strict_ordering !== undefined ? { strictOrdering: patch.strict_ordering } : {}),
    });
    if (!updated) throw new ProblemError('not-found', `No webhook endpoint ${id}.`);
    wakeAfterCommit(c as never, updated);
    return c.json(toEndpoint(updated), 200);
  })
  .openapi(deleteEndpointRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deleteEndpoint(c.get('db'), c.get('tenantId'), id)))
      throw new ProblemError('not-found', `No webhook endpoint ${id}.`);
    // The workflow sees the endpoint gone on its next round and ends; the signal makes that now.
    const deps = c.get('deps');
    c.get('afterCommit')(() =>
      deps.temporal.workflow
        .getHandle(webhookWorkflowId(id))
        .signal('wake')
        .catch(() => {}),
    );
    return c.body(null, 204);
  })
  .openapi(rotateRoute, async (c) => {
    const endpoint = await endpointOf(c as never, c.req.valid('param').id);
    const { overlap_seconds } = c.req.valid('json') ?? { overlap_seconds: 86_400 };
    const rotated = await rotateSecret(c.get('db'), c.get('deps').keyring, endpoint, overlap_seconds);
    return c.json(
      { secret: rotated.secret, previous_secret_expires_at: iso(rotated.previousExpiresAt) },
      200,
    );
  })
  .openapi(listDeliveriesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    await endpointOf(c as never, id);
    const beforeSeq = q.cursor ? decodeSeq(q.cursor) : null;
    const rows = await listDeliveries(c.get('db'), c.get('tenantId'), id, {
      status: q.status,
      limit: q.limit + 1,
      beforeSeq,
    });
    const page = rows.slice(0, q.limit);
    const next =
      rows.length > q.limit ? Buffer.from(String(page.at(-1)!.event_seq)).toString('base64url') : null;
    return c.json({ data: page.map(toDelivery), next_cursor: next }, 200);
  })
  .openapi(getDeliveryRoute, async (c) => {
    const { id } = c.req.valid('param');
    const delivery = await getDelivery(c.get('db'), c.get('tenantId'), id);
    if (!delivery) throw new ProblemError('not-found', `No delivery ${id}.`);
    return c.json(
      {
        ...toDelivery(delivery),
        attempt_log: delivery.attempt_log.map((a) => ({
          ...a,
          outcome: a.outcome as 'delivered',
          attempted_at: a.attempted_at.toISOString(),
        })),
      },
      200,
    );
  })
  .openapi(retryRoute, async (c) => {
    const { id } = c.req.valid('param');
    const db = c.get('db');
    const existing = await getDelivery(db, c.get('tenantId'), id);
    if (!existing) throw new ProblemError('not-found', `No delivery ${id}.`);
    const queued = await requeueDelivery(db, c.get('tenantId'), id);
    if (!queued)
      throw new ProblemError('conflict', 'The delivery is still pending; it will be attempted anyway.');
    wakeAfterCommit(c as never, await endpointOf(c as never, queued.endpoint_id));
    return c.json(toDelivery(queued), 202);
  })
  .openapi(recoverRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { since } = c.req.valid('query');
    const endpoint = await endpointOf(c as never, id);
    const requeued = await recoverFailed(c.get('db'), c.get('tenantId'), id, new Date(since));
    if (requeued) wakeAfterCommit(c as never, endpoint);
    return c.json({ requeued }, 202);
  });

for (const [type, schema] of Object.entries(webhookEventSchemas)) {
  webhookRoutes.openAPIRegistry.registerWebhook({
    method: 'post',
    path: type,
    tags: ['Webhook events'],
    summary: `${type} (payload ${PAYLOAD_VERSION})`,
    description:
      'Sent to subscribed endpoints with Standard Webhooks headers: webhook-id (stable across retries), ' +
      'webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256>; several during a secret rotation).',
    request: { body: { content: { 'application/json': { schema } } } },
    responses: { 200: { description: 'Any 2xx acknowledges the event.' } },
  });
}

function decodeSeq(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(seq)) {
    throw new ProblemError('validation', 'cursor is not one this API issued', {
      errors: [{ field: 'cursor', message: 'invalid cursor' }],
    });
  }
  return seq;
}
