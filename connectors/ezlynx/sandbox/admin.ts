// The sandbox's admin API (not part of EZLynx): create agencies, change their records as an agency
// user or a carrier download would, set chaos, mint tokens, and register the integration's
// webhook. Changes made here raise the same signed events as the product does.
import type { Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import { type EzlynxAgency, isResourceType } from './agency.ts';
import type { EzlynxSandbox } from './sandbox.ts';

const createAccount = accountOptions.extend({
  statementMonths: z.number().int().min(0).max(36).optional(),
});

const fieldsBody = z.record(z.string(), z.unknown());

/** Carriers and downloaded statements are never deleted in EZLynx (no such events exist). */
const undeletable = new Set(['carriers', 'commission-statements']);

export function ezlynxAdmin(sandbox: EzlynxSandbox): Hono {
  return sandboxAdmin<EzlynxAgency, z.infer<typeof createAccount>>({
    find: (id) => sandbox.agencies.get(id),
    options: createAccount,
    create(opts) {
      const { agency, credentials } = sandbox.createAgency(opts);
      return {
        accountId: agency.agencyId,
        integrationGroupId: agency.integrationGroupId,
        accessToken: credentials.accessToken,
        credentials,
        counts: agency.counts(),
      };
    },
    describe: (agency) => ({
      accountId: agency.agencyId,
      integrationGroupId: agency.integrationGroupId,
      counts: agency.counts(),
      chaos: agency.chaos,
      requests: agency.requestCount,
      webhook: agency.webhook ? { url: agency.webhook.url } : null,
    }),
    issueToken(agency, body) {
      const { ttlSeconds } = z.object({ ttlSeconds: z.number().int().optional() }).parse(body);
      return { accessToken: sandbox.issueToken(agency, ttlSeconds) };
    },
    webhook(agency, body) {
      agency.webhook = z.object({ url: z.url(), secret: z.string().min(16) }).parse(body);
      return { url: agency.webhook.url };
    },
    deliveries: (agency) => agency.deliveries,
    objects: {
      list(c, agency) {
        const type = c.req.param('type') ?? '';
        if (!isResourceType(type)) return c.json({ error: 'no such object type' }, 404);
        return c.json({ results: [...agency.records[type].values()] });
      },
      // A policy transaction added here is a carrier download: the policy follows it and
      // PolicyDownloaded is raised. Everything else is an agency user's change.
      async create(c, agency) {
        const type = c.req.param('type') ?? '';
        if (!isResourceType(type)) return c.json({ error: 'not found' }, 404);
        const fields = fieldsBody.parse(await c.req.json());
        if (type === 'policy-transactions') {
          const downloaded = agency.download(fields);
          if (!downloaded) return c.json({ error: 'no such live policy' }, 404);
          return c.json({ id: downloaded.transaction.id, updatedAt: downloaded.transaction.updatedAt }, 201);
        }
        const record = agency.create(type, fields);
        return c.json({ id: record.id, updatedAt: record.updatedAt }, 201);
      },
      async update(c, agency) {
        const type = c.req.param('type') ?? '';
        if (!isResourceType(type)) return c.json({ error: 'not found' }, 404);
        const record = agency.update(
          type,
          c.req.param('objectId') ?? '',
          fieldsBody.parse(await c.req.json()),
        );
        if (!record) return c.json({ error: 'no such live object' }, 404);
        return c.json({ id: record.id, updatedAt: record.updatedAt });
      },
      remove(c, agency) {
        const type = c.req.param('type') ?? '';
        if (!isResourceType(type)) return c.json({ error: 'not found' }, 404);
        if (undeletable.has(type)) return c.json({ error: `${type} are never deleted in EZLynx` }, 409);
        return agency.remove(type, c.req.param('objectId') ?? '')
          ? c.body(null, 204)
          : c.json({ error: 'no such live object' }, 404);
      },
    },
  });
}
