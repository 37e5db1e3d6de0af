// The sandbox's admin API (not part of EZLynx): create agencies, change their records as an agency
// user or a carrier download would, set chaos, mint tokens, and register the integration's
// webhook. Changes made here raise the same signed events as the product does.
import { Hono } from 'hono';
import { z } from 'zod';
import { chaosSchema } from '../../kit/sandbox/chaos.ts';
import { isResourceType } from './agency.ts';
import type { EzlynxSandbox } from './sandbox.ts';

const createAccount = z.object({
  seed: z.string().optional(),
  clients: z.number().int().min(0).max(500_000).optional(),
  asOf: z.string().optional(),
  clean: z.boolean().optional(),
  empty: z.boolean().optional(),
  statementMonths: z.number().int().min(0).max(36).optional(),
});

const fieldsBody = z.record(z.string(), z.unknown());

/** Carriers and downloaded statements are never deleted in EZLynx (no such events exist). */
const undeletable = new Set(['carriers', 'commission-statements']);

export function ezlynxAdmin(sandbox: EzlynxSandbox): Hono {
  const app = new Hono();
  const agencyOf = (id: string) => sandbox.agencies.get(id);

  app.post('/accounts', async (c) => {
    const opts = createAccount.parse(await c.req.json().catch(() => ({})));
    const { agency, credentials } = sandbox.createAgency(opts);
    return c.json(
      {
        accountId: agency.agencyId,
        integrationGroupId: agency.integrationGroupId,
        accessToken: credentials.accessToken,
        credentials,
        counts: agency.counts(),
      },
      201,
    );
  });

  app.get('/accounts/:id', (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json({ error: 'no such account' }, 404);
    return c.json({
      accountId: agency.agencyId,
      integrationGroupId: agency.integrationGroupId,
      counts: agency.counts(),
      chaos: agency.chaos,
      requests: agency.requestCount,
      webhook: agency.webhook ? { url: agency.webhook.url } : null,
    });
  });

  app.put('/accounts/:id/chaos', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json({ error: 'no such account' }, 404);
    agency.chaos = chaosSchema.parse({ ...agency.chaos, ...(await c.req.json()) });
    return c.json(agency.chaos);
  });

  app.post('/accounts/:id/tokens', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json({ error: 'no such account' }, 404);
    const { ttlSeconds } = z
      .object({ ttlSeconds: z.number().int().optional() })
      .parse(await c.req.json().catch(() => ({})));
    return c.json({ accessToken: sandbox.issueToken(agency, ttlSeconds) }, 201);
  });

  app.put('/accounts/:id/webhook', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json({ error: 'no such account' }, 404);
    agency.webhook = z.object({ url: z.url(), secret: z.string().min(16) }).parse(await c.req.json());
    return c.json({ url: agency.webhook.url });
  });

  app.get('/accounts/:id/webhook/deliveries', (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json({ error: 'no such account' }, 404);
    return c.json({ results: agency.deliveries });
  });

  app.get('/accounts/:id/objects/:type', (c) => {
    const agency = agencyOf(c.req.param('id'));
    const type = c.req.param('type');
    if (!agency) return c.json({ error: 'no such account' }, 404);
    if (!isResourceType(type)) return c.json({ error: 'no such object type' }, 404);
    return c.json({ results: [...agency.records[type].values()] });
  });

  // A policy transaction added here is a carrier download: the policy follows it and
  // PolicyDownloaded is raised. Everything else is an agency user's change.
  app.post('/accounts/:id/objects/:type', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    const type = c.req.param('type');
    if (!agency || !isResourceType(type)) return c.json({ error: 'not found' }, 404);
    const fields = fieldsBody.parse(await c.req.json());
    if (type === 'policy-transactions') {
      const downloaded = agency.download(fields);
      if (!downloaded) return c.json({ error: 'no such live policy' }, 404);
      return c.json({ id: downloaded.transaction.id, updatedAt: downloaded.transaction.updatedAt }, 201);
    }
    const record = agency.create(type, fields);
    return c.json({ id: record.id, updatedAt: record.updatedAt }, 201);
  });

  app.patch('/accounts/:id/objects/:type/:objectId', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    const type = c.req.param('type');
    if (!agency || !isResourceType(type)) return c.json({ error: 'not found' }, 404);
    const record = agency.update(type, c.req.param('objectId'), fieldsBody.parse(await c.req.json()));
    if (!record) return c.json({ error: 'no such live object' }, 404);
    return c.json({ id: record.id, updatedAt: record.updatedAt });
  });

  app.delete('/accounts/:id/objects/:type/:objectId', (c) => {
    const agency = agencyOf(c.req.param('id'));
    const type = c.req.param('type');
    if (!agency || !isResourceType(type)) return c.json({ error: 'not found' }, 404);
    if (undeletable.has(type)) return c.json({ error: `${type} are never deleted in EZLynx` }, 409);
    return agency.remove(type, c.req.param('objectId'))
      ? c.body(null, 204)
      : c.json({ error: 'no such live object' }, 404);
  });

  return app;
}
