// The Vertafore AMS360 connector, its typed fetch client against the AMS360 sandbox served
// in-process: the WSAPI login and its ticket (renewed by a new login once it expires), page-number
// listing by id, changed-since incremental reads, deletes as status (inactive customers, "Deleted"
// policies), 429 with Retry-After, AMS360's error bodies, the recorded agency commission, and the
// AMS360 slice of the demo agency leaving every other system's book as it was.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Ams360Client } from '../../connectors/ams360/client.ts';
import { ams360Connector } from '../../connectors/ams360/index.ts';
import { createAms360SandboxApp } from '../../connectors/ams360/sandbox/index.ts';
import { ams360Slice } from '../../connectors/ams360/sandbox/seed.ts';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { bookFor } from '../../connectors/kit/demo-book.ts';
import { ConnectorError, type ConnectorSession, type Credentials } from '../../connectors/types.ts';
import { ams360Mappings } from '../../mappings/ams360.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';
import {
  createHarness,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  vendorConnection,
} from '../support/harness.ts';
import {
  admin,
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
  serveSandbox,
} from './connector-contract.ts';

const mappings = withOverrides(ams360Mappings, undefined);
const fields = fieldsOf(ams360Mappings);
// The sandbox's assumed limit is lifted for these accounts; pacing is not what is tested here.
const unthrottled = { rateBudget: { requests: 100_000, windowMs: 1_000, concurrency: 8 } };

type Account = SandboxAccount<{ credentials: { agencyNo: string; loginId: string; password: string } }>;

let server: { url: string; baseUrl: string; close(): Promise<void> };

