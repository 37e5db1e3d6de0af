// Connecting vendor accounts the way an agency does: the OAuth authorization-code round trip
// against each vendor's sandbox (HubSpot, Salesforce, QuickBooks: PKCE where the vendor takes it,
// state single use, realmId / instance_url kept), keys for Applied Epic (client credentials),
// HawkSoft and EZLynx, refreshes (a rotated refresh token persisted; concurrent refreshes make
// one call to the vendor's token endpoint; ahead of expiry and after a day), and disconnecting
// (revoked at the vendor, schedules deleted, credentials dropped).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ensureFreshCredentials,
  refreshConnectionCredentials,
  refreshUnderLock,
} from '../../activities/credentials.ts';
import type { Credentials } from '../../connectors/types.ts';
import { loadConnection, saveCredentials } from '../../db/connection-store.ts';
import { accountingScheduleId, renewalOutreachScheduleId } from '../../runtime/outbound-schedules.ts';
import { deleteConnectionSchedules, describeConnectionSchedules } from '../../runtime/schedules.ts';
import {
  createHarness,
  type Harness,
  type SandboxAccount,
  sandboxAccount,
  sandboxAdmin,
  syncResult,
} from '../support/harness.ts';

let h: Harness;
let apiKey: string;
let tenantId: string;
const created: string[] = [];

const envPrefix = (provider: string) => provider.toUpperCase().replace(/-/g, '_');

/** The `cookie` header a browser sends back after this response (only the connect binding matters). */
const cookieFrom = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/** Runs the browser's part of the flow with plain HTTP: start, the vendor's consent redirect, the callback. */
async function oauthConnect(provider: string, app: { clientId: string; clientSecret: string }) {
  process.env[`${envPrefix(provider)}_CLIENT_ID`] = app.clientId;
  process.env[`${envPrefix(provider)}_CLIENT_SECRET`] = app.clientSecret;
  const start = await h.request('GET', `/v1/connect/${provider}`, { apiKey });
  expect(start.status).toBe(302);
  const cookie = cookieFrom(start);
  const authorize = new URL(start.headers.get('location')!);
  const consent = await fetch(authorize, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get('location')!);
  expect(back.pathname).toBe('/v1/connect/callback');
  const res = await h.app.request(back.pathname + back.search, { headers: { cookie } });
  const body = (await res.json()) as {
    connection: { id: string; account_id: string; provider: string; status: string };
    workflow_id: string;
    reconnected: boolean;
  };
  if (res.status === 201) created.push(body.connection.id);
  return { res, body, authorize, callback: back, cookie };
}

async function tokenRequests(account: SandboxAccount): Promise<number> {
  return (await sandboxAdmin<{ tokenRequests: number }>(account.adminUrl)).tokenRequests;
}

async function firstSyncCompletes(connectionId: string) {
  const result = await syncResult(h, connectionId, 180_000);
  expect(result.status).toBe('completed');
  expect(result.counts.read).toBeGreaterThan(0);
}

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  process.env.SANDBOX_URL = h.sandboxUrl;
  ({ apiKey, tenantId } = await h.newTenant('OAuth Agency'));
});
afterAll(async () => {
  for (const id of created) await deleteConnectionSchedules(h.temporal, id).catch(() => {});
  for (const id of [renewalOutreachScheduleId(tenantId), accountingScheduleId(tenantId)])
    await h.temporal.schedule
      .getHandle(id)
      .delete()
      .catch(() => {});
  await h?.close();
});

