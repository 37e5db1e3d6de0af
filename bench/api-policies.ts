// GET /v1/policies under 1,000 requests a second: the API is served from this process over real
// HTTP, against a tenant of a few thousand policies created through POST /v1/policies/bulk, and
// an open-loop generator in a worker thread (bench/load-generator.ts, undici) offers the load
// for ~20 s after a warm-up. Reports the achieved rate and p50/p95/p99 (goal: p95 < 20 ms).
// BENCH_API_RPS, BENCH_API_SECONDS and BENCH_API_POLICIES change the defaults (1000, 20, 3000).
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.ts';
import { createTenant, issueApiKey } from '../db/tenant-store.ts';
import { createLogger } from '../runtime/logger.ts';
import { newKeySpec, parseKeyring } from '../runtime/secret-box.ts';
import type { LoadResult, LoadSpec } from './load-generator.ts';
import type { BenchStack } from './stack.ts';

export interface ApiPoliciesBench {
  policies: number;
  bulkSeconds: number;
  targetRps: number;
  achievedRps: number;
  offered: number;
  completed: number;
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;

export async function benchApiPolicies(
  stack: BenchStack,
  opts: { rps?: number; seconds?: number; policies?: number } = {},
): Promise<ApiPoliciesBench> {
  const rps = opts.rps ?? Number(process.env.BENCH_API_RPS ?? 1000);
  const seconds = opts.seconds ?? Number(process.env.BENCH_API_SECONDS ?? 20);
  const count = opts.policies ?? Number(process.env.BENCH_API_POLICIES ?? 3000);
  const app = createApp({
    pool: stack.pool,
    // No route this bench calls touches the ORM.
    orm: null as never,
    temporal: stack.temporal,
    keyring: stack.keyring,
    payloadKeys: parseKeyring(newKeySpec('bench-api')),
    logger: createLogger('bench-api', 'warn'),
    taskQueue: stack.taskQueue,
    namespace: 'default',
  });
  // The enterprise plan's 100,000 requests an hour cover the run.
  const tenantId = await createTenant(stack.pool, { name: 'Bench agency', plan: 'enterprise' });
  const { key } = await issueApiKey(stack.pool, {
    tenantId,
    name: 'bench',
    scopes: ['policies:read', 'policies:write'],
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const headers = { authorization: `Bearer ${key}` };
  try {
    const bulkStarted = performance.now();
    for (let from = 0; from < count; from += 1000) {
      const items = Array.from({ length: Math.min(1000, count - from) }, (_, i) => {
        const n = from + i;
        const month = String((n % 12) + 1).padStart(2, '0');
        return {
          op: 'create',
          policy: {
            policy_number: `BENCH-${String(n).padStart(6, '0')}`,
            effective_date: `2026-${month}-01`,
            expiration_date: `2027-${month}-01`,
            term_premium_cents: 50_000 + n,
            line_of_business: n % 3 ? 'Auto' : 'Homeowners',
            state: 'TX',
          },
        };
      });
      const res = await fetch(`${origin}/v1/policies/bulk`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      const body = (await res.json()) as { succeeded: number };
      if (res.status !== 200 || body.succeeded !== items.length)
        throw new Error(`bulk create failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    const bulkSeconds = (performance.now() - bulkStarted) / 1000;

    const spec: LoadSpec = {
      origin,
      path: '/v1/policies?limit=50',
      headers,
      rate: rps,
      warmupSeconds: 3,
      seconds,
      connections: 64,
    };
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const worker = new Worker(new URL('./load-generator.ts', import.meta.url), { workerData: spec });
      worker.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) =>
        m.ok ? resolve(m.result!) : reject(new Error(m.error)),
      );
      worker.once('error', reject);
    });
    const l = result.latencies;
    return {
      policies: count,
      bulkSeconds,
      targetRps: rps,
      achievedRps: result.completed / result.seconds,
      offered: result.offered,
      completed: result.completed,
      errors: result.errors,
      statuses: result.statuses,
      p50: percentile(l, 50),
      p95: percentile(l, 95),
      p99: percentile(l, 99),
      max: l.at(-1) ?? Number.NaN,
    };
  } finally {
    await app.flushAudit();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export function formatApiPoliciesBench(r: ApiPoliciesBench): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return [
    `  tenant                ${r.policies} policies (bulk-created in ${r.bulkSeconds.toFixed(1)} s)`,
    `  offered               ${r.targetRps} req/s, ${r.offered} requests measured after a 3 s warm-up`,
    `  achieved              ${Math.round(r.achievedRps)} req/s, ${r.completed} answered, ${r.errors} not 200 ${JSON.stringify(r.statuses)}`,
    `  latency               p50 ${ms(r.p50)}  p95 ${ms(r.p95)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  (goal p95 < 20 ms)`,
  ].join('\n');
}