async function createAccount(opts: Record<string, unknown> = {}): Promise<Account> {
  const created = await newSandboxAccount<Account>(server.baseUrl, {
    seed: 'contract',
    clients: 30,
    ...opts,
  });
  await admin(`${created.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 100_000 });
  return created;
}

function session(
  a: Account,
  opts: {
    credentials?: Credentials;
    refresh?: () => Promise<Credentials>;
    settings?: Record<string, unknown>;
  } = {},
): ConnectorSession {
  return ams360Connector.open({
    connectionId: randomUUID(),
    tenantId: randomUUID(),
    baseUrl: server.baseUrl,
    credentials: opts.credentials ?? a.credentials,
    settings: { ...unthrottled, pageSize: 10, ...(opts.settings ?? {}) },
    fields,
    refreshCredentials:
      opts.refresh ?? (() => Promise.reject(new Error('AMS360 credentials do not refresh'))),
  });
}

interface Row {
  [field: string]: unknown;
}
const objects = async (a: Account, type: string) =>
  (await admin<{ results: Row[] }>(`${a.adminUrl}/objects/${type}`)).results;
const full = (stream: string) => ({ stream, mode: 'full' as const, cursor: null });

beforeAll(async () => {
  server = await serveSandbox('/ams360', createAms360SandboxApp().app);
});

afterAll(async () => {
  await server?.close();
});

runConnectorContract<Account>('AMS360', {
  connector: ams360Connector,
  newAccount: () => createAccount({ seed: 'clauses' }),
  open: (a, opts) => session(a, { credentials: opts?.credentials, refresh: opts?.refresh }),
  pagedStream: 'customers',
  change: {
    stream: 'customers',
    async run(a) {
      const [customer] = await objects(a, 'customers');
      await admin(`${a.adminUrl}/objects/customers/${customer!.CustomerId}`, 'PATCH', {
        Email: 'changed@mail.example.org',
      });
      return String(customer!.CustomerId);
    },
  },
  remove: {
    stream: 'policies',
    async run(a) {
      const policy = (await objects(a, 'policies')).find((p) => p.PolicyStatus === 'Active')!;
      await admin(`${a.adminUrl}/objects/policies/${policy.PolicyId}`, 'DELETE');
      return String(policy.PolicyId);
    },
  },
  retryAfterMs: 2000,
  // The agency changed the WSAPI user's password: the old one no longer logs in.
  async revoke(a) {
    await admin(`${a.adminUrl}/users/${a.credentials.loginId}`, 'PUT', { password: 'Changed-1x' });
    return { ...a.credentials };
  },
  refresh: () => Promise.reject(new Error('AMS360 credentials do not refresh: a person must enter new ones')),
});

describe('AMS360 reads', () => {
  test('an incremental read passes the cursor as changedSince and returns only what changed', async () => {
    const a = await createAccount();
    const before = await readAll(session(a), full('policies'));
    expect(before.ids.length).toBeGreaterThan(10);
    const policy = (await objects(a, 'policies')).find((p) => p.PolicyStatus === 'Active')!;
    await admin(`${a.adminUrl}/objects/policies/${policy.PolicyId}`, 'PATCH', { FullTermPremium: 4321.5 });
    const after = await readAll(session(a), {
      stream: 'policies',
      mode: 'incremental',
      cursor: before.cursor,
    });
    expect(after.ids).toEqual([policy.PolicyId]);
    expect(after.records[0]!.payload).toMatchObject({ FullTermPremium: '4321.50' });
    const mapped = mapRecord(mappings.policies!, after.records[0]!.payload);
    expect(mapped.ok === true && mapped.draft).toMatchObject({ termPremiumCents: 432150 });
    // Nothing changed since: an empty read, and the run's start kept as the next cursor.
    const runStartedAt = new Date().toISOString();
    const none = await readAll(session(a), {
      stream: 'policies',
      mode: 'incremental',
      cursor: after.cursor,
      runStartedAt,
    });
    expect(none.ids.filter((id) => id !== policy.PolicyId)).toEqual([]);
    expect(none.cursor).toBe(runStartedAt);
  });

  test('an inactivated customer is a delete; a deleted policy takes its transactions with it', async () => {
    const a = await createAccount();
    const before = await readAll(session(a), full('customers'));
    const [customer] = await objects(a, 'customers');
    await admin(`${a.adminUrl}/objects/customers/${customer!.CustomerId}`, 'DELETE');
    const next = await readAll(session(a), {
      stream: 'customers',
      mode: 'incremental',
      cursor: before.cursor,
    });
    expect(next.deleted).toEqual([
      expect.objectContaining({ externalId: customer!.CustomerId, reason: 'inactivated in AMS360' }),
    ]);
    const policy = (await objects(a, 'policies')).find((p) => p.PolicyStatus === 'Active')!;
    const txns = (await objects(a, 'policytransactions')).filter((t) => t.PolicyId === policy.PolicyId);
    expect(txns.length).toBeGreaterThan(0);
    await admin(`${a.adminUrl}/objects/policies/${policy.PolicyId}`, 'DELETE');
    const all = await readAll(session(a), full('transactions'));
    for (const t of txns) expect(all.ids).not.toContain(t.PolicyTransactionId);
  });

  test('every stream maps, in dependency order, to the canonical model', async () => {
    const a = await createAccount();
    const byStream: Record<string, Set<string>> = {};
    for (const { name } of ams360Connector.definition.streams) {
      const { records } = await readAll(session(a, { settings: { pageSize: 100 } }), full(name));
      expect(records.length, name).toBeGreaterThan(0);
      byStream[name] = new Set(records.map((r) => r.externalId));
      for (const r of records) {
        const mapped = mapRecord(mappings[name]!, r.payload);
        expect(mapped.ok === false ? mapped.reason : null, `${name} ${r.externalId}`).toBeNull();
        if (mapped.ok !== true) continue;
        // References point only at streams read before.
        for (const ref of Object.values(mapped.refs))
          if (ref.kind === 'source') expect(byStream[ref.stream]?.has(ref.externalId), ref.stream).toBe(true);
      }
    }
  });

  test('transactions carry the agency commission AMS360 records, as rate source ams360', async () => {
    const a = await createAccount();
    const { records } = await readAll(session(a, { settings: { pageSize: 100 } }), full('transactions'));
    const types = new Set(records.map((r) => r.payload.TransactionType));
    expect([...types]).toEqual(expect.arrayContaining(['NEW', 'REN', 'END']));
    for (const r of records.slice(0, 50)) {
      const mapped = mapRecord(mappings.transactions!, r.payload);
      if (mapped.ok !== true) throw new Error(`unmapped: ${JSON.stringify(mapped)}`);
      const d = mapped.draft as Record<string, unknown>;
      expect(d.commissionSource).toBe('ams360');
      expect(typeof d.commissionRate).toBe('string');
      const expected = Math.round((Number(d.premiumDeltaCents) * Number(d.commissionRate)) / 100);
      expect(Math.abs(Number(d.commissionCents) - expected)).toBeLessThanOrEqual(1);
    }
    const { records: policies } = await readAll(
      session(a, { settings: { pageSize: 100 } }),
      full('policies'),
    );
    const mapped = mapRecord(mappings.policies!, policies[0]!.payload);
    expect(mapped.ok === true && mapped.draft).toMatchObject({
      commissionRate: expect.any(String),
      commissionRateSource: 'ams360',
    });
  });
});

describe('AMS360 login and errors', () => {
  test('the ticket from a login is renewed by a new login once it expires', async () => {
    const a = await createAccount();
    await admin(`${a.adminUrl}/chaos`, 'PUT', { tokenTtlSeconds: 1 });
    const client = new Ams360Client({ baseUrl: server.baseUrl, login: a.credentials });
    await client.list('customers', { pageNumber: 1, pageSize: 5 });
    expect(client.logins.count).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    const page = await client.list('customers', { pageNumber: 1, pageSize: 5 });
    expect(page.Items).toHaveLength(5);
    expect(client.logins.count).toBe(2);
  });

  test('a disabled WSAPI user is auth_invalid, without asking the hub to refresh', async () => {
    const a = await createAccount();
    await admin(`${a.adminUrl}/users/${a.credentials.loginId}`, 'PUT', { disabled: true });
    const err = await session(a)
      .read({ ...full('customers'), checkpoint: null, runStartedAt: new Date().toISOString() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'auth_invalid', vendorCode: 'UserDisabled', status: 401 });
  });

  test("AMS360's error bodies: {ErrorCode, ErrorMessage, ErrorId}, read into error kinds", async () => {
    const a = await createAccount();
    const api = `${server.baseUrl}/v3`;
    const noTicket = await fetch(`${api}/customers`);
    expect(noTicket.status).toBe(401);
    expect(await noTicket.json()).toEqual({
      ErrorCode: 'InvalidTicket',
      ErrorMessage: expect.any(String),
      ErrorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const login = await fetch(`${api}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        AgencyNo: a.credentials.agencyNo,
        LoginId: a.credentials.loginId,
        Password: 'nope',
      }),
    });
    expect(login.status).toBe(401);
    expect(await login.json()).toMatchObject({ ErrorCode: 'InvalidCredentials' });

    const client = new Ams360Client({ baseUrl: server.baseUrl, login: a.credentials });
    const bad = await client.list('customers', { pageNumber: 0, pageSize: 5 }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: 'bad_request', status: 400, vendorCode: 'InvalidRequest' });

    await admin(`${a.adminUrl}/chaos`, 'PUT', { rateLimitNext: 1, retryAfterSeconds: 7 });
    const limited = await client.list('customers', { pageNumber: 1, pageSize: 5 }).catch((e: unknown) => e);
    expect(limited).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 7000,
      vendorCode: 'TooManyRequests',
    });
    await admin(`${a.adminUrl}/chaos`, 'PUT', { serverErrorNext: 1 });
    const down = await client.list('customers', { pageNumber: 1, pageSize: 5 }).catch((e: unknown) => e);
    expect(down).toMatchObject({ kind: 'vendor_outage', vendorCode: 'ServiceUnavailable' });
  });
});

