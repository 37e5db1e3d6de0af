// The HawkSoft connector, driving its typed fetch client, against the HawkSoft sandbox served
// in-process: batched full listings, changed-since incremental reads, deletes as HawkSoft signals
// them (deleted clients listed only with deleted=true, voided policies), and HawkSoft's errors for
// rate limits, bad credentials, a missing version and an agency that stopped sharing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HawkSoftClient } from '../../connectors/hawksoft/client.ts';
import { HawkSoftApiError } from '../../connectors/hawksoft/errors.ts';
import { hawksoftConnector } from '../../connectors/hawksoft/index.ts';
import { createHawkSoftSandboxApp } from '../../connectors/hawksoft/sandbox/index.ts';
import { ConnectorError, type ConnectorSession } from '../../connectors/types.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';
import { hawksoftMappings } from '../../mappings/hawksoft.ts';
import {
  admin,
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
  serveSandbox,
} from './connector-contract.ts';

const mappings = withOverrides(hawksoftMappings, undefined);
const fields = fieldsOf(hawksoftMappings);

type Account = SandboxAccount<{ agencyId: number; credentials: { username: string; password: string } }>;
const newAccount = (opts: Record<string, unknown>) => newSandboxAccount<Account>(baseUrl, opts);

interface TruthPolicy {
  id: string;
  clientNumber: number;
  clientDeleted: boolean;
  status: string;
  policyNumber: string | null;
  agent1: string | null;
  premium: number | null;
}

let server: Awaited<ReturnType<typeof serveSandbox>>;
let baseUrl: string;
let account: Account;

function session(acc: Account, credentials = acc.credentials): ConnectorSession {
  return hawksoftConnector.open({
    connectionId: randomUUID(),
    tenantId: randomUUID(),
    baseUrl: acc.baseUrl,
    credentials: { ...credentials, agencyId: acc.agencyId },
    settings: {},
    fields,
    refreshCredentials: () => Promise.reject(new Error('HawkSoft credentials never need refreshing')),
  });
}

const policiesTruth = async (acc: Account) =>
  (await admin<{ results: TruthPolicy[] }>(`${acc.adminUrl}/objects/policies`)).results;
const clientsTruth = async (acc: Account) =>
  (await admin<{ results: { clientNumber: number; deleted: boolean }[] }>(`${acc.adminUrl}/objects/clients`))
    .results;

beforeAll(async () => {
  server = await serveSandbox('/hawksoft', createHawkSoftSandboxApp().app);
  baseUrl = server.baseUrl;
  // About 450 of the demo agency's 1,400 clients are HawkSoft's personal-lines book: three batches.
  account = await newAccount({ seed: 'contract', clients: 1_400, asOf: '2026-11-01' });
});

afterAll(async () => {
  await server?.close();
});

runConnectorContract('HawkSoft', {
  connector: hawksoftConnector,
  // About a third of the demo clients are HawkSoft's: two batches of 200 at least.
  newAccount: () => newAccount({ seed: 'clauses', clients: 1_000, asOf: '2026-11-01' }),
  open: (acc, opts) => session(acc, opts?.credentials as Account['credentials'] | undefined),
  pagedStream: 'clients',
  change: {
    stream: 'policies',
    async run(acc) {
      const target = (await policiesTruth(acc)).find((p) => p.status === 'Renew' && p.policyNumber)!;
      await admin(`${acc.adminUrl}/objects/policies/${target.id}`, 'PATCH', { premium: 4321.5 });
      return target.id;
    },
  },
  remove: {
    stream: 'clients',
    async run(acc) {
      const victim = (await clientsTruth(acc)).find((c) => !c.deleted)!;
      await admin(`${acc.adminUrl}/objects/clients/${victim.clientNumber}`, 'DELETE');
      return String(victim.clientNumber);
    },
  },
  retryAfterMs: 2_000,
  // Partners hold static Basic credentials: a retired secret is refused, and nothing refreshes it.
  revoke: async (acc) => ({ username: acc.credentials.username, password: 'retired-secret' }),
  refresh: () => Promise.reject(new Error('HawkSoft credentials never need refreshing')),
});

