// Per-plan rate limits (requests per hour, as the specification sets them), counted in a
// sliding window shared by every API process through PostgreSQL: the current hour's count plus
// the previous hour's, weighted by how much of it still overlaps the window. One round trip.
import type { MiddlewareHandler } from 'hono';
import type { Pool } from '../db/pool.ts';
import type { AppEnv } from './deps.ts';
import { ProblemError } from './problem.ts';

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
 * Counts one request, in one statement whose commit does not wait for the WAL flush: every
 * request of a tenant updates the same row, and waiting ~3 ms for each flush under that row's
 * lock would cap a tenant at a few hundred requests a second. The local setting holds until the
 * statement's own implicit transaction commits. A crash may forget the last few counts, which is
 * harmless for a rate limit.
 */
async function countHit(pool: Pool, bucket: string, windowStart: Date, previousStart: Date) {
  const { rows } = await pool.query<{ current: number; previous: number }>(
    `with async_commit as (select set_config('synchronous_commit', 'off', true)),
     cur as (
       insert into rate_limit_windows (bucket, window_start, hits) values ($1, $2, 1)
       on conflict (bucket, window_start) do update set hits = rate_limit_windows.hits + 1
       returning hits)
     select (select hits from cur) as current,
            coalesce((select hits from rate_limit_windows where bucket = $1 and window_start = $3), 0) as previous,
            (select 1 from async_commit) as async`,
    [bucket, windowStart, previousStart],
  );
  return rows;
}

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tenantId = c.get('tenantId');
  const limit = planLimits[await planOf(c, tenantId)] ?? planLimits.free!;
  const now = Date.now();
  const windowStart = now - (now % WINDOW_MS);
  const rows = await countHit(
    c.get('deps').pool,
    `tenant:${tenantId}`,
    new Date(windowStart),
    new Date(windowStart - WINDOW_MS),
  );
  const elapsed = (now - windowStart) / WINDOW_MS;
  const used = Math.ceil(rows[0]!.previous * (1 - elapsed) + rows[0]!.current);
  const resetSeconds = Math.ceil((WINDOW_MS - (now - windowStart)) / 1000);
  c.header('RateLimit-Policy', `${limit};w=3600`);
  c.header('RateLimit-Limit', String(limit));
  c.header('RateLimit-Remaining', String(Math.max(0, limit - used)));
  c.header('RateLimit-Reset', String(resetSeconds));
  if (used > limit) {
    // When enough of the previous hour's weight will have slid out, or the window resets.
    const previous = rows[0]!.previous;
    const excess = used - limit;
    const wait = previous > 0 ? Math.min(resetSeconds, Math.ceil((excess / previous) * 3600)) : resetSeconds;
    c.header('Retry-After', String(Math.max(1, wait)));
    throw new ProblemError('rate-limited', `The ${limit} requests per hour of this plan are used up.`, {
      limit,
      retry_after_seconds: Math.max(1, wait),
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
