// The sandbox's admin API (not part of Xero): create organisations, change records as a Xero user
// would (no validation beyond the type), issue tokens, set chaos.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import { type XeroObject, type XeroOrg, type XeroType, xeroTypes } from './org.ts';
import type { XeroSandbox } from './sandbox.ts';

const typeOf = (c: Context): XeroType | undefined =>
  xeroTypes.find((t) => t.toLowerCase() === (c.req.param('type') ?? '').toLowerCase().replace(/_/g, ''));
const notFound = (c: Context) => c.json({ error: 'not found' }, 404);

export function xeroAdmin(sandbox: XeroSandbox): Hono {
  return sandboxAdmin<XeroOrg, z.infer<typeof accountOptions>>({
    find: (id) => sandbox.orgs.get(id),
    options: accountOptions,
    create(opts) {
      const { org, credentials } = sandbox.createOrg(opts);
      return {
        accountId: org.tenantId,
        accessToken: credentials.accessToken,
        credentials,
        counts: org.counts(),
      };
    },
    describe: (org) => ({
      accountId: org.tenantId,
      tenantName: org.name,
      counts: org.counts(),
      chaos: org.chaos,
      requests: org.requestCount,
      tokenRequests: sandbox.tokenRequests.get(org.tenantId) ?? 0,
    }),
    issueToken(org, body) {
      const { ttlSeconds } = z.object({ ttlSeconds: z.number().int().nullable().default(1800) }).parse(body);
      return { accessToken: sandbox.issueAccessToken(org, ttlSeconds) };
    },
    revokeToken: (org, token) => sandbox.revokeAccessToken(org, token),
    webhook: { status: 501, body: { error: 'the Xero sandbox sends no webhooks' } },
    objects: {
      list(c, org) {
        const type = typeOf(c);
        if (!type) return notFound(c);
        return c.json({ results: org.all(type).map((r) => org.render(type, r)) });
      },
      async create(c, org) {
        const type = typeOf(c);
        if (!type) return notFound(c);
        const row = org.create(type, (await c.req.json()) as XeroObject);
        return c.json(org.render(type, row), 201);
      },
      async update(c, org) {
        const type = typeOf(c);
        if (!type) return notFound(c);
        const row = org.update(type, c.req.param('objectId') ?? '', (await c.req.json()) as XeroObject);
        return row ? c.json(org.render(type, row)) : notFound(c);
      },
      remove(c, org) {
        // Xero deletes nothing its users made: contacts and accounts are archived, journals voided.
        const type = typeOf(c);
        if (!type) return notFound(c);
        const status =
          type === 'Contacts'
            ? { ContactStatus: 'ARCHIVED' }
            : type === 'Accounts'
              ? { Status: 'ARCHIVED' }
              : { Status: 'VOIDED' };
        const row = org.update(type, c.req.param('objectId') ?? '', status);
        return row ? c.body(null, 204) : notFound(c);
      },
    },
  });
}
