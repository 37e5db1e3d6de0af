// The Salesforce connector, driving the real jsforce client, against the Salesforce sandbox
// served in-process under /salesforce: SOQL paging through query locators (and their expiry),
// SystemModstamp incremental reads, deletes through queryAll and getDeleted, upsert by external
// id, REQUEST_LIMIT_EXCEEDED, expired sessions refreshed through the hub's callback, the OAuth
// web server flow, quarantine of malformed records and signed change events.
import { createHmac, randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { Connection, OAuth2 } from 'jsforce';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { throttleFor } from '../../connectors/kit/throttle.ts';
import { REQUEST_LIMIT_RETRY_MS } from '../../connectors/salesforce/errors.ts';
import { salesforceConnector } from '../../connectors/salesforce/index.ts';
import { createSalesforceSandboxApp } from '../../connectors/salesforce/sandbox/index.ts';
import {
  ConnectorError,
  type ConnectorSession,
  type Credentials,
  type WebhookRequest,
} from '../../connectors/types.ts';
import { payloadHash } from '../../db/page-writer.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';
import { salesforceMappings } from '../../mappings/salesforce.ts';
import { sandboxAdmin, waitFor } from '../support/harness.ts';
import { serveApp } from '../support/serve-app.ts';
import {
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
  serveSandbox,
} from './connector-contract.ts';

const mappings = withOverrides(salesforceMappings, undefined);
const fields = fieldsOf(salesforceMappings);

interface OrgCredentials {
  accessToken: string;
  refreshToken: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
}

type Org = SandboxAccount<{ credentials: OrgCredentials }>;

interface TruthRecord {
  Id: string;
  IsDeleted: boolean;
  [field: string]: unknown;
}

let server: Awaited<ReturnType<typeof serveSandbox>>;
let sandboxUrl: string;
let org: Org;

const newOrg = (opts: Record<string, unknown> = {}) =>
  newSandboxAccount<Org>(`${sandboxUrl}/salesforce`, opts);

async function truth(o: Org, type: string): Promise<TruthRecord[]> {
  return (await sandboxAdmin<{ results: TruthRecord[] }>(`${o.adminUrl}/objects/${type}`)).results;
}

/** The hub's refresh, as activities/credentials.ts does it: oauth4webapi at the token path. */
async function refreshAtTokenEndpoint(o: Org, current: Credentials): Promise<Credentials> {
  const as: oauth.AuthorizationServer = {
    issuer: new URL(o.baseUrl).origin,
    token_endpoint: `${o.baseUrl}/services/oauth2/token`,
  };
  const client: oauth.Client = { client_id: String(current.clientId) };
  const res = await oauth.refreshTokenGrantRequest(
    as,
    client,
    oauth.ClientSecretPost(String(current.clientSecret)),
    String(current.refreshToken),
    { [oauth.allowInsecureRequests]: true },
  );
  const result = await oauth.processRefreshTokenResponse(as, client, res);
  return {
    ...current,
    accessToken: result.access_token,
    ...(result.refresh_token ? { refreshToken: result.refresh_token } : {}),
    instance_url: String(result.instance_url),
    id: String(result.id),
  };
}

function session(
  o: Org,
  opts: {
    credentials?: Credentials;
    settings?: Record<string, unknown>;
    connectionId?: string;
    refresh?: () => Promise<Credentials>;
  } = {},
): ConnectorSession {
  return salesforceConnector.open({
    connectionId: opts.connectionId ?? randomUUID(),
    tenantId: randomUUID(),
    baseUrl: o.baseUrl,
    credentials: opts.credentials ?? { ...o.credentials },
    settings: opts.settings ?? { queryBatchSize: 200 },
    fields,
    refreshCredentials: opts.refresh ?? (() => Promise.reject(new Error('no refresh in this test'))),
  });
}

const now = () => new Date().toISOString();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  server = await serveSandbox('/salesforce', createSalesforceSandboxApp().app);
  sandboxUrl = server.url;
  org = await newOrg({ seed: 'contract', clients: 400, asOf: '2026-11-01' });
});

afterAll(async () => {
  await server?.close();
});

