// The vendor request layer (connectors/kit/request.ts, kit/errors.ts) against a real HTTP server
// on localhost: Retry-After and the vendors' reset headers, error tables declared as data, the
// throttle paused by a rate limit and tightened by remaining-budget headers, one refresh on an
// expired token shared by the calls that saw it, and the timeout.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { appliedEpicErrors } from '../../connectors/applied-epic/errors.ts';
import { ezlynxErrors } from '../../connectors/ezlynx/errors.ts';
import { hawksoftErrors } from '../../connectors/hawksoft/errors.ts';
import { hubspotErrors } from '../../connectors/hubspot/errors.ts';
import {
  budgetFrom,
  classifyFailure,
  httpStatusRules,
  parseRetryAfter,
  retryAfterHeader,
  type VendorErrorSpec,
  type VendorFailure,
  waitFrom,
} from '../../connectors/kit/errors.ts';
import { TokenRefresh, VendorCaller, VendorHttp } from '../../connectors/kit/request.ts';
import { Throttle } from '../../connectors/kit/throttle.ts';
import { quickbooksErrors } from '../../connectors/quickbooks/errors.ts';
import { salesforceErrors } from '../../connectors/salesforce/errors.ts';
import { ConnectorError, type Credentials } from '../../connectors/types.ts';

/** What the server answers next: status, headers, JSON body (or a delay before answering). */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

let server: Server;
let baseUrl: string;
let script: ((req: IncomingMessage) => Answer)[] = [];
let seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      const next = script.shift() ?? ((): Answer => ({ status: 200, body: { ok: true } }));
      const answer = next(req);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  script = [];
  seen = [];
});

