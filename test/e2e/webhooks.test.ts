// Outbound webhooks through the real system: endpoints managed through the API, events from a
// real sync reaching a local receiver that verifies every signature with the reference
// `standardwebhooks` library, the (shortened) retry schedule with a stable webhook-id, 410 and
// long failure disabling the endpoint, recover and manual retry, secret rotation, strict ordering
// and the rate limit, and the SSRF guard refusing internal destinations at registration and,
// for a name that resolves to a private address, at connect time.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks.ts';
import { webhookEventSchemas } from '../../api/routes/webhooks.ts';
import { appendEvents } from '../../db/outbox.ts';
import { createEndpoint } from '../../db/webhook-store.ts';
import { hubDataConverter } from '../../runtime/data-converter.ts';
import { createLogger } from '../../runtime/logger.ts';
import type { Resolver } from '../../runtime/outbound/ssrf-guard.ts';
import { EndpointId } from '../../runtime/search-attributes.ts';
import { parseKeyring } from '../../runtime/secret-box.ts';
import { findTemporalCli } from '../../runtime/temporal-server.ts';
import { wakeWebhookDelivery } from '../../runtime/webhook-requests.ts';
import { decodeHistory } from '../support/decode-history.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';

// The development allowlist names `localhost` only, so receivers are reached as
// http://localhost:port while every internal IP literal stays refused. The retry schedule runs
// at 1/1000 speed: 5 ms, 300 ms, 1.8 s, 7.2 s, 18 s, 36 s, 36 s.
process.env.WEBHOOK_ALLOWED_HOSTS = 'localhost';
process.env.WEBHOOK_RETRY_SCALE = '0.001';
process.env.WEBHOOK_IDLE_POLL_MS = '300';
process.env.WEBHOOK_LINGER_MS = '300';
process.env.WEBHOOK_DISABLE_AFTER_MS = String(10 * 60_000);

const fixtures = new URL('../fixtures/histories/', import.meta.url).pathname;

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

type Responder = (
  req: Received,
  n: number,
) => { status: number; body?: string; headers?: Record<string, string> };

/** A local receiver: each path answers as the test says, and everything received is kept. */
class Receiver {
  readonly received: Received[] = [];
  private readonly responders = new Map<string, Responder>();
  private server!: Server;
  port = 0;

  async start() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got = {
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
        };
        this.received.push(got);
        const respond: Responder = this.responders.get(got.path) ?? (() => ({ status: 200 }));
        const answer = respond(got, this.on(got.path).length);
        res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string) {
    return `http://localhost:${this.port}${path}`;
  }

  respond(path: string, responder: Responder) {
    this.responders.set(path, responder);
  }

  on(path: string) {
    return this.received.filter((r) => r.path === path);
  }

  close() {
    return new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

function verified(secret: string, r: Received): { type: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; data: Record<string, unknown> };
}

let h: Harness;
const receiver = new Receiver();
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  await receiver.start();
  ({ tenantId, apiKey } = await h.newTenant('Webhook Agency'));
});
afterAll(async () => {
  await h?.close();
  await receiver.close();
});

const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
};

interface EndpointBody {
  id: string;
  url: string;
  secret?: string;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  event_types: string[];
  previous_secret_expires_at: string | null;
  workflow_id: string;
}

const createHook = (body: Record<string, unknown>) =>
  json<EndpointBody & { secret: string }>(h.request('POST', '/v1/webhooks', { apiKey, body }), 201);

/** Appends events through the real outbox function (the trigger queues their deliveries). */
async function emit(type: string, n = 1, data: Record<string, unknown> = {}): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await appendEvents(
    h.pool,
    { tenantId, connectionId: null },
    ids.map((id) => ({ type, entityType: 'connection', entityId: id, data: { reason: 'test', ...data } })),
  );
  return ids;
}

const deliveriesOf = async (endpointId: string) =>
  (
    await h.pool.query('select * from webhook_deliveries where endpoint_id = $1 order by event_seq', [
      endpointId,
    ])
  ).rows;

