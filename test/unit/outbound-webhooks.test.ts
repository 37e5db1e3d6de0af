// Outbound webhook primitives: the SSRF guard (registration and connect time), Standard Webhooks
// signatures checked by the reference `standardwebhooks` library, one-attempt delivery against
// local receivers, and the retry schedule.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allowListFromEnv, classifyAddress, parseAllowList } from '../../runtime/outbound/address-policy.ts';
import { deliverOnce, parseRetryAfter } from '../../runtime/outbound/deliver.ts';
import {
  exhausted,
  MAX_RETRY_AFTER_MS,
  RETRY_SCHEDULE_MS,
  retryDelayMs,
} from '../../runtime/outbound/retry-schedule.ts';
import {
  createGuardedAgent,
  type GuardedAgent,
  type Resolver,
  SsrfBlockedError,
} from '../../runtime/outbound/ssrf-guard.ts';
import { checkWebhookUrl } from '../../runtime/outbound/url-policy.ts';
import {
  activeSecrets,
  newEndpointSecret,
  newMessageId,
  signatureHeader,
  signPayload,
  webhookHeaders,
} from '../../runtime/outbound/webhook-signing.ts';

interface TestServer {
  server: Server;
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function listen(
  host: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server = createServer(handler);
  const state: TestServer = {
    server,
    port: 0,
    connections: 0,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  server.on('connection', () => {
    state.connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** A resolver that knows only these names, so no test ever depends on (or leaks to) real DNS. */
function fakeDns(records: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string) => {
    calls.push(hostname);
    const addresses = records[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolver, { calls });
}

const secret = newEndpointSecret();
const body = JSON.stringify({
  type: 'commission.statement.imported',
  timestamp: '2026-01-05T10:00:00Z',
  data: {},
});

describe('SSRF guard refuses internal destinations at connect time', () => {
  let sentinel: TestServer;
  let sentinel6: TestServer | null = null;
  let agent: GuardedAgent;
  const dns = fakeDns({
    'hooks.example.com': ['10.1.2.3'],
    // Looks like a customer's domain, but today it answers with our own loopback (DNS rebinding).
    'rebind.example.com': ['127.0.0.1'],
    'mixed.example.com': ['93.184.215.14', '10.0.0.5'],
    'metadata.example.com': ['::ffff:169.254.169.254'],
    localhost: ['127.0.0.1'],
  });
  const connections = () => sentinel.connections + (sentinel6?.connections ?? 0);

  beforeAll(async () => {
    const ok = (_req: IncomingMessage, res: ServerResponse) => res.end('ok');
    sentinel = await listen('127.0.0.1', ok);
    sentinel6 = await listen('::1', ok).catch(() => null); // hosts without IPv6 loopback still test v4
    agent = createGuardedAgent({ lookup: dns });
  });
  afterAll(async () => {
    await agent.close();
    await sentinel.close();
    await sentinel6?.close();
  });

  const targets: [string, () => string][] = [
    ['IPv4 loopback', () => `https://127.0.0.1:${sentinel.port}/hook`],
    ['RFC 1918', () => 'https://10.0.0.1/hook'],
    ['cloud metadata', () => 'https://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', () => `https://[::1]:${sentinel6?.port ?? sentinel.port}/hook`],
    ['IPv4-mapped loopback', () => `https://[::ffff:127.0.0.1]:${sentinel.port}/hook`],
    ['CGNAT', () => 'https://100.64.0.1/hook'],
    ['unspecified 0.0.0.0', () => `https://0.0.0.0:${sentinel.port}/hook`],
    ['a name resolving to 10.1.2.3', () => 'https://hooks.example.com/hook'],
    ['a name resolving to our loopback', () => `https://rebind.example.com:${sentinel.port}/hook`],
    ['a name with one private answer among public ones', () => 'https://mixed.example.com/hook'],
    ['a name resolving to mapped metadata', () => 'https://metadata.example.com/hook'],
  ];

  test.each(targets)('%s is blocked without a connection', async (_label, target) => {
    const outcome = await deliverOnce({ url: target(), body, secrets: secret, msgId: newMessageId(), agent });
    expect(outcome.kind).toBe('blocked');
    expect(outcome.status).toBeNull();
    expect(outcome.error).toMatch(/Refused to connect to .+ addresses are not reachable/);
    expect(connections()).toBe(0);
  });

  test('IP literals are judged without DNS; names are judged on what they resolved to', async () => {
    const before = dns.calls.length;
    await deliverOnce({ url: 'https://10.0.0.1/', body, secrets: secret, msgId: 'msg_1', agent });
    expect(dns.calls.length).toBe(before);
    const outcome = await deliverOnce({
      url: 'https://hooks.example.com/',
      body,
      secrets: secret,
      msgId: 'msg_2',
      agent,
    });
    expect(outcome.error).toContain('10.1.2.3 (resolved from hooks.example.com)');
    expect(dns.calls.at(-1)).toBe('hooks.example.com');
  });

  test('the agent itself refuses, whoever uses it', async () => {
    const error = await request(`http://127.0.0.1:${sentinel.port}/`, { dispatcher: agent }).catch((e) => e);
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ code: 'ERR_SSRF_BLOCKED', address: '127.0.0.1', range: 'loopback' });
    expect(connections()).toBe(0);
  });

  test('http is refused unless the host is allowlisted', async () => {
    const outcome = await deliverOnce({
      url: `http://localhost:${sentinel.port}/`,
      body,
      secrets: secret,
      msgId: 'msg_3',
      agent,
    });
    expect(outcome).toMatchObject({ kind: 'blocked', error: expect.stringMatching(/https is required/) });
    expect(connections()).toBe(0);
  });

  test('an allowlisted address or name reaches a local receiver over http', async () => {
    const byAddress = createGuardedAgent({ allowHosts: parseAllowList('127.0.0.1'), lookup: dns });
    const byName = createGuardedAgent({ allowHosts: 'localhost', lookup: dns });
    const byCidr = createGuardedAgent({ allowHosts: ['127.0.0.0/8'] });
    try {
      for (const [dispatcher, url] of [
        [byAddress, `http://127.0.0.1:${sentinel.port}/hook`],
        [byName, `http://localhost:${sentinel.port}/hook`],
        [byCidr, `http://127.0.0.1:${sentinel.port}/hook`],
      ] as const) {
        const outcome = await deliverOnce({ url, body, secrets: secret, msgId: 'msg_4', agent: dispatcher });
        expect(outcome).toMatchObject({ kind: 'delivered', status: 200, responseBodyPreview: 'ok' });
      }
      // The allowlist opens exactly what it names: other private ranges stay closed.
      const other = await deliverOnce({
        url: 'https://10.0.0.1/',
        body,
        secrets: secret,
        msgId: 'm',
        agent: byAddress,
      });
      expect(other.kind).toBe('blocked');
      expect(connections()).toBe(3);
    } finally {
      await Promise.all([byAddress.close(), byName.close(), byCidr.close()]);
      sentinel.connections = 0;
    }
  });
});

describe('address classification', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'reserved'], // benchmarking
    ['192.0.2.1', 'reserved'], // documentation
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'], // AWS IPv6 metadata
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::a00:1', 'rfc6052'], // NAT64
    ['2002:c000:0204::1', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:db8::1', 'reserved'], // documentation
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a00:1', 'private'],
    ['::7f00:1', 'nonGlobalIPv6'], // deprecated IPv4-compatible form
  ])('%s is not public (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ isPublic: false, range });
  });