runConnectorContract('Salesforce', {
  connector: salesforceConnector,
  newAccount: () => newOrg({ seed: 'clauses', clients: 400, asOf: '2026-11-01' }),
  open: (o, opts) => session(o, opts),
  pagedStream: 'insurance_policies',
  change: {
    stream: 'insurance_policies',
    async run(o) {
      const target = (await truth(o, 'InsurancePolicy')).find((r) => !r.IsDeleted)!;
      await sandboxAdmin(`${o.adminUrl}/objects/InsurancePolicy/${target.Id}`, 'PATCH', {
        PremiumAmount: 4321.5,
      });
      return target.Id;
    },
  },
  // Into the recycle bin: queryAll reports it deleted.
  remove: {
    stream: 'contacts',
    async run(o) {
      const target = (await truth(o, 'Contact')).find((r) => !r.IsDeleted)!;
      await sandboxAdmin(`${o.adminUrl}/objects/Contact/${target.Id}`, 'DELETE');
      return target.Id;
    },
  },
  retryAfterMs: REQUEST_LIMIT_RETRY_MS,
  revoke: async (o) => ({ ...o.credentials, accessToken: 'revoked-session' }),
  refresh: (o) => refreshAtTokenEndpoint(o, { ...o.credentials }),
});

describe('reading Salesforce through jsforce', () => {
  test('a full listing pages through query locators and returns each live policy once', async () => {
    const live = (await truth(org, 'InsurancePolicy')).filter((r) => !r.IsDeleted).map((r) => r.Id);
    const runStartedAt = now();
    const { pages, ids } = await readAll(session(org), {
      stream: 'insurance_policies',
      mode: 'full',
      cursor: null,
      runStartedAt,
    });
    expect(live.length).toBeGreaterThan(400);
    expect(pages.length).toBe(Math.ceil(live.length / 200));
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(live.sort());
    expect(pages[0]!.checkpoint).toMatchObject({
      phase: 'list',
      locator: expect.stringMatching(/^01g\w{15}-200$/),
    });
    const cursor = pages.at(-1)!.cursor as { since: string; deletedSince: string };
    expect(cursor.since <= runStartedAt).toBe(true);
    // Payloads are the selected fields only: no attributes, parents nested.
    const record = pages.flatMap((p) => p.records).find((r) => r.payload.PriorPolicy)!;
    expect(record.payload).not.toHaveProperty('attributes');
    expect(record.payload.PriorPolicy).toEqual({ Name: expect.any(String) });
    expect(record.externalId).toMatch(/^0YT[a-zA-Z0-9]{15}$/);
  });

  test('an expired query locator restarts from the last Id read, without gaps or repeats', async () => {
    const s = session(org);
    const req = { stream: 'insurance_policies', mode: 'full' as const, cursor: null, runStartedAt: now() };
    const first = await s.read({ ...req, checkpoint: null });
    expect(first.checkpoint).not.toBeNull();
    await sandboxAdmin(`${org.adminUrl}/query-locators`, 'DELETE');
    const ids = [...first.records.map((r) => r.externalId)];
    let checkpoint = first.checkpoint;
    while (checkpoint !== null) {
      const page = await s.read({ ...req, checkpoint });
      ids.push(...page.records.map((r) => r.externalId));
      checkpoint = page.checkpoint;
    }
    const live = (await truth(org, 'InsurancePolicy')).filter((r) => !r.IsDeleted).map((r) => r.Id);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(live.sort());
  });

  test('an incremental read whose locator expires restarts from the last SystemModstamp and Id', async () => {
    const s = session(org);
    const req = {
      stream: 'insurance_policies',
      mode: 'incremental' as const,
      cursor: { since: '2000-01-01T00:00:00Z', deletedSince: minutesAgo(1) },
      runStartedAt: now(),
    };
    const first = await s.read({ ...req, checkpoint: null });
    expect(first.checkpoint).toMatchObject({ phase: 'changes', locator: expect.any(String) });
    await sandboxAdmin(`${org.adminUrl}/query-locators`, 'DELETE');
    const ids = first.records.map((r) => r.externalId);
    let checkpoint = first.checkpoint;
    while (checkpoint !== null) {
      const page = await s.read({ ...req, checkpoint });
      ids.push(...page.records.map((r) => r.externalId));
      checkpoint = page.checkpoint;
    }
    const live = (await truth(org, 'InsurancePolicy')).filter((r) => !r.IsDeleted).map((r) => r.Id);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(live.sort());
  });

  test('an incremental read picks up a change made in Salesforce since the cursor', async () => {
    const since = now();
    const target = (await truth(org, 'InsurancePolicy')).find((r) => !r.IsDeleted)!;
    const changed = await sandboxAdmin<{ SystemModstamp: string }>(
      `${org.adminUrl}/objects/InsurancePolicy/${target.Id}`,
      'PATCH',
      { PremiumAmount: 4321.5 },
    );
    const { ids, pages } = await readAll(session(org), {
      stream: 'insurance_policies',
      mode: 'incremental',
      cursor: { since, deletedSince: since },
      runStartedAt: now(),
    });
    expect(ids).toEqual([target.Id]);
    const record = pages.flatMap((p) => p.records)[0]!;
    expect(record.payload.PremiumAmount).toBe(4321.5);
    expect(record.updatedAt).toBe(changed.SystemModstamp);
    expect(pages.at(-1)!.cursor).toMatchObject({ since: changed.SystemModstamp });
    const mapped = mapRecord(mappings.insurance_policies!, record.payload);
    expect(mapped.ok === true && mapped.draft).toMatchObject({ termPremiumCents: 432150 });
  });

  test('full and incremental reads of the same record normalise to the same payload', async () => {
    const s = session(org);
    const full = await readAll(s, { stream: 'accounts', mode: 'full', cursor: null, runStartedAt: now() });
    const inc = await readAll(s, {
      stream: 'accounts',
      mode: 'incremental',
      cursor: { since: '2000-01-01T00:00:00Z', deletedSince: minutesAgo(1) },
      runStartedAt: now(),
    });
    const byId = new Map(full.pages.flatMap((p) => p.records).map((r) => [r.externalId, r.payload]));
    const incremental = inc.pages.flatMap((p) => p.records);
    expect(incremental.length).toBe(byId.size);
    for (const r of incremental) expect(payloadHash(r.payload)).toBe(payloadHash(byId.get(r.externalId)));
  });

  test('deletes come from queryAll (recycle bin) and getDeleted (purged records), undeletes do not', async () => {
    const live = (await truth(org, 'Contact')).filter((r) => !r.IsDeleted);
    const [binned, purged, restored] = live;
    const cursor = { since: now(), deletedSince: minutesAgo(6) };
    await sandboxAdmin(`${org.adminUrl}/objects/Contact/${binned!.Id}`, 'DELETE');
    // Purged from the recycle bin: only the delete log (getDeleted) still knows it.
    await sandboxAdmin(
      `${org.adminUrl}/objects/Contact/${purged!.Id}?hard=true&at=${minutesAgo(3)}`,
      'DELETE',
    );
    await sandboxAdmin(`${org.adminUrl}/objects/Contact/${restored!.Id}?at=${minutesAgo(4)}`, 'DELETE');
    await sandboxAdmin(`${org.adminUrl}/objects/Contact/${restored!.Id}/undelete`, 'POST');

    const { pages, ids } = await readAll(session(org), {
      stream: 'contacts',
      mode: 'incremental',
      cursor,
      runStartedAt: now(),
    });
    const deleted = pages.flatMap((p) => p.deleted);
    // A delete can be reported by both queryAll and getDeleted when a minute turns mid-test.
    expect([...new Set(deleted.map((d) => d.externalId))].sort()).toEqual([binned!.Id, purged!.Id].sort());
    expect(deleted[0]).toMatchObject({ reason: 'deleted in Salesforce', deletedAt: expect.any(String) });
    expect(ids).toContain(restored!.Id);
    const next = pages.at(-1)!.cursor as { deletedSince: string };
    expect(next.deletedSince > cursor.deletedSince).toBe(true);

    // The same rows as jsforce sees them: queryAll keeps the binned contact, query does not.
    const conn = new Connection({
      instanceUrl: org.baseUrl,
      accessToken: org.credentials.accessToken,
      version: '62.0',
    });
    const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${binned!.Id}'`;
    expect((await conn.query(soql)).totalSize).toBe(0);
    const all = await conn.query(soql, { scanAll: true });
    expect(all.records[0]).toMatchObject({ Id: binned!.Id, IsDeleted: true });
    const log = await conn.sobject('Contact').deleted(minutesAgo(10), now());
    expect(log.deletedRecords.map((d) => d.id)).toEqual(expect.arrayContaining([purged!.Id, restored!.Id]));
  });

  test('a getDeleted window holding too many ids is split until each part fits', async () => {
    const o = await newOrg({ seed: 'split', clients: 30, asOf: '2026-11-01' });
    await sandboxAdmin(`${o.adminUrl}/settings`, 'PUT', { replicationIdLimit: 1 });
    const victims = (await truth(o, 'Contact')).slice(0, 3);
    for (const [n, v] of victims.entries())
      await sandboxAdmin(
        `${o.adminUrl}/objects/Contact/${v.Id}?hard=true&at=${minutesAgo(5 - 2 * n)}`,
        'DELETE',
      );
    const { pages } = await readAll(session(o), {
      stream: 'contacts',
      mode: 'incremental',
      cursor: { since: now(), deletedSince: minutesAgo(7) },
      runStartedAt: now(),
    });
    expect(
      pages
        .flatMap((p) => p.deleted)
        .map((d) => d.externalId)
        .sort(),
    ).toEqual(victims.map((v) => v.Id).sort());
  });

  test('only the configured policy source is read, so a term is not counted twice', async () => {
    const req = { mode: 'full' as const, cursor: null, checkpoint: null, runStartedAt: now() };
    const fsc = session(org);
    expect((await fsc.read({ ...req, stream: 'opportunities' })).records).toEqual([]);
    const salesCloud = session(org, { settings: { queryBatchSize: 200, policySource: 'Opportunity' } });
    expect((await salesCloud.read({ ...req, stream: 'insurance_policies' })).records).toEqual([]);
    const page = await salesCloud.read({ ...req, stream: 'opportunities' });
    const results = page.records.map((r) => mapRecord(mappings.opportunities!, r.payload));
    expect(results.filter((r) => r.ok === true).length).toBeGreaterThan(100);
  });

  test('users: automated users are left out and people without an agency role are skipped', async () => {
    const { ids, pages } = await readAll(session(org), {
      stream: 'users',
      mode: 'full',
      cursor: null,
      runStartedAt: now(),
    });
    const users = await truth(org, 'User');
    expect(ids.sort()).toEqual(
      users
        .filter((u) => u.UserType === 'Standard')
        .map((u) => u.Id)
        .sort(),
    );
    const mapped = pages.flatMap((p) => p.records).map((r) => mapRecord(mappings.users!, r.payload));
    expect(mapped.filter((m) => m.ok === 'skip')).toHaveLength(1); // the admin
    expect(mapped.filter((m) => m.ok === true).length).toBe(9);
  });

  test('seeded malformed policies are quarantined with the field and the reason', async () => {
    const { pages } = await readAll(session(org), {
      stream: 'insurance_policies',
      mode: 'full',
      cursor: null,
      runStartedAt: now(),
    });
    const failures = pages
      .flatMap((p) => p.records)
      .map((r) => mapRecord(mappings.insurance_policies!, r.payload))
      .filter((m) => m.ok === false);
    expect(failures).toContainEqual({
      ok: false,
      field: 'expirationDate',
      reason: 'expirationDate: expiration date is before the effective date',
    });
    expect(failures).toContainEqual({
      ok: false,
      field: 'status',
      reason: 'status: unknown value "pending review"',
    });
  });
});

