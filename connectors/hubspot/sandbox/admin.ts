// The sandbox's admin API (not part of HubSpot): create accounts, mutate CRM records as a
// HubSpot user would, and set chaos. Tests and the demo use it to make vendor-side changes.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import { type HsObjectType, type HubSpotPortal, objectTypeAliases } from './portal.ts';
import type { HubSpotSandbox } from './sandbox.ts';

const createAccount = accountOptions.extend({
  deals: z.number().int().min(0).max(2_000_000).optional(),
});

const typeOf = (c: Context): HsObjectType | undefined => objectTypeAliases[c.req.param('type') ?? ''];

export function hubspotAdmin(sandbox: HubSpotSandbox): Hono {
  return sandboxAdmin<HubSpotPortal, z.infer<typeof createAccount>>({
    find: (id) => sandbox.portals.get(id),
    options: createAccount,
    create(opts) {
      const { portal, accessToken, oauthApp } = sandbox.createPortal(opts);
      return {
        accountId: String(portal.portalId),
        accessToken,
        credentials: { accessToken },
        oauthApp,
        counts: portal.counts(),
      };
    },
    describe: (portal) => ({
      accountId: String(portal.portalId),
      counts: portal.counts(),
      chaos: portal.chaos,
      requests: portal.requestCount,
      tokenRequests: sandbox.tokenRequests.get(portal.portalId) ?? 0,
    }),
    issueToken(portal, body) {
      const { ttlSeconds } = z.object({ ttlSeconds: z.number().int().nullable().default(null) }).parse(body);
      return { accessToken: sandbox.issueToken(portal, ttlSeconds) };
    },
    // Revoking a token, as uninstalling an app or rotating a private-app token does.
    revokeToken: (portal, token) => sandbox.revokeToken(portal, token),
    // The app's webhook subscription: where change events go and the client secret that signs them.
    webhook(portal, body) {
      portal.webhook = z.object({ url: z.url(), secret: z.string().min(8) }).parse(body);
      return { url: portal.webhook.url };
    },
    deliveries: (portal) => portal.deliveries,
    objects: {
      list(c, portal) {
        const type = typeOf(c);
        if (c.req.param('type') === 'owners') return c.json({ results: [...portal.owners.values()] });
        if (!type) return c.json({ error: 'no such object type' }, 404);
        const results = [...portal.objects[type].values()].map((r) => ({
          ...r,
          associations: Object.fromEntries(Object.entries(r.associations).map(([k, v]) => [k, [...v]])),
        }));
        return c.json({ results });
      },
      async create(c, portal) {
        const type = typeOf(c);
        if (!type) return c.json({ error: 'not found' }, 404);
        const body = z
          .object({
            properties: z.record(z.string(), z.string().nullable()),
            associations: z.record(z.string(), z.array(z.string())).optional(),
          })
          .parse(await c.req.json());
        const record = portal.create(type, body.properties);
        for (const [toType, ids] of Object.entries(body.associations ?? {})) {
          for (const id of ids)
            portal.associate(type, record.id, objectTypeAliases[toType] as HsObjectType, id);
        }
        portal.notify(type, record.id, 'creation');
        return c.json({ id: record.id, updatedAt: record.updatedAt }, 201);
      },
      async update(c, portal) {
        const type = typeOf(c);
        if (!type) return c.json({ error: 'not found' }, 404);
        const body = z
          .object({ properties: z.record(z.string(), z.string().nullable()) })
          .parse(await c.req.json());
        const record = portal.update(type, c.req.param('objectId') ?? '', body.properties);
        if (!record) return c.json({ error: 'no such live object' }, 404);
        for (const name of Object.keys(body.properties))
          portal.notify(type, record.id, 'propertyChange', name);
        return c.json({ id: record.id, updatedAt: record.updatedAt });
      },
      remove(c, portal) {
        const type = typeOf(c);
        if (!type) return c.json({ error: 'not found' }, 404);
        return portal.archive(type, c.req.param('objectId') ?? '')
          ? c.body(null, 204)
          : c.json({ error: 'no such live object' }, 404);
      },
    },
  });
}