describe('the AMS360 slice of the demo agency', () => {
  test('AMS360 holds customers and policies of its own; every other system holds what it did', () => {
    const asOf = '2026-06-30';
    const main = generateAgency({ seed: 'demo', clients: 120, asOf });
    const { slice, staff } = ams360Slice({ seed: 'demo', clients: 15, asOf });
    expect(slice.clients.length).toBe(15);
    expect(slice.policies.length).toBeGreaterThan(0);
    // The same staff as the main book, so producers merge across systems.
    expect(staff.producers).toEqual(main.producers);
    // Generating the slice changes nothing in the main book or in any system's part of it.
    const again = generateAgency({ seed: 'demo', clients: 120, asOf });
    for (const system of [
      'applied-epic',
      'hawksoft',
      'ezlynx',
      'salesforce',
      'hubspot',
      'quickbooks',
    ] as const)
      expect(bookFor(again, system)).toEqual(bookFor(main, system));
  });

  test('the demo account logs in with the static credentials of its seed', async () => {
    const sandbox = createAms360SandboxApp();
    const demo = sandbox.demoAccount({ seed: 'demo', clients: 80, asOf: '2026-06-30' });
    const again = createAms360SandboxApp().demoAccount({ seed: 'demo', clients: 80, asOf: '2026-06-30' });
    expect(again).toEqual(demo);
    expect(
      sandbox.sandbox.login(
        demo.credentials.agencyNo!,
        demo.credentials.loginId!,
        demo.credentials.password!,
      ),
    ).toMatchObject({ ok: true });
    expect(sandbox.sandbox.agencies.get(demo.accountId)!.counts().customers).toBe(10);
  });
});

