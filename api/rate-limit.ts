// Per-plan rate limits (requests per hour, as the specification sets them), counted in a
// sliding window shared by every API process through PostgreSQL: the current hour's count plus
// the previous hour's, weighted by how much of it still overlaps the window. One round trip.
import type { MiddlewareHandler } from 'hono';
import type { Pool } from '../db/pool.ts';
import type { AppEnv } from './deps.ts';
import { ProblemError } from './problem.ts';
import { hitsInWindow, reserveHits, secondsUntilAdmitted, windowAt, withinLimit } from './sliding-window.ts';

export const planLimits: Record<string, number> = {
  free: 100,
  starter: 1_000,
  professional: 10_000,
  enterprise: 100_000,
};
const WINDOW_MS = 3_600_000;

const planCache = new Map<string, { plan: string; at: number }>();

async function planOf(c: Parameters<MiddlewareHandler<AppEnv>>[0], tenantId: string): Promise<string> {
  const cached = planCache.get(tenantId);
  if (cached && Date.now() - cached.at < 60_000) return cached.plan;
  const { rows } = await c.get('deps').pool.query('select plan from tenants where id = $1', [tenantId]);
  const plan = rows[0]?.plan ?? 'free';
  planCache.set(tenantId, { plan, at: Date.now() });
  return plan;
}

/**
 * Hits reserved in PostgreSQL ahead of use: a process takes a lease of 0.5% of the plan's limit
 * at a time and spends it locally, so a busy tenant costs one statement per lease instead of one
 * per request. What other processes admit shows at the next lease; reservations are counted as
 * used, so the window never admits more than the limit plus the other processes' unspent leases,
 * and an idle process holds back at most one lease. The free plan's lease is one request: exact.
 */
interface Lease {
  windowStart: number;
  /** The previous window's count. */
  previous: number;
  /** The current window's count right after this lease was reserved (includes it). */
  reservedTotal: number;
  size: number;
  spent: number;
}

export const leaseSize = (limit: number) => Math.max(1, Math.floor(limit / 200));

export class RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly pending = new Map<string, Promise<Lease>>();
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  /** Counts one request; returns the window's previous count and current count including it. */
  async hit(
    bucket: string,
    limit: number,
    windowStart: number,
  ): Promise<{ previous: number; current: number }> {
    let lease = this.leases.get(bucket);
    while (!lease || lease.windowStart !== windowStart || lease.spent >= lease.size) {
      let next = this.pending.get(bucket);
      if (!next) {
        const size = leaseSize(limit);
        next = reserveHits(this.pool, bucket, new Date(windowStart), new Date(windowStart - WINDOW_MS), size)
          .then((r) => {
            const fresh = { windowStart, previous: r.previous, reservedTotal: r.current, size, spent: 0 };
            this.leases.set(bucket, fresh);
            return fresh;
          })
          .finally(() => this.pending.delete(bucket));
        this.pending.set(bucket, next);
      }
      await next;
      lease = this.leases.get(bucket);
    }
    lease.spent++;
    return { previous: lease.previous, current: lease.reservedTotal - (lease.size - lease.spent) };
  }
}

export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const tenantId = c.get('tenantId');
    const limit = planLimits[await planOf(c, tenantId)] ?? planLimits.free!;
    const w = windowAt(Date.now(), WINDOW_MS);
    const counts = await limiter.hit(`tenant:${tenantId}`, limit, w.start);
    c.header('RateLimit-Policy', `${limit};w=3600`);
    c.header('RateLimit-Limit', String(limit));
    c.header('RateLimit-Remaining', String(Math.max(0, limit - hitsInWindow(counts, w.intoMs, WINDOW_MS))));
    c.header('RateLimit-Reset', String(Math.ceil((WINDOW_MS - w.intoMs) / 1000)));
    if (!withinLimit(counts, w.intoMs, limit, WINDOW_MS)) {
      const wait = Math.max(1, secondsUntilAdmitted(counts, w.intoMs, limit, WINDOW_MS));
      c.header('Retry-After', String(wait));
      throw new ProblemError('rate-limited', `The ${limit} requests per hour of this plan are used up.`, {
        limit,
        retry_after_seconds: wait,
      });
    }
    if (Math.random() < 0.001) {
      void c
        .get('deps')
        .pool.query(`delete from rate_limit_windows where window_start < now() - interval '3 hours'`)
        .catch(() => {});
    }
    await next();
  };
}
