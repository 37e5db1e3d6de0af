// The sandbox's admin API (not part of HawkSoft): create agencies with partner credentials, change
// client files as an agency user would in HawkSoft, and set chaos. Deletes produce exactly the
// signals the Partner API shows: a deleted client leaves reads and is listed only with
// deleted=true; a deleted policy turns "Void".
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import type { HsPolicy } from '../client.ts';
import type { ClientInput, HawkSoftAgency } from './agency.ts';
import type { HawkSoftSandbox } from './sandbox.ts';

const createAccount = accountOptions.extend({
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
const noType = (c: Context) => c.json({ error: 'no such object type (clients, policies)' }, 404);

export function hawksoftAdmin(sandbox: HawkSoftSandbox): Hono {
  return sandboxAdmin<HawkSoftAgency, z.infer<typeof createAccount>>({
    find: (id) => sandbox.agencies.get(id),
    options: createAccount,
    create(opts) {
      const { agency, credentials } = sandbox.createAccount(opts);
      return {
        accountId: String(agency.agencyId),
        agencyId: agency.agencyId,
        credentials,
        counts: agency.counts(),
      };
    },
    describe: (agency) => ({
      accountId: String(agency.agencyId),
      counts: agency.counts(),
      chaos: agency.chaos,
      requests: agency.requestCount,
      sharing: agency.sharing,
    }),
    issueToken: {
      status: 400,
      body: {
        error:
          'HawkSoft partners use static HTTP Basic credentials (client id and secret); there are no tokens',
      },
    },
    webhook: {
      status: 400,
      body: { error: 'HawkSoft publishes no webhooks; partners poll the changed-clients call' },
    },
    routes: {
      // The agency opts in or out of sharing its data (the License Management Portal).
      'PUT /sharing': async (c, agency) => {
        agency.sharing = z.object({ sharing: z.boolean() }).parse(await c.req.json()).sharing;
        return c.json({ sharing: agency.sharing });
      },
    },
    objects: {
      list(c, agency) {
        const files = [...agency.files.values()];
        if (c.req.param('type') === 'clients')
          return c.json({
            results: files.map((f) => ({
              ...f.client,
              deleted: f.deletedAt !== null,
              deletedAt: f.deletedAt,
            })),
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
        return noType(c);
      },
      async create(c, agency) {
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
        return noType(c);
      },
      async update(c, agency) {
        const objectId = c.req.param('objectId') ?? '';
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
        return noType(c);
      },
      remove(c, agency) {
        const objectId = c.req.param('objectId') ?? '';
        const done =
          c.req.param('type') === 'clients'
            ? agency.deleteClient(Number(objectId))
            : c.req.param('type') === 'policies'
              ? agency.voidPolicy(objectId)
              : null;
        if (done === null) return noType(c);
        return done ? c.body(null, 204) : c.json({ error: 'no such live object' }, 404);
      },
    },
  });
}
