// The Xero connector, driving the real xero-node, against the Xero sandbox served in-process
// under /xero: page-numbered reads, If-Modified-Since increments, archived and voided records,
// Xero's minute and day limits (429 with X-Rate-Limit-Problem), its 401 and validation bodies,
// the monthly commission journal as manual journals (posted, updated in place, voided, found
// again by narration), the tenant connection behind an OAuth grant, and every sandbox answer the
// connector uses checked against Xero's published OpenAPI (XeroAPI/Xero-OpenAPI, trimmed).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type ConnectionContext,
  ConnectorError,
  type ConnectorSession,
  type Credentials,
} from '../../connectors/types.ts';
import { xeroAccounting } from '../../connectors/xero/accounting.ts';
import { xeroDefinition } from '../../connectors/xero/definition.ts';
import { xeroConnector } from '../../connectors/xero/index.ts';
import { createXeroSandboxApp } from '../../connectors/xero/sandbox/index.ts';
import {
  buildJournal,
  type CommissionAccrual,
  defaultChart,
  docNumberPrefix,
} from '../../domain/accounting/journal.ts';
import { xeroMappings } from '../../mappings/xero.ts';
import {
  admin,
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
  serveSandbox,
} from './connector-contract.ts';

const fields = fieldsOf(xeroMappings);

type Account = SandboxAccount<{
  credentials: {
    accessToken: string;
    refreshToken: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
  };
}>;

let server: Awaited<ReturnType<typeof serveSandbox>>;
let baseUrl: string;
const xeroSandbox = createXeroSandboxApp();
const newAccount = (opts: Record<string, unknown> = {}) =>
  newSandboxAccount<Account>(baseUrl, { seed: 'xero', clients: 500, asOf: '2026-11-01', ...opts });

beforeAll(async () => {
  server = await serveSandbox('/xero', xeroSandbox.app);
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server.close();
});

type Row = Record<string, unknown>;
const truth = async (account: Account, type: string) =>
  (await admin<{ results: Row[] }>(`${account.adminUrl}/objects/${type}`)).results;

/** What the hub does on a refresh: Xero's token endpoint with HTTP Basic, via oauth4webapi. */
async function refreshAtTokenEndpoint(creds: Credentials): Promise<Credentials> {
  const spec = xeroDefinition.auth[0]!;
  if (spec.kind !== 'oauth2_authorization_code') throw new Error('Xero authenticates with OAuth 2.0');
  const as: oauth.AuthorizationServer = {
    issuer: new URL(baseUrl).origin,
    token_endpoint: `${baseUrl}${spec.tokenPath}`,
  };
  const client: oauth.Client = { client_id: String(creds.clientId) };
  const res = await oauth.refreshTokenGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(String(creds.clientSecret)),
    String(creds.refreshToken),
    { [oauth.allowInsecureRequests]: true },
  );
  const result = await oauth.processRefreshTokenResponse(as, client, res);
  return {
    ...creds,
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? creds.refreshToken ?? null,
  };
}

function context(
  account: Account,
  opts: { credentials?: Credentials; refresh?: () => Promise<Credentials> } = {},
): ConnectionContext {
  return {
    connectionId: randomUUID(),
    tenantId: randomUUID(),
    baseUrl,
    credentials: opts.credentials ?? { ...account.credentials },
    settings: {},
    fields,
    refreshCredentials: opts.refresh ?? (() => Promise.reject(new Error('no refresh in this test'))),
  };
}

const session = (account: Account, opts: Parameters<typeof context>[1] = {}): ConnectorSession =>
  xeroConnector.open(context(account, opts));

const firstCustomer = async (account: Account) =>
  String(
    (await truth(account, 'Contacts')).find((c) => c.IsCustomer && c.ContactStatus === 'ACTIVE')!.ContactID,
  );