describe('reading HawkSoft through the typed Partner API client', () => {
  test('a full listing reads every live client once, in batches of at most 200, without storing the list', async () => {
    const runStartedAt = new Date().toISOString();
    const { pages, ids, records } = await readAll(session(account), {
      stream: 'clients',
      mode: 'full',
      cursor: null,
      runStartedAt,
    });
    const truth = (await clientsTruth(account)).filter((c) => !c.deleted).map((c) => String(c.clientNumber));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages) expect(p.records.length).toBeLessThanOrEqual(200);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(truth.sort());
    // The checkpoint is a position, not the list.
    for (const p of pages.slice(0, -1)) {
      expect(p.checkpoint).toMatchObject({
        phase: 'clients',
        asOf: expect.any(String),
        after: expect.any(Number),
      });
      expect(JSON.stringify(p.checkpoint).length).toBeLessThan(200);
    }
    const cursor = pages.at(-1)!.cursor as { since: string };
    expect(Date.parse(cursor.since)).toBeLessThanOrEqual(Date.parse(runStartedAt));
    expect(records[0]!.payload).toMatchObject({
      clientNumber: expect.any(Number),
      details: expect.objectContaining({ producer: expect.any(String) }),
      insuredName: expect.any(String),
    });
  });

  test('policy terms are flattened from their clients, with only the fields the mapping reads', async () => {
    const { ids, records } = await readAll(session(account), {
      stream: 'policies',
      mode: 'full',
      cursor: null,
    });
    const truth = (await policiesTruth(account)).filter((p) => !p.clientDeleted && p.status !== 'Void');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(truth.map((p) => p.id).sort());
    const policy = records[0]!.payload.policy as Record<string, unknown>;
    expect(Object.keys(policy)).toContain('policyNumber');
    expect(Object.keys(policy)).not.toContain('policyIndex'); // not read by the mapping
    // Several terms per chain: renewals turn "Replaced", and rewrites start counting terms again.
    const statuses = new Set(truth.map((p) => p.status));
    for (const s of ['Replaced', 'Cancelled', 'Expired', 'Quote']) expect(statuses).toContain(s);
  });

  test('every policy producer and client producer/CSR is a record of the producers stream', async () => {
    const s = session(account);
    const producers = new Set((await readAll(s, { stream: 'producers', mode: 'full', cursor: null })).ids);
    const { records } = await readAll(s, { stream: 'policies', mode: 'full', cursor: null });
    for (const r of records) {
      const agent1 = (r.payload.policy as { agent1: string | null }).agent1;
      const fallback = (r.payload.client as { producer: string | null }).producer;
      expect(producers).toContain(agent1 ?? fallback);
    }
  });

  test('an incremental read since the cursor picks up a change made in HawkSoft, and nothing else', async () => {
    const since = new Date().toISOString();
    const target = (await policiesTruth(account)).find((p) => p.status === 'Renew' && p.policyNumber)!;
    await admin(`${account.adminUrl}/objects/policies/${target.id}`, 'PATCH', { premium: 1234.56 });
    const s = session(account);
    const runStartedAt = new Date().toISOString();
    const clients = await readAll(s, {
      stream: 'clients',
      mode: 'incremental',
      cursor: { since },
      runStartedAt,
    });
    expect(clients.ids).toEqual([String(target.clientNumber)]);
    const policies = await readAll(s, {
      stream: 'policies',
      mode: 'incremental',
      cursor: { since },
      runStartedAt,
    });
    const changed = policies.records.find((r) => r.externalId === target.id)!;
    expect((changed.payload.policy as { premium: number }).premium).toBe(1234.56);
    expect(policies.records.every((r) => r.payload.clientNumber === target.clientNumber)).toBe(true);
    const mapped = mapRecord(mappings.policies!, changed.payload);
    expect(mapped.ok === true && mapped.draft).toMatchObject({ termPremiumCents: 123456, status: 'active' });
    // The next cursor is the listing time (minus the clock overlap), never beyond the run's start.
    const cursor = policies.pages.at(-1)!.cursor as { since: string };
    expect(Date.parse(cursor.since)).toBeLessThanOrEqual(Date.parse(runStartedAt));
    expect(Date.parse(cursor.since)).toBeGreaterThan(Date.parse(since) - 10 * 60_000);
  });

  test('full and incremental reads of the same client normalise to the same payload', async () => {
    const s = session(account);
    const full = await readAll(s, { stream: 'policies', mode: 'full', cursor: null });
    const inc = await readAll(s, {
      stream: 'policies',
      mode: 'incremental',
      cursor: { since: '2000-01-01T00:00:00Z' },
    });
    const byId = new Map(full.records.map((r) => [r.externalId, r.payload]));
    expect(inc.records.length).toBe(full.records.length);
    for (const r of inc.records.slice(0, 100)) expect(r.payload).toEqual(byId.get(r.externalId));
  });
});

