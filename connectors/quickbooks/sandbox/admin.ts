// The sandbox's admin API (not part of QuickBooks): create companies, change records as a
// bookkeeper would in the QuickBooks UI (no SyncToken needed; a bulk create is a spreadsheet
// import), register the webhook, and set chaos. Tests and the demo use it for vendor-side changes.
import { Hono } from 'hono';
import { z } from 'zod';
import { chaosSchema } from '../../kit/sandbox/chaos.ts';
import { parseExact, wire } from './api.ts';
import { type EntityName, entityByAlias, QboFault, type QboObject } from './realm.ts';
import type { QuickBooksSandbox } from './sandbox.ts';

const createAccount = z.object({
  seed: z.string().optional(),
  clients: z.number().int().min(0).max(200_000).optional(),
  asOf: z.string().optional(),
  clean: z.boolean().optional(),
  empty: z.boolean().optional(),
  depositMonths: z.number().int().min(0).max(120).optional(),
  /** How long a replaced refresh token keeps working (default 120 s). */
  refreshTokenGraceSeconds: z.number().min(0).max(86_400).optional(),
});

const webhookSchema = z.object({
  url: z.url(),
  secret: z.string().min(1),
  format: z.enum(['cloudevents', 'classic']).default('cloudevents'),
});

export function quickbooksAdmin(sandbox: QuickBooksSandbox): Hono {
  const app = new Hono();
  const realmOf = (id: string) => sandbox.realms.get(id);

  app.onError((err, c) => {
    if (err instanceof QboFault) return c.json({ error: err.message, fault: err.errors }, err.status as 400);
    if (err instanceof z.ZodError) return c.json({ error: 'invalid request', issues: err.issues }, 400);
    throw err;
  });

  app.post('/accounts', async (c) => {
    const opts = createAccount.parse(await c.req.json().catch(() => ({})));
    const { realm, credentials } = sandbox.createRealm(opts);
    return c.json(
      { accountId: realm.realmId, accessToken: credentials.accessToken, credentials, counts: realm.counts() },
      201,
    );
  });

  app.get('/accounts/:id', (c) => {
    const realm = realmOf(c.req.param('id'));
    if (!realm) return c.json({ error: 'no such account' }, 404);
    return c.json({
      accountId: realm.realmId,
      companyName: realm.companyName,
      counts: realm.counts(),
      chaos: realm.chaos,
      requests: realm.requestCount,
      tokenRequests: sandbox.tokenRequests.get(realm.realmId) ?? 0,
      webhook: realm.webhook ? { url: realm.webhook.url, format: realm.webhook.format } : null,
    });
  });

  app.put('/accounts/:id/chaos', async (c) => {
    const realm = realmOf(c.req.param('id'));
    if (!realm) return c.json({ error: 'no such account' }, 404);
    realm.chaos = chaosSchema.parse({ ...realm.chaos, ...(await c.req.json()) });
    return c.json(realm.chaos);
  });

  app.post('/accounts/:id/tokens', async (c) => {
    const realm = realmOf(c.req.param('id'));
    if (!realm) return c.json({ error: 'no such account' }, 404);
    const { ttlSeconds } = z
      .object({ ttlSeconds: z.number().int().nullable().default(3600) })
      .parse(await c.req.json().catch(() => ({})));
    return c.json({ accessToken: sandbox.issueAccessToken(realm, ttlSeconds) }, 201);
  });

  // Revoking an access token, as disconnecting the app in QuickBooks does.
  app.delete('/accounts/:id/tokens/:token', (c) => {
    const realm = realmOf(c.req.param('id'));
    if (!realm) return c.json({ error: 'no such account' }, 404);
    sandbox.revokeAccessToken(realm, c.req.param('token'));
    return c.body(null, 204);
  });

  app.put('/accounts/:id/webhook', async (c) => {
    const realm = realmOf(c.req.param('id'));
    if (!realm) return c.json({ error: 'no such account' }, 404);
    realm.webhook = webhookSchema.parse(await c.req.json());
    return c.json({ url: realm.webhook.url, format: realm.webhook.format });
  });

  const target = (id: string, type: string): { realm: ReturnType<typeof realmOf>; entity?: EntityName } => ({
    realm: realmOf(id),
    entity: entityByAlias[type.toLowerCase()],
  });

  app.get('/accounts/:id/objects/:type', (c) => {
    const { realm, entity } = target(c.req.param('id'), c.req.param('type'));
    if (!realm || !entity) return c.json({ error: 'not found' }, 404);
    const results = realm.all(entity).map((row) => ({
      ...(row.deleted
        ? { ...row.body, Id: row.id, MetaData: realm.render(row).MetaData }
        : realm.render(row)),
      deleted: row.deleted,
    }));
    return c.json(wire({ results }) as object);
  });

  app.post('/accounts/:id/objects/:type', async (c) => {
    const { realm, entity } = target(c.req.param('id'), c.req.param('type'));
    if (!realm || !entity) return c.json({ error: 'not found' }, 404);
    const body = parseExact(await c.req.text()) as QboObject | QboObject[];
    const created = (Array.isArray(body) ? body : [body]).map((input) =>
      realm.render(realm.create(entity, input)),
    );
    return c.json(wire(Array.isArray(body) ? { results: created } : created[0]) as object, 201);
  });

  app.patch('/accounts/:id/objects/:type/:objectId', async (c) => {
    const { realm, entity } = target(c.req.param('id'), c.req.param('type'));
    if (!realm || !entity) return c.json({ error: 'not found' }, 404);
    const fields = parseExact(await c.req.text()) as QboObject;
    return c.json(wire(realm.render(realm.edit(entity, c.req.param('objectId'), fields))) as object);
  });

  app.delete('/accounts/:id/objects/:type/:objectId', (c) => {
    const { realm, entity } = target(c.req.param('id'), c.req.param('type'));
    if (!realm || !entity) return c.json({ error: 'not found' }, 404);
    realm.remove(entity, c.req.param('objectId'));
    return c.body(null, 204);
  });

  return app;
}