  test.each(['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(classifyAddress(address)?.isPublic).toBe(true);
    },
  );

  test('the development allowlist is parsed strictly and refused in production', () => {
    const list = parseAllowList(' 127.0.0.1, localhost ,::1, 10.0.0.0/8');
    expect([...list.hosts]).toEqual(['localhost']);
    expect(list.cidrs).toHaveLength(3);
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(/not a valid CIDR/);
    expect(() => parseAllowList('not a host!')).toThrow(/neither a hostname/);
    expect(allowListFromEnv({ WEBHOOK_ALLOWED_HOSTS: '' }).entries).toEqual([]);
    expect(() => allowListFromEnv({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', NODE_ENV: 'production' })).toThrow(
      /must not be set/,
    );
  });
});

describe('registration-time URL policy', () => {
  test('a public https URL is accepted and normalised', () => {
    const result = checkWebhookUrl('https://Hooks.Example.com/commission-hub?tenant=7');
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.url.href).toBe('https://hooks.example.com/commission-hub?tenant=7');
  });

  test.each([
    ['http://hooks.example.com/', 'https_required'],
    ['ftp://hooks.example.com/', 'scheme_not_allowed'],
    ['https://user:secret@hooks.example.com/', 'userinfo_not_allowed'],
    ['https://:secret@hooks.example.com/', 'userinfo_not_allowed'],
    ['https://localhost/', 'internal_hostname'],
    ['https://localhost./', 'internal_hostname'],
    ['https://api.localhost/', 'internal_hostname'],
    ['https://metadata.google.internal/', 'internal_hostname'],
    ['https://vault.corp.internal/', 'internal_hostname'],
    ['https://printer.local/', 'internal_hostname'],
    ['https://metadata/', 'internal_hostname'],
    ['https://127.0.0.1/', 'blocked_address'],
    ['https://0x7f.1/', 'blocked_address'], // WHATWG normalises to 127.0.0.1
    ['https://2130706433/', 'blocked_address'],
    ['https://10.0.0.1/', 'blocked_address'],
    ['https://169.254.169.254/', 'blocked_address'],
    ['https://100.64.0.1/', 'blocked_address'],
    ['https://[::1]/', 'blocked_address'],
    ['https://[::ffff:127.0.0.1]/', 'blocked_address'],
    ['https://[fd00:ec2::254]/', 'blocked_address'],
    ['not a url', 'invalid_url'],
    [' https://hooks.example.com/', 'invalid_url'],
    ['https://hooks.example.com\\@evil.test/', 'invalid_url'],
    ['https://hooks.example.com/#frag', 'invalid_url'],
    ['', 'invalid_url'],
  ])('%s → %s', (url, code) => {
    const result = checkWebhookUrl(url);
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok || result.message.length > 10).toBe(true);
  });

