// The sandbox's admin API (not part of AMS360): create agency databases with a WSAPI user, change
// and remove records as an agency user would in AMS360, change or disable the WSAPI user, set
// chaos. Removals produce exactly the signals the API shows (see api.ts: Deletes).
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import type { A360Entities, A360Entity } from '../client.ts';
import { type Ams360Agency, entities, idField } from './agency.ts';
import type { Ams360Sandbox } from './sandbox.ts';

const createAccount = accountOptions.extend({
  agencyNo: z.string().min(1).optional(),
  loginId: z.string().min(1).optional(),
  password: z.string().min(6).max(30).optional(),
});

const record = z.record(z.string(), z.unknown());
const noType = (c: Context) => c.json({ error: `no such object type (${entities.join(', ')})` }, 404);
const typeOf = (c: Context): A360Entity | null => {
  const t = (c.req.param('type') ?? '').toLowerCase();
  return (entities as string[]).includes(t) ? (t as A360Entity) : null;
};

export function ams360Admin(sandbox: Ams360Sandbox): Hono {
  return sandboxAdmin<Ams360Agency, z.infer<typeof createAccount>>({
    find: (id) => sandbox.agencies.get(id),
    options: createAccount,
    create(opts) {
      const { agency, credentials } = sandbox.createAccount(opts);
      return { accountId: agency.agencyNo, credentials, counts: agency.counts() };
    },
    describe: (agency) => ({
      accountId: agency.agencyNo,
      counts: agency.counts(),
      chaos: agency.chaos,
      requests: agency.requestCount,
      users: [...agency.users.values()].map((u) => ({ loginId: u.loginId, disabled: u.disabled })),
    }),
    // A ticket for the account's first WSAPI user, as a login would give (negative TTL: expired).
    issueToken(agency, body) {
      const { ttlSeconds } = z.object({ ttlSeconds: z.number().int().optional() }).parse(body ?? {});
      const user = [...agency.users.values()][0]!;
      const ticket = agency.issueTicket(user.loginId, ttlSeconds);
      sandbox.agencies.bindToken(ticket.token, agency);
      return { accessToken: ticket.token, expiresAt: new Date(ticket.expiresAt).toISOString() };
    },
    revokeToken(agency, token) {
      agency.tickets.delete(token);
      sandbox.agencies.revokeToken(token, agency);
    },
    webhook: {
      status: 400,
      body: { error: 'AMS360 sends no webhooks to partners; changes are read with changedSince' },
    },
    routes: {
      // The agency changes the WSAPI user's password or disables it (Web Service API Setup).
      'PUT /users/:loginId': async (c, agency) => {
        const user = agency.users.get((c.req.param('loginId') ?? '').toLowerCase());
        if (!user) return c.json({ error: 'no such WSAPI user' }, 404);
        const change = z
          .object({ password: z.string().min(6).max(30).optional(), disabled: z.boolean().optional() })
          .parse(await c.req.json());
        Object.assign(user, change);
        return c.json({ loginId: user.loginId, disabled: user.disabled });
      },
    },
    objects: {
      list(c, agency) {
        const type = typeOf(c);
        return type ? c.json({ results: agency.list(type, null) }) : noType(c);
      },
      async create(c, agency) {
        const type = typeOf(c);
        if (!type) return noType(c);
        const fields = record.parse(await c.req.json());
        const id = idField[type];
        const created = {
          ...fields,
          [id]: typeof fields[id] === 'string' ? fields[id] : crypto.randomUUID(),
          ChangedDate: agency.stamp(),
        } as unknown as A360Entities[typeof type];
        agency.put(type, created);
        return c.json(created, 201);
      },
      async update(c, agency) {
        const type = typeOf(c);
        if (!type) return noType(c);
        const updated = agency.update(type, c.req.param('objectId') ?? '', record.parse(await c.req.json()));
        return updated ? c.json(updated) : c.json({ error: 'no such record' }, 404);
      },
      remove(c, agency) {
        const type = typeOf(c);
        if (!type) return noType(c);
        return agency.remove(type, c.req.param('objectId') ?? '')
          ? c.body(null, 204)
          : c.json({ error: 'no such live record' }, 404);
      },
    },
  });
}