describe('SOQL date literals', () => {
  const utcDay = (offsetDays: number, base = new Date()) =>
    new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + offsetDays))
      .toISOString()
      .slice(0, 10);

  test('date literals filter date fields by UTC day ranges, as Salesforce does', async () => {
    const t = new Date();
    const today = utcDay(0, t);
    const monthStart = (k: number) =>
      new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + k, 1)).toISOString().slice(0, 10);
    const days: Record<string, string> = {
      today,
      yesterday: utcDay(-1, t),
      tomorrow: utcDay(1, t),
      minus3: utcDay(-3, t),
      minus7: utcDay(-7, t),
      minus8: utcDay(-8, t),
      plus3: utcDay(3, t),
      plus8: utcDay(8, t),
      thisMonthStart: monthStart(0),
      lastMonthStart: monthStart(-1),
      lastMonthEnd: utcDay(-1, new Date(`${monthStart(0)}T00:00:00Z`)),
      nextMonthStart: monthStart(1),
    };
    const tag = `DL-${randomUUID().slice(0, 8)}`;
    for (const [label, CloseDate] of Object.entries(days)) {
      await sandboxAdmin(`${org.adminUrl}/objects/Opportunity`, 'POST', {
        Name: `${tag}-${label}`,
        StageName: 'Prospecting',
        CloseDate,
      });
    }
    const conn = new Connection({
      instanceUrl: org.baseUrl,
      accessToken: org.credentials.accessToken,
      version: '62.0',
    });
    const names = async (where: string) =>
      (
        await conn.query<{ Name: string }>(
          `SELECT Name FROM Opportunity WHERE Name LIKE '${tag}%' AND ${where}`,
        )
      ).records
        .map((r) => r.Name.slice(tag.length + 1))
        .sort();
    const expected = (keep: (day: string) => boolean) =>
      Object.entries(days)
        .filter(([, d]) => keep(d))
        .map(([label]) => label)
        .sort();

    expect(await names('CloseDate = TODAY')).toEqual(expected((d) => d === today));
    expect(await names('CloseDate = YESTERDAY')).toEqual(expected((d) => d === utcDay(-1, t)));
    expect(await names('CloseDate > TODAY')).toEqual(expected((d) => d > today));
    expect(await names('CloseDate <= TODAY')).toEqual(expected((d) => d <= today));
    expect(await names('CloseDate != TODAY')).toEqual(expected((d) => d !== today));
    // LAST_N_DAYS:n counts today in; NEXT_N_DAYS:n starts tomorrow.
    expect(await names('CloseDate = LAST_N_DAYS:7')).toEqual(
      expected((d) => d >= utcDay(-7, t) && d <= today),
    );
    expect(await names('CloseDate = NEXT_N_DAYS:7')).toEqual(
      expected((d) => d >= utcDay(1, t) && d <= utcDay(7, t)),
    );
    expect(await names('CloseDate = THIS_MONTH')).toEqual(
      expected((d) => d >= monthStart(0) && d < monthStart(1)),
    );
    expect(await names('CloseDate = LAST_MONTH')).toEqual(
      expected((d) => d >= monthStart(-1) && d < monthStart(0)),
    );
    expect(await names('CloseDate IN (YESTERDAY, TOMORROW)')).toEqual(['tomorrow', 'yesterday']);
  });

  test('on dateTime fields a literal is the UTC range from midnight to midnight', async () => {
    const account = (await truth(org, 'Account')).find((r) => !r.IsDeleted)!;
    const tag = `DLT-${randomUUID().slice(0, 8)}`;
    const instants: Record<string, string> = {
      startOfToday: `${utcDay(0)}T00:00:00Z`,
      endOfYesterday: `${utcDay(-1)}T23:59:59Z`,
      startOfTomorrow: `${utcDay(1)}T00:00:00Z`,
      tenDaysAgo: `${utcDay(-10)}T12:00:00Z`,
    };
    for (const [label, EffectiveDate] of Object.entries(instants)) {
      await sandboxAdmin(`${org.adminUrl}/objects/InsurancePolicy`, 'POST', {
        Name: `${tag}-${label}`,
        NameInsuredId: account.Id,
        EffectiveDate,
      });
    }
    const conn = new Connection({
      instanceUrl: org.baseUrl,
      accessToken: org.credentials.accessToken,
      version: '62.0',
    });
    const names = async (where: string) =>
      (
        await conn.query<{ Name: string }>(
          `SELECT Name FROM InsurancePolicy WHERE Name LIKE '${tag}%' AND ${where}`,
        )
      ).records
        .map((r) => r.Name.slice(tag.length + 1))
        .sort();
    expect(await names('EffectiveDate = TODAY')).toEqual(['startOfToday']);
    expect(await names('EffectiveDate = YESTERDAY')).toEqual(['endOfYesterday']);
    expect(await names('EffectiveDate >= TODAY')).toEqual(['startOfToday', 'startOfTomorrow']);
    expect(await names('EffectiveDate < TODAY')).toEqual(['endOfYesterday', 'tenDaysAgo']);
    expect(await names('EffectiveDate = LAST_N_DAYS:1')).toEqual(['endOfYesterday', 'startOfToday']);
    expect(await names('EffectiveDate = LAST_N_DAYS:10')).toEqual([
      'endOfYesterday',
      'startOfToday',
      'tenDaysAgo',
    ]);

    // A literal on a text field, or an unknown one, is refused as Salesforce refuses it.
    const err = (soql: string) => Promise.resolve(conn.query(soql)).catch((e: { errorCode?: string }) => e);
    expect(await err(`SELECT Id FROM InsurancePolicy WHERE Name = TODAY`)).toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    expect(await err(`SELECT Id FROM InsurancePolicy WHERE EffectiveDate = LAST_N_DAYS`)).toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
  });
});