  test('messages are fit for an API validation error', () => {
    expect(checkWebhookUrl('https://169.254.169.254/')).toMatchObject({
      message:
        'The URL points to 169.254.169.254, a link-local address; webhooks can only be delivered to public addresses.',
    });
    expect(checkWebhookUrl('http://hooks.example.com/')).toMatchObject({
      message: 'The URL must use https.',
    });
  });

  test('the development allowlist permits http and internal hosts it names, nothing else', () => {
    const allowHosts = '127.0.0.0/8,localhost';
    expect(checkWebhookUrl('http://127.0.0.1:4010/hook', { allowHosts }).ok).toBe(true);
    expect(checkWebhookUrl('http://localhost:4010/hook', { allowHosts }).ok).toBe(true);
    expect(checkWebhookUrl('http://10.0.0.1/hook', { allowHosts })).toMatchObject({ code: 'https_required' });
    expect(checkWebhookUrl('https://10.0.0.1/hook', { allowHosts })).toMatchObject({
      code: 'blocked_address',
    });
  });

  test('ports can be restricted', () => {
    const allowedPorts = [443, 8443];
    expect(checkWebhookUrl('https://hooks.example.com/', { allowedPorts }).ok).toBe(true);
    expect(checkWebhookUrl('https://hooks.example.com:8443/', { allowedPorts }).ok).toBe(true);
    expect(checkWebhookUrl('https://hooks.example.com:6379/', { allowedPorts })).toMatchObject({
      code: 'port_not_allowed',
    });
    expect(checkWebhookUrl('https://hooks.example.com:6379/').ok).toBe(true);
  });
});

describe('Standard Webhooks signatures', () => {
  const msgId = 'msg_01JGZ7Q8M4T1B2C3D4E5F6G7H8';
  const timestamp = Math.floor(Date.now() / 1000);

  test('secrets are whsec_ + base64 of 24–64 random bytes', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(Buffer.from(newEndpointSecret(24).slice(6), 'base64')).toHaveLength(24);
    expect(Buffer.from(newEndpointSecret(64).slice(6), 'base64')).toHaveLength(64);
    expect(() => newEndpointSecret(16)).toThrow(RangeError);
    expect(newEndpointSecret()).not.toBe(newEndpointSecret());
  });

  test('our signature is the reference library one and verifies', () => {
    const ours = signPayload(secret, msgId, timestamp, body);
    expect(ours).toBe(new Webhook(secret).sign(msgId, new Date(timestamp * 1000), body));
    const headers = webhookHeaders({ secrets: secret, msgId, timestampSeconds: timestamp, body });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  test('a tampered body, id or timestamp is refused', () => {
    const headers = { ...webhookHeaders({ secrets: secret, msgId, timestampSeconds: timestamp, body }) };
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(body.replace('imported', 'deleted'), headers)).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': String(timestamp - 1) })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(newEndpointSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  test('during a rotation both secrets sign, and a receiver with either one verifies', () => {
    const previous = newEndpointSecret();
    const current = newEndpointSecret();
    const now = Date.now();
    const secrets = activeSecrets(current, [{ secret: previous, expiresAt: now + 86_400_000 }], now);
    expect(secrets).toEqual([current, previous]);
    const headers = { ...webhookHeaders({ secrets, msgId, timestampSeconds: timestamp, body }) };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    // After the overlap window the old secret stops signing.
    expect(activeSecrets(current, [{ secret: previous, expiresAt: now - 1 }], now)).toEqual([current]);
  });

  test('message ids never contain "." and bad input fails loudly', () => {
    expect(newMessageId()).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newMessageId(1_000)).not.toBe(newMessageId(1_000));
    expect(newMessageId(1_000) < newMessageId(2_000_000)).toBe(true); // time-ordered
    expect(() => signPayload(secret, 'msg.1', timestamp, body)).toThrow(/no "\."/);
    expect(() => signPayload('not-a-secret', msgId, timestamp, body)).toThrow(/whsec_/);
    expect(() => signPayload(secret, msgId, 1.5, body)).toThrow(/whole Unix seconds/);
    expect(() => signatureHeader([], msgId, timestamp, body)).toThrow(/At least one/);
  });
});

