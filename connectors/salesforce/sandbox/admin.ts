// The sandbox's admin API (not part of Salesforce): create orgs, change records as a Salesforce
// user would (in the UI: change events carry an empty changeOrigin), expire tokens and query
// cursors, change org settings and chaos, and register where change events are POSTed.
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { chaosSchema } from '../../kit/sandbox/chaos.ts';
import {
  type FieldValue,
  renderValue,
  SalesforceApiError,
  type SObjectType,
  schema,
  sobjectType,
} from './org.ts';
import { rootUrlOf, type SalesforceSandbox } from './sandbox.ts';

const createAccount = z.object({
  seed: z.string().optional(),
  clients: z.number().int().min(0).max(20_000).optional(),
  asOf: z.string().optional(),
  clean: z.boolean().optional(),
  empty: z.boolean().optional(),
  name: z.string().optional(),
  callbackUrls: z.array(z.string()).optional(),
  rotateRefreshTokens: z.boolean().optional(),
  dailyApiRequests: z.number().int().min(1).optional(),
});

const settingsSchema = z.object({
  dailyApiRequests: z.number().int().min(1).optional(),
  rotateRefreshTokens: z.boolean().optional(),
  queryLocatorTtlSeconds: z.number().int().min(1).optional(),
  maxQueryCursors: z.number().int().min(1).optional(),
  deleteLogRetentionDays: z.number().int().min(1).optional(),
  replicationIdLimit: z.number().int().min(1).optional(),
});

/** Stream-style names the tests and the demo use, beside Salesforce's API names. */
const aliases: Record<string, SObjectType> = {
  users: 'User',
  accounts: 'Account',
  contacts: 'Contact',
  opportunities: 'Opportunity',
  insurance_policies: 'InsurancePolicy',
  insurancepolicies: 'InsurancePolicy',
};

function typeOf(name: string): SObjectType | undefined {
  return aliases[name.toLowerCase()] ?? sobjectType(name);
}

/** Every field as the REST API would show it, IsDeleted included (the test truth). */
function rendered(type: SObjectType, fields: Record<string, FieldValue>) {
  const out: Record<string, unknown> = {};
  for (const d of schema[type].fields) out[d.name] = renderValue(d, fields[d.name]);
  return out;
}

