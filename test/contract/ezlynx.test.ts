// The EZLynx connector's typed fetch client against the EZLynx sandbox served in-process under
// /ezlynx (as the sandbox server will mount it): cursor paging, updated_since reads, tombstones as
// deletes, 429 with Retry-After, token expiry and refresh through the client-credentials
// exchange, signed webhooks after admin changes, and the seeded malformed records. The API is
// our design around EZLynx's public overview (connectors/ezlynx/sandbox/api.ts).
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exchangeEzlynxToken } from '../../connectors/ezlynx/client.ts';
import { ezlynxDefinition } from '../../connectors/ezlynx/definition.ts';
import { ezlynxConnector } from '../../connectors/ezlynx/index.ts';
import { createEzlynxSandboxApp } from '../../connectors/ezlynx/sandbox/index.ts';
import {
  ConnectorError,
  type ConnectorSession,
  type Credentials,
  type WebhookRequest,
} from '../../connectors/types.ts';
import { payloadHash } from '../../db/page-writer.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';
import { ezlynxMappings } from '../../mappings/ezlynx.ts';
import { serveApp } from '../support/serve-app.ts';
import {
  admin,
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
  serveSandbox,
} from './connector-contract.ts';

const mappings = withOverrides(ezlynxMappings, undefined);
const fields = fieldsOf(ezlynxMappings);

type Account = SandboxAccount<{
  credentials: { clientId: string; clientSecret: string; apiKey: string; accessToken: string };
}>;
const newAccount = (opts: Record<string, unknown>) => newSandboxAccount<Account>(baseUrl, opts);

interface AdminRecord {
  id: string;
  fields: Record<string, unknown>;
  updatedAt: string;
  deleted: boolean;
}

let server: Awaited<ReturnType<typeof serveSandbox>>;
let baseUrl: string;
let account: Account;

const objects = async (a: Account, type: string) =>
  (await admin<{ results: AdminRecord[] }>(`${a.adminUrl}/objects/${type}`)).results;

function session(
  credentials: Credentials,
  opts: { connectionId?: string; refresh?: () => Promise<Credentials>; pageSize?: number } = {},
): ConnectorSession {
  return ezlynxConnector.open({
    connectionId: opts.connectionId ?? randomUUID(),
    tenantId: randomUUID(),
    baseUrl,
    credentials,
    settings: opts.pageSize ? { pageSize: opts.pageSize } : {},
    fields,
    refreshCredentials:
      opts.refresh ??
      (() =>
        exchangeEzlynxToken(baseUrl, {
          clientId: String(credentials.clientId),
          clientSecret: String(credentials.clientSecret),
        })),
  });
}

beforeAll(async () => {
  server = await serveSandbox('/ezlynx', createEzlynxSandboxApp().app);
  baseUrl = server.baseUrl;
  account = await newAccount({ seed: 'contract', clients: 120, asOf: '2026-11-01' });
});

afterAll(async () => {
  await server?.close();
});

runConnectorContract('EZLynx', {
  connector: ezlynxConnector,
  newAccount: () => newAccount({ seed: 'clauses', clients: 120, asOf: '2026-11-01' }),
  open: (acc, opts) =>
    session(opts?.credentials ?? acc.credentials, { refresh: opts?.refresh, pageSize: 25 }),
  pagedStream: 'policies',
  change: {
    stream: 'applicants',
    async run(acc) {
      const target = (await objects(acc, 'applicants')).find((r) => !r.deleted)!;
      await admin(`${acc.adminUrl}/objects/applicants/${target.id}`, 'PATCH', { middleName: 'Q' });
      return target.id;
    },
  },
  remove: {
    stream: 'policies',
    async run(acc) {
      const victim = (await objects(acc, 'policies')).find((p) => !p.deleted)!;
      await admin(`${acc.adminUrl}/objects/policies/${victim.id}`, 'DELETE');
      return victim.id;
    },
  },
  retryAfterMs: 2_000,
  revoke: async (acc) => ({ ...acc.credentials, accessToken: 'ezl_at_revoked' }),
  refresh: (acc) => exchangeEzlynxToken(baseUrl, acc.credentials),
});

