// Prometheus metrics of our own code. The API process serves them at GET /metrics (prom-client);
// a worker process installs the Temporal runtime's Prometheus exporter instead, and after
// `useTemporalMeter` the same record* calls count through the runtime's meter, so what
// activities record shows up next to the Temporal SDK's own metrics on the worker's endpoint.
import type { MetricMeter } from '@temporalio/common';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'chub_' });

export const httpDuration = new Histogram({
  name: 'chub_http_request_duration_seconds',
  help: 'API request latency by route (the registered path pattern, never the raw URL).',
  labelNames: ['method', 'route', 'status'] as const,
  // Fine below 50 ms, where the API's goals are.
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const syncRecords = new Counter({
  name: 'chub_sync_records_total',
  help: 'Records that arrived from other systems (syncs and inbound pushes), by provider and outcome.',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});

export const webhookOutcomes = ['delivered', 'failed', 'retrying', 'dead', 'blocked'] as const;
export type WebhookOutcome = (typeof webhookOutcomes)[number];

const webhookDeliveries = new Counter({
  name: 'chub_webhook_deliveries_total',
  help: 'Outbound webhook delivery attempts by outcome.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
// Every outcome exists from the start, so dashboards and rate() see zeros rather than gaps.
for (const outcome of webhookOutcomes) webhookDeliveries.inc({ outcome }, 0);

let temporalMeter: MetricMeter | null = null;
let temporalCounters: {
  syncRecords: ReturnType<MetricMeter['createCounter']>;
  webhooks: ReturnType<MetricMeter['createCounter']>;
} | null = null;

/** In a worker process: count through the Temporal runtime's meter (its Prometheus exporter). */
export function useTemporalMeter(meter: MetricMeter): void {
  temporalMeter = meter;
  temporalCounters = {
    syncRecords: meter.createCounter(
      'chub_sync_records',
      'records',
      'Records that arrived from other systems.',
    ),
    webhooks: meter.createCounter(
      'chub_webhook_deliveries',
      'deliveries',
      'Outbound webhook delivery attempts.',
    ),
  };
}

/** Counts one delivery attempt's outcome (called by the outbound webhook code). */
export function recordWebhookOutcome(outcome: WebhookOutcome): void {
  if (temporalCounters) temporalCounters.webhooks.add(1, { outcome });
  else webhookDeliveries.inc({ outcome });
}

/** Counts records a sync page or an inbound push brought, by outcome (created, updated, …). */
export function recordSyncRecords(provider: string, counts: Partial<Record<string, number>>): void {
  for (const [outcome, n] of Object.entries(counts)) {
    if (!n || n < 0) continue;
    if (temporalCounters) temporalCounters.syncRecords.add(n, { provider, outcome });
    else syncRecords.inc({ provider, outcome }, n);
  }
}

/** Whether record* calls go to the Temporal runtime's meter (a worker) or to prom-client (the API). */
export function metricsSink(): 'temporal' | 'prom-client' {
  return temporalMeter ? 'temporal' : 'prom-client';
}

/** Times every request under its route pattern (`/v1/policies/:id`), so label values stay few. */
export const httpMetrics: MiddlewareHandler = async (c, next) => {
  const end = httpDuration.startTimer();
  try {
    await next();
  } finally {
    const route = matchedRoutes(c)[c.req.routeIndex];
    const pattern = route && route.path !== '/*' && route.path !== '*' ? route.path : 'unmatched';
    end({ method: c.req.method, route: pattern, status: String(c.res.status) });
  }
};
