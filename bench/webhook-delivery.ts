// Benchmark: outbound webhook delivery end to end — outbox events appended in sync-sized
// transactions, fan-out by the database trigger, the per-endpoint Temporal workflow draining its
// queue with concurrent signed requests, attempts recorded in batches — to a local receiver (its
// own process) that verifies every signature with the reference `standardwebhooks` library and
// fails 30% of requests at random with a 503. The retry schedule runs at 1/5000 speed (5 s →
// 1 ms, 10 h → 7.2 s), so retries happen within the run; a message is lost if it is neither
// received nor recorded as failed. Latency is from the event's commit to the receiver's 2xx.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { appendEvents } from '../db/outbox.ts';
import { withTransaction } from '../db/pool.ts';
import { createTenant } from '../db/tenant-store.ts';
import { createEndpoint } from '../db/webhook-store.ts';
import { wakeWebhookDelivery } from '../runtime/webhook-requests.ts';
import type { BenchStack } from './stack.ts';

export interface WebhookBenchResult {
  messages: number;
  endpoints: number;
  deliveries: number;
  /** Until the last delivery finished (retry tail included). */
  seconds: number;
  /** Until 99% were delivered. */
  seconds99: number;
  deliveriesPerSecond: number;
  attempts: number;
  /** Requests per second (failed ones included) until 99% were delivered. */
  attemptsPerSecond: number;
  failedRequests: number;
  deadLettered: number;
  lost: number;
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  firstAttemptP50Ms: number;
  firstAttemptP99Ms: number;
}

interface ReceiverStats {
  requests: number;
  failed: number;
  invalid: number;
  accepted: Record<string, number>;
}