describe('reading EZLynx through the typed client', () => {
  test('a full listing walks every page by the opaque cursor and returns each live policy once', async () => {
    const truth = await objects(account, 'policies');
    const runStartedAt = new Date().toISOString();
    const { pages, ids } = await readAll(session(account.credentials, { pageSize: 25 }), {
      stream: 'policies',
      mode: 'full',
      cursor: null,
      runStartedAt,
    });
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages.slice(0, -1)) expect(p.checkpoint).toEqual({ next: expect.any(String) });
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(
      truth
        .filter((r) => !r.deleted)
        .map((r) => r.id)
        .sort(),
    );
    expect(pages.at(-1)!.cursor).toEqual({ since: runStartedAt });
  });

  test('every stream reads in full, in the definition’s dependency order', async () => {
    const s = session(account.credentials);
    for (const stream of ezlynxDefinition.streams) {
      const { ids } = await readAll(s, { stream: stream.name, mode: 'full', cursor: null });
      expect(ids.length, stream.name).toBeGreaterThan(0);
    }
  });

  test('full and incremental reads of the same record normalise to the same payload', async () => {
    const s = session(account.credentials);
    const full = await readAll(s, { stream: 'policies', mode: 'full', cursor: null });
    const inc = await readAll(s, {
      stream: 'policies',
      mode: 'incremental',
      cursor: { since: '2000-01-01T00:00:00Z' },
    });
    const fullById = new Map(full.pages.flatMap((p) => p.records).map((r) => [r.externalId, r.payload]));
    const incRecords = inc.pages.flatMap((p) => p.records);
    expect(incRecords.length).toBe(fullById.size);
    for (const r of incRecords) expect(payloadHash(r.payload)).toBe(payloadHash(fullById.get(r.externalId)));
  });

  test('an incremental read since the cursor picks up an applicant changed through the admin API', async () => {
    const since = new Date().toISOString();
    const target = (await objects(account, 'applicants')).find((r) => !r.deleted)!;
    await admin(`${account.adminUrl}/objects/applicants/${target.id}`, 'PATCH', {
      email: 'changed.by.csr@example.com',
    });
    const { ids, pages } = await readAll(session(account.credentials), {
      stream: 'applicants',
      mode: 'incremental',
      cursor: { since },
    });
    expect(ids).toEqual([target.id]);
    const record = pages.flatMap((p) => p.records)[0]!;
    expect(record.payload.email).toBe('changed.by.csr@example.com');
    expect(pages.at(-1)!.cursor).toEqual({ since: record.updatedAt });
  });

  test('the next cursor never passes the run’s start, so changes made during the run are read again', async () => {
    const runStartedAt = new Date(Date.now() - 60_000).toISOString();
    const target = (await objects(account, 'applicants')).find((r) => !r.deleted)!;
    await admin(`${account.adminUrl}/objects/applicants/${target.id}`, 'PATCH', { middleName: 'Q' });
    const { pages } = await readAll(session(account.credentials), {
      stream: 'applicants',
      mode: 'incremental',
      cursor: { since: new Date(Date.now() - 120_000).toISOString() },
      runStartedAt,
    });
    expect(pages.at(-1)!.cursor).toEqual({ since: runStartedAt });
  });

  test('a deleted policy comes back as a tombstone delete, with its transactions', async () => {
    const since = new Date().toISOString();
    const transactions = await objects(account, 'policy-transactions');
    const victim = (await objects(account, 'policies')).find(
      (p) => !p.deleted && transactions.some((t) => t.fields.policyId === p.id),
    )!;
    await admin(`${account.adminUrl}/objects/policies/${victim.id}`, 'DELETE');
    const s = session(account.credentials);
    const policies = await readAll(s, { stream: 'policies', mode: 'incremental', cursor: { since } });
    expect(policies.ids).toEqual([]);
    expect(policies.pages.flatMap((p) => p.deleted)).toEqual([
      { externalId: victim.id, deletedAt: expect.any(String), reason: 'deleted in EZLynx' },
    ]);
    const txns = await readAll(s, { stream: 'policy_transactions', mode: 'incremental', cursor: { since } });
    expect(txns.pages.flatMap((p) => p.deleted.map((d) => d.externalId)).sort()).toEqual(
      transactions
        .filter((t) => t.fields.policyId === victim.id)
        .map((t) => t.id)
        .sort(),
    );
    const full = await readAll(s, { stream: 'policies', mode: 'full', cursor: null });
    expect(full.ids).not.toContain(victim.id);
  });
});