class TestHttpError extends Error {
  readonly status: number;
  readonly body: { code?: string; message?: string } | null;
  readonly headers: Headers;
  constructor(status: number, body: { code?: string; message?: string } | null, headers: Headers) {
    super(`Test ${status}: ${body?.message ?? 'no message'}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const testSpec: VendorErrorSpec = {
  vendor: 'Test',
  waitHeaders: [...retryAfterHeader, { header: 'x-ratelimit-reset', unit: 'seconds' }],
  defaultWaitMs: 2_000,
  budget: { remaining: 'x-ratelimit-remaining', windowMs: 400 },
  rules: [
    { status: 401, code: 'TOKEN_EXPIRED', kind: 'auth_expired' },
    { status: 401, kind: 'auth_invalid' },
    { status: 409, message: /locked/i, kind: 'vendor_outage' },
    ...httpStatusRules,
  ],
};

function classifyTest(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof TestHttpError))
    return new ConnectorError('vendor_outage', `Test unreachable: ${String(err)}`, { cause: err });
  return classifyFailure(testSpec, {
    status: err.status,
    code: err.body?.code ?? null,
    message: err.message,
    headers: err.headers,
    cause: err,
  });
}

function client(
  opts: {
    throttle?: Throttle;
    credentials?: Credentials;
    refresh?: () => Promise<Credentials>;
    timeoutMs?: number;
    throwRaw?: boolean;
  } = {},
) {
  let refreshes = 0;
  const refresh = opts.refresh
    ? new TokenRefresh({
        vendor: 'Test',
        credentials: opts.credentials ?? {},
        refresh: () => {
          refreshes++;
          return opts.refresh!();
        },
      })
    : undefined;
  const caller = new VendorCaller({
    spec: testSpec,
    throttle: opts.throttle ?? null,
    classify: classifyTest,
    refresh,
    timeoutMs: opts.timeoutMs,
    throwRaw: opts.throwRaw,
  });
  const http = new VendorHttp({
    baseUrl: `${baseUrl}/`,
    caller,
    authorization: (token) => (token ? `Bearer ${token}` : 'Basic dGVzdDp0ZXN0'),
    query: { version: '3.0' },
    readError: async (res) =>
      new TestHttpError(res.status, (await res.json().catch(() => null)) as never, res.headers),
  });
  return { http, refreshes: () => refreshes };
}

const failure = (f: Partial<VendorFailure>): VendorFailure => ({
  status: null,
  message: 'm',
  cause: null,
  ...f,
});

describe('Retry-After and the vendors’ reset headers', () => {
  test('seconds (whole or decimal) and HTTP dates, in milliseconds; anything else says nothing', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  test('the first declared header that names a wait wins; reset headers in seconds or milliseconds', () => {
    const declared = [
      ...retryAfterHeader,
      { header: 'X-RateLimit-Reset', unit: 'seconds' as const },
      { header: 'x-window-ms', unit: 'ms' as const },
    ];
    expect(waitFrom(new Headers({ 'retry-after': '3', 'x-ratelimit-reset': '9' }), declared)).toBe(3_000);
    expect(waitFrom(new Headers({ 'x-ratelimit-reset': '9' }), declared)).toBe(9_000);
    expect(waitFrom({ 'X-Window-Ms': '1500' }, declared)).toBe(1_500);
    expect(waitFrom({ 'x-ratelimit-reset': '0', 'x-window-ms': 'NaN' }, declared)).toBeNull();
    expect(waitFrom(undefined, declared)).toBeNull();
  });

  test('remaining budget from a remaining header (its window from another) or a used/limit header', () => {
    expect(budgetFrom({ 'X-HubSpot-RateLimit-Remaining': '3' }, hubspotErrors.budget)).toEqual({
      remaining: 3,
      windowMs: 10_000,
    });
    expect(
      budgetFrom(
        new Headers({
          'x-hubspot-ratelimit-remaining': '0',
          'x-hubspot-ratelimit-interval-milliseconds': '1000',
        }),
        hubspotErrors.budget,
      ),
    ).toEqual({ remaining: 0, windowMs: 1_000 });
    expect(budgetFrom({ 'Sforce-Limit-Info': 'api-usage=14990/15000' }, salesforceErrors.budget)).toEqual({
      remaining: 10,
      windowMs: 86_400_000,
    });
    expect(budgetFrom({}, salesforceErrors.budget)).toBeNull();
    expect(budgetFrom({ 'x-ratelimit-remaining': '5' }, undefined)).toBeNull();
  });
});

describe('error tables declared as data', () => {
  test('the first matching line decides: status, body code, category and message patterns', () => {
    const kind = (f: Partial<VendorFailure>) => classifyFailure(testSpec, failure(f)).kind;
    expect(kind({ status: 401, code: 'TOKEN_EXPIRED' })).toBe('auth_expired');
    expect(kind({ status: 401, code: 'TOKEN_REVOKED' })).toBe('auth_invalid');
    expect(kind({ status: 409, message: 'Record locked by another user' })).toBe('vendor_outage');
    expect(kind({ status: 409, message: 'duplicate' })).toBe('bad_request');
    expect(kind({ status: 404 })).toBe('not_found');
    expect(kind({ status: 503 })).toBe('vendor_outage');
    expect(kind({ status: null })).toBe('bad_request');
  });

  test('a rate limit waits as the headers say, else as the line says, else the vendor default', () => {
    const wait = (spec: VendorErrorSpec, f: Partial<VendorFailure>) =>
      classifyFailure(spec, failure({ status: 429, ...f })).retryAfterMs;
    expect(wait(testSpec, { headers: { 'retry-after': '4' } })).toBe(4_000);
    expect(wait(testSpec, { headers: { 'x-ratelimit-reset': '6' } })).toBe(6_000);
    expect(wait(testSpec, {})).toBe(2_000);
    expect(wait(testSpec, { waitMs: 1_234 })).toBe(1_234);
    // HubSpot: no Retry-After; the ten-secondly policy lasts one window, the search limit a second.
    expect(wait(hubspotErrors, { code: 'TEN_SECONDLY_ROLLING' })).toBe(10_000);
    expect(
      wait(hubspotErrors, {
        code: 'TEN_SECONDLY_ROLLING',
        headers: { 'x-hubspot-ratelimit-interval-milliseconds': '2000' },
      }),
    ).toBe(2_000);
    expect(wait(hubspotErrors, {})).toBe(1_000);
    // Salesforce's daily allowance names no wait: five minutes.
    expect(
      classifyFailure(salesforceErrors, failure({ status: 400, code: 'REQUEST_LIMIT_EXCEEDED' })),
    ).toMatchObject({ kind: 'rate_limited', status: 403, retryAfterMs: 300_000 });
    // QuickBooks: Retry-After, else a minute; Fault code 003001 even without a 429.
    expect(wait(quickbooksErrors, { headers: { 'retry-after': '7' } })).toBe(7_000);
    expect(classifyFailure(quickbooksErrors, failure({ code: '003001' })).retryAfterMs).toBe(60_000);
    expect(wait(appliedEpicErrors, {})).toBe(10_000);
    expect(wait(hawksoftErrors, {})).toBe(60_000);
    expect(wait(ezlynxErrors, { headers: new Headers({ 'x-ratelimit-reset': '2' }) })).toBe(2_000);
  });

  test('each connector’s table reads its vendor’s auth answers its own way', () => {
    const kind = (spec: VendorErrorSpec, f: Partial<VendorFailure>) => classifyFailure(spec, failure(f)).kind;
    expect(kind(hubspotErrors, { status: 401, category: 'EXPIRED_AUTHENTICATION' })).toBe('auth_expired');
    expect(kind(hubspotErrors, { status: 401, category: 'INVALID_AUTHENTICATION' })).toBe('auth_invalid');
    expect(kind(hawksoftErrors, { status: 401 })).toBe('auth_invalid');
    expect(kind(appliedEpicErrors, { status: 401 })).toBe('auth_expired');
    expect(kind(appliedEpicErrors, { status: 423 })).toBe('vendor_outage');
    expect(kind(appliedEpicErrors, { status: 426 })).toBe('bad_request');
    expect(kind(ezlynxErrors, { status: 401, code: 'TOKEN_EXPIRED' })).toBe('auth_expired');
    expect(kind(quickbooksErrors, { status: null, category: 'AuthenticationFault' })).toBe('auth_expired');
    expect(kind(quickbooksErrors, { status: null, code: '610' })).toBe('not_found');
    expect(kind(quickbooksErrors, { status: 400, category: 'ValidationFault' })).toBe('bad_request');
    const session = classifyFailure(salesforceErrors, failure({ status: 400, code: 'INVALID_SESSION_ID' }));
    expect(session).toMatchObject({ kind: 'auth_expired', status: 401, vendorCode: 'INVALID_SESSION_ID' });
    expect(kind(salesforceErrors, { status: 503, code: 'ERROR_HTTP_503' })).toBe('vendor_outage');
  });
});

describe('one vendor call', () => {
  test('a raw request carries auth, the fixed query, JSON both ways', async () => {
    script.push(() => ({ status: 201, body: { id: 'a1' } }));
    const { http } = client();
    const res = await http.request<{ id: string }>({
      method: 'POST',
      path: '/v1/things',
      query: { limit: 5, skip: undefined },
      body: { name: 'x' },
    });
    expect(res).toEqual({ status: 201, body: { id: 'a1' } });
    expect(seen[0]).toEqual({
      method: 'POST',
      url: '/v1/things?limit=5&version=3.0',
      authorization: 'Basic dGVzdDp0ZXN0',
      body: '{"name":"x"}',
    });
  });

  test('a 429 is rate_limited with the vendor’s wait, and pauses the connection for it', async () => {
    const throttle = new Throttle({ requests: 100, windowMs: 1_000, concurrency: 4 });
    script.push(() => ({ status: 429, headers: { 'retry-after': '1' }, body: { code: 'RATE' } }));
    const { http } = client({ throttle });
    await expect(http.get('/v1/things')).rejects.toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 1_000,
      vendorCode: 'RATE',
    });
    const started = Date.now();
    await http.get('/v1/things');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('a remaining budget of one tightens the throttle', async () => {
    const throttle = new Throttle({ requests: 100, windowMs: 1_000, concurrency: 4 });
    script.push(() => ({ status: 200, headers: { 'x-ratelimit-remaining': '1' }, body: {} }));
    const { http } = client({ throttle });
    await http.get('/v1/a');
    const started = Date.now();
    await http.get('/v1/b');
    // Half the declared 400 ms window.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  test('an expired token is refreshed once and the request retried with the new one', async () => {
    script.push(() => ({ status: 401, body: { code: 'TOKEN_EXPIRED', message: 'expired' } }));
    const { http, refreshes } = client({
      credentials: { accessToken: 'old' },
      refresh: async () => ({ accessToken: 'new' }),
    });
    expect(await http.get('/v1/things')).toEqual({ ok: true });
    expect(refreshes()).toBe(1);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  test('a token refused again after the refresh is auth_expired, after exactly one refresh', async () => {
    const expired = () => ({ status: 401, body: { code: 'TOKEN_EXPIRED', message: 'expired' } });
    script.push(expired, expired, expired);
    const { http, refreshes } = client({
      credentials: { accessToken: 'old' },
      refresh: async () => ({ accessToken: 'new' }),
    });
    await expect(http.get('/v1/things')).rejects.toMatchObject({ kind: 'auth_expired', status: 401 });
    expect(refreshes()).toBe(1);
    expect(seen).toHaveLength(2);
  });

  test('a refusal a refresh cannot cure is not refreshed', async () => {
    script.push(() => ({ status: 401, body: { code: 'TOKEN_REVOKED', message: 'revoked' } }));
    const { http, refreshes } = client({
      credentials: { accessToken: 'old' },
      refresh: async () => ({ accessToken: 'new' }),
    });
    await expect(http.get('/v1/things')).rejects.toMatchObject({ kind: 'auth_invalid' });
    expect(refreshes()).toBe(0);
  });

  test('calls refused together share one refresh; without a token the first call fetches one', async () => {
    const expired = () => ({ status: 401, body: { code: 'TOKEN_EXPIRED' } });
    script.push(expired, expired, expired);
    let n = 0;
    const { http, refreshes } = client({
      credentials: { accessToken: 'old' },
      refresh: async () => {
        await new Promise((r) => setTimeout(r, 50));
        return { accessToken: `new-${++n}` };
      },
    });
    await Promise.all([http.get('/v1/a'), http.get('/v1/b'), http.get('/v1/c')]);
    expect(refreshes()).toBe(1);
    expect(seen.slice(3).map((s) => s.authorization)).toEqual([
      'Bearer new-1',
      'Bearer new-1',
      'Bearer new-1',
    ]);

    seen = [];
    const fresh = client({ credentials: {}, refresh: async () => ({ accessToken: 'first' }) });
    await fresh.http.get('/v1/a');
    expect(fresh.refreshes()).toBe(1);
    expect(seen[0]!.authorization).toBe('Bearer first');
  });

  test('refreshed credentials without a token are auth_invalid', async () => {
    const { http } = client({ credentials: {}, refresh: async () => ({ accessToken: null }) });
    await expect(http.get('/v1/a')).rejects.toMatchObject({ kind: 'auth_invalid' });
    expect(seen).toHaveLength(0);
  });

  test('a vendor that does not answer in time is an outage; so is one that cannot be reached', async () => {
    script.push(() => ({ status: 200, body: {}, delayMs: 1_000 }));
    const { http } = client({ timeoutMs: 100 });
    await expect(http.get('/v1/slow')).rejects.toMatchObject({ kind: 'vendor_outage' });

    const caller = new VendorCaller({ spec: testSpec, throttle: null, classify: classifyTest });
    const gone = new VendorHttp({
      baseUrl: 'http://127.0.0.1:9',
      caller,
      authorization: () => 'Basic x',
      readError: async (res) => new TestHttpError(res.status, null, res.headers),
    });
    await expect(gone.get('/v1/a')).rejects.toMatchObject({ kind: 'vendor_outage', status: null });
  });

  test('a client that hands its callers the vendor’s own error still pauses on a 429', async () => {
    const throttle = new Throttle({ requests: 100, windowMs: 1_000, concurrency: 4 });
    script.push(() => ({ status: 429, headers: { 'retry-after': '1' }, body: { code: 'RATE' } }));
    const { http } = client({ throttle, throwRaw: true });
    const err = await http.get('/v1/a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestHttpError);
    const started = Date.now();
    await http.get('/v1/b');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('a library call runs through the narrower throttles it names (HubSpot search) as well', async () => {
    const api = new Throttle({ requests: 100, windowMs: 1_000, concurrency: 4 });
    const search = new Throttle({ requests: 1, windowMs: 500, concurrency: 1 });
    const caller = new VendorCaller({ spec: hubspotErrors, throttle: api, classify: classifyTest });
    const started = Date.now();
    for (let i = 0; i < 2; i++)
      await caller.run(async () => ({ headers: {}, data: i }), { via: [search], headers: (r) => r?.headers });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});