describe('AMS360 through the sync workflow', () => {
  test('full, full again, then incremental after a change in AMS360; commissions recorded as ams360', async () => {
    const h = await createHarness();
    try {
      await h.startWorker();
      const { tenantId } = await h.newTenant('ams360 agency');
      const account = await sandboxAccount(h.sandboxUrl, 'ams360', {
        seed: 'e2e-ams360',
        clients: 40,
        asOf: '2026-11-01',
      });
      const connectionId = await vendorConnection(h, tenantId, 'ams360', account);
      const target = { connectionId, tenantId, provider: 'ams360' as const };
      await startSync(h, target, 'full');
      const first = await syncResult(h, connectionId);
      expect(first.status).toBe('completed');
      expect(first.counts.created).toBeGreaterThan(0);
      expect(first.counts.quarantined).toBe(0);
      const { rows: recorded } = await h.pool.query(
        `select (select count(*)::int from policies where tenant_id = $1 and commission_rate_source = 'ams360') as policies,
                (select count(*)::int from policy_transactions where tenant_id = $1 and commission_source = 'ams360') as transactions`,
        [tenantId],
      );
      expect(recorded[0].policies).toBeGreaterThan(0);
      expect(recorded[0].transactions).toBeGreaterThan(0);

      await startSync(h, target, 'full');
      expect((await syncResult(h, connectionId)).counts).toMatchObject({
        created: 0,
        updated: 0,
        deleted: 0,
      });

      const policies = (await sandboxAdmin<{ results: Row[] }>(`${account.adminUrl}/objects/policies`))
        .results;
      const policy = policies.find((p) => p.PolicyStatus === 'Active')!;
      await sandboxAdmin(`${account.adminUrl}/objects/policies/${policy.PolicyId}`, 'PATCH', {
        FullTermPremium: 4321,
      });
      await startSync(h, target, 'incremental');
      const third = await syncResult(h, connectionId);
      expect(third.status).toBe('completed');
      expect(third.counts.updated).toBeGreaterThanOrEqual(1);
      const { rows: changed } = await h.pool.query(
        'select count(*)::int as n from policies where tenant_id = $1 and term_premium_cents = 432100',
        [tenantId],
      );
      expect(changed[0].n).toBe(1);
    } finally {
      await h.close();
    }
  }, 120_000);
});