describe('OAuth authorization code round trip', () => {
  test('HubSpot: PKCE and state, tokens sealed, the portal found, schedules made, the first sync run', async () => {
    const hsApp = await sandboxAdmin<{
      accountId: string;
      oauthApp: { clientId: string; clientSecret: string };
    }>(`${h.sandboxUrl}/hubspot/_admin/accounts`, 'POST', { seed: 'oauth-hs', clients: 15 });
    const portal = {
      adminUrl: `${h.sandboxUrl}/hubspot/_admin/accounts/${hsApp.accountId}`,
    } as SandboxAccount;
    const { res, body, authorize, callback, cookie } = await oauthConnect('hubspot', hsApp.oauthApp);
    expect(res.status).toBe(201);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(body.connection).toMatchObject({
      provider: 'hubspot',
      account_id: hsApp.accountId,
      status: 'active',
    });
    expect(await tokenRequests(portal)).toBe(1);

    // Sealed at rest: the stored column holds neither token; opened, it holds both and the expiry.
    const id = body.connection.id;
    const conn = await loadConnection(h.pool, h.keyring, id);
    const { rows } = await h.pool.query(
      'select credentials, credentials_key_id from connections where id = $1',
      [id],
    );
    expect(rows[0].credentials).not.toContain(String(conn.credentials.accessToken));
    expect(rows[0].credentials).not.toContain(String(conn.credentials.refreshToken));
    expect(rows[0].credentials_key_id).toBe(h.keyring.activeKeyId);
    expect(conn.credentials.accessToken).toMatch(/^CO-na1-/);
    expect(Date.parse(String(conn.credentials.expiresAt))).toBeGreaterThan(Date.now() + 25 * 60_000);

    // The state works once, even in the browser that started it.
    const replay = await h.app.request(callback.pathname + callback.search, { headers: { cookie } });
    expect(replay.status).toBe(401);

    const schedules = await describeConnectionSchedules(h.temporal, id);
    expect(schedules.incremental?.paused).toBe(false);
    expect(schedules.full).not.toBeNull();
    // A CRM connected: the tenant's daily renewal outreach (and monthly close) are scheduled too.
    const outreach = await h.temporal.schedule.getHandle(renewalOutreachScheduleId(tenantId)).describe();
    expect((outreach.action as { workflowType: string }).workflowType).toBe('renewalOutreach');
    await h.temporal.schedule.getHandle(accountingScheduleId(tenantId)).describe();
    await firstSyncCompletes(id);

    // Disconnecting deletes the refresh token at HubSpot (its own endpoint; HubSpot has no RFC
    // 7009 revocation): the grant is gone, and the tokens we held stop working there too.
    const gone = await h.request('DELETE', `/v1/connections/${id}`, { apiKey });
    expect(await gone.json()).toEqual({ id, status: 'disconnected', revoked_at_vendor: true });
    const refresh = await fetch(`${h.sandboxUrl}/hubspot/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: String(conn.credentials.refreshToken),
        client_id: hsApp.oauthApp.clientId,
        client_secret: hsApp.oauthApp.clientSecret,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });
  });

  test('Salesforce: instance_url and the identity URL kept; API calls go to the instance', async () => {
    const org = await sandboxAccount(h.sandboxUrl, 'salesforce', { seed: 'oauth-sf', clients: 15 });
    const before = await tokenRequests(org);
    const { res, body, authorize } = await oauthConnect('salesforce', {
      clientId: org.credentials.clientId!,
      clientSecret: org.credentials.clientSecret!,
    });
    expect(res.status).toBe(201);
    expect(authorize.pathname).toBe('/salesforce/services/oauth2/authorize');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(body.connection.account_id).toBe(org.accountId);
    const conn = await loadConnection(h.pool, h.keyring, body.connection.id);
    expect(conn.credentials.instance_url).toBe(`${h.sandboxUrl}/salesforce`);
    expect(String(conn.credentials.id)).toMatch(
      new RegExp(`^${h.sandboxUrl}/salesforce/id/${org.accountId}/\\w+$`),
    );
    expect(conn.settings.baseUrl).toBe(conn.credentials.instance_url);
    expect(typeof conn.credentials.refreshToken).toBe('string');
    expect((await tokenRequests(org)) - before).toBe(1);
    await firstSyncCompletes(body.connection.id);
  });

  test('a vendor refusal comes back as a problem; an unknown or missing state is unauthenticated', async () => {
    const res = await h.app.request('/v1/connect/callback?state=made-up&code=x');
    expect(res.status).toBe(401);
    expect((await h.app.request('/v1/connect/callback?code=x')).status).toBe(401);
    expect((await h.request('GET', '/v1/connect/pipedrive', { apiKey })).status).toBe(404);
    const start = await h.request('GET', '/v1/connect/hubspot?response=json', { apiKey });
    expect(start.status).toBe(200);
    const { authorize_url } = (await start.json()) as { authorize_url: string };
    const state = new URL(authorize_url).searchParams.get('state')!;
    const denied = await h.app.request(`/v1/connect/callback?state=${state}&error=access_denied`, {
      headers: { cookie: cookieFrom(start) },
    });
    expect(denied.status).toBe(422);
    expect(((await denied.json()) as { detail: string }).detail).toContain('access_denied');
  });

  test('starting a connect needs connections:write', async () => {
    const res = await h.request('GET', '/v1/connect/hubspot');
    expect(res.status).toBe(401);
  });
});

describe('OAuth bound to the browser that started it (RFC 6749 §10.12), back only to this site', () => {
  let portal: { accountId: string; oauthApp: { clientId: string; clientSecret: string } };
  let attacker: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    portal = await sandboxAdmin(`${h.sandboxUrl}/hubspot/_admin/accounts`, 'POST', {
      seed: 'oauth-bound',
      clients: 5,
    });
    process.env.HUBSPOT_CLIENT_ID = portal.oauthApp.clientId;
    process.env.HUBSPOT_CLIENT_SECRET = portal.oauthApp.clientSecret;
    attacker = await h.newTenant('Attacker Agency');
  });

  const connectionsOf = async (tenant: string) =>
    (
      await h.pool.query<{ id: string }>(
        `select id from connections where tenant_id = $1 and settings->>'accountId' = $2`,
        [tenant, portal.accountId],
      )
    ).rows.map((r) => r.id);

  /** A tenant starts a flow in a fresh browser and the vendor consents: the callback and that browser's cookie. */
  async function consented(key: string, query = '') {
    const start = await h.request('GET', `/v1/connect/hubspot${query}`, { apiKey: key });
    expect(start.status).toBe(302);
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    return { path: callback.pathname + callback.search, cookie: cookieFrom(start), start };
  }

  test('a callback replayed from another client connects nothing; the browser that started it finishes', async () => {
    const victim = await consented(apiKey);

    // The issue's probe: the same callback from a client with no cookies.
    const bare = await h.app.request(victim.path);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ type: '/problems/unauthorized', reason: 'browser-mismatch' });
    // From the attacker's browser, bound to a flow of its own tenant.
    const own = await consented(attacker.apiKey);
    expect((await h.app.request(victim.path, { headers: { cookie: own.cookie } })).status).toBe(401);
    // The other way round: the attacker's consent link, opened in the victim's browser.
    expect((await h.app.request(own.path, { headers: { cookie: victim.cookie } })).status).toBe(401);
    expect(await connectionsOf(tenantId)).toEqual([]);
    expect(await connectionsOf(attacker.tenantId)).toEqual([]);

    // What binds it: a nonce only that browser holds, out of scripts' reach, sent on the way back.
    expect(victim.cookie).toMatch(/^chub_connect=[\w-]{43}$/);
    const attributes = victim.start.headers.get('set-cookie')!;
    for (const attribute of ['HttpOnly', 'SameSite=Lax', 'Path=/v1/connect', 'Max-Age=600'])
      expect(attributes).toContain(attribute);
    // Refusals do not use the state up: the browser that started the flow still finishes it.
    const done = await h.app.request(victim.path, { headers: { cookie: victim.cookie } });
    expect(done.status).toBe(201);
    const { connection } = (await done.json()) as { connection: { id: string } };
    created.push(connection.id);
    expect(await connectionsOf(tenantId)).toEqual([connection.id]);
    expect(await connectionsOf(attacker.tenantId)).toEqual([]);
  });

  test('return_to is a path on this site however it is written, and the browser comes back there', async () => {
    const pending = async () =>
      (await h.pool.query('select 1 from oauth_states where tenant_id = $1', [tenantId])).rowCount;
    const before = await pending();
    for (const bad of [
      '/.//evil.example/phish',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/..//evil.example',
      '/%2e%2e//evil.example',
      '/.%2e//evil.example',
      '/%2F%2Fevil.example',
      '/%5c%5cevil.example',
      '/%252F%252Fevil.example',
      '/\t/evil.example',
      '/ /evil.example',
      '/%0d%0aLocation:%20https://evil.example',
      'https://evil.example/',
      'http:evil.example',
      'javascript:alert(1)',
    ]) {
      const res = await h.request('GET', `/v1/connect/hubspot?return_to=${encodeURIComponent(bad)}`, {
        apiKey,
      });
      expect(res.status, bad).toBe(422);
      expect(res.headers.get('location'), bad).toBeNull();
    }
    // As the issue sent it, unencoded.
    const raw = await h.request('GET', '/v1/connect/hubspot?return_to=/.//evil.example/phish', { apiKey });
    expect(raw.status).toBe(422);
    expect(await pending()).toBe(before);

    const flow = await consented(
      apiKey,
      `?return_to=${encodeURIComponent('/console/./x/../connections?tab=crm')}`,
    );
    const back = await h.app.request(flow.path, { headers: { cookie: flow.cookie } });
    expect(back.status).toBe(302);
    const location = back.headers.get('location')!;
    expect(location).toMatch(/^\/console\/connections\?tab=crm&connected=[\da-f-]{36}$/);
    created.push(new URL(location, 'http://hub.example').searchParams.get('connected')!);

    // A flow stored before the check was strict is judged again at the callback: no redirect off site.
    const state = `legacy-${randomUUID()}`;
    const nonce = randomBytes(32).toString('base64url');
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    await h.pool.query(
      `insert into oauth_states (state_hash, tenant_id, provider, redirect_uri, return_to, actor, browser_hash, expires_at)
       values ($1, $2, 'hubspot', 'http://localhost/v1/connect/callback', '/.//evil.example/phish', 'test', $3, now() + interval '10 minutes')`,
      [sha(state), tenantId, sha(nonce)],
    );
    const legacy = await h.app.request(`/v1/connect/callback?state=${state}&error=access_denied`, {
      headers: { cookie: `chub_connect=${nonce}` },
    });
    expect(legacy.status).toBe(422);
    expect(legacy.headers.get('location')).toBeNull();
  });
});

describe('QuickBooks: realmId, rotating refresh tokens, single-flight refresh, disconnect', () => {
  let realm: SandboxAccount;
  let connectionId: string;

  beforeAll(async () => {
    // No grace: a replaced refresh token dies at once, so losing a rotated one would be fatal.
    realm = await sandboxAccount(h.sandboxUrl, 'quickbooks', {
      seed: 'oauth-qb',
      clients: 10,
      refreshTokenGraceSeconds: 0,
    });
    const { res, body, authorize, callback } = await oauthConnect('quickbooks', {
      clientId: realm.credentials.clientId!,
      clientSecret: realm.credentials.clientSecret!,
    });
    expect(res.status).toBe(201);
    expect(authorize.searchParams.get('code_challenge')).toBeNull(); // Intuit's flow has no PKCE
    expect(callback.searchParams.get('realmId')).toBe(realm.accountId);
    expect(body.connection.account_id).toBe(realm.accountId);
    connectionId = body.connection.id;
    await firstSyncCompletes(connectionId);
  });

  test('the realmId is kept and a refresh persists the rotated refresh token', async () => {
    const before = await loadConnection(h.pool, h.keyring, connectionId);
    expect(before.credentials.realmId).toBe(realm.accountId);
    const calls = await tokenRequests(realm);
    const next = await refreshConnectionCredentials(h.pool, h.keyring, connectionId, before.credentials);
    expect((await tokenRequests(realm)) - calls).toBe(1);
    expect(next.refreshToken).not.toBe(before.credentials.refreshToken);
    const stored = await loadConnection(h.pool, h.keyring, connectionId);
    expect(stored.credentials.refreshToken).toBe(next.refreshToken);
    expect(stored.credentials.accessToken).toBe(next.accessToken);
    // The replaced refresh token is dead: only the persisted one could refresh again.
    const old = await fetch(`${realm.baseUrl}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${realm.credentials.clientId}:${realm.credentials.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: String(before.credentials.refreshToken),
      }),
    });
    expect(old.status).toBe(400);
  });

  test('two concurrent refreshes call the token endpoint once (in one process, and across processes by the lock)', async () => {
    const stale = (await loadConnection(h.pool, h.keyring, connectionId)).credentials;
    let calls = await tokenRequests(realm);
    const [a, b] = await Promise.all([
      refreshConnectionCredentials(h.pool, h.keyring, connectionId, stale),
      refreshConnectionCredentials(h.pool, h.keyring, connectionId, stale),
    ]);
    expect(a.accessToken).toBe(b.accessToken);
    expect((await tokenRequests(realm)) - calls).toBe(1);

    // Two workers: no shared promise, only the advisory lock and the re-read under it.
    const stale2 = (await loadConnection(h.pool, h.keyring, connectionId)).credentials;
    calls = await tokenRequests(realm);
    const stillStale = (current: typeof stale2) => current.accessToken === stale2.accessToken;
    const [c, d] = await Promise.all([
      refreshUnderLock(h.pool, h.keyring, connectionId, stillStale),
      refreshUnderLock(h.pool, h.keyring, connectionId, stillStale),
    ]);
    expect(c.accessToken).toBe(d.accessToken);
    expect(c.refreshToken).toBe(d.refreshToken);
    expect((await tokenRequests(realm)) - calls).toBe(1);
    expect((await loadConnection(h.pool, h.keyring, connectionId)).credentials.refreshToken).toBe(
      c.refreshToken,
    );
  });

  test('refreshes ahead of expiry and after a day, not otherwise', async () => {
    const current = (await loadConnection(h.pool, h.keyring, connectionId)).credentials;
    let calls = await tokenRequests(realm);
    const fresh = await ensureFreshCredentials(h.pool, h.keyring, { id: connectionId, credentials: current });
    expect(fresh).toBe(current);
    expect(await tokenRequests(realm)).toBe(calls);

    const expiring: Credentials = { ...current, expiresAt: new Date(Date.now() + 60_000).toISOString() };
    await saveCredentials(h.pool, h.keyring, connectionId, expiring);
    const renewed = await ensureFreshCredentials(h.pool, h.keyring, {
      id: connectionId,
      credentials: expiring,
    });
    expect((await tokenRequests(realm)) - calls).toBe(1);
    expect(Date.parse(String(renewed.expiresAt))).toBeGreaterThan(Date.now() + 50 * 60_000);

    calls = await tokenRequests(realm);
    const dayOld: Credentials = {
      ...renewed,
      refreshedAt: new Date(Date.now() - 25 * 3_600_000).toISOString(),
    };
    await saveCredentials(h.pool, h.keyring, connectionId, dayOld);
    const daily = await ensureFreshCredentials(h.pool, h.keyring, { id: connectionId, credentials: dayOld });
    expect((await tokenRequests(realm)) - calls).toBe(1);
    expect(daily.refreshToken).not.toBe(dayOld.refreshToken);
    expect((await loadConnection(h.pool, h.keyring, connectionId)).credentials.refreshToken).toBe(
      daily.refreshToken,
    );
  });

  test('disconnecting revokes at QuickBooks, deletes the schedules and drops the credentials', async () => {
    const { credentials } = await loadConnection(h.pool, h.keyring, connectionId);
    const query = () =>
      fetch(
        `${realm.baseUrl}/v3/company/${realm.accountId}/query?query=${encodeURIComponent('select * from Customer maxresults 1')}`,
        {
          headers: { authorization: `Bearer ${credentials.accessToken}`, accept: 'application/json' },
        },
      );
    expect((await query()).status).toBe(200);
    const res = await h.request('DELETE', `/v1/connections/${connectionId}`, { apiKey });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: connectionId, status: 'disconnected', revoked_at_vendor: true });
    expect((await query()).status).toBe(401);
    const schedules = await describeConnectionSchedules(h.temporal, connectionId);
    expect(schedules).toEqual({ incremental: null, full: null });
    const { rows } = await h.pool.query('select status, credentials from connections where id = $1', [
      connectionId,
    ]);
    expect(rows[0]).toEqual({ status: 'disconnected', credentials: null });
    const sync = await h.request('POST', `/v1/connections/${connectionId}/syncs`, {
      apiKey,
      body: { mode: 'full' },
    });
    expect(sync.status).toBe(409);
  });
});