describe('seeded data quality', () => {
  test('a dirty book has malformed records that quarantine with a field; a clean book maps entirely', async () => {
    const s = session(account.credentials);
    const { pages } = await readAll(s, { stream: 'policies', mode: 'full', cursor: null });
    const failures = pages
      .flatMap((p) => p.records)
      .map((r) => mapRecord(mappings.policies!, r.payload))
      .filter((r) => r.ok === false);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toMatchObject({ ok: false, field: expect.any(String) });

    const clean = await newAccount({ seed: 'contract-clean', clients: 60, asOf: '2026-11-01', clean: true });
    const cs = session(clean.credentials);
    for (const [stream, mapping] of Object.entries(mappings)) {
      const all = await readAll(cs, { stream, mode: 'full', cursor: null });
      const bad = all.pages
        .flatMap((p) => p.records)
        .map((r) => ({ id: r.externalId, result: mapRecord(mapping, r.payload) }))
        .filter((x) => x.result.ok !== true);
      expect(bad, stream).toEqual([]);
    }
  });
});

describe('EZLynx errors reach the hub classified', () => {
  test('a 429 carries Retry-After, reads as rate_limited, and pauses the connection until it passes', async () => {
    const limited = await newAccount({ seed: 'limited', clients: 10, asOf: '2026-11-01' });
    const connectionId = randomUUID();
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { rateLimitRate: 1, retryAfterSeconds: 1 });
    const err = await session(limited.credentials, { connectionId })
      .read({
        stream: 'agents',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 1000,
      vendorCode: 'RATE_LIMITED',
    });

    await admin(`${limited.adminUrl}/chaos`, 'PUT', { rateLimitRate: 0 });
    const started = Date.now();
    const page = await session(limited.credentials, { connectionId }).read({
      stream: 'agents',
      mode: 'full',
      cursor: null,
      checkpoint: null,
      runStartedAt: new Date().toISOString(),
    });
    expect(page.records.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  test('the rolling limit answers with the rate headers, a JSON error body and Retry-After', async () => {
    const limited = await newAccount({ empty: true });
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 2 });
    const url = `${baseUrl}/v1/agents?limit=1`;
    const headers = { authorization: `Bearer ${limited.credentials.accessToken}` };
    await fetch(url, { headers });
    await fetch(url, { headers });
    const res = await fetch(url, { headers });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-ratelimit-limit')).toBe('2');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', message: expect.any(String), requestId: expect.any(String) },
    });
  });

  test('an expired token is refreshed once through the token endpoint and the read succeeds', async () => {
    const { accessToken } = await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', {
      ttlSeconds: -1,
    });
    const credentials = { ...account.credentials, accessToken };
    let refreshes = 0;
    const s = session(credentials, {
      refresh: () => {
        refreshes++;
        return exchangeEzlynxToken(baseUrl, credentials);
      },
    });
    const { ids } = await readAll(s, { stream: 'agents', mode: 'full', cursor: null });
    expect(ids.length).toBeGreaterThan(0);
    expect(refreshes).toBe(1);
  });

  test('a token refused again after the refresh is auth_expired for the hub', async () => {
    const stale = async () =>
      (await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', { ttlSeconds: -1 }))
        .accessToken;
    let refreshes = 0;
    const s = session(
      { ...account.credentials, accessToken: await stale() },
      {
        refresh: async () => {
          refreshes++;
          return { ...account.credentials, accessToken: await stale() };
        },
      },
    );
    await expect(
      s.read({
        stream: 'agents',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({ kind: 'auth_expired', status: 401, vendorCode: 'TOKEN_EXPIRED' });
    expect(refreshes).toBe(1);
  });

  test('a connection holding only its client id and API key gets its first token by the exchange', async () => {
    const { clientId, clientSecret } = account.credentials;
    let refreshes = 0;
    const s = session(
      { clientId, clientSecret },
      {
        refresh: () => {
          refreshes++;
          return exchangeEzlynxToken(baseUrl, { clientId, clientSecret });
        },
      },
    );
    const page = await s.read({
      stream: 'carriers',
      mode: 'full',
      cursor: null,
      checkpoint: null,
      runStartedAt: new Date().toISOString(),
    });
    expect(page.records.length).toBe(12);
    expect(refreshes).toBe(1);
  });

  test('the token endpoint speaks OAuth client credentials the way the hub’s refresher calls it', async () => {
    const spec = ezlynxDefinition.auth[0]!;
    expect(spec.kind).toBe('oauth2_client_credentials');
    const tokenEndpoint = `${baseUrl}${(spec as { tokenPath: string }).tokenPath}`;
    const as: oauth.AuthorizationServer = {
      issuer: new URL(tokenEndpoint).origin,
      token_endpoint: tokenEndpoint,
    };
    const client: oauth.Client = { client_id: account.credentials.clientId };
    const insecure = { [oauth.allowInsecureRequests]: true };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(account.credentials.clientSecret),
      { scope: 'ezlynx.api' },
      insecure,
    );
    const token = await oauth.processClientCredentialsResponse(as, client, res);
    expect(token).toMatchObject({ access_token: expect.any(String), token_type: 'bearer', expires_in: 1800 });
    const list = await fetch(`${baseUrl}/v1/carriers`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(list.status).toBe(200);

    const wrong = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('not-the-key'),
      {},
      insecure,
    );
    const refused = await oauth.processClientCredentialsResponse(as, client, wrong).catch((e: unknown) => e);
    expect(ezlynxConnector.classifyError(refused)).toMatchObject({
      kind: 'auth_invalid',
      vendorCode: 'invalid_client',
    });
  });

  test('an unknown token with a wrong API key is auth_invalid', async () => {
    const credentials = {
      clientId: account.credentials.clientId,
      clientSecret: 'ezk_wrong',
      accessToken: 'ezl_at_nope',
    };
    const s = session(credentials);
    await expect(
      s.read({
        stream: 'agents',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({ kind: 'auth_invalid', status: 401, vendorCode: 'invalid_client' });
  });

  test('a bad cursor and an XML-only request get JSON error bodies with codes', async () => {
    const headers = { authorization: `Bearer ${account.credentials.accessToken}` };
    const badCursor = await fetch(`${baseUrl}/v1/policies?cursor=not-a-cursor`, { headers });
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ error: { code: 'INVALID_CURSOR' } });
    const xml = await fetch(`${baseUrl}/v1/policies`, { headers: { ...headers, accept: 'application/xml' } });
    expect(xml.status).toBe(406);
    expect(await xml.json()).toMatchObject({ error: { code: 'NOT_ACCEPTABLE' } });
  });

  test('an injected server error is a vendor outage the hub may retry', async () => {
    const failing = await newAccount({ seed: 'failing', clients: 10, asOf: '2026-11-01' });
    await admin(`${failing.adminUrl}/chaos`, 'PUT', { serverErrorRate: 1 });
    const err = await session(failing.credentials)
      .read({
        stream: 'agents',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'vendor_outage', status: 503, vendorCode: 'SERVICE_UNAVAILABLE' });
    expect((err as ConnectorError).retryable).toBe(true);
  });

  test('a refused connection is a vendor outage, not a crash', async () => {
    const s = ezlynxConnector.open({
      connectionId: randomUUID(),
      tenantId: randomUUID(),
      baseUrl: 'http://127.0.0.1:9',
      credentials: account.credentials,
      settings: {},
      fields,
      refreshCredentials: () => Promise.reject(new Error('unreachable')),
    });
    await expect(
      s.read({
        stream: 'agents',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({ kind: 'vendor_outage' });
  });
});

describe('EZLynx webhooks', () => {
  const secret = 'whsec_contract_0123456789abcdef';
  const received: WebhookRequest[] = [];
  let receiver: { url: string; close(): Promise<void> };
  let hooked: Account;

  beforeAll(async () => {
    const app = new Hono();
    app.post('/hooks/ezlynx', async (c) => {
      received.push({
        method: c.req.method,
        url: c.req.url,
        headers: Object.fromEntries(c.req.raw.headers.entries()),
        rawBody: await c.req.text(),
      });
      return c.body(null, 204);
    });
    receiver = await serveApp(app);
    hooked = await newAccount({ seed: 'hooks', clients: 40, asOf: '2026-11-01' });
    await admin(`${hooked.adminUrl}/webhook`, 'PUT', { url: `${receiver.url}/hooks/ezlynx`, secret });
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function nextDelivery(eventType: string): Promise<WebhookRequest> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const i = received.findIndex((r) => r.headers['x-ezlynx-event-type'] === eventType);
      if (i >= 0) return received.splice(i, 1)[0]!;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${eventType} delivery`);
  }

  test('an applicant changed by an agency user arrives signed and parses into an applicant change', async () => {
    const target = (await objects(hooked, 'applicants')).find((r) => !r.deleted)!;
    await admin(`${hooked.adminUrl}/objects/applicants/${target.id}`, 'PATCH', { lastName: 'Okafor-Smith' });
    const delivery = await nextDelivery('ApplicantUpdated');
    const hooks = ezlynxConnector.webhooks!;
    expect(hooks.verify(delivery, secret)).toBe(true);
    expect(hooks.parse(delivery)).toEqual({
      accountId: hooked.accountId,
      changes: [
        { stream: 'applicants', externalId: target.id, op: 'upsert', occurredAt: expect.any(String) },
      ],
    });
  });

  test('a forged or replayed delivery is refused', async () => {
    const target = (await objects(hooked, 'applicants')).find((r) => !r.deleted)!;
    await admin(`${hooked.adminUrl}/objects/applicants/${target.id}`, 'PATCH', { middleName: 'J' });
    const delivery = await nextDelivery('ApplicantUpdated');
    const { verify } = ezlynxConnector.webhooks!;
    expect(verify(delivery, secret)).toBe(true);
    expect(verify(delivery, 'whsec_someone_else_entirely')).toBe(false);
    const forged = delivery.rawBody.replace(target.id, '99999999');
    expect(verify({ ...delivery, rawBody: forged }, secret)).toBe(false);
    const sentAt = Number(delivery.headers['x-ezlynx-timestamp']) * 1000;
    expect(verify(delivery, secret, new Date(sentAt + 6 * 60_000))).toBe(false);
    const restamped = {
      ...delivery.headers,
      'x-ezlynx-timestamp': String(Math.floor(Date.now() / 1000) + 1),
    };
    expect(verify({ ...delivery, headers: restamped }, secret)).toBe(false);
    expect(verify({ ...delivery, headers: { ...delivery.headers, 'x-ezlynx-signature': '' } }, secret)).toBe(
      false,
    );
  });

  test('a carrier download raises PolicyDownloaded naming the policy and its new transaction', async () => {
    const policy = (await objects(hooked, 'policies')).find(
      (p) => !p.deleted && p.fields.status === 'Active',
    )!;
    const { id } = await admin<{ id: string }>(`${hooked.adminUrl}/objects/policy-transactions`, 'POST', {
      policyId: policy.id,
      transactionType: 'Endorsement',
      effectiveDate: '2026-10-20',
      premiumChange: '57.25',
    });
    const delivery = await nextDelivery('PolicyDownloaded');
    expect(ezlynxConnector.webhooks!.verify(delivery, secret)).toBe(true);
    expect(ezlynxConnector.webhooks!.parse(delivery).changes).toEqual([
      { stream: 'policies', externalId: policy.id, op: 'upsert', occurredAt: expect.any(String) },
      { stream: 'policy_transactions', externalId: id, op: 'upsert', occurredAt: expect.any(String) },
    ]);
  });

  test('a downloaded commission statement and a deleted applicant parse into their changes', async () => {
    const carrier = (await objects(hooked, 'carriers'))[0]!;
    const { id: statementId } = await admin<{ id: string }>(
      `${hooked.adminUrl}/objects/commission-statements`,
      'POST',
      {
        carrierId: carrier.id,
        carrierName: carrier.fields.name,
        statementDate: '2026-11-15',
        totalCommission: '0.00',
        lines: [],
      },
    );
    const statement = await nextDelivery('CommissionStatementDownloaded');
    expect(ezlynxConnector.webhooks!.parse(statement).changes).toEqual([
      {
        stream: 'commission_statements',
        externalId: statementId,
        op: 'upsert',
        occurredAt: expect.any(String),
      },
    ]);

    const gone = (await objects(hooked, 'applicants')).find((r) => !r.deleted)!;
    await admin(`${hooked.adminUrl}/objects/applicants/${gone.id}`, 'DELETE');
    const deleted = await nextDelivery('ApplicantDeleted');
    expect(ezlynxConnector.webhooks!.verify(deleted, secret)).toBe(true);
    expect(ezlynxConnector.webhooks!.parse(deleted).changes).toEqual([
      { stream: 'applicants', externalId: gone.id, op: 'delete', occurredAt: expect.any(String) },
    ]);
  });
});

describe('writing to EZLynx', () => {
  test('applicant upsert by external id creates once, then updates the same applicant', async () => {
    const s = session(account.credentials);
    const key = `hub-${randomUUID()}`;
    const first = await s.upsert!('applicants', 'externalId', [
      { externalId: key, fields: { firstName: 'Ana', lastName: 'Gomes', email: 'ana.gomes@example.com' } },
    ]);
    const second = await s.upsert!('applicants', 'externalId', [
      { externalId: key, fields: { firstName: 'Ana', lastName: 'Gomes-Lee' } },
    ]);
    expect(first[0]).toMatchObject({ externalId: key, created: true });
    expect(second[0]).toEqual({ externalId: key, vendorId: first[0]!.vendorId, created: false });
    const matching = (await objects(account, 'applicants')).filter((r) => r.fields.externalId === key);
    expect(matching).toHaveLength(1);
    expect(matching[0]!.fields).toMatchObject({ lastName: 'Gomes-Lee', email: 'ana.gomes@example.com' });
  });

  test('an update of a nested field keeps the rest of the address', async () => {
    const s = session(account.credentials);
    const target = (await objects(account, 'applicants')).find((r) => !r.deleted && r.fields.address)!;
    await s.update!('applicants', target.id, { 'address.city': 'Round Rock' });
    const after = (await objects(account, 'applicants')).find((r) => r.id === target.id)!;
    expect(after.fields.address).toEqual({ ...(target.fields.address as object), city: 'Round Rock' });
  });

  test('other streams refuse writes as bad requests', async () => {
    await expect(session(account.credentials).upsert!('policies', 'externalId', [])).rejects.toMatchObject({
      kind: 'bad_request',
    });
  });
});
