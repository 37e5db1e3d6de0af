// The sandbox's admin API (not part of QuickBooks): create companies, change records as a
// bookkeeper would in the QuickBooks UI (no SyncToken needed; a bulk create is a spreadsheet
// import), register the webhook, and set chaos. Tests and the demo use it for vendor-side changes.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import { parseExact, wire } from './api.ts';
import { type EntityName, entityByAlias, QboFault, type QboObject, type QuickBooksRealm } from './realm.ts';
import type { QuickBooksSandbox } from './sandbox.ts';

const createAccount = accountOptions.extend({
  clients: z.number().int().min(0).max(200_000).optional(),
  depositMonths: z.number().int().min(0).max(120).optional(),
  /** How long a replaced refresh token keeps working (default 120 s). */
  refreshTokenGraceSeconds: z.number().min(0).max(86_400).optional(),
});

const webhookSchema = z.object({
  url: z.url(),
  secret: z.string().min(1),
  format: z.enum(['cloudevents', 'classic']).default('cloudevents'),
});

const entityOf = (c: Context): EntityName | undefined =>
  entityByAlias[(c.req.param('type') ?? '').toLowerCase()];
const notFound = (c: Context) => c.json({ error: 'not found' }, 404);

export function quickbooksAdmin(sandbox: QuickBooksSandbox): Hono {
  return sandboxAdmin<QuickBooksRealm, z.infer<typeof createAccount>>({
    find: (id) => sandbox.realms.get(id),
    onError(err, c) {
      if (err instanceof QboFault)
        return c.json({ error: err.message, fault: err.errors }, err.status as 400);
      if (err instanceof z.ZodError) return c.json({ error: 'invalid request', issues: err.issues }, 400);
      throw err;
    },
    options: createAccount,
    create(opts) {
      const { realm, credentials } = sandbox.createRealm(opts);
      return {
        accountId: realm.realmId,
        accessToken: credentials.accessToken,
        credentials,
        counts: realm.counts(),
      };
    },
    describe: (realm) => ({
      accountId: realm.realmId,
      companyName: realm.companyName,
      counts: realm.counts(),
      chaos: realm.chaos,
      requests: realm.requestCount,
      tokenRequests: sandbox.tokenRequests.get(realm.realmId) ?? 0,
      webhook: realm.webhook ? { url: realm.webhook.url, format: realm.webhook.format } : null,
    }),
    issueToken(realm, body) {
      const { ttlSeconds } = z.object({ ttlSeconds: z.number().int().nullable().default(3600) }).parse(body);
      return { accessToken: sandbox.issueAccessToken(realm, ttlSeconds) };
    },
    // Revoking an access token, as disconnecting the app in QuickBooks does.
    revokeToken: (realm, token) => sandbox.revokeAccessToken(realm, token),
    webhook(realm, body) {
      realm.webhook = webhookSchema.parse(body);
      return { url: realm.webhook.url, format: realm.webhook.format };
    },
    objects: {
      list(c, realm) {
        const entity = entityOf(c);
        if (!entity) return notFound(c);
        const results = realm.all(entity).map((row) => ({
          ...(row.deleted
            ? { ...row.body, Id: row.id, MetaData: realm.render(row).MetaData }
            : realm.render(row)),
          deleted: row.deleted,
        }));
        return c.json(wire({ results }) as object);
      },
      async create(c, realm) {
        const entity = entityOf(c);
        if (!entity) return notFound(c);
        const body = parseExact(await c.req.text()) as QboObject | QboObject[];
        const created = (Array.isArray(body) ? body : [body]).map((input) =>
          realm.render(realm.create(entity, input)),
        );
        return c.json(wire(Array.isArray(body) ? { results: created } : created[0]) as object, 201);
      },
      async update(c, realm) {
        const entity = entityOf(c);
        if (!entity) return notFound(c);
        const fields = parseExact(await c.req.text()) as QboObject;
        return c.json(
          wire(realm.render(realm.edit(entity, c.req.param('objectId') ?? '', fields))) as object,
        );
      },
      remove(c, realm) {
        const entity = entityOf(c);
        if (!entity) return notFound(c);
        realm.remove(entity, c.req.param('objectId') ?? '');
        return c.body(null, 204);
      },
    },
  });
}