describe('connections by key', () => {
  test('Applied Epic: the client-credentials grant proves the keys, then the first sync runs', async () => {
    const db = await sandboxAccount(h.sandboxUrl, 'applied-epic', { seed: 'keys-epic', clients: 10 });
    const wrong = await h.request('POST', '/v1/connections', {
      apiKey,
      body: { provider: 'applied-epic', client_id: db.credentials.clientId, client_secret: 'wrong' },
    });
    expect(wrong.status).toBe(422);
    const res = await h.request('POST', '/v1/connections', {
      apiKey,
      body: {
        provider: 'applied-epic',
        client_id: db.credentials.clientId,
        client_secret: db.credentials.clientSecret,
        account_id: db.accountId,
      },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { connection: { id: string; account_id: string } };
    created.push(body.connection.id);
    expect(body.connection.account_id).toBe(db.accountId);
    const conn = await loadConnection(h.pool, h.keyring, body.connection.id);
    expect(conn.credentials.accessToken).toEqual(expect.any(String));
    expect(conn.credentials.accessToken).not.toBe(db.credentials.accessToken);
    await firstSyncCompletes(body.connection.id);
    const again = await h.request('POST', '/v1/connections', {
      apiKey,
      body: {
        provider: 'applied-epic',
        client_id: db.credentials.clientId,
        client_secret: db.credentials.clientSecret,
        account_id: db.accountId,
      },
    });
    expect(again.status).toBe(409);
  });

  test('HawkSoft and EZLynx connect with their keys; OAuth vendors are sent to /v1/connect', async () => {
    const hs = await sandboxAccount(h.sandboxUrl, 'hawksoft', { seed: 'keys-hs', clients: 5 });
    const hawk = await h.request('POST', '/v1/connections', {
      apiKey,
      body: {
        provider: 'hawksoft',
        client_id: hs.credentials.username,
        client_secret: hs.credentials.password,
        agency_id: hs.accountId,
      },
    });
    expect(hawk.status).toBe(201);
    const hawkId = ((await hawk.json()) as { connection: { id: string } }).connection.id;
    created.push(hawkId);
    const ez = await sandboxAccount(h.sandboxUrl, 'ezlynx', { seed: 'keys-ez', clients: 5 });
    const ezlynx = await h.request('POST', '/v1/connections', {
      apiKey,
      body: {
        provider: 'ezlynx',
        client_id: ez.credentials.clientId,
        api_key: ez.credentials.apiKey,
        account_id: ez.accountId,
      },
    });
    expect(ezlynx.status).toBe(201);
    const ezId = ((await ezlynx.json()) as { connection: { id: string } }).connection.id;
    created.push(ezId);
    await firstSyncCompletes(hawkId);
    await firstSyncCompletes(ezId);
    const oauthVendor = await h.request('POST', '/v1/connections', {
      apiKey,
      body: { provider: 'hubspot', client_id: 'x', client_secret: 'y' },
    });
    expect(oauthVendor.status).toBe(422);
    const list = (await (await h.request('GET', '/v1/connections', { apiKey })).json()) as {
      data: { id: string; provider: string }[];
    };
    expect(list.data.map((c) => c.id)).toEqual(expect.arrayContaining([hawkId, ezId]));
  });

  test('AMS360: a first login proves the keys; a refused one is a 422 and stores nothing', async () => {
    const ams = await sandboxAccount(h.sandboxUrl, 'ams360', { seed: 'keys-ams', clients: 5 });
    const connect = (password: string) =>
      h.request('POST', '/v1/connections', {
        apiKey,
        body: {
          provider: 'ams360',
          agency_no: ams.credentials.agencyNo,
          login_id: ams.credentials.loginId,
          password,
        },
      });
    const count = async () =>
      (
        await h.pool.query(
          `select count(*)::int as n from connections where tenant_id = $1 and provider = 'ams360'`,
          [tenantId],
        )
      ).rows[0].n as number;
    const before = await count();
    const refused = await connect(`${ams.credentials.password}-wrong`);
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { detail: string; errors: { field: string }[] };
    expect(problem.detail).toMatch(/refused the credentials/);
    expect(problem.errors.map((e) => e.field)).toContain('password');
    expect(await count()).toBe(before);

    const accepted = await connect(ams.credentials.password!);
    expect(accepted.status).toBe(201);
    const id = ((await accepted.json()) as { connection: { id: string } }).connection.id;
    created.push(id);
    await firstSyncCompletes(id);
  });
});