describe('writing to Salesforce', () => {
  test('upsert by external id creates once, then updates the same InsurancePolicy', async () => {
    const s = session(org);
    const account = (await truth(org, 'Account')).find((r) => !r.IsDeleted)!;
    const key = `renewal-${randomUUID()}`;
    const base = { Name: 'RNW-2027-001', NameInsuredId: account.Id, PolicyType: 'BOP' };
    const first = await s.upsert!('insurance_policies', 'Agency_Policy_Id__c', [
      { externalId: key, fields: { ...base, PremiumAmount: 1000 } },
    ]);
    const second = await s.upsert!('insurance_policies', 'Agency_Policy_Id__c', [
      { externalId: key, fields: { ...base, PremiumAmount: 1100 } },
    ]);
    expect(first[0]).toMatchObject({
      externalId: key,
      created: true,
      vendorId: expect.stringMatching(/^0YT/),
    });
    expect(second[0]).toEqual({ externalId: key, vendorId: first[0]!.vendorId, created: false });
    const matching = (await truth(org, 'InsurancePolicy')).filter((r) => r.Agency_Policy_Id__c === key);
    expect(matching).toHaveLength(1);
    expect(matching[0]!.PremiumAmount).toBe(1100);
  });

  test('a batch goes through sObject Collections all-or-none', async () => {
    const s = session(org);
    const account = (await truth(org, 'Account')).find((r) => !r.IsDeleted)!;
    const keys = [randomUUID(), randomUUID()];
    const fieldsFor = (premium: number) => ({
      Name: 'RNW-B',
      NameInsuredId: account.Id,
      PremiumAmount: premium,
    });
    const created = await s.upsert!('insurance_policies', 'Agency_Policy_Id__c', [
      { externalId: keys[0]!, fields: fieldsFor(500) },
      { externalId: keys[1]!, fields: fieldsFor(600) },
    ]);
    expect(created.map((r) => r.created)).toEqual([true, true]);
    const err = await s.upsert!('insurance_policies', 'Agency_Policy_Id__c', [
      { externalId: keys[0]!, fields: fieldsFor(700) },
      { externalId: randomUUID(), fields: { ...fieldsFor(800), NameInsuredId: '001000000000000AAA' } },
    ]).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'bad_request', vendorCode: 'INVALID_CROSS_REFERENCE_KEY' });
    const first = (await truth(org, 'InsurancePolicy')).find((r) => r.Agency_Policy_Id__c === keys[0]);
    expect(first!.PremiumAmount).toBe(500); // rolled back with its batch
  });
});

