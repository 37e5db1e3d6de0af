// The HubSpot connector, driving the real @hubspot/api-client, against the HubSpot sandbox:
// paging, search-based incremental reads (and the 10,000-result cap), archived records as
// deletes, batch upsert, and HubSpot's error shapes for rate limits and bad tokens.
import { randomUUID } from 'node:crypto';
import { Client } from '@hubspot/api-client';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { hubspotConnector } from '../../connectors/hubspot/index.ts';
import { QUEUE_OWNER_REASON } from '../../connectors/hubspot/streams.ts';
import { signHubSpotRequest } from '../../connectors/hubspot/webhooks.ts';
import { HubSpotUpsertRefused } from '../../connectors/hubspot/writes.ts';
import { ConnectorError, type ConnectorSession, type Credentials } from '../../connectors/types.ts';
import { payloadHash } from '../../db/page-writer.ts';

import { hubspotMappings } from '../../mappings/hubspot.ts';
import { sandboxAccount, sandboxAdmin } from '../support/harness.ts';
import { fieldsOf, readAll, runConnectorContract } from './connector-contract.ts';

const sandboxUrl = inject('sandboxUrl');
const fields = fieldsOf(hubspotMappings);
const noRefresh = () => Promise.reject(new Error('private-app tokens do not refresh'));

function session(
  account: { accessToken: string; baseUrl: string },
  opts: { credentials?: Credentials; refresh?: () => Promise<Credentials> } = {},
): ConnectorSession {
  return hubspotConnector.open({
    connectionId: randomUUID(),
    tenantId: randomUUID(),
    baseUrl: account.baseUrl,
    credentials: opts.credentials ?? { accessToken: account.accessToken },
    settings: {},
    fields,
    refreshCredentials: opts.refresh ?? noRefresh,
  });
}

const liveDeal = async (adminUrl: string) =>
  (
    await sandboxAdmin<{ results: { id: string; archived: boolean }[] }>(`${adminUrl}/objects/deals`)
  ).results.find((d) => !d.archived)!;

let account: Awaited<ReturnType<typeof sandboxAccount>>;

beforeAll(async () => {
  account = await sandboxAccount(sandboxUrl, 'hubspot', {
    seed: 'contract',
    clients: 90,
    asOf: '2026-11-01',
  });
});

