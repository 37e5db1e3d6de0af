// Sending an endpoint's webhooks. One activity run drains what is due for one endpoint: it claims
// batches of due deliveries from the database, sends them concurrently (bounded, and paced by the
// endpoint's rate limit; one at a time and in event order under strict ordering), re-signs every
// attempt, and records the attempts in batches. It returns when nothing has been due for a short
// linger, when its time budget ends, or when the endpoint is disabled, with how long the workflow
// may sleep. Payloads and secrets stay in the database and this process: the workflow sees ids.
import { Context } from '@temporalio/activity';
import {
  type AttemptResult,
  type ClaimedDelivery,
  claimDue,
  type EndpointRow,
  endpointBacklog,
  loadEndpointForDelivery,
  recordAttempts,
  signingSecrets,
} from '../db/webhook-store.ts';
import { recordWebhookOutcome } from '../runtime/metrics.ts';
import { allowListFromEnv } from '../runtime/outbound/address-policy.ts';
import { DEFAULT_TIMEOUT_MS, deliverOnce } from '../runtime/outbound/deliver.ts';
import { payloadBody } from '../runtime/outbound/event-payloads.ts';
import { exhausted, retryDelayMs } from '../runtime/outbound/retry-schedule.ts';
import { createGuardedAgent, type GuardedAgent, type Resolver } from '../runtime/outbound/ssrf-guard.ts';
import type { ActivityDeps } from './deps.ts';

export interface WebhookSettings {
  /** Multiplies the retry schedule (tests and benchmarks shorten it; 1 in production). */
  retryScale: number;
  /** Failing continuously this long disables the endpoint (5 days). */
  disableAfterMs: number;
  /** Longest sleep between looks at an idle endpoint's queue: the latency of a new event. */
  idlePollMs: number;
  /** How long a drain keeps looking for new work after its queue ran dry. */
  lingerMs: number;
  /** Time budget of one drain, so the workflow regularly sees changes and continues as new. */
  maxRunMs: number;
  /** Requests in flight per endpoint. */
  concurrency: number;
  timeoutMs: number;
}

/** From WEBHOOK_* variables, read on every drain so a process can be tuned without a restart. */
export function webhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
    return value;
  };
  return {
    retryScale: num('WEBHOOK_RETRY_SCALE', 1),
    disableAfterMs: num('WEBHOOK_DISABLE_AFTER_MS', 5 * 86_400_000),
    idlePollMs: num('WEBHOOK_IDLE_POLL_MS', 2_000),
    lingerMs: num('WEBHOOK_LINGER_MS', 1_000),
    maxRunMs: num('WEBHOOK_MAX_RUN_MS', 60_000),
    concurrency: Math.max(1, Math.floor(num('WEBHOOK_CONCURRENCY', 128))),
    timeoutMs: num('WEBHOOK_TIMEOUT_MS', DEFAULT_TIMEOUT_MS),
  };
}

export interface DrainInput {
  endpointId: string;
}

export interface DrainResult {
  /** `stopped`: the endpoint is disabled or deleted; the workflow ends. */
  state: 'active' | 'stopped';
  /** How long the workflow may sleep before the next drain (a wake signal cuts it short). */
  sleepMs: number;
  delivered: number;
  failed: number;
  retried: number;
  /** For the DeliveryStatus search attribute. */
  status: 'delivering' | 'retrying' | 'idle' | 'disabled';
  headEventType: string | null;
}

// A claimed delivery is ours for this long; a crashed sender's work becomes due again after it.
const LEASE_MS = 120_000;
const FLUSH_EVERY = 250;
const FLUSH_INTERVAL_MS = 100;
const POLL_MS = 50;
const RELOAD_ENDPOINT_MS = 1_000;

export interface WebhookActivityOptions {
  /** DNS for customer hosts; tests inject one to simulate a name resolving to a private address. */
  resolver?: Resolver;
}