/** The receiver process: verifies, fails `FAILURE_RATE` of requests, counts what it accepted. */
async function runReceiver(): Promise<void> {
  const secrets = new Map<string, Webhook>();
  const failureRate = Number(process.env.FAILURE_RATE ?? 0.3);
  const stats: ReceiverStats = { requests: 0, failed: 0, invalid: 0, accepted: {} };
  const server = createServer((req, res) => {
    if (req.method === 'GET') return res.end(JSON.stringify(stats));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      const endpoint = (req.url ?? '/').slice(1);
      const verifier = secrets.get(endpoint);
      if (req.method === 'PUT') {
        secrets.set(endpoint, new Webhook(Buffer.concat(chunks).toString()));
        return res.end();
      }
      if (Math.random() < failureRate) {
        stats.failed++;
        return res.writeHead(503).end('busy');
      }
      try {
        verifier!.verify(Buffer.concat(chunks).toString(), req.headers as Record<string, string>);
      } catch {
        stats.invalid++;
        return res.writeHead(400).end('bad signature');
      }
      const key = `${endpoint}/${req.headers['webhook-id']}`;
      stats.accepted[key] = (stats.accepted[key] ?? 0) + 1;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
}

if (process.argv.includes('--webhook-receiver')) await runReceiver();

function startReceiver(failureRate: number): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(new URL(import.meta.url).pathname, ['--webhook-receiver'], {
    env: { ...process.env, FAILURE_RATE: String(failureRate) },
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, url: `http://localhost:${m.port}` }));
    child.once('exit', (code) => reject(new Error(`the receiver exited (${code})`)));
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

export async function benchWebhookDelivery(
  stack: BenchStack,
  opts: { messages: number; endpoints: number; failureRate: number },
): Promise<WebhookBenchResult> {
  Object.assign(process.env, {
    WEBHOOK_ALLOWED_HOSTS: 'localhost',
    WEBHOOK_RETRY_SCALE: '0.0002',
    WEBHOOK_IDLE_POLL_MS: '200',
    WEBHOOK_LINGER_MS: '500',
    WEBHOOK_CONCURRENCY: process.env.WEBHOOK_CONCURRENCY ?? '64',
  });
  const receiver = await startReceiver(opts.failureRate);
  try {
    const tenantId = await createTenant(stack.pool, { name: 'Webhook Bench Agency' });
    const endpointIds: string[] = [];
    for (let i = 0; i < opts.endpoints; i++) {
      const { endpoint, secret } = await createEndpoint(stack.pool, stack.keyring, tenantId, {
        url: `${receiver.url}/e${i}`,
        eventTypes: ['policy.updated'],
      });
      await fetch(`${receiver.url}/e${i}`, { method: 'PUT', body: secret });
      endpointIds.push(endpoint.id);
      await wakeWebhookDelivery(stack.temporal, stack.taskQueue, { tenantId, endpointId: endpoint.id });
    }
    // Events arrive the way a sync writes them: pages of 500 changes per transaction.
    for (let sent = 0; sent < opts.messages; sent += 500) {
      const n = Math.min(500, opts.messages - sent);
      await withTransaction(stack.pool, (db) =>
        appendEvents(
          db,
          { tenantId, connectionId: null },
          Array.from({ length: n }, () => ({
            type: 'policy.updated',
            entityType: 'policy',
            entityId: randomUUID(),
            op: 'updated' as const,
            changedFields: ['premium'],
          })),
        ),
      );
    }
    const expected = opts.messages * opts.endpoints;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const { rows } = await stack.pool.query<{ open: number }>(
        `select count(*)::int as open from webhook_deliveries where tenant_id = $1 and status = 'pending'`,
        [tenantId],
      );
      const { rows: all } = await stack.pool.query<{ n: number }>(
        'select count(*)::int as n from webhook_deliveries where tenant_id = $1',
        [tenantId],
      );
      if (all[0]!.n === expected && rows[0]!.open === 0) break;
      if (Date.now() > deadline)
        throw new Error(`${rows[0]!.open} deliveries still pending after 10 minutes`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const { rows: summary } = await stack.pool.query<{
      succeeded: number;
      failed: number;
      attempts: number;
      first_at: Date;
      last_at: Date;
      p99_at: Date;
    }>(
      `select count(*) filter (where status = 'succeeded')::int as succeeded,
              count(*) filter (where status = 'failed')::int as failed,
              sum(attempts)::int as attempts, min(created_at) as first_at, max(finished_at) as last_at,
              percentile_disc(0.99) within group (order by finished_at) as p99_at
         from webhook_deliveries where tenant_id = $1`,
      [tenantId],
    );
    const { rows: latencies } = await stack.pool.query<{ ms: number; attempts: number }>(
      `select extract(epoch from (a.attempted_at + make_interval(secs => a.duration_ms / 1000.0) - d.created_at)) * 1000 as ms,
              d.attempts
         from webhook_deliveries d join webhook_attempts a on a.delivery_id = d.id and a.attempt = d.attempts
        where d.tenant_id = $1 and d.status = 'succeeded'`,
      [tenantId],
    );
    if (process.env.BENCH_DEBUG) {
      const { rows: timeline } = await stack.pool.query(
        `select floor(extract(epoch from (a.attempted_at - $2::timestamptz)))::int as s, count(*)::int as n,
                count(*) filter (where a.attempt = 1)::int as first
           from webhook_attempts a where a.tenant_id = $1 group by 1 order by 1`,
        [tenantId, summary[0]!.first_at],
      );
      console.log(timeline.map((t) => `${t.s}s:${t.n}/${t.first}`).join(' '));
    }
    const { rows: burst } = await stack.pool.query<{ n: number }>(
      'select count(*)::int as n from webhook_attempts where tenant_id = $1 and attempted_at <= $2',
      [tenantId, summary[0]!.p99_at],
    );
    const stats = (await (await fetch(receiver.url)).json()) as ReceiverStats;
    const received = Object.keys(stats.accepted).length;
    const duplicates = Object.values(stats.accepted).reduce((sum, n) => sum + n - 1, 0);
    const s = summary[0]!;
    const seconds = (s.last_at.getTime() - s.first_at.getTime()) / 1000;
    // The last 1% waits out the (scaled) retry schedule's hours-long steps; throughput is measured
    // until 99% were delivered, and the total time is reported beside it.
    const seconds99 = (s.p99_at.getTime() - s.first_at.getTime()) / 1000;
    const all = latencies.map((l) => Number(l.ms)).sort((a, b) => a - b);
    const first = latencies
      .filter((l) => l.attempts === 1)
      .map((l) => Number(l.ms))
      .sort((a, b) => a - b);
    return {
      messages: opts.messages,
      endpoints: opts.endpoints,
      deliveries: expected,
      seconds,
      deliveriesPerSecond: (0.99 * expected) / seconds99,
      seconds99,
      attempts: s.attempts,
      attemptsPerSecond: burst[0]!.n / seconds99,
      failedRequests: stats.failed,
      deadLettered: s.failed,
      // Every delivery must have reached the receiver, or be on record as failed for good.
      lost: expected - received - s.failed,
      duplicates,
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      firstAttemptP50Ms: percentile(first, 50),
      firstAttemptP99Ms: percentile(first, 99),
    };
  } finally {
    receiver.child.kill();
  }
}

export function formatWebhookBench(r: WebhookBenchResult): string {
  const ms = (v: number) => `${Math.round(v)} ms`;
  return [
    `  deliveries            ${r.deliveries} (${r.messages} events × ${r.endpoints} endpoints)`,
    `  delivered/s to 99%    ${Math.round(r.deliveriesPerSecond)}  (${r.seconds99.toFixed(1)} s; all done in ${r.seconds.toFixed(1)} s)`,
    `  requests/s to 99%     ${Math.round(r.attemptsPerSecond)}  (${r.attempts} attempts, ${r.failedRequests} answered 503)`,
    `  lost                  ${r.lost}  (dead-lettered after 8 attempts: ${r.deadLettered}; duplicates: ${r.duplicates})`,
    `  latency p50 / p99     ${ms(r.p50Ms)} / ${ms(r.p99Ms)}  (first-attempt successes: ${ms(r.firstAttemptP50Ms)} / ${ms(r.firstAttemptP99Ms)})`,
  ].join('\n');
}