describe('Salesforce errors reach the hub classified', () => {
  test('a spent daily allowance is REQUEST_LIMIT_EXCEEDED, read as rate_limited and honoured', async () => {
    const limited = await newOrg({ empty: true });
    await sandboxAdmin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 2 });
    const url = `${limited.baseUrl}/services/data/v62.0/limits`;
    const headers = { authorization: `Bearer ${limited.credentials.accessToken}` };
    expect((await fetch(url, { headers })).headers.get('sforce-limit-info')).toBe('api-usage=1/2');
    await fetch(url, { headers });
    const refused = await fetch(url, { headers });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.headers.get('sforce-limit-info')).toBe('api-usage=2/2');
    expect(await refused.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);

    const conn = new Connection({
      instanceUrl: limited.baseUrl,
      accessToken: limited.credentials.accessToken,
      version: '62.0',
    });
    const classified = salesforceConnector.classifyError(
      await Promise.resolve(conn.query('SELECT Id FROM Account')).catch((e: unknown) => e),
    );
    expect(classified).toBeInstanceOf(ConnectorError);
    expect(classified).toMatchObject({
      kind: 'rate_limited',
      status: 403,
      vendorCode: 'REQUEST_LIMIT_EXCEEDED',
      retryAfterMs: REQUEST_LIMIT_RETRY_MS,
    });
    expect(classified.retryable).toBe(true);

    // Chaos injects the same refusal; the connection's throttle then holds every caller back.
    await sandboxAdmin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 0, rateLimitRate: 1 });
    const connectionId = randomUUID();
    const before = Date.now();
    await expect(
      session(limited, { connectionId }).read({
        stream: 'accounts',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: now(),
      }),
    ).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: REQUEST_LIMIT_RETRY_MS });
    const throttle = throttleFor(`salesforce:${connectionId}`, salesforceConnector.definition.rateBudget);
    const pausedUntil = (throttle as unknown as { pausedUntil: number }).pausedUntil;
    expect(pausedUntil).toBeGreaterThanOrEqual(before + REQUEST_LIMIT_RETRY_MS);
  });

  test('an expired session is refreshed once through the hub, and the read then succeeds', async () => {
    const o = await newOrg({ seed: 'refresh', clients: 30, asOf: '2026-11-01' });
    const { accessToken: expired } = await sandboxAdmin<{ accessToken: string }>(
      `${o.adminUrl}/tokens`,
      'POST',
      {
        ttlSeconds: -1,
      },
    );
    const credentials: Credentials = { ...o.credentials, accessToken: expired };
    let refreshes = 0;
    const s = session(o, {
      credentials,
      refresh: async () => {
        refreshes++;
        return refreshAtTokenEndpoint(o, credentials);
      },
    });
    const req = { stream: 'accounts', mode: 'full' as const, cursor: null, runStartedAt: now() };
    const { ids } = await readAll(s, req);
    expect(ids.length).toBeGreaterThan(0);
    await readAll(s, req);
    expect(refreshes).toBe(1);

    // A refresh that yields another refused token: auth_expired for the hub, after one refresh.
    let again = 0;
    const stuck = session(o, {
      credentials,
      refresh: async () => {
        again++;
        return credentials;
      },
    });
    await expect(stuck.read({ ...req, checkpoint: null })).rejects.toMatchObject({
      kind: 'auth_expired',
      vendorCode: 'INVALID_SESSION_ID',
    });
    expect(again).toBe(1);
  });

  test('a 5xx is a vendor outage, and jsforce is kept from retrying it', async () => {
    const o = await newOrg({ empty: true });
    await sandboxAdmin(`${o.adminUrl}/chaos`, 'PUT', { serverErrorRate: 1 });
    const before = (await sandboxAdmin<{ requests: number }>(o.adminUrl)).requests;
    await expect(
      session(o).read({ stream: 'users', mode: 'full', cursor: null, checkpoint: null, runStartedAt: now() }),
    ).rejects.toMatchObject({ kind: 'vendor_outage', vendorCode: 'SERVER_UNAVAILABLE' });
    expect((await sandboxAdmin<{ requests: number }>(o.adminUrl)).requests).toBe(before + 1);
  });

  test('a refused connection is a vendor outage, not a crash', async () => {
    const s = salesforceConnector.open({
      connectionId: randomUUID(),
      tenantId: randomUUID(),
      baseUrl: 'http://127.0.0.1:9',
      credentials: { accessToken: 'x' },
      settings: {},
      fields,
      refreshCredentials: () => Promise.reject(new Error('unused')),
    });
    await expect(
      s.read({ stream: 'users', mode: 'full', cursor: null, checkpoint: null, runStartedAt: now() }),
    ).rejects.toMatchObject({ kind: 'vendor_outage' });
  });
});

