// Observability: Prometheus metrics from the API (latency per route, sync records, webhook
// outcomes) and from a worker process (the Temporal SDK's own), readiness that fails when the
// database is gone, and JSON logs that carry the request and tenant ids and never a secret.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { forkEntry, stopChild, waitForReady } from '../../runtime/child-process.ts';
import { createLogger } from '../../runtime/logger.ts';
import { recordWebhookOutcome } from '../../runtime/metrics.ts';
import { mainTaskQueue } from '../../runtime/task-queues.ts';
import { freePort } from '../../runtime/temporal-server.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The value of one sample line of the Prometheus text format, e.g. `name{a="b"}`. */
function sample(text: string, prefix: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
}

/** Another instance of the API with its own logger and, optionally, its own database pool. */
function secondApp(opts: { databaseUrl?: string; log?: (line: string) => void } = {}) {
  const logger = createLogger(
    'observed',
    'debug',
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) opts.log?.(line);
        done();
      },
    }),
  );
  const pool = opts.databaseUrl ? createPool(opts.databaseUrl, 1) : h.pool;
  const app = h.newApp({ pool, logger });
  return { app, logger, close: () => (pool === h.pool ? Promise.resolve() : pool.end()) };
}

describe('GET /metrics', () => {
  test('a latency histogram per route pattern, sync records and webhook outcomes', async () => {
    const { apiKey } = await h.newTenant('Metrics');
    const metrics = async () => (await h.request('GET', '/metrics')).text();
    const route =
      'chub_http_request_duration_seconds_count{method="GET",route="/v1/policies/:id",status="404"}';
    const before = sample(await metrics(), route) ?? 0;
    for (let i = 0; i < 3; i++)
      expect((await h.request('GET', `/v1/policies/${crypto.randomUUID()}`, { apiKey })).status).toBe(404);
    await h.request('GET', '/v1/policies', { apiKey });
    const text = await metrics();
    expect(sample(text, route)).toBe(before + 3);
    // Labelled by the pattern, never the raw URL (ids would make a series per request).
    expect(text).not.toMatch(/route="\/v1\/policies\/[0-9a-f]{8}-/);
    expect(
      sample(
        text,
        'chub_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/policies",status="200"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE chub_http_request_duration_seconds histogram');

    const failed = 'chub_webhook_deliveries_total{outcome="failed"}';
    const delivered = sample(text, 'chub_webhook_deliveries_total{outcome="delivered"}');
    expect(sample(text, failed)).not.toBeNull();
    recordWebhookOutcome('delivered');
    recordWebhookOutcome('delivered');
    expect(sample(await metrics(), 'chub_webhook_deliveries_total{outcome="delivered"}')).toBe(
      (delivered ?? 0) + 2,
    );

    const created = 'chub_sync_records_total{provider="inbound:rater",outcome="created"}';
    const pushed = await h.request('POST', '/v1/inbound/rater/quote-sold', {
      apiKey,
      body: { source: 'turborater', quote_id: 'Q-METRICS', policy_data: { carrier: 'Acme', premium: 100 } },
    });
    expect(pushed.status).toBe(200);
    expect(sample(await metrics(), created)).toBeGreaterThanOrEqual(1);
  });
});

describe('readiness', () => {
  test('/readyz is 200 with the database, Temporal and migrations current', async () => {
    const res = await h.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { database: { status: 'ok' }, temporal: { status: 'ok' }, migrations: { status: 'ok' } },
    });
  });

  test('/readyz is 503 when the database does not answer; /healthz still answers', async () => {
    const closedPort = await freePort();
    const broken = secondApp({ databaseUrl: `postgres://nobody:nothing@127.0.0.1:${closedPort}/none` });
    try {
      const res = await broken.app.request('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(body.status).toBe('degraded');
      expect(body.checks.database!.status).toBe('failing');
      expect(body.checks.migrations!.status).toBe('failing');
      expect(body.checks.temporal!.status).toBe('ok');
    } finally {
      await broken.close();
    }
  });
});

describe('logs', () => {
  test('request logs carry the request id and tenant id; secrets are redacted', async () => {
    const lines: Record<string, unknown>[] = [];
    const observed = secondApp({ log: (l) => lines.push(JSON.parse(l)) });
    const { tenantId, apiKey } = await h.newTenant('Logs');
    const res = await observed.app.request('/v1/policies', {
      headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': 'req-logs-1' },
    });
    expect(res.status).toBe(200);
    const request = lines.find((l) => l.msg === 'request');
    expect(request).toMatchObject({ requestId: 'req-logs-1', tenantId, status: 200, path: '/v1/policies' });
    observed.logger.warn(
      {
        connection: { credentials: { accessToken: 'tok-secret' } },
        headers: { authorization: `Bearer ${apiKey}` },
      },
      'oops',
    );
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain(apiKey);
    expect(all).not.toContain('tok-secret');
    expect(all).toContain('[redacted]');
    await observed.close();
  });
});

describe('worker metrics', () => {
  test('a worker process serves the Temporal SDK’s Prometheus metrics on WORKER_METRICS_PORT', async () => {
    const port = await freePort();
    const worker = forkEntry(
      'worker-main.ts',
      {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: inject('databaseUrl'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        CREDENTIALS_KEYS: inject('credentialsKeys'),
        PAYLOAD_KEYS: inject('payloadKeys'),
        WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        TASK_QUEUE_PREFIX: `${h.taskQueuePrefix}metrics-`,
        WORKER_METRICS_PORT: String(port),
      },
      { silent: true },
    );
    try {
      await waitForReady(worker, 'the worker', 120_000);
      const text = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const body = await res.text();
        return res.ok && body.includes('temporal_') ? body : null;
      }, 'worker metrics');
      expect(text).toMatch(/^temporal_\w+/m);
      expect(text).toMatch(/temporal_num_pollers|temporal_worker_task_slots_available|temporal_request/);

      // Our own counters go through the same exporter: a sync on this worker counts its records.
      const { tenantId } = await h.newTenant('Worker metrics');
      const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
        seed: 'metrics',
        clients: 5,
        clean: true,
      });
      const connectionId = await hubspotConnection(h, tenantId, account);
      const taskQueue = mainTaskQueue(`${h.taskQueuePrefix}metrics-`);
      await startSync(h, { connectionId, tenantId, taskQueue }, 'full');
      const result = await syncResult(h, connectionId);
      expect(result.status).toBe('completed');
      const created = await waitFor(async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const line = body
          .split('\n')
          .find(
            (l) =>
              /^chub_sync_records_total\{/.test(l) &&
              l.includes('provider="hubspot"') &&
              l.includes('outcome="created"'),
          );
        return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
      }, 'the sync records counter');
      expect(created).toBe(result.counts.created);
    } finally {
      await stopChild(worker);
    }
  }, 180_000);
});