describe('endpoints', () => {
  test('create shows the whsec_ secret once, stores it sealed, and validates input', async () => {
    const created = await createHook({
      url: receiver.url('/crud'),
      event_types: ['policy.created', 'policy.updated'],
      description: 'CRM bridge',
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created).toMatchObject({
      enabled: true,
      disabled_reason: null,
      workflow_id: `webhooks/${created.id}`,
    });
    const fetched = await json<EndpointBody>(h.request('GET', `/v1/webhooks/${created.id}`, { apiKey }));
    expect(fetched).not.toHaveProperty('secret');
    const { rows } = await h.pool.query('select secret from webhook_endpoints where id = $1', [created.id]);
    expect(rows[0].secret).not.toContain(created.secret.slice(6, 20));

    const list = await json<{ data: EndpointBody[] }>(h.request('GET', '/v1/webhooks', { apiKey }));
    expect(list.data.map((e) => e.id)).toContain(created.id);
    const patched = await json<EndpointBody>(
      h.request('PATCH', `/v1/webhooks/${created.id}`, {
        apiKey,
        body: { event_types: ['policy.cancelled'], enabled: false },
      }),
    );
    expect(patched).toMatchObject({ event_types: ['policy.cancelled'], enabled: false });
    expect(patched.disabled_reason).toMatch(/through the API/);

    const bad = await json<{ errors: { field: string }[] }>(
      h.request('POST', '/v1/webhooks', { apiKey, body: { url: receiver.url('/x'), event_types: ['nope'] } }),
      422,
    );
    expect(bad.errors[0]!.field).toContain('event_types');
    await json(h.request('DELETE', `/v1/webhooks/${created.id}`, { apiKey }), 204);
    await json(h.request('GET', `/v1/webhooks/${created.id}`, { apiKey }), 404);
  });

  test.each([
    ['IPv4 loopback', 'http://127.0.0.1:9/hook'],
    ['IPv4 loopback over https', 'https://127.0.0.1/hook'],
    ['RFC 1918', 'https://10.0.0.1/hook'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['CGNAT', 'https://100.64.0.1/hook'],
    ['plain http to a public host', 'http://hooks.example.com/hook'],
    ['userinfo', 'https://user:pass@hooks.example.com/hook'],
    ['internal name', 'https://metadata.google.internal/'],
  ])('registration refuses %s', async (_label, url) => {
    const problem = await json<{ detail: string; errors: { field: string }[] }>(
      h.request('POST', '/v1/webhooks', { apiKey, body: { url, event_types: ['policy.created'] } }),
      422,
    );
    expect(problem.errors[0]!.field).toBe('url');
    const patchTarget = await createHook({
      url: receiver.url('/ssrf-patch'),
      event_types: ['policy.created'],
    });
    await json(h.request('PATCH', `/v1/webhooks/${patchTarget.id}`, { apiKey, body: { url } }), 422);
    await json(h.request('DELETE', `/v1/webhooks/${patchTarget.id}`, { apiKey }), 204);
  });

  test('every event type has a versioned JSON Schema in the OpenAPI document', async () => {
    const doc = await json<{
      webhooks: Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }
      >;
      components: { schemas: Record<string, unknown> };
    }>(h.request('GET', '/openapi.json'));
    for (const type of [
      'policy.created',
      'policy.renewed',
      'commission.paid',
      'sync.completed',
      'renewal.upcoming',
    ]) {
      // Sub-app registrations are mounted at '/', so the webhook entries are named '/<type>'.
      const ref = doc.webhooks[`/${type}`]!.post.requestBody.content['application/json']!.schema.$ref;
      expect(ref).toMatch(/Event_v1$/);
      expect(doc.components.schemas[ref.split('/').at(-1)!]).toBeDefined();
    }
    expect(Object.keys(doc.webhooks)).toHaveLength(Object.keys(webhookEventSchemas).length);
  });
});

describe('delivery', () => {
  test('events of a real sync reach the endpoint, signed, documented, and visible in Temporal', async () => {
    const endpoint = await createHook({
      url: receiver.url('/sync'),
      event_types: ['policy.created', 'sync.completed'],
    });
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'e2e-webhooks',
      clients: 6,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotConnection(h, tenantId, account);
    await startSync(h, { connectionId, tenantId }, 'full');
    expect((await syncResult(h, connectionId)).status).toBe('completed');
    const { rows: policies } = await h.pool.query<{ id: string }>(
      'select id from policies where tenant_id = $1',
      [tenantId],
    );
    expect(policies.length).toBeGreaterThan(0);
    await waitFor(
      async () => receiver.on('/sync').some((r) => r.body.includes('"sync.completed"')),
      'the sync.completed webhook',
      60_000,
    );
    await waitFor(
      async () =>
        receiver.on('/sync').filter((r) => r.body.includes('"policy.created"')).length >= policies.length,
      'a policy.created webhook per policy',
      60_000,
    );
    const events = receiver.on('/sync').map((r) => verified(endpoint.secret, r));
    const created = events.filter((e) => e.type === 'policy.created');
    expect(new Set(created.map((e) => e.data.policy_id))).toEqual(new Set(policies.map((p) => p.id)));
    for (const e of events) {
      const schema = webhookEventSchemas[e.type as keyof typeof webhookEventSchemas];
      expect(schema.safeParse(e).error).toBeUndefined();
    }
    const completed = events.find((e) => e.type === 'sync.completed')!;
    expect(completed.data).toMatchObject({ connection_id: connectionId, mode: 'full' });
    // Only subscribed types: the sync also produced client and carrier events, which were not sent.
    expect(events.every((e) => ['policy.created', 'sync.completed'].includes(e.type))).toBe(true);

    const found = [];
    for await (const wf of h.temporal.workflow.list({ query: `EndpointId = "${endpoint.id}"` }))
      found.push(wf);
    expect(found.map((w) => w.workflowId)).toContain(`webhooks/${endpoint.id}`);
    expect(found[0]!.typedSearchAttributes.get(EndpointId)).toBe(endpoint.id);
    // The workflow carries ids only: no payload, no secret, no URL in its (decoded) history.
    const raw = await h.temporal.workflow.getHandle(`webhooks/${endpoint.id}`).fetchHistory();
    const history = JSON.stringify(await decodeHistory(raw, parseKeyring(inject('payloadKeys')), false));
    expect(history).toContain(endpoint.id);
    expect(history).not.toContain(endpoint.secret.slice(6));
    expect(history).not.toContain('policy_id');
    expect(history).not.toContain(`localhost:${receiver.port}`);
  });

  test('a failing receiver sees the shortened schedule with the same webhook-id, re-signed each time', async () => {
    receiver.respond('/flaky', (_r, n) =>
      n <= 4 ? { status: 503, body: `attempt ${n} failed ${'x'.repeat(3000)}` } : { status: 204 },
    );
    const outcomes = async () => {
      const text = await (await h.request('GET', '/metrics')).text();
      const count = (outcome: string) => {
        const line = text
          .split('\n')
          .find((l) => l.startsWith(`chub_webhook_deliveries_total{outcome="${outcome}"}`));
        return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
      };
      return { retrying: count('retrying'), delivered: count('delivered') };
    };
    const before = await outcomes();
    const endpoint = await createHook({ url: receiver.url('/flaky'), event_types: ['connection.paused'] });
    await emit('connection.paused');
    await waitFor(async () => receiver.on('/flaky').length >= 5, 'five attempts', 60_000);
    const attempts = receiver.on('/flaky');
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    // Re-signed per attempt: the timestamp is the attempt's, and the signature follows it.
    const stamps = attempts.map((a) => Number(a.headers['webhook-timestamp']));
    expect(stamps.at(-1)! - stamps[0]!).toBeGreaterThanOrEqual(8);
    const signatures = new Map(
      attempts.map((a) => [a.headers['webhook-timestamp'], a.headers['webhook-signature']]),
    );
    expect(new Set(signatures.values()).size).toBe(signatures.size);
    for (const a of attempts) expect(verified(endpoint.secret, a).type).toBe('connection.paused');
    // 5 ms, 300 ms, 1.8 s, 7.2 s, each ±20%, plus the time to notice it is due: a timer, a workflow
    // task and an activity task, which a loaded 2-core CI machine has taken up to ~2.3 s to run.
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    [5, 300, 1800, 7200].forEach((base, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(base * 0.8 - 20);
      expect(gaps[i]).toBeLessThanOrEqual(base * 1.2 + 3000);
    });

    const [delivery] = await deliveriesOf(endpoint.id);
    await waitFor(
      async () => (await deliveriesOf(endpoint.id))[0]?.status === 'succeeded',
      'success recorded',
    );
    const listed = await json<{
      data: { id: string; status: string; attempts: number; webhook_id: string }[];
    }>(h.request('GET', `/v1/webhooks/${endpoint.id}/deliveries`, { apiKey }));
    expect(listed.data[0]).toMatchObject({
      status: 'succeeded',
      attempts: 5,
      webhook_id: attempts[0]!.headers['webhook-id'],
    });
    const detail = await json<{
      attempt_log: {
        outcome: string;
        status_code: number;
        response_body: string;
        response_truncated: boolean;
      }[];
    }>(h.request('GET', `/v1/deliveries/${delivery.id}`, { apiKey }));
    expect(detail.attempt_log.map((a) => a.status_code)).toEqual([503, 503, 503, 503, 204]);
    expect(detail.attempt_log[0]).toMatchObject({ outcome: 'retry', response_truncated: true });
    expect(detail.attempt_log[0]!.response_body).toHaveLength(1024);
    expect(detail.attempt_log[0]!.response_body.startsWith('attempt 1 failed')).toBe(true);
    // Every attempt's outcome is counted for Prometheus.
    const after = await outcomes();
    expect(after.retrying).toBeGreaterThanOrEqual(before.retrying + 4);
    expect(after.delivered).toBeGreaterThanOrEqual(before.delivered + 1);
  });

  test('Retry-After is honoured', async () => {
    receiver.respond('/throttled', (_r, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '2000' } } : { status: 200 },
    );
    await createHook({ url: receiver.url('/throttled'), event_types: ['connection.paused'] });
    await emit('connection.paused');
    await waitFor(async () => receiver.on('/throttled').length >= 2, 'the retry', 30_000);
    const [a, b] = receiver.on('/throttled');
    // 2000 s asked, scaled like the schedule to 2 s (instead of the scheduled 5 ms).
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(1_900);
  });

  test('410 Gone disables the endpoint and ends its workflow', async () => {
    receiver.respond('/gone', () => ({ status: 410 }));
    const endpoint = await createHook({ url: receiver.url('/gone'), event_types: ['connection.paused'] });
    await emit('connection.paused');
    const handle = h.temporal.workflow.getHandle(`webhooks/${endpoint.id}`);
    await waitFor(
      async () => (await handle.describe()).status.name === 'COMPLETED',
      'the workflow to end',
      30_000,
    );
    const got = await json<EndpointBody>(h.request('GET', `/v1/webhooks/${endpoint.id}`, { apiKey }));
    expect(got.enabled).toBe(false);
    expect(got.disabled_reason).toMatch(/410 Gone/);
    expect(receiver.on('/gone')).toHaveLength(1);
    expect((await deliveriesOf(endpoint.id)).map((d) => d.status)).toEqual(['failed']);
    // A disabled endpoint is not sent anything more (nothing is even queued for it).
    await emit('connection.paused');
    expect(await deliveriesOf(endpoint.id)).toHaveLength(1);
    await recordFixture('webhookDelivery-1', handle.workflowId, (await handle.describe()).runId);
  });

  test('an endpoint failing continuously for the configured time is disabled with the reason', async () => {
    process.env.WEBHOOK_DISABLE_AFTER_MS = '1500';
    try {
      receiver.respond('/down', () => ({ status: 500 }));
      const endpoint = await createHook({ url: receiver.url('/down'), event_types: ['connection.paused'] });
      await emit('connection.paused');
      const disabled = await waitFor(
        async () => {
          const e = await json<EndpointBody>(h.request('GET', `/v1/webhooks/${endpoint.id}`, { apiKey }));
          return e.enabled ? null : e;
        },
        'the endpoint to be disabled',
        30_000,
      );
      expect(disabled.disabled_reason).toMatch(/Every attempt has failed since/);
      expect(disabled.failing_since).not.toBeNull();
    } finally {
      process.env.WEBHOOK_DISABLE_AFTER_MS = String(10 * 60_000);
    }
  });

  test('recover re-delivers what failed since a time, and a manual retry sends one again', async () => {
    let accept = false;
    receiver.respond('/picky', () => (accept ? { status: 200 } : { status: 400, body: 'bad config' }));
    const endpoint = await createHook({ url: receiver.url('/picky'), event_types: ['connection.paused'] });
    const since = new Date(Date.now() - 1000).toISOString();
    await emit('connection.paused', 3);
    // 400 fails fast: one attempt each, no retries.
    await waitFor(
      async () => (await deliveriesOf(endpoint.id)).filter((d) => d.status === 'failed').length === 3,
      'three failed deliveries',
    );
    expect(receiver.on('/picky')).toHaveLength(3);
    const firstIds = receiver.on('/picky').map((r) => r.headers['webhook-id']);

    accept = true;
    const recovered = await json<{ requeued: number }>(
      h.request('POST', `/v1/webhooks/${endpoint.id}/recover?since=${encodeURIComponent(since)}`, { apiKey }),
      202,
    );
    expect(recovered.requeued).toBe(3);
    await waitFor(
      async () => (await deliveriesOf(endpoint.id)).every((d) => d.status === 'succeeded'),
      'recovered deliveries',
    );
    const resent = receiver.on('/picky').slice(3);
    expect(new Set(resent.map((r) => r.headers['webhook-id']))).toEqual(new Set(firstIds));

    const [one] = await deliveriesOf(endpoint.id);
    await json(h.request('POST', `/v1/deliveries/${one.id}/retry`, { apiKey }), 202);
    await waitFor(async () => receiver.on('/picky').length === 7, 'the manual retry');
    expect(receiver.on('/picky')[6]!.headers['webhook-id']).toBe(one.msg_id);
    await waitFor(async () => (await deliveriesOf(endpoint.id))[0]?.attempts === 3, 'the retry recorded');
    const again = await json<{ attempts: number; status: string }>(
      h.request('GET', `/v1/deliveries/${one.id}`, { apiKey }),
    );
    expect(again).toMatchObject({ attempts: 3, status: 'succeeded' });
  });

  test('a rotated secret signs alongside the old one during the overlap', async () => {
    const endpoint = await createHook({ url: receiver.url('/rotate'), event_types: ['connection.paused'] });
    const rotated = await json<{ secret: string; previous_secret_expires_at: string }>(
      h.request('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, {
        apiKey,
        body: { overlap_seconds: 3600 },
      }),
    );
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 3_500_000);
    await emit('connection.paused');
    await waitFor(async () => receiver.on('/rotate').length === 1, 'the delivery');
    const [got] = receiver.on('/rotate');
    expect(String(got!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(endpoint.secret, got!).type).toBe('connection.paused');
    expect(verified(rotated.secret, got!).type).toBe('connection.paused');
  });

  test('strict ordering holds later events behind a failing one; the rate limit paces requests', async () => {
    receiver.respond('/ordered', (_r, n) => (n <= 2 ? { status: 500 } : { status: 200 }));
    const strict = await createHook({
      url: receiver.url('/ordered'),
      event_types: ['sync.failed'],
      strict_ordering: true,
    });
    const ids = await emit('sync.failed', 4, { failure_class: 'Network', error: 'x' });
    await waitFor(async () => receiver.on('/ordered').length >= 6, 'all ordered deliveries', 30_000);
    const order = receiver.on('/ordered').map((r) => verified(strict.secret, r).data.connection_id);
    expect(order).toEqual([ids[0], ids[0], ids[0], ids[1], ids[2], ids[3]]);

    await createHook({
      url: receiver.url('/paced'),
      event_types: ['connection.paused'],
      rate_limit_per_second: 10,
    });
    await emit('connection.paused', 15);
    await waitFor(async () => receiver.on('/paced').length === 15, 'paced deliveries', 30_000);
    const paced = receiver.on('/paced');
    // Unpaced, 15 requests land within a few tens of ms; at 10/s no half second holds more than
    // about 5 (one more for the first connection's setup compressing the start).
    expect(paced.at(-1)!.at - paced[0]!.at).toBeGreaterThanOrEqual(1_000);
    const busiest = Math.max(
      ...paced.map((p) => paced.filter((q) => q.at >= p.at && q.at < p.at + 500).length),
    );
    expect(busiest).toBeLessThanOrEqual(7);
  });
});