describe('OAuth web server flow', () => {
  test('authorize with PKCE and state, then the token response carries instance_url and id', async () => {
    const o = await newOrg({ empty: true, callbackUrls: ['http://localhost:5173/oauth/callback'] });
    const oauth2 = new OAuth2({
      loginUrl: o.baseUrl,
      clientId: o.credentials.clientId,
      clientSecret: o.credentials.clientSecret,
      redirectUri: 'http://localhost:5173/oauth/callback',
      useVerifier: true,
    });
    const state = randomUUID();
    const res = await fetch(oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state }), {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('http://localhost:5173/oauth/callback');
    expect(back.searchParams.get('state')).toBe(state);

    const token = await oauth2.requestToken(back.searchParams.get('code')!);
    expect(token).toMatchObject({
      token_type: 'Bearer',
      instance_url: o.baseUrl,
      refresh_token: expect.any(String),
      issued_at: expect.stringMatching(/^\d+$/),
    });
    expect(token.id).toMatch(new RegExp(`^${o.baseUrl}/id/${o.accountId}/005\\w{15}$`));
    expect(token.signature).toBe(
      createHmac('sha256', o.credentials.clientSecret)
        .update(token.id + token.issued_at)
        .digest('base64'),
    );
    // The code is single use.
    await expect(oauth2.requestToken(back.searchParams.get('code')!)).rejects.toMatchObject({
      name: 'invalid_grant',
    });

    // The token works for jsforce, and a refresh keeps the refresh token (no rotation by default).
    const conn = new Connection({
      instanceUrl: token.instance_url,
      accessToken: token.access_token,
      version: '62.0',
    });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(1);
    const refreshed = await oauth2.refreshToken(token.refresh_token!);
    expect(refreshed).toMatchObject({ instance_url: o.baseUrl, id: token.id, token_type: 'Bearer' });
    expect(refreshed.refresh_token).toBeUndefined();
  });

  test('a wrong PKCE verifier is refused; an org that rotates refresh tokens retires the old one', async () => {
    const o = await newOrg({ empty: true, rotateRefreshTokens: true });
    const redirectUri = 'http://localhost:5173/cb';
    const honest = new OAuth2({
      loginUrl: o.baseUrl,
      clientId: o.credentials.clientId,
      clientSecret: o.credentials.clientSecret,
      redirectUri,
      useVerifier: true,
    });
    const res = await fetch(honest.getAuthorizationUrl({ scope: 'api refresh_token' }), {
      redirect: 'manual',
    });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    // Same app, but not the client that started the flow: its verifier does not match the challenge.
    const impostor = new OAuth2({
      loginUrl: o.baseUrl,
      clientId: o.credentials.clientId,
      clientSecret: o.credentials.clientSecret,
      redirectUri,
      useVerifier: true,
    });
    await expect(impostor.requestToken(code)).rejects.toMatchObject({ name: 'invalid_grant' });

    const rotated = await refreshAtTokenEndpoint(o, { ...o.credentials });
    expect(rotated.refreshToken).not.toBe(o.credentials.refreshToken);
    await expect(refreshAtTokenEndpoint(o, { ...o.credentials })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('change events', () => {
  test('a signed change event is accepted and parsed; a forged or stale one is refused', async () => {
    const received: WebhookRequest[] = [];
    const receiver = new Hono();
    receiver.post('/hooks/salesforce', async (c) => {
      received.push({
        method: 'POST',
        url: c.req.url,
        headers: Object.fromEntries(c.req.raw.headers.entries()),
        rawBody: await c.req.text(),
      });
      return c.body(null, 204);
    });
    const hooks = await serveApp(receiver);
    try {
      const o = await newOrg({ seed: 'hooks', clients: 20, asOf: '2026-11-01' });
      const secret = `whsec_${randomUUID()}`;
      await sandboxAdmin(`${o.adminUrl}/webhook`, 'PUT', { url: `${hooks.url}/hooks/salesforce`, secret });
      const account = (await truth(o, 'Account')).find((r) => !r.IsDeleted)!;
      await sandboxAdmin(`${o.adminUrl}/objects/Account/${account.Id}`, 'PATCH', { Phone: '(555) 010-0000' });
      const event = await waitFor(async () => received[0], 'the change event');

      const webhooks = salesforceConnector.webhooks!;
      expect(webhooks.verify(event, secret)).toBe(true);
      expect(webhooks.parse(event)).toEqual({
        accountId: o.accountId,
        changes: [
          { stream: 'accounts', externalId: account.Id, op: 'upsert', occurredAt: expect.any(String) },
        ],
      });
      const body = JSON.parse(event.rawBody);
      expect(body.events[0].payload).toMatchObject({
        ChangeEventHeader: {
          entityName: 'Account',
          changeType: 'UPDATE',
          changedFields: ['Phone', 'LastModifiedDate'],
        },
        Phone: '(555) 010-0000',
      });

      expect(webhooks.verify(event, 'not-the-secret')).toBe(false);
      expect(webhooks.verify({ ...event, rawBody: event.rawBody.replace('UPDATE', 'DELETE') }, secret)).toBe(
        false,
      );
      expect(webhooks.verify(event, secret, new Date(Date.now() + 10 * 60_000))).toBe(false);

      await sandboxAdmin(`${o.adminUrl}/objects/Account/${account.Id}`, 'DELETE');
      const cascade = await waitFor(async () => received[1], 'the delete event');
      const changes = webhooks.parse(cascade).changes;
      expect(changes).toContainEqual({
        stream: 'accounts',
        externalId: account.Id,
        op: 'delete',
        occurredAt: expect.any(String),
      });
      expect(changes.some((c) => c.stream === 'contacts' && c.op === 'delete')).toBe(true);
    } finally {
      await hooks.close();
    }
  });
});