runConnectorContract('HubSpot', {
  connector: hubspotConnector,
  newAccount: () =>
    sandboxAccount(sandboxUrl, 'hubspot', { seed: 'clauses', clients: 90, asOf: '2026-11-01' }),
  open: (acc, opts) => session(acc, opts),
  pagedStream: 'deals',
  change: {
    stream: 'deals',
    async run(acc) {
      const deal = await liveDeal(acc.adminUrl);
      await sandboxAdmin(`${acc.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
        properties: { amount: '777.00' },
      });
      return deal.id;
    },
  },
  remove: {
    stream: 'deals',
    async run(acc) {
      const deal = await liveDeal(acc.adminUrl);
      await sandboxAdmin(`${acc.adminUrl}/objects/deals/${deal.id}`, 'DELETE');
      return deal.id;
    },
  },
  // HubSpot sends no Retry-After: the ten-secondly window is the wait.
  retryAfterMs: 10_000,
  async revoke(acc) {
    await sandboxAdmin(`${acc.adminUrl}/tokens/${acc.accessToken}`, 'DELETE');
    return { accessToken: acc.accessToken };
  },
  refresh: noRefresh,
});

describe('reading HubSpot through @hubspot/api-client', () => {
  test('a full listing walks every page and returns each live deal once', async () => {
    const truth = (
      await sandboxAdmin<{ results: { id: string; archived: boolean }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results;
    const { pages, ids } = await readAll(session(account), {
      stream: 'deals',
      mode: 'full',
      cursor: null,
      runStartedAt: new Date().toISOString(),
    });
    expect(pages.length).toBeGreaterThan(1);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(
      truth
        .filter((d) => !d.archived)
        .map((d) => d.id)
        .sort(),
    );
    expect(pages.at(-1)!.cursor).toMatchObject({ since: expect.any(String) });
  });

  test('search-based incremental reads only what changed since the cursor, with associations', async () => {
    const since = new Date().toISOString();
    const deals = (
      await sandboxAdmin<{
        results: { id: string; archived: boolean; associations: Record<string, string[]> }[];
      }>(`${account.adminUrl}/objects/deals`)
    ).results;
    const target = deals.find(
      (d) => !d.archived && (d.associations.companies?.length || d.associations.contacts?.length),
    )!;
    await sandboxAdmin(`${account.adminUrl}/objects/deals/${target.id}`, 'PATCH', {
      properties: { amount: '777.00' },
    });
    const { ids, pages } = await readAll(session(account), {
      stream: 'deals',
      mode: 'incremental',
      cursor: { since },
      runStartedAt: new Date().toISOString(),
    });
    expect(ids).toEqual([target.id]);
    const record = pages.flatMap((p) => p.records)[0]!;
    expect(record.payload.associations).toEqual({
      companies: [...(target.associations.companies ?? [])].sort(),
      contacts: [...(target.associations.contacts ?? [])].sort(),
    });
    expect(pages.at(-1)!.cursor).toMatchObject({ since: record.updatedAt });
  });

  test('full and incremental reads of the same record normalise to the same payload', async () => {
    const s = session(account);
    const full = await readAll(s, {
      stream: 'deals',
      mode: 'full',
      cursor: null,
      runStartedAt: new Date().toISOString(),
    });
    const inc = await readAll(s, {
      stream: 'deals',
      mode: 'incremental',
      cursor: { since: '2000-01-01T00:00:00Z' },
      runStartedAt: new Date().toISOString(),
    });
    const fullById = new Map(full.pages.flatMap((p) => p.records).map((r) => [r.externalId, r.payload]));
    for (const r of inc.pages.flatMap((p) => p.records).slice(0, 50)) {
      expect(payloadHash(r.payload)).toBe(payloadHash(fullById.get(r.externalId)));
    }
  });

  test('archived deals come back as deletes on the next incremental read', async () => {
    const since = new Date().toISOString();
    const deals = (
      await sandboxAdmin<{ results: { id: string; archived: boolean }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results;
    const victim = deals.find((d) => !d.archived)!;
    await sandboxAdmin(`${account.adminUrl}/objects/deals/${victim.id}`, 'DELETE');
    const { pages } = await readAll(session(account), {
      stream: 'deals',
      mode: 'incremental',
      cursor: { since },
      runStartedAt: new Date().toISOString(),
    });
    expect(pages.flatMap((p) => p.deleted)).toEqual([
      { externalId: victim.id, deletedAt: expect.any(String), reason: 'archived in HubSpot' },
    ]);
  });

  test('an incremental window of more than 10,000 changes restarts the search instead of paging past the cap', async () => {
    const big = await sandboxAccount(sandboxUrl, 'hubspot', {
      seed: 'cap',
      deals: 10_450,
      asOf: '2026-11-01',
      clean: true,
    });
    // The raw API refuses to page past 10,000 results, as HubSpot does.
    const client = new Client({
      accessToken: big.accessToken,
      basePath: big.baseUrl,
      numberOfApiCallRetries: 1,
    });
    await expect(
      client.crm.deals.searchApi.doSearch({
        filterGroups: [],
        sorts: [],
        properties: [],
        limit: 200,
        after: '9900',
      } as never),
    ).rejects.toMatchObject({ code: 400 });
    const { ids } = await readAll(session(big), {
      stream: 'deals',
      mode: 'incremental',
      cursor: { since: '2000-01-01T00:00:00Z' },
      runStartedAt: new Date().toISOString(),
    });
    expect(new Set(ids).size).toBe(10_450);
  });
});

describe('HubSpot owners', () => {
  test('a queue owner is no producer: left out of the records, listed as gone with the reason', async () => {
    const owners = (
      await sandboxAdmin<{ results: { id: string; type: string }[] }>(`${account.adminUrl}/objects/owners`)
    ).results;
    const queues = owners.filter((o) => o.type === 'QUEUE').map((o) => o.id);
    expect(queues.length).toBeGreaterThan(0);
    const { pages, ids } = await readAll(session(account), {
      stream: 'owners',
      mode: 'full',
      cursor: null,
      runStartedAt: new Date().toISOString(),
    });
    expect(ids.sort()).toEqual(
      owners
        .filter((o) => o.type === 'PERSON')
        .map((o) => o.id)
        .sort(),
    );
    expect(pages.flatMap((p) => p.records).every((r) => r.payload.type === 'PERSON')).toBe(true);
    expect(pages.flatMap((p) => p.deleted)).toEqual(
      queues.map((id) => ({ externalId: id, deletedAt: null, reason: QUEUE_OWNER_REASON })),
    );
  });
});

describe('HubSpot errors reach the hub classified', () => {
  test('exceeding the ten-secondly limit gives HubSpot’s 429 body and headers, read as rate_limited', async () => {
    const limited = await sandboxAccount(sandboxUrl, 'hubspot', { empty: true });
    await sandboxAdmin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 2 });
    const url = `${limited.baseUrl}/crm/v3/objects/deals?limit=1`;
    const headers = { authorization: `Bearer ${limited.accessToken}` };
    await fetch(url, { headers });
    await fetch(url, { headers });
    const res = await fetch(url, { headers });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(await res.json()).toMatchObject({
      status: 'error',
      policyName: 'TEN_SECONDLY_ROLLING',
      errorType: 'RATE_LIMIT',
      correlationId: expect.any(String),
    });

    const client = new Client({
      accessToken: limited.accessToken,
      basePath: limited.baseUrl,
      numberOfApiCallRetries: 1,
    });
    const err = await client.crm.deals.basicApi.getPage(1).catch((e: unknown) => e);
    const classified = hubspotConnector.classifyError(err);
    expect(classified).toBeInstanceOf(ConnectorError);
    expect(classified).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 10_000 });
  });

  test('an unknown token is auth_invalid, an expired one auth_expired', async () => {
    const bad = new Client({
      accessToken: 'pat-na1-not-a-token',
      basePath: account.baseUrl,
      numberOfApiCallRetries: 1,
    });
    const unknown = hubspotConnector.classifyError(
      await bad.crm.deals.basicApi.getPage(1).catch((e: unknown) => e),
    );
    expect(unknown).toMatchObject({
      kind: 'auth_invalid',
      status: 401,
      vendorCode: 'INVALID_AUTHENTICATION',
    });

    const { accessToken } = await sandboxAdmin<{ accessToken: string }>(
      `${account.adminUrl}/tokens`,
      'POST',
      { ttlSeconds: -1 },
    );
    const stale = new Client({ accessToken, basePath: account.baseUrl, numberOfApiCallRetries: 1 });
    const expired = hubspotConnector.classifyError(
      await stale.crm.deals.basicApi.getPage(1).catch((e: unknown) => e),
    );
    expect(expired).toMatchObject({
      kind: 'auth_expired',
      status: 401,
      vendorCode: 'EXPIRED_AUTHENTICATION',
    });
    expect(expired.retryable).toBe(true);
  });

  test('a refused sandbox connection is a vendor outage, not a crash', async () => {
    const s = hubspotConnector.open({
      connectionId: randomUUID(),
      tenantId: randomUUID(),
      baseUrl: 'http://127.0.0.1:9',
      credentials: { accessToken: account.accessToken },
      settings: {},
      fields,
      refreshCredentials: () => Promise.reject(new Error('private-app tokens do not refresh')),
    });
    await expect(
      s.read({
        stream: 'owners',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({
      kind: 'vendor_outage',
    });
  });
});

describe('writing to HubSpot', () => {
  test('batch upsert by a unique property creates once, then updates the same deal', async () => {
    const s = session(account);
    const key = `renewal-${randomUUID()}`;
    const first = await s.upsert!('deals', 'agency_policy_id', [
      { externalId: key, fields: { dealname: 'Renewal 2027', amount: '1000.00' } },
    ]);
    const second = await s.upsert!('deals', 'agency_policy_id', [
      { externalId: key, fields: { dealname: 'Renewal 2027', amount: '1100.00' } },
    ]);
    expect(first[0]).toMatchObject({ externalId: key, created: true });
    expect(second[0]).toMatchObject({ externalId: key, vendorId: first[0]!.vendorId, created: false });
    const deals = (
      await sandboxAdmin<{ results: { properties: Record<string, string> }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results;
    const matching = deals.filter((d) => d.properties.agency_policy_id === key);
    expect(matching).toHaveLength(1);
    expect(matching[0]!.properties.amount).toBe('1100.00');
  });
});

describe('refused upserts are reported, not dropped', () => {
  test('HubSpot writes the valid deals of a batch and the refused ones come back named, with the reason', async () => {
    const s = session(account);
    const good = `renewal-${randomUUID()}`;
    const bad = `renewal-${randomUUID()}`;
    const err = await s.upsert!('deals', 'agency_policy_id', [
      { externalId: good, fields: { dealname: 'Renewal ok' } },
      { externalId: bad, fields: { dealname: 'Renewal bad', dealstage: 'no-such-stage' } },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotUpsertRefused);
    expect(err).toBeInstanceOf(ConnectorError);
    const refusal = err as HubSpotUpsertRefused;
    expect(refusal.kind).toBe('bad_request');
    expect(refusal.written).toEqual([{ externalId: good, vendorId: expect.any(String), created: true }]);
    expect(refusal.refused).toEqual([
      { externalId: bad, reason: expect.stringContaining('no-such-stage'), code: 'INVALID_OPTION' },
    ]);
    const deals = (
      await sandboxAdmin<{ results: { id: string; properties: Record<string, string> }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results;
    expect(deals.filter((d) => d.properties.agency_policy_id === good).map((d) => d.id)).toEqual([
      refusal.written[0]!.vendorId,
    ]);
    expect(deals.some((d) => d.properties.agency_policy_id === bad)).toBe(false);
  });
});

describe('HubSpot webhooks (v3 signatures)', () => {
  const secret = 'client-secret';
  const url = 'https://hub.example.test/webhooks/hubspot/abc';
  const rawBody = JSON.stringify([
    {
      eventId: 100,
      subscriptionId: 7,
      portalId: 62515,
      occurredAt: 1_700_000_000_000,
      subscriptionType: 'deal.propertyChange',
      objectId: 1246965,
      propertyName: 'amount',
      propertyValue: '10',
      changeSource: 'CRM',
    },
    {
      eventId: 101,
      subscriptionId: 8,
      portalId: 62515,
      occurredAt: 1_700_000_000_500,
      subscriptionType: 'contact.deletion',
      objectId: 512,
    },
  ]);
  const now = new Date(1_700_000_060_000);
  const timestamp = String(now.getTime() - 1_000);
  const signed = (key: string, ts = timestamp) => ({
    method: 'POST',
    url,
    rawBody,
    headers: {
      'X-HubSpot-Signature-v3': signHubSpotRequest(key, 'POST', url, rawBody, ts),
      'X-HubSpot-Request-Timestamp': ts,
    },
  });

  test('a correctly signed request verifies; a forged, altered or stale one does not', () => {
    const webhooks = hubspotConnector.webhooks!;
    expect(webhooks.verify(signed(secret), secret, now)).toBe(true);
    expect(webhooks.verify(signed('someone-else'), secret, now)).toBe(false);
    expect(webhooks.verify({ ...signed(secret), rawBody: rawBody.replace('10', '99') }, secret, now)).toBe(
      false,
    );
    const old = String(now.getTime() - 6 * 60_000);
    expect(webhooks.verify(signed(secret, old), secret, now)).toBe(false);
  });

  test('events become the records that changed', () => {
    expect(hubspotConnector.webhooks!.parse(signed(secret))).toEqual({
      accountId: '62515',
      changes: [
        {
          stream: 'deals',
          externalId: '1246965',
          op: 'upsert',
          occurredAt: new Date(1_700_000_000_000).toISOString(),
        },
        {
          stream: 'contacts',
          externalId: '512',
          op: 'delete',
          occurredAt: new Date(1_700_000_000_500).toISOString(),
        },
      ],
    });
  });
});