describe('deletes come through the way HawkSoft signals them', () => {
  test('a deleted client is absent from reads and listed only with deleted=true: a delete on the next incremental read', async () => {
    const since = new Date().toISOString();
    const victim = (await clientsTruth(account)).find((c) => !c.deleted)!;
    await admin(`${account.adminUrl}/objects/clients/${victim.clientNumber}`, 'DELETE');
    const { records, pages } = await readAll(session(account), {
      stream: 'clients',
      mode: 'incremental',
      cursor: { since },
    });
    expect(records).toEqual([]);
    expect(pages.flatMap((p) => p.deleted)).toEqual([
      { externalId: String(victim.clientNumber), deletedAt: null, reason: 'deleted in HawkSoft' },
    ]);
    const client = new HawkSoftClient({ baseUrl, ...account.credentials });
    const gone = await client.client(account.agencyId, victim.clientNumber).catch((e: unknown) => e);
    expect(hawksoftConnector.classifyError(gone)).toMatchObject({ kind: 'not_found', status: 404 });
    expect(await client.changedClients(account.agencyId, { asOf: since })).toEqual([]);
    expect(await client.changedClients(account.agencyId, { asOf: since, deleted: true })).toEqual([
      victim.clientNumber,
    ]);
  });

  test('a deleted policy turns "Void": a delete for the policy and its derived transactions', async () => {
    const since = new Date().toISOString();
    const victim = (await policiesTruth(account)).find(
      (p) => !p.clientDeleted && p.status === 'Renew' && p.policyNumber,
    )!;
    await admin(`${account.adminUrl}/objects/policies/${victim.id}`, 'DELETE');
    const s = session(account);
    const policies = await readAll(s, { stream: 'policies', mode: 'incremental', cursor: { since } });
    expect(policies.ids).not.toContain(victim.id);
    expect(policies.pages.flatMap((p) => p.deleted)).toEqual([
      { externalId: victim.id, deletedAt: expect.any(String), reason: 'voided in HawkSoft' },
    ]);
    const txns = await readAll(s, { stream: 'policy_transactions', mode: 'incremental', cursor: { since } });
    expect(txns.pages.flatMap((p) => p.deleted.map((d) => d.externalId))).toEqual(
      expect.arrayContaining([`${victim.id}:term`, `${victim.id}:cancel`]),
    );
    expect(txns.ids.some((id) => id.startsWith(victim.id))).toBe(false);
  });
});

describe('transactions derived from policy terms', () => {
  test('each written term opens with NEW, RWL or REWRITE, and cancellations follow; every one maps', async () => {
    const { records } = await readAll(session(account), {
      stream: 'policy_transactions',
      mode: 'full',
      cursor: null,
    });
    const types = new Map<string, number>();
    for (const r of records) {
      const m = mapRecord(mappings.policy_transactions!, r.payload);
      expect(m.ok).toBe(true);
      if (m.ok !== true) continue;
      const type = (m.draft as { type: string }).type;
      types.set(type, (types.get(type) ?? 0) + 1);
      expect(m.refs.policyId).toEqual({ kind: 'source', stream: 'policies', externalId: r.payload.policyId });
    }
    expect([...types.keys()].sort()).toEqual(expect.arrayContaining(['CAN', 'NEW', 'RWL']));
  });
});

describe('malformed HawkSoft records are quarantined by the mapping, clean accounts have none', () => {
  test('a spelled-out state, an expiration before the effective date and a broken email each name their field', async () => {
    const s = session(account);
    const failures = new Map<string, number>();
    for (const stream of ['clients', 'policies'] as const) {
      const { records } = await readAll(s, { stream, mode: 'full', cursor: null });
      for (const r of records) {
        const m = mapRecord(mappings[stream]!, r.payload);
        if (m.ok === false)
          failures.set(`${stream}.${m.field}`, (failures.get(`${stream}.${m.field}`) ?? 0) + 1);
      }
    }
    expect([...failures.keys()].sort()).toEqual(
      expect.arrayContaining(['clients.email', 'policies.expirationDate', 'policies.state']),
    );
    const clean = await newAccount({ seed: 'contract-clean', clients: 300, asOf: '2026-11-01', clean: true });
    for (const stream of ['clients', 'policies', 'policy_transactions'] as const) {
      const { records } = await readAll(session(clean), { stream, mode: 'full', cursor: null });
      expect(records.filter((r) => mapRecord(mappings[stream]!, r.payload).ok === false)).toEqual([]);
    }
  });
});

