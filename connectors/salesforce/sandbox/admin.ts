// The sandbox's admin API (not part of Salesforce): create orgs, change records as a Salesforce
// user would (in the UI: change events carry an empty changeOrigin), expire tokens and query
// cursors, change org settings and chaos, and register where change events are POSTed.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import {
  type FieldValue,
  renderValue,
  SalesforceApiError,
  type SalesforceOrg,
  type SObjectType,
  schema,
  sobjectType,
} from './org.ts';
import { rootUrlOf, type SalesforceSandbox } from './sandbox.ts';

const createAccount = accountOptions.extend({
  clients: z.number().int().min(0).max(20_000).optional(),
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

const recordOf = (record: { fields: Record<string, FieldValue> }) => ({
  id: record.fields.Id,
  SystemModstamp: record.fields.SystemModstamp,
});

/** An object call on a type Salesforce has (or an alias of one); 404 otherwise. */
const onType =
  (handler: (c: Context, org: SalesforceOrg, type: SObjectType) => Response | Promise<Response>) =>
  (c: Context, org: SalesforceOrg) => {
    const type = typeOf(c.req.param('type') ?? '');
    return type ? handler(c, org, type) : c.json({ error: 'not found' }, 404);
  };

export function salesforceAdmin(sandbox: SalesforceSandbox): Hono {
  return sandboxAdmin<SalesforceOrg, z.infer<typeof createAccount>>({
    find: (id) => sandbox.orgs.get(id),
    onError(err, c) {
      if (err instanceof SalesforceApiError) return c.json(err.body(), err.status as 400);
      if (err instanceof z.ZodError) return c.json({ error: 'invalid request', issues: err.issues }, 400);
      throw err;
    },
    options: createAccount,
    create(opts, c) {
      const { org, accessToken, refreshToken } = sandbox.createOrg(opts);
      if (opts.callbackUrls) org.connectedApp.callbackUrls = opts.callbackUrls;
      if (opts.rotateRefreshTokens !== undefined) org.settings.rotateRefreshTokens = opts.rotateRefreshTokens;
      if (opts.dailyApiRequests) org.settings.dailyApiRequests = opts.dailyApiRequests;
      const instanceUrl = rootUrlOf(c.req.url, '/_admin/');
      return {
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
      };
    },
    describe: (org) => ({
      accountId: org.orgId,
      name: org.name,
      counts: org.counts(),
      chaos: org.chaos,
      settings: org.settings,
      requests: org.requestCount,
      tokenRequests: sandbox.tokenRequests.get(org.orgId) ?? 0,
      openQueryCursors: org.cursors.size,
      webhook: org.webhook ? { url: org.webhook.url } : null,
    }),
    issueToken(org, body) {
      const { ttlSeconds } = z.object({ ttlSeconds: z.number().int().nullable().default(null) }).parse(body);
      const accessToken = sandbox.issueAccessToken(
        { org, userId: org.adminUserId, scope: 'api refresh_token' },
        ttlSeconds,
      );
      return { accessToken };
    },
    webhook(org, body) {
      org.webhook = z.object({ url: z.url(), secret: z.string().min(1) }).parse(body);
      return { url: org.webhook.url };
    },
    routes: {
      'PUT /settings': async (c, org) => {
        Object.assign(org.settings, settingsSchema.parse(await c.req.json()));
        return c.json(org.settings);
      },
      // Closes every open query cursor, as fifteen idle minutes would.
      'DELETE /query-locators': (c, org) => {
        org.cursors.clear();
        return c.body(null, 204);
      },
      'POST /objects/:type/:objectId/undelete': onType((c, org, type) =>
        c.json(recordOf(org.undelete(type, c.req.param('objectId') ?? ''))),
      ),
    },
    objects: {
      list: onType((c, org, type) =>
        c.json({
          results: [...org.table(type).values()].map((r) => rendered(type, r.fields)),
          deleteLog: org.deleteLog.filter((e) => e.type === type),
        }),
      ),
      create: onType(async (c, org, type) => c.json(recordOf(org.create(type, await c.req.json())), 201)),
      update: onType(async (c, org, type) =>
        c.json(recordOf(org.update(type, c.req.param('objectId') ?? '', await c.req.json()))),
      ),
      remove: onType((c, org, type) => {
        // `at` backdates the deletion (a change made a few minutes ago), since getDeleted only ever
        // reports whole minutes that have passed.
        const at = c.req.query('at');
        const deleted = org.delete(type, c.req.param('objectId') ?? '', {
          hard: c.req.query('hard') === 'true',
          modifiedAt: at ? new Date(at).toISOString() : undefined,
        });
        return c.json({ deleted });
      }),
    },
  });
}
