// Vendor webhooks into the hub: POST /webhooks/{provider}/{connectionId}. No API key — the vendor
// signs the request, and the connector checks that signature with the connection's webhook
// secret (sealed with its credentials). A verified notification becomes an incremental sync
// request, coalesced with whatever sync is running, so a burst of events costs one sync.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { registry } from '../../connectors/registry.ts';
import type { ProviderId } from '../../connectors/types.ts';
import { loadConnection } from '../../db/connection-store.ts';
import { requestSync } from '../../runtime/sync-requests.ts';
import type { AppEnv } from '../deps.ts';
import { ProblemError } from '../problem.ts';

const route = createRoute({
  method: 'post',
  path: '/webhooks/{provider}/{connectionId}',
  tags: ['Vendor webhooks'],
  summary: 'Receive a vendor’s signed change notification',
  request: {
    params: z.object({
      provider: z.string().openapi({ param: { name: 'provider', in: 'path' } }),
      connectionId: z.uuid().openapi({ param: { name: 'connectionId', in: 'path' } }),
    }),
  },
  responses: {
    202: {
      description: 'Verified; an incremental sync was requested',
      content: {
        'application/json': { schema: z.object({ changes: z.number().int(), sync_requested: z.boolean() }) },
      },
    },
  },
});

export const vendorWebhookRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { provider, connectionId } = c.req.valid('param');
  const deps = c.get('deps');
  // Only a vendor's connection takes notifications: an inbound push or API source has no connector.
  const vendor = Object.hasOwn(registry, provider) ? registry[provider as ProviderId] : undefined;
  const conn = vendor ? await loadConnection(deps.pool, deps.keyring, connectionId).catch(() => null) : null;
  if (!vendor || !conn || conn.provider !== provider)
    throw new ProblemError('not-found', 'No such connection.');
  const webhooks = vendor.connector.webhooks;
  if (!webhooks) throw new ProblemError('not-found', `${provider} sends no webhooks.`);
  const secret = (conn.credentials.webhookSecret ?? conn.credentials.clientSecret) as string | undefined;
  if (!secret) throw new ProblemError('conflict', 'The connection has no webhook secret.');
  const rawBody = await c.req.text();
  const publicBase = process.env.PUBLIC_URL?.replace(/\/$/, '');
  const request = {
    method: c.req.method,
    url: publicBase ? `${publicBase}${new URL(c.req.url).pathname}` : c.req.url,
    headers: Object.fromEntries(c.req.raw.headers.entries()),
    rawBody,
  };
  if (!webhooks.verify(request, secret))
    throw new ProblemError('unauthorized', 'The webhook signature does not verify.');
  let parsed: ReturnType<typeof webhooks.parse>;
  try {
    parsed = webhooks.parse(request);
  } catch (err) {
    throw new ProblemError('validation', `The notification cannot be read: ${(err as Error).message}`);
  }
  const account = conn.settings.accountId;
  if (parsed.accountId && account && parsed.accountId !== String(account)) {
    throw new ProblemError('validation', 'The notification is for another vendor account.');
  }
  const relevant = parsed.changes.length > 0 && conn.status === 'active';
  if (relevant) {
    await requestSync(
      deps.temporal,
      deps.taskQueue,
      { connectionId, tenantId: conn.tenantId, provider },
      { mode: 'incremental' },
    );
  }
  deps.logger.info({ connectionId, provider, changes: parsed.changes.length }, 'vendor webhook');
  return c.json({ changes: parsed.changes.length, sync_requested: relevant }, 202);
});