describe('HawkSoft errors reach the hub classified', () => {
  test('a 429 carries Retry-After; the connector reports rate_limited with it and waits it out', async () => {
    const limited = await newAccount({ seed: 'limited', clients: 40, asOf: '2026-11-01' });
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { rateLimitRate: 1, retryAfterSeconds: 1 });
    const raw = await fetch(`${baseUrl}/vendor/agency/${limited.agencyId}/clients?version=3.0`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${limited.credentials.username}:${limited.credentials.password}`).toString('base64')}`,
      },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(await raw.json()).toMatchObject({ code: 'TooManyRequests', message: expect.any(String) });

    const s = session(limited);
    const req = {
      stream: 'clients',
      mode: 'full',
      cursor: null,
      checkpoint: null,
      runStartedAt: new Date().toISOString(),
    } as const;
    const err = await s.read(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 1_000,
      vendorCode: 'TooManyRequests',
    });
    expect((err as ConnectorError).retryable).toBe(true);

    // The connection's throttle holds every request until the vendor's wait is over.
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { rateLimitRate: 0 });
    const started = Date.now();
    await s.read(req);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  test('exceeding the per-agency window answers 429 with the seconds until the window frees', async () => {
    const limited = await newAccount({ empty: true });
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 2 });
    const client = new HawkSoftClient({ baseUrl, ...limited.credentials });
    await client.changedClients(limited.agencyId);
    await client.changedClients(limited.agencyId);
    const err = await client.changedClients(limited.agencyId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HawkSoftApiError);
    const classified = hawksoftConnector.classifyError(err);
    expect(classified.kind).toBe('rate_limited');
    expect(classified.retryAfterMs).toBeGreaterThan(0);
    expect(classified.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test('wrong partner credentials are auth_invalid (Basic credentials never expire)', async () => {
    const res = await fetch(`${baseUrl}/vendor/agencies?version=3.0`, {
      headers: { authorization: `Basic ${Buffer.from('partner-nobody:wrong').toString('base64')}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await res.json()).toEqual({
      code: 'Unauthorized',
      message: 'The provided credentials are invalid',
    });

    const s = session(account, { username: account.credentials.username, password: 'not-the-secret' });
    const err = await s
      .read({
        stream: 'clients',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth_invalid', status: 401, vendorCode: 'Unauthorized' });
    expect((err as ConnectorError).retryable).toBe(false);
  });

  test('a request without version=3.0 is a bad_request', async () => {
    const auth = Buffer.from(`${account.credentials.username}:${account.credentials.password}`).toString(
      'base64',
    );
    const res = await fetch(`${baseUrl}/vendor/agency/${account.agencyId}/clients`, {
      headers: { authorization: `Basic ${auth}` },
    });
    expect(res.status).toBe(400);
    const classified = hawksoftConnector.classifyError(await HawkSoftApiError.fromResponse(res));
    expect(classified).toMatchObject({ kind: 'bad_request', status: 400, vendorCode: 'BadRequest' });
    expect(classified.message).toMatch(/version=3\.0/);
  });

  test('more than 200 client numbers in one batch is refused by HawkSoft, and never sent by the client', async () => {
    const auth = Buffer.from(`${account.credentials.username}:${account.credentials.password}`).toString(
      'base64',
    );
    const res = await fetch(`${baseUrl}/vendor/agency/${account.agencyId}/clients?version=3.0`, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientNumbers: Array.from({ length: 201 }, (_, i) => i + 1) }),
    });
    expect(res.status).toBe(400);
    const client = new HawkSoftClient({ baseUrl, ...account.credentials });
    expect(() =>
      client.clients(
        account.agencyId,
        Array.from({ length: 201 }, (_, i) => i + 1),
      ),
    ).toThrow(RangeError);
  });

  test('an agency that stopped sharing its data is forbidden', async () => {
    const optedOut = await newAccount({ seed: 'opted-out', clients: 20, asOf: '2026-11-01' });
    await admin(`${optedOut.adminUrl}/sharing`, 'PUT', { sharing: false });
    const err = await session(optedOut)
      .read({
        stream: 'clients',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'forbidden' });
    const client = new HawkSoftClient({ baseUrl, ...optedOut.credentials });
    const direct = await client.changedClients(optedOut.agencyId).catch((e: unknown) => e);
    expect(hawksoftConnector.classifyError(direct)).toMatchObject({ kind: 'forbidden', status: 403 });
  });

  test('5xx and a refused connection are vendor outages', async () => {
    const failing = await newAccount({ seed: 'failing', clients: 20, asOf: '2026-11-01' });
    await admin(`${failing.adminUrl}/chaos`, 'PUT', { serverErrorRate: 1 });
    const req = {
      stream: 'clients',
      mode: 'full',
      cursor: null,
      checkpoint: null,
      runStartedAt: new Date().toISOString(),
    } as const;
    await expect(session(failing).read(req)).rejects.toMatchObject({ kind: 'vendor_outage', status: 503 });
    await expect(
      session({ ...failing, baseUrl: 'http://127.0.0.1:9/hawksoft' }).read(req),
    ).rejects.toMatchObject({
      kind: 'vendor_outage',
    });
  });
});

describe('HawkSoft publishes no webhooks', () => {
  test('the connector declares none and the sandbox has none to configure', async () => {
    expect(hawksoftConnector.webhooks).toBeUndefined();
    expect(hawksoftConnector.definition.streams.map((s) => s.cursor)).toEqual(
      hawksoftConnector.definition.streams.map(() => 'modified_since'),
    );
    const res = await fetch(`${account.adminUrl}/webhook`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', secret: 's' }),
    });
    expect(res.status).toBe(400);
  });
});