runConnectorContract<Account>('Xero', {
  connector: xeroConnector,
  newAccount: () => newAccount(),
  open: (account, opts) => session(account, opts),
  pagedStream: 'customers',
  change: {
    stream: 'customers',
    async run(account) {
      const id = await firstCustomer(account);
      await admin(`${account.adminUrl}/objects/Contacts/${id}`, 'PATCH', {
        EmailAddress: 'changed@example.com',
      });
      return id;
    },
  },
  remove: {
    stream: 'customers',
    async run(account) {
      const id = await firstCustomer(account);
      await admin(`${account.adminUrl}/objects/Contacts/${id}`, 'DELETE');
      return id;
    },
  },
  retryAfterMs: 2000,
  async revoke(account) {
    const { accessToken } = await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', {});
    await admin(`${account.adminUrl}/tokens/${accessToken}`, 'DELETE');
    return { ...account.credentials, accessToken };
  },
  refresh: (account) => refreshAtTokenEndpoint(account.credentials),
});

const full = (stream: string) => ({ stream, mode: 'full' as const, cursor: null });

function accruals(cents: number[]): CommissionAccrual[] {
  return cents.map((agencyCents, i) => ({
    carrierId: `0000000${i}-aaaa-4000-8000-000000000000`,
    carrierName: ['Travelers', 'Hartford', 'Progressive'][i]!,
    producerId: null,
    producerName: null,
    agencyCents,
    splits: [],
  }));
}

const journalTo = (period: string, cents: number[]) => ({
  period,
  entries: buildJournal(period, accruals(cents)),
  chart: defaultChart,
  docNumberPrefix: docNumberPrefix(period),
});

describe('Xero reads', () => {
  test('suppliers are the carriers and customers the clients, each paged by 100', async () => {
    const account = await newAccount();
    const customers = await readAll(session(account), full('customers'));
    expect(customers.pages.length).toBeGreaterThanOrEqual(2);
    expect(customers.pages[0]!.records).toHaveLength(100);
    expect(customers.records.every((r) => r.payload.IsCustomer === true)).toBe(true);
    const suppliers = await readAll(session(account), full('suppliers'));
    expect(suppliers.records.some((r) => r.payload.AccountNumber)).toBe(true);
    expect(suppliers.records.every((r) => r.payload.IsSupplier === true)).toBe(true);
    const accounts = await readAll(session(account), full('accounts'));
    expect(accounts.records.map((r) => r.payload.Code)).toEqual(
      expect.arrayContaining(['1150', '4000', '5000', '2150']),
    );
  });

  test('an incremental read sends If-Modified-Since and gets only what changed since', async () => {
    const account = await newAccount();
    const before = await readAll(session(account), full('manual_journals'));
    expect(before.records).toEqual([]);
    await xeroAccounting.postJournal(
      context(account),
      session(account),
      journalTo('2026-10', [10_000, 25_000]),
    );
    const after = await readAll(session(account), {
      stream: 'manual_journals',
      mode: 'incremental',
      cursor: before.cursor,
    });
    expect(after.records).toHaveLength(2);
    const again = await readAll(session(account), {
      stream: 'manual_journals',
      mode: 'incremental',
      cursor: after.cursor,
    });
    expect(again.records).toEqual([]);
    // The header itself, as Xero reads it (an HTTP date works too).
    const res = await fetch(`${baseUrl}/api.xro/2.0/Contacts?page=1`, {
      headers: {
        authorization: `Bearer ${account.credentials.accessToken}`,
        'xero-tenant-id': account.credentials.tenantId,
        'if-modified-since': new Date(Date.now() + 60_000).toUTCString(),
      },
    });
    expect(((await res.json()) as { Contacts: unknown[] }).Contacts).toEqual([]);
  });
});

