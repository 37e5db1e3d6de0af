// The sandbox's admin API (not part of HawkSoft): create agencies with partner credentials, change
// client files as an agency user would in HawkSoft, and set chaos. Deletes produce exactly the
// signals the Partner API shows: a deleted client leaves reads and is listed only with
// deleted=true; a deleted policy turns "Void".
import { Hono } from 'hono';
import { z } from 'zod';
import { chaosSchema } from '../../kit/sandbox/chaos.ts';
import type { HsPolicy } from '../client.ts';
import type { ClientInput, HawkSoftAgency } from './agency.ts';
import type { HawkSoftSandbox } from './sandbox.ts';

const createAccount = z.object({
  seed: z.string().optional(),
  clients: z.number().int().min(0).max(500_000).optional(),
  asOf: z.string().optional(),
  clean: z.boolean().optional(),
  empty: z.boolean().optional(),
  /** Reuse (or create) a partner with these credentials, so one partner reads several agencies. */
  credentials: z.object({ username: z.string().min(1), password: z.string().min(1) }).optional(),
});

const record = z.record(z.string(), z.unknown());
const clientInput = z.object({
  details: record.optional(),
  people: z.array(record).optional(),
  contacts: z.array(record).optional(),
});
const policyInput = record.and(z.object({ clientNumber: z.number().int() }));

export function hawksoftAdmin(sandbox: HawkSoftSandbox): Hono {
  const app = new Hono();
  const agencyOf = (id: string): HawkSoftAgency | undefined => sandbox.agencies.get(Number(id));
  const noAccount = { error: 'no such account' };

  app.post('/accounts', async (c) => {
    const opts = createAccount.parse(await c.req.json().catch(() => ({})));
    const { agency, credentials } = sandbox.createAccount(opts);
    return c.json(
      { accountId: String(agency.agencyId), agencyId: agency.agencyId, credentials, counts: agency.counts() },
      201,
    );
  });

  app.get('/accounts/:id', (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    return c.json({
      accountId: String(agency.agencyId),
      counts: agency.counts(),
      chaos: agency.chaos,
      requests: agency.requestCount,
      sharing: agency.sharing,
    });
  });

  app.put('/accounts/:id/chaos', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    agency.chaos = chaosSchema.parse({ ...agency.chaos, ...(await c.req.json()) });
    return c.json(agency.chaos);
  });

  // HawkSoft-specific: the agency opts in or out of sharing its data (the License Management Portal).
  app.put('/accounts/:id/sharing', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    agency.sharing = z.object({ sharing: z.boolean() }).parse(await c.req.json()).sharing;
    return c.json({ sharing: agency.sharing });
  });

  app.post('/accounts/:id/tokens', (c) =>
    c.json(
      {
        error:
          'HawkSoft partners use static HTTP Basic credentials (client id and secret); there are no tokens',
      },
      400,
    ),
  );

  app.put('/accounts/:id/webhook', (c) =>
    c.json({ error: 'HawkSoft publishes no webhooks; partners poll the changed-clients call' }, 400),
  );

  app.get('/accounts/:id/objects/:type', (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    const files = [...agency.files.values()];
    if (c.req.param('type') === 'clients')
      return c.json({
        results: files.map((f) => ({ ...f.client, deleted: f.deletedAt !== null, deletedAt: f.deletedAt })),
      });
    if (c.req.param('type') === 'policies')
      return c.json({
        results: files.flatMap((f) =>
          f.client.policies.map((p) => ({
            ...p,
            clientNumber: f.client.clientNumber,
            clientDeleted: f.deletedAt !== null,
          })),
        ),
      });
    return c.json({ error: 'no such object type (clients, policies)' }, 404);
  });

  app.post('/accounts/:id/objects/:type', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    if (c.req.param('type') === 'clients') {
      const client = agency.createClient(clientInput.parse(await c.req.json()) as ClientInput);
      return c.json({ clientNumber: client.clientNumber, modified: client.details.modified }, 201);
    }
    if (c.req.param('type') === 'policies') {
      const { clientNumber, ...fields } = policyInput.parse(await c.req.json());
      const policy = agency.addPolicy(clientNumber, fields as Partial<HsPolicy>);
      if (!policy) return c.json({ error: 'no such live client' }, 404);
      return c.json({ id: policy.id, modified: policy.modified }, 201);
    }
    return c.json({ error: 'no such object type (clients, policies)' }, 404);
  });

  app.patch('/accounts/:id/objects/:type/:objectId', async (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    const objectId = c.req.param('objectId');
    if (c.req.param('type') === 'clients') {
      const client = agency.updateClient(
        Number(objectId),
        clientInput.parse(await c.req.json()) as ClientInput,
      );
      if (!client) return c.json({ error: 'no such live client' }, 404);
      return c.json({ clientNumber: client.clientNumber, modified: client.details.modified });
    }
    if (c.req.param('type') === 'policies') {
      const policy = agency.updatePolicy(objectId, record.parse(await c.req.json()) as Partial<HsPolicy>);
      if (!policy) return c.json({ error: 'no such live policy' }, 404);
      return c.json({ id: policy.id, modified: policy.modified });
    }
    return c.json({ error: 'no such object type (clients, policies)' }, 404);
  });

  app.delete('/accounts/:id/objects/:type/:objectId', (c) => {
    const agency = agencyOf(c.req.param('id'));
    if (!agency) return c.json(noAccount, 404);
    const objectId = c.req.param('objectId');
    const done =
      c.req.param('type') === 'clients'
        ? agency.deleteClient(Number(objectId))
        : c.req.param('type') === 'policies'
          ? agency.voidPolicy(objectId)
          : null;
    if (done === null) return c.json({ error: 'no such object type (clients, policies)' }, 404);
    return done ? c.body(null, 204) : c.json({ error: 'no such live object' }, 404);
  });

  return app;
}
