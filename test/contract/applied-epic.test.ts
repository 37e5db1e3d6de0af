// The Applied Epic connector, its typed fetch client against the Applied Epic sandbox served
// in-process: HAL collections and offset paging (and offset drift), audit-stamp incremental
// reads, deletes as status and as vanished ids, 429 with Retry-After, expired tokens renewed
// through the hub's refresh, scope enforcement, and Applied's problem+json errors.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appliedEpicConnector } from '../../connectors/applied-epic/index.ts';
import { createAppliedEpicSandboxApp } from '../../connectors/applied-epic/sandbox/index.ts';
import { ConnectorError, type ConnectorSession, type Credentials } from '../../connectors/types.ts';
import { payloadHash } from '../../db/page-writer.ts';
import { appliedEpicMappings } from '../../mappings/applied-epic.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';
import { serveApp } from '../support/serve-app.ts';
import {
  admin,
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
} from './connector-contract.ts';

const mappings = withOverrides(appliedEpicMappings, undefined);
const fields = fieldsOf(appliedEpicMappings);
// The sandbox's assumed limit is lifted for these accounts; pacing is tested on its own.
const unthrottled = { rateBudget: { requests: 100_000, windowMs: 1_000, concurrency: 8 } };

type Account = SandboxAccount<{
  credentials: { clientId: string; clientSecret: string; accessToken: string };
}>;

let server: { url: string; close(): Promise<void> };
let account: Account;

