// The sandbox's admin API (not part of HubSpot): create accounts, mutate CRM records as a
// HubSpot user would, and set chaos. Tests and the demo use it to make vendor-side changes.
import { Hono } from 'hono';
import { z } from 'zod';
import { chaosSchema } from '../../kit/sandbox/chaos.ts';
import { type HsObjectType, objectTypeAliases } from './portal.ts';
import type { HubSpotSandbox } from './sandbox.ts';

const createAccount = z.object({
  seed: z.string().optional(),
  clients: z.number().int().min(0).max(500_000).optional(),
  deals: z.number().int().min(0).max(2_000_000).optional(),
  asOf: z.string().optional(),
  clean: z.boolean().optional(),
  empty: z.boolean().optional(),
});

export function hubspotAdmin(sandbox: HubSpotSandbox): Hono {
  const app = new Hono();
  const portalOf = (id: string) => sandbox.portals.get(Number(id));

  app.post('/accounts', async (c) => {
    const opts = createAccount.parse(await c.req.json().catch(() => ({})));
    const { portal, accessToken, oauthApp } = sandbox.createPortal(opts);
    return c.json(
      {
        accountId: String(portal.portalId),
        accessToken,
        credentials: { accessToken },
        oauthApp,
        counts: portal.counts(),
      },
      201,
    );
  });

  app.get('/accounts/:id', (c) => {
    const portal = portalOf(c.req.param('id'));
    if (!portal) return c.json({ error: 'no such account' }, 404);
    return c.json({
      accountId: String(portal.portalId),
      counts: portal.counts(),
      chaos: portal.chaos,
      requests: portal.requestCount,
      tokenRequests: sandbox.tokenRequests.get(portal.portalId) ?? 0,
    });
  });

  app.put('/accounts/:id/chaos', async (c) => {
    const portal = portalOf(c.req.param('id'));
    if (!portal) return c.json({ error: 'no such account' }, 404);
    portal.chaos = chaosSchema.parse({ ...portal.chaos, ...(await c.req.json()) });
    return c.json(portal.chaos);
  });

  app.post('/accounts/:id/tokens', async (c) => {
    const portal = portalOf(c.req.param('id'));
    if (!portal) return c.json({ error: 'no such account' }, 404);
    const { ttlSeconds } = z
      .object({ ttlSeconds: z.number().int().nullable().default(null) })
      .parse(await c.req.json().catch(() => ({})));
    return c.json({ accessToken: sandbox.issueToken(portal, ttlSeconds) }, 201);
  });

  // The app's webhook subscription: where change events go and the client secret that signs them.
  app.put('/accounts/:id/webhook', async (c) => {
    const portal = portalOf(c.req.param('id'));
    if (!portal) return c.json({ error: 'no such account' }, 404);
    portal.webhook = z.object({ url: z.url(), secret: z.string().min(8) }).parse(await c.req.json());
    return c.json({ url: portal.webhook.url });
  });

  app.get('/accounts/:id/webhook/deliveries', (c) => {
    const portal = portalOf(c.req.param('id'));
    if (!portal) return c.json({ error: 'no such account' }, 404);
    return c.json({ results: portal.deliveries });
  });

  // Revoking a token, as uninstalling an app or rotating a private-app token does.
  app.delete('/accounts/:id/tokens/:token', (c) => {
    const portal = portalOf(c.req.param('id'));
    if (!portal) return c.json({ error: 'no such account' }, 404);
    sandbox.revokeToken(portal, c.req.param('token'));
    return c.body(null, 204);
  });

  app.get('/accounts/:id/objects/:type', (c) => {
    const portal = portalOf(c.req.param('id'));
    const type = objectTypeAliases[c.req.param('type')];
    if (!portal) return c.json({ error: 'no such account' }, 404);
    if (c.req.param('type') === 'owners') return c.json({ results: [...portal.owners.values()] });
    if (!type) return c.json({ error: 'no such object type' }, 404);
    const results = [...portal.objects[type].values()].map((r) => ({
      ...r,
      associations: Object.fromEntries(Object.entries(r.associations).map(([k, v]) => [k, [...v]])),
    }));
    return c.json({ results });
  });

  app.post('/accounts/:id/objects/:type', async (c) => {
    const portal = portalOf(c.req.param('id'));
    const type = objectTypeAliases[c.req.param('type')];
    if (!portal || !type) return c.json({ error: 'not found' }, 404);
    const body = z
      .object({
        properties: z.record(z.string(), z.string().nullable()),
        associations: z.record(z.string(), z.array(z.string())).optional(),
      })
      .parse(await c.req.json());
    const record = portal.create(type, body.properties);
    for (const [toType, ids] of Object.entries(body.associations ?? {})) {
      for (const id of ids) portal.associate(type, record.id, objectTypeAliases[toType] as HsObjectType, id);
    }
    portal.notify(type, record.id, 'creation');
    return c.json({ id: record.id, updatedAt: record.updatedAt }, 201);
  });

  app.patch('/accounts/:id/objects/:type/:objectId', async (c) => {
    const portal = portalOf(c.req.param('id'));
    const type = objectTypeAliases[c.req.param('type')];
    if (!portal || !type) return c.json({ error: 'not found' }, 404);
    const body = z
      .object({ properties: z.record(z.string(), z.string().nullable()) })
      .parse(await c.req.json());
    const record = portal.update(type, c.req.param('objectId'), body.properties);
    if (!record) return c.json({ error: 'no such live object' }, 404);
    for (const name of Object.keys(body.properties)) portal.notify(type, record.id, 'propertyChange', name);
    return c.json({ id: record.id, updatedAt: record.updatedAt });
  });

  app.delete('/accounts/:id/objects/:type/:objectId', (c) => {
    const portal = portalOf(c.req.param('id'));
    const type = objectTypeAliases[c.req.param('type')];
    if (!portal || !type) return c.json({ error: 'not found' }, 404);
    return portal.archive(type, c.req.param('objectId'))
      ? c.body(null, 204)
      : c.json({ error: 'no such live object' }, 404);
  });

  return app;
}