export function createWebhookActivities(deps: ActivityDeps, options: WebhookActivityOptions = {}) {
  const { pool, keyring } = deps;
  const agents = new Map<string, GuardedAgent>();

  // One pooled agent per allowlist: connections to a receiver are reused across drains.
  function agentFor(env: NodeJS.ProcessEnv = process.env): GuardedAgent {
    const key = env.WEBHOOK_ALLOWED_HOSTS ?? '';
    let agent = agents.get(key);
    if (!agent) {
      agent = createGuardedAgent({
        allowHosts: allowListFromEnv(env),
        ...(options.resolver ? { lookup: options.resolver } : {}),
        connectTimeoutMs: 10_000,
      });
      agents.set(key, agent);
    }
    return agent;
  }

  async function drainWebhookDeliveries(input: DrainInput): Promise<DrainResult> {
    const settings = webhookSettings();
    const started = Date.now();
    let endpoint = await loadEndpointForDelivery(pool, input.endpointId);
    if (!endpoint?.enabled) return stopped();
    const strict = endpoint.strict_ordering;
    const agent = agentFor();
    const context = Context.current();
    let secrets = signingSecrets(keyring, endpoint);
    let reloadedAt = Date.now();
    let disabled: string | null = null;
    const counts = { delivered: 0, failed: 0, retried: 0 };

    // Results are written in batches: one transaction per few hundred attempts, not per attempt.
    let buffer: AttemptResult[] = [];
    let flushedAt = Date.now();
    let writing: Promise<void> = Promise.resolve();
    const flush = () => {
      const batch = buffer;
      buffer = [];
      flushedAt = Date.now();
      writing = writing.then(async () => {
        const reason = await recordAttempts(pool, input.endpointId, batch, settings.disableAfterMs);
        if (reason) disabled = reason;
      });
      return writing;
    };

    const queue: ClaimedDelivery[] = [];
    let claiming: Promise<void> | null = null;
    let lastWorkAt = Date.now();
    const concurrency = strict ? 1 : settings.concurrency;
    const refill = () => {
      claiming ??= claimDue(pool, input.endpointId, {
        limit: Math.max(concurrency * 4, 100),
        leaseMs: LEASE_MS,
        strict,
      })
        .then((claimed) => {
          if (claimed.length) lastWorkAt = Date.now();
          queue.push(...claimed);
        })
        .finally(() => {
          claiming = null;
        });
      return claiming;
    };

    const pace = pacer(endpoint.rate_limit_per_second);
    const finished = () =>
      disabled !== null ||
      endpoint === null ||
      context.cancellationSignal.aborted ||
      Date.now() - started >= settings.maxRunMs;

    const sendOne = async (item: ClaimedDelivery, current: EndpointRow): Promise<AttemptResult> => {
      const attempt = item.attempts + 1;
      const attemptedAt = new Date();
      const outcome = await deliverOnce({
        url: current.url,
        body: payloadBody(item.event),
        secrets,
        msgId: item.msgId,
        agent,
        timeoutMs: settings.timeoutMs,
      });
      let status: AttemptResult['status'] = 'pending';
      let nextAttemptAt: Date | null = null;
      if (outcome.kind === 'delivered') {
        status = 'succeeded';
        counts.delivered++;
        recordWebhookOutcome('delivered');
      } else if (outcome.kind === 'gone' || outcome.kind === 'rejected' || exhausted(attempt)) {
        status = 'failed';
        counts.failed++;
        // Refused by the endpoint (410, other 4xx) or out of attempts (dead-lettered).
        recordWebhookOutcome(outcome.kind === 'gone' || outcome.kind === 'rejected' ? 'failed' : 'dead');
      } else {
        counts.retried++;
        recordWebhookOutcome(outcome.kind === 'blocked' ? 'blocked' : 'retrying');
        const delay = retryDelayMs(attempt, {
          scale: settings.retryScale,
          retryAfterMs: outcome.retryAfterMs,
        });
        nextAttemptAt = new Date(Date.now() + delay);
      }
      return {
        deliveryId: item.id,
        tenantId: item.tenantId,
        attempt,
        attemptedAt,
        outcome: outcome.kind,
        statusCode: outcome.status,
        responseBody: outcome.responseBodyPreview,
        responseTruncated: outcome.responseBodyTruncated,
        durationMs: outcome.durationMs,
        error: outcome.error,
        status,
        nextAttemptAt,
      };
    };

    const sender = async () => {
      while (!finished()) {
        if (Date.now() - reloadedAt >= RELOAD_ENDPOINT_MS) {
          reloadedAt = Date.now();
          endpoint = await loadEndpointForDelivery(pool, input.endpointId);
          if (!endpoint?.enabled) {
            endpoint = null;
            break;
          }
          secrets = signingSecrets(keyring, endpoint);
        }
        let item = queue.shift();
        if (!item) {
          await refill();
          item = queue.shift();
        }
        if (!item) {
          // Store what was sent before waiting, so a failed delivery's retry time is visible.
          if (buffer.length) await flush();
          if (Date.now() - lastWorkAt >= settings.lingerMs) break;
          await sleep(POLL_MS);
          continue;
        }
        await pace();
        buffer.push(await sendOne(item, endpoint!));
        context.heartbeat();
        // Strict ordering: the head's new state must be stored before the next claim looks at it.
        if (strict || buffer.length >= FLUSH_EVERY || Date.now() - flushedAt >= FLUSH_INTERVAL_MS)
          await flush();
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, sender));
    } finally {
      // A claim still under way when the senders stopped adds to the queue: wait for it, so what
      // it claimed is released below rather than left leased (and late) for the lease's length.
      await (claiming as Promise<void> | null)?.catch(() => {});
      await flush();
      // Deliveries claimed but not sent (the run ended first) become due again at once.
      if (queue.length) {
        await pool.query('update webhook_deliveries set next_attempt_at = now() where id = any($1::uuid[])', [
          queue.map((q) => q.id),
        ]);
      }
    }
    if (disabled !== null || endpoint === null) return { ...stopped(), ...counts };
    const backlog = await endpointBacklog(pool, input.endpointId, strict);
    return {
      state: 'active',
      sleepMs: Math.min(backlog.nextDueMs ?? settings.idlePollMs, settings.idlePollMs),
      ...counts,
      status: backlog.retrying > 0 ? 'retrying' : backlog.pending > 0 ? 'delivering' : 'idle',
      headEventType: backlog.headEventType,
    };
  }

  return { drainWebhookDeliveries };
}

function stopped(): DrainResult {
  return {
    state: 'stopped',
    sleepMs: 0,
    delivered: 0,
    failed: 0,
    retried: 0,
    status: 'disabled',
    headEventType: null,
  };
}

/** Spaces requests `1 / perSecond` apart across all concurrent senders (no limit when null). */
function pacer(perSecond: number | null): () => Promise<void> {
  if (!perSecond) return async () => {};
  const gap = 1000 / perSecond;
  let next = Date.now();
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + gap;
    if (at > now) await sleep(at - now);
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