async function createAccount(opts: Record<string, unknown>): Promise<Account> {
  const created = await newSandboxAccount<Account>(server.url, opts);
  await admin(`${created.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 100_000 });
  return created;
}

/** What the hub does when a token is refused: a new client-credentials token, Basic client auth. */
async function tokenFromEndpoint(credentials: Account['credentials']): Promise<string> {
  const res = await fetch(`${server.url}/v1/auth/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function session(
  a: Account,
  opts: {
    accessToken?: string;
    settings?: Record<string, unknown>;
    refresh?: () => Promise<Credentials>;
    baseUrl?: string;
  } = {},
): { s: ConnectorSession; refreshes: () => number } {
  let refreshes = 0;
  const credentials = { ...a.credentials, accessToken: opts.accessToken ?? a.credentials.accessToken };
  const s = appliedEpicConnector.open({
    connectionId: randomUUID(),
    tenantId: randomUUID(),
    baseUrl: opts.baseUrl ?? server.url,
    credentials,
    settings: { ...unthrottled, ...(opts.settings ?? {}) },
    fields,
    refreshCredentials: async () => {
      refreshes++;
      if (opts.refresh) return opts.refresh();
      return { ...credentials, accessToken: await tokenFromEndpoint(a.credentials) };
    },
  });
  return { s, refreshes: () => refreshes };
}

interface TruthRecord {
  id: string;
  type?: string;
  active?: boolean;
  policy?: string;
  removedAt?: string;
  [field: string]: unknown;
}

async function truth(a: Account, type: string): Promise<TruthRecord[]> {
  return (await admin<{ results: TruthRecord[] }>(`${a.adminUrl}/objects/${type}`)).results.filter(
    (r) => !r.removedAt,
  );
}

const sorted = (ids: string[]) => [...ids].sort();

beforeAll(async () => {
  server = await serveApp(createAppliedEpicSandboxApp().app);
  account = await createAccount({ seed: 'contract', clients: 60 });
});

afterAll(async () => {
  await server?.close();
});

runConnectorContract('Applied Epic', {
  connector: appliedEpicConnector,
  newAccount: () => createAccount({ seed: 'clauses', clients: 60 }),
  open: (a, opts) =>
    session(a, {
      accessToken: opts?.credentials?.accessToken as string | undefined,
      refresh: opts?.refresh,
      settings: { pageSize: 10 },
    }).s,
  pagedStream: 'clients',
  change: {
    stream: 'clients',
    async run(a) {
      const client = (await truth(a, 'accounts')).find((r) => r.type === 'CLIENT' && r.name)!;
      await admin(`${a.adminUrl}/objects/accounts/${client.id}`, 'PATCH', {
        name: `${client.name} Holdings`,
      });
      return client.id;
    },
  },
  // Epic inactivates (the record comes back with active: false); purges are left to the sweep.
  remove: {
    stream: 'employees',
    async run(a) {
      const employee = (await truth(a, 'accounts')).find((r) => r.type === 'EMPLOYEE' && r.active)!;
      await admin(`${a.adminUrl}/objects/accounts/${employee.id}`, 'PATCH', { active: false });
      return employee.id;
    },
  },
  retryAfterMs: 2_000,
  revoke: async (a) => ({ ...a.credentials, accessToken: 'revoked-token' }),
  refresh: async (a) => ({ ...a.credentials, accessToken: await tokenFromEndpoint(a.credentials) }),
});

describe('Applied Epic wire format', () => {
  test('collections are HAL+JSON with total, paging links and the page under _embedded', async () => {
    const res = await fetch(`${server.url}/epic/account/v1/accounts?type=CLIENT&limit=5&offset=5`, {
      headers: { authorization: `Bearer ${account.credentials.accessToken}`, accept: 'application/hal+json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/hal+json');
    const body = (await res.json()) as {
      total: number;
      _links: Record<string, { href: string }>;
      _embedded: { accounts: { id: string; type: string; _links: { self: { href: string } } }[] };
    };
    expect(body.total).toBeGreaterThan(10);
    expect(Object.keys(body._links).sort()).toEqual(['first', 'last', 'next', 'prev', 'self']);
    expect(new URL(body._links.next!.href).searchParams.get('offset')).toBe('10');
    expect(body._embedded.accounts).toHaveLength(5);
    expect(body._embedded.accounts[0]!.type).toBe('CLIENT');
    expect(body._embedded.accounts[0]!._links.self.href).toContain('/epic/account/v1/accounts/');
  });

  test('a limit over 500 is a 400 problem naming the parameter', async () => {
    const res = await fetch(`${server.url}/epic/policy/v2/policies?limit=501`, {
      headers: { authorization: `Bearer ${account.credentials.accessToken}` },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      title: 'Bad Request',
      status: 400,
      traceId: expect.any(String),
      additionalDetails: [{ parameter: 'limit' }],
    });
  });

  test('the token endpoint takes Basic or form client auth, narrows scopes, and refuses a wrong secret', async () => {
    const { clientId, clientSecret } = account.credentials;
    const form = await fetch(`${server.url}/v1/auth/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: 'epic/accounts:read epic/unknown:all',
      }),
    });
    expect(await form.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'epic/accounts:read',
    });
    expect(await tokenFromEndpoint(account.credentials)).toEqual(expect.any(String));
    const wrong = await fetch(`${server.url}/v1/auth/connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:nope`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('reading Applied Epic', () => {
  test('a full listing walks several pages and returns each client account once', async () => {
    const clients = (await truth(account, 'accounts')).filter((a) => a.type === 'CLIENT');
    const { pages, ids } = await readAll(session(account, { settings: { pageSize: 10 } }).s, {
      stream: 'clients',
      mode: 'full',
      cursor: null,
    });
    expect(pages.length).toBeGreaterThan(2);
    expect(ids.length).toBe(new Set(ids).size);
    expect(sorted(ids)).toEqual(sorted(clients.map((c) => c.id)));
    expect(pages.at(-1)!.cursor).toMatchObject({ since: expect.any(String) });
  });

  test('a policy arrives with its lines, their producer/broker commissions and the renewed term’s number', async () => {
    const policies = await truth(account, 'policies');
    const { pages, records } = await readAll(session(account, { settings: { pageSize: 20 } }).s, {
      stream: 'policies',
      mode: 'full',
      cursor: null,
    });
    expect(pages.length).toBeGreaterThan(2);
    expect(sorted(records.map((r) => r.externalId))).toEqual(sorted(policies.map((p) => p.id)));
    const byId = new Map(policies.map((p) => [p.id, p]));
    const renewal = records.find((r) => {
      const prior = byId.get(String((r.payload.originalPolicy as { id?: string } | null)?.id));
      return prior?.policyNumber;
    })!;
    const original = renewal.payload.originalPolicy as { id: string; number: string };
    expect(original.number).toBe(byId.get(original.id)!.policyNumber);
    const line = (renewal.payload.lines as Record<string, unknown>[])[0]!;
    expect(line).toMatchObject({
      billMode: expect.stringMatching(/^(AGENCY|DIRECT)$/),
      lineType: { code: expect.any(String) },
      status: { code: expect.any(String) },
      lineCommission: { type: 'PERCENTAGE_OF_PREMIUM', percent: expect.stringMatching(/^\d+(\.\d+)?$/) },
      producerBrokerCommission: {
        type: 'SINGLE_TERM',
        schedules: [
          {
            producerBrokerCommissions: expect.arrayContaining([
              expect.objectContaining({
                producerBroker: expect.objectContaining({ type: 'PRODUCER_PAYABLE' }),
              }),
            ]),
          },
        ],
      },
    });
    expect(JSON.stringify(renewal.payload)).not.toContain('_links');
    const mapped = mapRecord(mappings.policies!, renewal.payload);
    expect(mapped.ok === true && mapped.refs).toMatchObject({
      clientId: { kind: 'source', stream: 'clients' },
      carrierId: { kind: 'source', stream: 'companies', externalId: line.issuingCompany },
      producerId: { kind: 'source', stream: 'employees' },
    });
  });

  test('a record purged mid-listing does not make the listing skip another', async () => {
    const a = await createAccount({ seed: 'drift', clients: 40, clean: true });
    const before = await truth(a, 'transactions');
    const purged: string[] = [];
    const { ids } = await readAll(
      session(a, { settings: { pageSize: 10 } }).s,
      { stream: 'transactions', mode: 'full', cursor: null },
      async (page, index) => {
        if (index !== 1) return;
        // Purge a whole page already read (more than the overlap: later offsets shift left by
        // ten, so the next page must step back to find its place) and add one record.
        for (const r of page.records) {
          await admin(`${a.adminUrl}/objects/transactions/${r.externalId}`, 'DELETE');
          purged.push(r.externalId);
        }
        await admin(`${a.adminUrl}/objects/transactions`, 'POST', {
          line: before[0]!.line,
          transactionCode: 'AEND',
        });
      },
    );
    const stillThere = before.map((t) => t.id).filter((id) => !purged.includes(id));
    expect(stillThere.filter((id) => !ids.includes(id))).toEqual([]);
  });

  test('an incremental read picks up accounts and policies changed through the admin API since the cursor', async () => {
    const since = new Date().toISOString();
    const client = (await truth(account, 'accounts')).find((a) => a.type === 'CLIENT' && a.name)!;
    await admin(`${account.adminUrl}/objects/accounts/${client.id}`, 'PATCH', {
      name: `${client.name} Holdings`,
    });
    const clients = await readAll(session(account).s, {
      stream: 'clients',
      mode: 'incremental',
      cursor: { since },
    });
    expect(clients.ids).toEqual([client.id]);
    expect(clients.records[0]!.payload.name).toBe(`${client.name} Holdings`);
    const cursor = clients.pages.at(-1)!.cursor as { since: string };
    expect(cursor.since).toBe(clients.records[0]!.updatedAt);

    const [policy, other] = (await truth(account, 'policies')).slice(3, 5);
    await admin(`${account.adminUrl}/objects/policies/${policy!.id}`, 'PATCH', { description: 'Renamed' });
    const line = (await truth(account, 'lines')).find((l) => l.policy === other!.id)!;
    const billMode = line.billMode === 'AGENCY' ? 'DIRECT' : 'AGENCY';
    await admin(`${account.adminUrl}/objects/lines/${line.id}`, 'PATCH', { billMode });
    const policies = await readAll(session(account).s, {
      stream: 'policies',
      mode: 'incremental',
      cursor: { since },
    });
    expect(sorted(policies.ids)).toEqual(sorted([policy!.id, other!.id]));
    const changed = policies.records.find((r) => r.externalId === other!.id)!;
    expect((changed.payload.lines as { billMode: string }[])[0]!.billMode).toBe(billMode);
    const next = policies.pages.at(-1)!.cursor as { since: string };
    expect(next.since >= since).toBe(true);
    expect(next.since <= new Date().toISOString()).toBe(true);
  });

  test('full and incremental reads normalise a policy to the same payload', async () => {
    const s = session(account).s;
    const since = new Date().toISOString();
    const line = (await truth(account, 'lines'))[7]!;
    await admin(`${account.adminUrl}/objects/lines/${line.id}`, 'PATCH', { planOptionName: 'Gold' });
    const inc = await readAll(s, { stream: 'policies', mode: 'incremental', cursor: { since } });
    const full = await readAll(s, { stream: 'policies', mode: 'full', cursor: null });
    const fromFull = full.records.find((r) => r.externalId === line.policy)!;
    const fromLines = inc.records.find((r) => r.externalId === line.policy)!;
    expect(payloadHash(fromLines.payload)).toBe(payloadHash(fromFull.payload));
  });
});

describe('deletes', () => {
  test('an inactivated employee comes back on the incremental read and maps to an inactive producer', async () => {
    const since = new Date().toISOString();
    const employee = (await truth(account, 'accounts')).find((a) => a.type === 'EMPLOYEE' && a.active)!;
    await admin(`${account.adminUrl}/objects/accounts/${employee.id}`, 'PATCH', { active: false });
    const { records, pages } = await readAll(session(account).s, {
      stream: 'employees',
      mode: 'incremental',
      cursor: { since },
    });
    expect(records.map((r) => r.externalId)).toEqual([employee.id]);
    expect(pages.flatMap((p) => p.deleted)).toEqual([]);
    const mapped = mapRecord(mappings.employees!, records[0]!.payload);
    expect(mapped.ok === true && mapped.draft).toMatchObject({ active: false, kind: 'producer' });
  });

  test('a purged client is absent from the next full listing (left to the hub’s sweep)', async () => {
    const victim = (await truth(account, 'accounts')).find((a) => a.type === 'CLIENT')!;
    await admin(`${account.adminUrl}/objects/accounts/${victim.id}`, 'DELETE');
    const { ids, pages } = await readAll(session(account, { settings: { pageSize: 50 } }).s, {
      stream: 'clients',
      mode: 'full',
      cursor: null,
    });
    expect(ids).not.toContain(victim.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(pages.flatMap((p) => p.deleted)).toEqual([]);
  });
});

describe('Applied Epic errors reach the hub classified', () => {
  test('a 429 carries Retry-After and a problem body, read as rate_limited with retryAfterMs', async () => {
    const limited = await createAccount({ seed: 'limits', clients: 10 });
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { rateLimitRate: 1, retryAfterSeconds: 7 });
    const res = await fetch(`${server.url}/epic/account/v1/accounts`, {
      headers: { authorization: `Bearer ${limited.credentials.accessToken}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      traceId: expect.any(String),
    });

    const err = await session(limited)
      .s.read({
        stream: 'employees',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 7_000 });

    // The assumed rolling limit itself: the third request in the window is refused.
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { rateLimitRate: 0, requestsPerWindow: 2 });
    const headers = { authorization: `Bearer ${limited.credentials.accessToken}` };
    const url = `${server.url}/epic/account/v1/accounts?limit=1`;
    await fetch(url, { headers });
    await fetch(url, { headers });
    const third = await fetch(url, { headers });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('an expired token is renewed once through the hub and the read succeeds', async () => {
    const { accessToken } = await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', {
      ttlSeconds: -1,
    });
    const raw = await fetch(`${server.url}/epic/account/v1/accounts`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toContain('invalid_token');

    const { s, refreshes } = session(account, { accessToken, settings: { pageSize: 30 } });
    const page = await s.read({
      stream: 'policies',
      mode: 'full',
      cursor: null,
      checkpoint: null,
      runStartedAt: new Date().toISOString(),
    });
    expect(page.records.length).toBe(30);
    expect(refreshes()).toBe(1);
  });

  test('a token refused again after renewal is auth_expired', async () => {
    const expired = async () =>
      (await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', { ttlSeconds: -1 }))
        .accessToken;
    const { s, refreshes } = session(account, {
      accessToken: await expired(),
      refresh: async () => ({ ...account.credentials, accessToken: await expired() }),
    });
    const err = await s
      .read({
        stream: 'clients',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth_expired', status: 401 });
    expect(refreshes()).toBe(1);
  });

  test('a token without epic/policies:read gets 403 problem+json, read as forbidden', async () => {
    const { accessToken } = await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', {
      scopes: ['epic/accounts:read'],
    });
    const res = await fetch(`${server.url}/epic/policy/v2/policies`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 403,
      title: 'Forbidden',
      additionalDetails: [{ requiredScopes: ['epic/policies:read', 'epic/policies:all'] }],
    });

    const { s } = session(account, { accessToken });
    const base = {
      mode: 'full',
      cursor: null,
      checkpoint: null,
      runStartedAt: new Date().toISOString(),
    } as const;
    await expect(s.read({ ...base, stream: 'employees' })).resolves.toMatchObject({
      records: expect.any(Array),
    });
    const err = await s.read({ ...base, stream: 'policies' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'forbidden', status: 403, vendorCode: 'Forbidden' });
  });

  test('a refused connection is a vendor outage, not a crash', async () => {
    const { s } = session(account, { baseUrl: 'http://127.0.0.1:9' });
    const err = await s
      .read({
        stream: 'employees',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'vendor_outage' });
  });

  test('a 5xx is a vendor outage', async () => {
    const flaky = await createAccount({ seed: 'flaky', clients: 5 });
    await admin(`${flaky.adminUrl}/chaos`, 'PUT', { serverErrorRate: 1 });
    const err = await session(flaky)
      .s.read({
        stream: 'companies',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'vendor_outage', status: 503, retryable: true });
  });
});

describe('what Applied Epic does not offer', () => {
  test('the connector declares no webhooks and no writes', () => {
    expect(appliedEpicConnector.webhooks).toBeUndefined();
    expect(session(account).s.upsert).toBeUndefined();
    expect(appliedEpicConnector.definition.auth).toEqual([
      expect.objectContaining({ kind: 'oauth2_client_credentials', tokenPath: '/v1/auth/connect/token' }),
    ]);
  });
});