describe('deliverOnce against a local receiver', () => {
  let receiver: TestServer;
  let agent: GuardedAgent;
  const received: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let redirectTargetHits = 0;
  let bigBody = { written: 0, finished: false, closed: Promise.resolve() };
  const url = (path: string) => `http://127.0.0.1:${receiver.port}${path}`;

  beforeAll(async () => {
    receiver = await listen('127.0.0.1', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        respond(req.url ?? '/', res);
      });
    });
    agent = createGuardedAgent({ allowHosts: allowListFromEnv({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }) });
  });
  afterAll(async () => {
    await agent.close();
    await receiver.close();
  });

  function respond(path: string, res: ServerResponse) {
    switch (path) {
      case '/ok':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      case '/unavailable':
        return res.writeHead(503).end('down for maintenance');
      case '/throttled':
        return res.writeHead(429, { 'retry-after': '7' }).end();
      case '/throttled-until':
        return res.writeHead(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }).end();
      case '/gone':
        return res.writeHead(410).end();
      case '/missing':
        return res.writeHead(404).end('no such hook');
      case '/abort':
        return res.writeHead(500, { 'webhook-delivery': 'abort-message' }).end();
      case '/redirect':
        return res.writeHead(302, { location: '/redirect-target' }).end();
      case '/redirect-target':
        redirectTargetHits++;
        return res.writeHead(200).end();
      case '/slow':
        return setTimeout(() => res.writeHead(200).end(), 5_000).unref();
      case '/big':
        return streamBig(res, 5 * 1024 * 1024);
      default:
        return res.writeHead(500).end('unexpected path');
    }
  }

  // Streams `total` bytes with backpressure, recording how far it got before the client hung up.
  function streamBig(res: ServerResponse, total: number) {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const state = { written: 0, finished: false, closed: Promise.resolve() };
    state.closed = new Promise((resolve) => res.on('close', resolve));
    res.on('finish', () => {
      state.finished = true;
    });
    bigBody = state;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
    const pump = () => {
      while (state.written < total && !res.destroyed) {
        state.written += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      if (state.written >= total) res.end();
    };
    pump();
  }

  const deliver = (path: string, extra: Partial<Parameters<typeof deliverOnce>[0]> = {}) =>
    deliverOnce({ url: url(path), body, secrets: secret, msgId: 'msg_deliver_test', agent, ...extra });

  test('2xx → delivered, signed so that the receiver verifies exactly what it got', async () => {
    const outcome = await deliver('/ok', {
      headers: { 'x-tenant': 't1', 'webhook-id': 'spoofed', host: 'x' },
    });
    expect(outcome).toMatchObject({
      kind: 'delivered',
      status: 200,
      responseBodyPreview: '{"received":true}',
      responseBodyTruncated: false,
      error: null,
    });
    const got = received.at(-1)!;
    expect(got.body).toBe(body);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-tenant']).toBe('t1');
    expect(got.headers['webhook-id']).toBe('msg_deliver_test');
    expect(got.headers['webhook-timestamp']).toBe(String(outcome.timestampSeconds));
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(new Webhook(secret).verify(got.body, headers)).toEqual(JSON.parse(body));
  });

  test('each attempt is re-signed with its own timestamp; the id stays', async () => {
    const first = await deliver('/ok', { now: () => Date.now() - 60_000 });
    const second = await deliver('/ok');
    const [a, b] = received.slice(-2);
    expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
    expect(second.timestampSeconds - first.timestampSeconds).toBeGreaterThanOrEqual(59);
    expect(a!.headers['webhook-signature']).not.toBe(b!.headers['webhook-signature']);
  });

  test('503 → retry', async () => {
    expect(await deliver('/unavailable')).toMatchObject({
      kind: 'retry',
      status: 503,
      responseBodyPreview: 'down for maintenance',
      retryAfterMs: null,
    });
  });

  test('429 with Retry-After seconds → retry with retryAfterMs', async () => {
    expect(await deliver('/throttled')).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 7_000 });
  });

  test('503 with a Retry-After date → retry with the time left', async () => {
    const outcome = await deliver('/throttled-until');
    expect(outcome.kind).toBe('retry');
    expect(outcome.retryAfterMs).toBeGreaterThan(110_000);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  test('410 → gone; 404 → rejected; abort-message → rejected', async () => {
    expect(await deliver('/gone')).toMatchObject({ kind: 'gone', status: 410 });
    expect(await deliver('/missing')).toMatchObject({
      kind: 'rejected',
      status: 404,
      responseBodyPreview: 'no such hook',
    });
    expect(await deliver('/abort')).toMatchObject({ kind: 'rejected', status: 500 });
  });

  test('302 → retry, and the redirect is not followed', async () => {
    const outcome = await deliver('/redirect');
    expect(outcome).toMatchObject({ kind: 'retry', status: 302 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(redirectTargetHits).toBe(0);
    expect(received.some((r) => r.url === '/redirect-target')).toBe(false);
  });

  test('a slow receiver → retry after the total timeout', async () => {
    const outcome = await deliver('/slow', { timeoutMs: 300 });
    expect(outcome).toMatchObject({ kind: 'retry', status: null, error: 'Timed out after 300 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(250);
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  test('a 5 MB response: only the first KB is kept and the download is abandoned', async () => {
    const outcome = await deliver('/big');
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200, responseBodyTruncated: true });
    expect(outcome.responseBodyPreview).toBe('x'.repeat(1024));
    await bigBody.closed; // we hung up…
    expect(bigBody.finished).toBe(false); // …before the receiver could send it all
    expect(bigBody.written).toBeLessThan(5 * 1024 * 1024);
  });

  test('network errors → retry', async () => {
    const closed = await listen('127.0.0.1', () => {});
    const port = closed.port;
    await closed.close();
    const outcome = await deliverOnce({
      url: `http://127.0.0.1:${port}/`,
      body,
      secrets: secret,
      msgId: 'msg_x',
      agent,
    });
    expect(outcome).toMatchObject({
      kind: 'retry',
      status: null,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  test('Retry-After parsing', () => {
    const now = Date.parse('2026-01-05T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 05 Jan 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 05 Jan 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});

describe('retry schedule', () => {
  test('follows Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(RETRY_SCHEDULE_MS).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
    expect(RETRY_SCHEDULE_MS.map((_, i) => retryDelayMs(i + 1, { random: () => 0.5 }))).toEqual(
      RETRY_SCHEDULE_MS,
    );
  });

  test('jitter stays within ±20%', () => {
    RETRY_SCHEDULE_MS.forEach((base, i) => {
      expect(retryDelayMs(i + 1, { random: () => 0 })).toBe(Math.round(base * 0.8));
      expect(retryDelayMs(i + 1, { random: () => 0.999_999 })).toBeLessThanOrEqual(Math.round(base * 1.2));
      for (let n = 0; n < 50; n++) {
        const delay = retryDelayMs(i + 1);
        expect(delay).toBeGreaterThanOrEqual(base * 0.8);
        expect(delay).toBeLessThanOrEqual(base * 1.2);
      }
    });
  });

  test('scale shortens everything for tests', () => {
    expect(retryDelayMs(1, { scale: 0.001, random: () => 0.5 })).toBe(5);
    expect(retryDelayMs(7, { scale: 0.001, random: () => 0.5 })).toBe(36_000);
    expect(retryDelayMs(1, { scale: 0.001, random: () => 0.5, retryAfterMs: 60_000 })).toBe(60);
  });

  test('Retry-After wins when larger, capped at a day', () => {
    expect(retryDelayMs(1, { random: () => 0.5, retryAfterMs: 60_000 })).toBe(60_000);
    expect(retryDelayMs(2, { random: () => 0.5, retryAfterMs: 60_000 })).toBe(300_000);
    expect(retryDelayMs(1, { random: () => 0.5, retryAfterMs: 3 * 86_400_000 })).toBe(MAX_RETRY_AFTER_MS);
  });

  test('eight attempts in all, then exhausted', () => {
    expect(exhausted(1)).toBe(false);
    expect(exhausted(7)).toBe(false);
    expect(exhausted(8)).toBe(true);
    expect(() => retryDelayMs(8)).toThrow(/exhausted/);
    expect(() => retryDelayMs(0)).toThrow(RangeError);
  });
});