export function salesforceAdmin(sandbox: SalesforceSandbox): Hono {
  const app = new Hono();
  const orgOf = (c: Context) => sandbox.orgs.get(c.req.param('id') ?? '');

  app.onError((err, c) => {
    if (err instanceof SalesforceApiError) return c.json(err.body(), err.status as 400);
    if (err instanceof z.ZodError) return c.json({ error: 'invalid request', issues: err.issues }, 400);
    throw err;
  });

  app.post('/accounts', async (c) => {
    const opts = createAccount.parse(await c.req.json().catch(() => ({})));
    const { org, accessToken, refreshToken } = sandbox.createOrg(opts);
    if (opts.callbackUrls) org.connectedApp.callbackUrls = opts.callbackUrls;
    if (opts.rotateRefreshTokens !== undefined) org.settings.rotateRefreshTokens = opts.rotateRefreshTokens;
    if (opts.dailyApiRequests) org.settings.dailyApiRequests = opts.dailyApiRequests;
    const instanceUrl = rootUrlOf(c.req.url, '/_admin/');
    return c.json(
      {
        accountId: org.orgId,
        accessToken,
        credentials: {
          accessToken,
          refreshToken,
          instanceUrl,
          clientId: org.connectedApp.clientId,
          clientSecret: org.connectedApp.clientSecret,
        },
        adminUserId: org.adminUserId,
        counts: org.counts(),
      },
      201,
    );
  });

  app.get('/accounts/:id', (c) => {
    const org = orgOf(c);
    if (!org) return c.json({ error: 'no such account' }, 404);
    return c.json({
      accountId: org.orgId,
      name: org.name,
      counts: org.counts(),
      chaos: org.chaos,
      settings: org.settings,
      requests: org.requestCount,
      tokenRequests: sandbox.tokenRequests.get(org.orgId) ?? 0,
      openQueryCursors: org.cursors.size,
      webhook: org.webhook ? { url: org.webhook.url } : null,
    });
  });

  app.put('/accounts/:id/chaos', async (c) => {
    const org = orgOf(c);
    if (!org) return c.json({ error: 'no such account' }, 404);
    org.chaos = chaosSchema.parse({ ...org.chaos, ...(await c.req.json()) });
    return c.json(org.chaos);
  });

  app.put('/accounts/:id/settings', async (c) => {
    const org = orgOf(c);
    if (!org) return c.json({ error: 'no such account' }, 404);
    Object.assign(org.settings, settingsSchema.parse(await c.req.json()));
    return c.json(org.settings);
  });

  app.post('/accounts/:id/tokens', async (c) => {
    const org = orgOf(c);
    if (!org) return c.json({ error: 'no such account' }, 404);
    const { ttlSeconds } = z
      .object({ ttlSeconds: z.number().int().nullable().default(null) })
      .parse(await c.req.json().catch(() => ({})));
    const accessToken = sandbox.issueAccessToken(
      { org, userId: org.adminUserId, scope: 'api refresh_token' },
      ttlSeconds,
    );
    return c.json({ accessToken }, 201);
  });

  // Closes every open query cursor, as fifteen idle minutes would.
  app.delete('/accounts/:id/query-locators', (c) => {
    const org = orgOf(c);
    if (!org) return c.json({ error: 'no such account' }, 404);
    org.cursors.clear();
    return c.body(null, 204);
  });

  app.put('/accounts/:id/webhook', async (c) => {
    const org = orgOf(c);
    if (!org) return c.json({ error: 'no such account' }, 404);
    org.webhook = z.object({ url: z.url(), secret: z.string().min(1) }).parse(await c.req.json());
    return c.json({ url: org.webhook.url });
  });

  app.get('/accounts/:id/objects/:type', (c) => {
    const org = orgOf(c);
    const type = typeOf(c.req.param('type'));
    if (!org || !type) return c.json({ error: 'not found' }, 404);
    return c.json({
      results: [...org.table(type).values()].map((r) => rendered(type, r.fields)),
      deleteLog: org.deleteLog.filter((e) => e.type === type),
    });
  });

  app.post('/accounts/:id/objects/:type', async (c) => {
    const org = orgOf(c);
    const type = typeOf(c.req.param('type'));
    if (!org || !type) return c.json({ error: 'not found' }, 404);
    const record = org.create(type, await c.req.json());
    return c.json({ id: record.fields.Id, SystemModstamp: record.fields.SystemModstamp }, 201);
  });

  app.patch('/accounts/:id/objects/:type/:objectId', async (c) => {
    const org = orgOf(c);
    const type = typeOf(c.req.param('type'));
    if (!org || !type) return c.json({ error: 'not found' }, 404);
    const record = org.update(type, c.req.param('objectId'), await c.req.json());
    return c.json({ id: record.fields.Id, SystemModstamp: record.fields.SystemModstamp });
  });

  app.delete('/accounts/:id/objects/:type/:objectId', (c) => {
    const org = orgOf(c);
    const type = typeOf(c.req.param('type'));
    if (!org || !type) return c.json({ error: 'not found' }, 404);
    // `at` backdates the deletion (a change made a few minutes ago), since getDeleted only ever
    // reports whole minutes that have passed.
    const at = c.req.query('at');
    const deleted = org.delete(type, c.req.param('objectId'), {
      hard: c.req.query('hard') === 'true',
      modifiedAt: at ? new Date(at).toISOString() : undefined,
    });
    return c.json({ deleted });
  });

  app.post('/accounts/:id/objects/:type/:objectId/undelete', (c) => {
    const org = orgOf(c);
    const type = typeOf(c.req.param('type'));
    if (!org || !type) return c.json({ error: 'not found' }, 404);
    const record = org.undelete(type, c.req.param('objectId'));
    return c.json({ id: record.fields.Id, SystemModstamp: record.fields.SystemModstamp });
  });

  return app;
}