describe('SSRF at connect time', () => {
  test('a public-looking name that resolves to a private address is refused without a connection', async () => {
    // A worker whose DNS says rebind.example.com is 127.0.0.1 today (where our receiver listens)
    // and metadata.example.com is the cloud metadata address.
    const dns: Resolver = async (hostname) => {
      const table: Record<string, string> = {
        'rebind.example.com': '127.0.0.1',
        'metadata.example.com': '169.254.169.254',
        'private.example.com': '10.0.0.1',
      };
      const address = table[hostname];
      if (!address)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return [{ address, family: 4 }];
    };
    const taskQueue = `${h.taskQueue}-ssrf`;
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      dataConverter: hubDataConverter(parseKeyring(inject('payloadKeys'))),
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createWebhookActivities(
        { pool: h.pool, keyring: h.keyring, logger: createLogger('test', 'warn') },
        { resolver: dns },
      ),
    });
    const running = worker.run();
    try {
      const before = receiver.received.length;
      const endpoints: { id: string }[] = [];
      for (const host of ['rebind.example.com', 'metadata.example.com', 'private.example.com']) {
        // Registration accepts these (public-looking names); only the resolved address tells.
        const { endpoint } = await createEndpoint(h.pool, h.keyring, tenantId, {
          url: `https://${host}:${receiver.port}/rebind`,
          eventTypes: ['policy.deleted'],
        });
        endpoints.push(endpoint);
        await wakeWebhookDelivery(h.temporal, taskQueue, { tenantId, endpointId: endpoint.id });
      }
      await appendEvents(h.pool, { tenantId, connectionId: null }, [
        { type: 'policy.deleted', entityType: 'policy', entityId: randomUUID(), op: 'deleted' },
      ]);
      const attempts = await waitFor(async () => {
        const { rows } = await h.pool.query(
          `select a.outcome, a.error from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id
            where d.endpoint_id = any($1::uuid[]) and a.attempt = 1`,
          [endpoints.map((e) => e.id)],
        );
        return rows.length === 3 ? rows : null;
      }, 'the refused attempts');
      for (const a of attempts) {
        expect(a.outcome).toBe('blocked');
        expect(a.error).toMatch(
          /Refused to connect to (127\.0\.0\.1|169\.254\.169\.254|10\.0\.0\.1) \(resolved from/,
        );
      }
      expect(receiver.received.slice(before).filter((r) => r.path === '/rebind')).toHaveLength(0);
      for (const e of endpoints) await h.pool.query('delete from webhook_endpoints where id = $1', [e.id]);
      for (const e of endpoints)
        await waitFor(
          async () =>
            (await h.temporal.workflow.getHandle(`webhooks/${e.id}`).describe()).status.name === 'COMPLETED',
          'the workflow to see its endpoint gone',
          30_000,
        ).catch(() => h.temporal.workflow.getHandle(`webhooks/${e.id}`).terminate('test over'));
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  });
});

/** With RECORD_HISTORIES=1, keeps a finished run as the replay test's fixture of this type. */
async function recordFixture(name: string, workflowId: string, runId: string) {
  if (process.env.RECORD_HISTORIES !== '1' || existsSync(`${fixtures}${name}.json`)) return;
  const out = execFileSync(findTemporalCli()!, [
    'workflow',
    'show',
    '--address',
    inject('temporalAddress'),
    '--workflow-id',
    workflowId,
    '--run-id',
    runId,
    '--output',
    'json',
  ]);
  writeFileSync(`${fixtures}${name}.json`, out);
}