describe('Xero limits and refusals', () => {
  test("the minute limit is a 429 naming the problem, and rate_limited with Xero's Retry-After", async () => {
    const account = await newAccount({ clients: 20 });
    await admin(`${account.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 2 });
    const headers = {
      authorization: `Bearer ${account.credentials.accessToken}`,
      'xero-tenant-id': account.credentials.tenantId,
    };
    const ok = await fetch(`${baseUrl}/api.xro/2.0/Accounts`, { headers });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-minlimit-remaining')).toBe('1');
    expect(ok.headers.get('x-daylimit-remaining')).toMatch(/^\d+$/);
    expect(ok.headers.get('x-appminlimit-remaining')).toMatch(/^\d+$/);
    await fetch(`${baseUrl}/api.xro/2.0/Accounts`, { headers });
    const refused = await fetch(`${baseUrl}/api.xro/2.0/Accounts`, { headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-problem')).toBe('minute');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const err = await session(account)
      .read({ ...full('accounts'), checkpoint: null, runStartedAt: new Date().toISOString() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, vendorCode: 'minute' });
    expect((err as ConnectorError).retryAfterMs).toBeGreaterThan(0);
  });

  test('the day limit is a 429 naming the day, with the wait until a slot frees', async () => {
    const account = await newAccount({ clients: 5 });
    xeroSandbox.sandbox.orgs.get(account.accountId)!.day.max = 1;
    const s = session(account);
    await s.read({ ...full('accounts'), checkpoint: null, runStartedAt: new Date().toISOString() });
    const err = await s
      .read({ ...full('accounts'), checkpoint: null, runStartedAt: new Date().toISOString() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, vendorCode: 'day' });
    expect((err as ConnectorError).retryAfterMs).toBeGreaterThan(3_600_000);
  });

  test('a bad token is 401 with Xero’s body; an expired one is refreshed once and the read goes on', async () => {
    const account = await newAccount({ clients: 20 });
    const res = await fetch(`${baseUrl}/api.xro/2.0/Accounts`, {
      headers: { authorization: 'Bearer nope', 'xero-tenant-id': account.credentials.tenantId },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'AuthenticationUnsuccessful',
    });
    const { accessToken } = await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', {
      ttlSeconds: -5,
    });
    let refreshes = 0;
    const page = await session(account, {
      credentials: { ...account.credentials, accessToken },
      refresh: () => {
        refreshes++;
        return refreshAtTokenEndpoint(account.credentials);
      },
    }).read({ ...full('accounts'), checkpoint: null, runStartedAt: new Date().toISOString() });
    expect(refreshes).toBe(1);
    expect(page.records.length).toBeGreaterThan(0);
  });

  test('an unbalanced journal is refused as Xero validates it: bad_request with its message', async () => {
    const account = await newAccount({ clients: 20 });
    const s = session(account);
    const err = await s.upsert!('manual_journals', 'Narration', [
      {
        externalId: 'CH-2026-10-BAD-000',
        fields: {
          date: '2026-10-31',
          narration: 'CH-2026-10-BAD-000: unbalanced',
          lines: [
            { accountCode: '1150', lineAmount: 10, description: 'x' },
            { accountCode: '4000', lineAmount: -9, description: 'y' },
          ],
        },
      },
    ]).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'bad_request', status: 400, vendorCode: '10' });
    expect((err as Error).message).toMatch(/total debits \(10\.00\) must equal total credits \(9\.00\)/);
  });
});

describe('the commission journal as Xero manual journals', () => {
  test('posted once per carrier, re-posting updates in place, a month’s dropped carrier is voided', async () => {
    const account = await newAccount({ clients: 20 });
    const first = await xeroAccounting.postJournal(
      context(account),
      session(account),
      journalTo('2026-10', [10_000, 25_000, 5_000]),
    );
    expect(first).toEqual({ created: 3, existing: 0, removed: 0 });
    const posted = await truth(account, 'ManualJournals');
    expect(posted).toHaveLength(3);
    for (const j of posted) {
      expect(j.Status).toBe('POSTED');
      expect(String(j.Narration)).toMatch(/^CH-2026-10-[A-Z0-9]+-[0-9a-f]{3}: /);
      const lines = j.JournalLines as { LineAmount: number; AccountCode: string }[];
      expect(lines.reduce((s, l) => s + Math.round(l.LineAmount * 100), 0)).toBe(0);
      expect(lines.map((l) => l.AccountCode).sort()).toEqual(['1150', '4000']);
      expect(j.Date).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    }
    // The same month again: nothing written.
    const { requests } = await admin<{ requests: number }>(account.adminUrl);
    const again = await xeroAccounting.postJournal(
      context(account),
      session(account),
      journalTo('2026-10', [10_000, 25_000, 5_000]),
    );
    expect(again).toEqual({ created: 0, existing: 3, removed: 0 });
    const after = await truth(account, 'ManualJournals');
    expect(after.map((j) => j.UpdatedDateUTC)).toEqual(posted.map((j) => j.UpdatedDateUTC));
    const { requests: requestsAfter } = await admin<{ requests: number }>(account.adminUrl);
    // The chart, and one page of journals each for the writer and for the sweep: no writes.
    expect(requestsAfter - requests).toBe(3);
    // Amounts change and the third carrier drops out: updated in place, the dropped one voided.
    const changed = await xeroAccounting.postJournal(
      context(account),
      session(account),
      journalTo('2026-10', [12_000, 25_000]),
    );
    expect(changed).toEqual({ created: 0, existing: 2, removed: 1 });
    const now = await truth(account, 'ManualJournals');
    expect(now.map((j) => j.ManualJournalID).sort()).toEqual(posted.map((j) => j.ManualJournalID).sort());
    expect(now.filter((j) => j.Status === 'VOIDED')).toHaveLength(1);
    const travelers = now.find((j) => String(j.Narration).includes('Travelers'))!;
    expect((travelers.JournalLines as { LineAmount: number }[]).map((l) => Math.abs(l.LineAmount))).toEqual([
      120, 120,
    ]);
    // Another month is left alone; the voided one is not matched again (a new one is posted).
    const back = await xeroAccounting.postJournal(
      context(account),
      session(account),
      journalTo('2026-10', [12_000, 25_000, 5_000]),
    );
    expect(back).toEqual({ created: 1, existing: 2, removed: 0 });
    // Voided journals are reported as deletes by the stream.
    const read = await readAll(session(account), full('manual_journals'));
    expect(read.records).toHaveLength(3);
    expect(read.deleted).toHaveLength(1);
  });

  test('accounts missing from the chart are created with the tenant’s codes', async () => {
    const account = await newAccount({ clients: 20 });
    const chart = {
      ...defaultChart,
      commissionIncome: { ...defaultChart.commissionIncome, code: '4100', name: 'Commissions' },
    };
    await xeroAccounting.postJournal(context(account), session(account), {
      ...journalTo('2026-09', [7_000]),
      chart,
    });
    const accounts = await truth(account, 'Accounts');
    expect(accounts.find((a) => a.Code === '4100')).toMatchObject({ Type: 'REVENUE', Status: 'ACTIVE' });
    const [journal] = await truth(account, 'ManualJournals');
    expect((journal!.JournalLines as { AccountCode: string }[]).map((l) => l.AccountCode).sort()).toEqual([
      '1150',
      '4100',
    ]);
  });

  test('a posted journal cannot be deleted, only voided; a voided one cannot change', async () => {
    const account = await newAccount({ clients: 20 });
    await xeroAccounting.postJournal(context(account), session(account), journalTo('2026-08', [3_000]));
    const [j] = await truth(account, 'ManualJournals');
    const call = (body: unknown) =>
      fetch(`${baseUrl}/api.xro/2.0/ManualJournals/${j!.ManualJournalID}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${account.credentials.accessToken}`,
          'xero-tenant-id': account.credentials.tenantId,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const deleted = await call({ ManualJournals: [{ Narration: j!.Narration, Status: 'DELETED' }] });
    expect(deleted.status).toBe(400);
    expect(await deleted.json()).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException' });
    expect((await call({ ManualJournals: [{ Narration: j!.Narration, Status: 'VOIDED' }] })).status).toBe(
      200,
    );
    expect((await call({ ManualJournals: [{ Narration: j!.Narration, Status: 'POSTED' }] })).status).toBe(
      400,
    );
  });
});

describe('connecting', () => {
  test('the grant’s organisation is the tenant /connections lists', async () => {
    const account = await newAccount({ clients: 5 });
    const form = xeroDefinition.connect!;
    if (form.kind !== 'oauth') throw new Error('Xero connects by OAuth');
    const credentials: Credentials = { accessToken: account.credentials.accessToken };
    const id = await form.identifyAccount({ credentials, redirect: new URLSearchParams(), baseUrl });
    expect(id).toBe(account.credentials.tenantId);
    expect(credentials.tenantId).toBe(account.credentials.tenantId);
  });
});

// Xero's published OpenAPI (XeroAPI/Xero-OpenAPI, MIT), trimmed to what the connector uses.
const accountingSpec = JSON.parse(
  readFileSync(
    new URL('../fixtures/vendor-contracts/xero/xero_accounting.trimmed.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;
const identitySpec = JSON.parse(
  readFileSync(
    new URL('../fixtures/vendor-contracts/xero/xero-identity.trimmed.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
ajv.addSchema(accountingSpec, 'xero-accounting');
ajv.addSchema(identitySpec, 'xero-identity');

function conforms(spec: 'xero-accounting' | 'xero-identity', schema: string, body: unknown): void {
  const validate = ajv.getSchema(`${spec}#/components/schemas/${schema}`)!;
  expect(validate, schema).toBeDefined();
  const ok = validate(body);
  expect(ok ? [] : validate.errors, schema).toEqual([]);
}

/** The schema of a documented answer, as the spec names it for a path, method and status. */
function documented(path: string, method: string, status: number): string {
  const paths = accountingSpec.paths as Record<
    string,
    Record<string, { responses: Record<string, unknown> }>
  >;
  const response = paths[path]?.[method]?.responses[String(status)] as
    | { content?: Record<string, { schema: { $ref: string } }>; $ref?: string }
    | undefined;
  expect(response, `${method.toUpperCase()} ${path} ${status} is documented`).toBeDefined();
  const ref = response!.$ref
    ? (
        accountingSpec.components as Record<
          string,
          Record<string, { content: Record<string, { schema: { $ref: string } }> }>
        >
      ).responses![response!.$ref.split('/').pop()!]!.content['application/json']!.schema.$ref
    : response!.content!['application/json']!.schema.$ref;
  return ref.split('/').pop()!;
}

describe('the sandbox answers in the shapes Xero publishes', () => {
  test('every answer the connector uses validates against Xero’s OpenAPI', async () => {
    const account = await newAccount({ clients: 20 });
    const headers = {
      authorization: `Bearer ${account.credentials.accessToken}`,
      'xero-tenant-id': account.credentials.tenantId,
      'content-type': 'application/json',
    };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}/api.xro/2.0${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const accounts = await call('GET', '/Accounts');
    conforms('xero-accounting', documented('/Accounts', 'get', 200), accounts.body);
    const createdAccount = await call('PUT', '/Accounts', {
      Code: '4200',
      Name: 'Other Commission',
      Type: 'REVENUE',
    });
    conforms('xero-accounting', documented('/Accounts', 'put', 200), createdAccount.body);
    const contacts = await call('GET', '/Contacts?page=1&where=IsCustomer%3D%3Dtrue&includeArchived=true');
    conforms('xero-accounting', documented('/Contacts', 'get', 200), contacts.body);
    expect(contacts.body.pagination).toMatchObject({ page: 1, pageSize: 100 });
    const journal = {
      Narration: 'CH-2026-07-TEST-000: spec',
      Date: '2026-07-31',
      Status: 'POSTED',
      JournalLines: [
        { LineAmount: 50, AccountCode: '1150', Description: 'receivable' },
        { LineAmount: -50, AccountCode: '4000', Description: 'income' },
      ],
    };
    const created = await call('PUT', '/ManualJournals', { ManualJournals: [journal] });
    expect(created.status).toBe(200);
    conforms('xero-accounting', documented('/ManualJournals', 'put', 200), created.body);
    const id = (created.body.ManualJournals as { ManualJournalID: string }[])[0]!.ManualJournalID;
    const list = await call('GET', '/ManualJournals?page=1');
    conforms('xero-accounting', documented('/ManualJournals', 'get', 200), list.body);
    const one = await call('GET', `/ManualJournals/${id}`);
    conforms('xero-accounting', documented('/ManualJournals/{ManualJournalID}', 'get', 200), one.body);
    const updated = await call('POST', `/ManualJournals/${id}`, {
      ManualJournals: [{ ...journal, Status: 'VOIDED' }],
    });
    conforms('xero-accounting', documented('/ManualJournals/{ManualJournalID}', 'post', 200), updated.body);
    const refused = await call('PUT', '/ManualJournals', {
      ManualJournals: [{ ...journal, JournalLines: [] }],
    });
    expect(refused.status).toBe(400);
    conforms('xero-accounting', documented('/ManualJournals', 'put', 400), refused.body);
    const connections = await fetch(`${baseUrl}/connections`, { headers });
    const list2 = (await connections.json()) as unknown[];
    for (const c of list2) conforms('xero-identity', 'Connection', c);
  });
});
