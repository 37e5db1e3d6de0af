// The sliding-window approximation both limits use (the API's per-plan rate limit and the
// sign-in throttle): a fixed window's count plus the previous window's count weighted by how much
// of it still overlaps the sliding window. Two counters per bucket, shared through PostgreSQL.
// The arithmetic is in whole milliseconds (count × ms stays an exact integer), so the boundary
// that Retry-After announces is the boundary the check applies, with no float rounding between.
import type { Pool } from '../db/pool.ts';

export interface WindowPosition {
  start: number;
  previousStart: number;
  /** Milliseconds into the current window. */
  intoMs: number;
}

export function windowAt(now: number, windowMs: number): WindowPosition {
  const intoMs = now % windowMs;
  return { start: now - intoMs, previousStart: now - intoMs - windowMs, intoMs };
}

export interface WindowCounts {
  previous: number;
  /** This window's count, including the hit just counted. */
  current: number;
}

/** The weighted count, in hits × window milliseconds. */
const weightedMs = ({ previous, current }: WindowCounts, intoMs: number, windowMs: number) =>
  previous * (windowMs - intoMs) + current * windowMs;

export const withinLimit = (counts: WindowCounts, intoMs: number, limit: number, windowMs: number) =>
  weightedMs(counts, intoMs, windowMs) <= limit * windowMs;

/** Hits counted in the sliding window, rounded up (for RateLimit-Remaining). */
export const hitsInWindow = (counts: WindowCounts, intoMs: number, windowMs: number) =>
  Math.ceil(weightedMs(counts, intoMs, windowMs) / windowMs);

/**
 * Seconds from now until one more hit would be admitted. That hit counts itself, so the window
 * must fall to `limit - 1` first: a client that waits exactly Retry-After gets in. Within this
 * window the previous window's weight slides out; if this window alone is at the limit, the wait
 * runs into the next window, where this window's count becomes the weighted one.
 */
export function secondsUntilAdmitted(counts: WindowCounts, intoMs: number, limit: number, windowMs: number) {
  const room = limit - 1;
  const { previous, current } = counts;
  if (withinLimit(counts, intoMs, room, windowMs)) return 0;
  let waitMs: number;
  if (current < room && previous > 0) {
    // previous × (window − t) ≤ (room − current) × window
    waitMs = windowMs - Math.floor(((room - current) * windowMs) / previous) - intoMs;
  } else {
    // Next window: current × (window − t) ≤ room × window, the new window holding just that hit.
    const intoNext = Math.max(0, windowMs - Math.floor((room * windowMs) / current));
    waitMs = windowMs - intoMs + intoNext;
  }
  return Math.ceil(waitMs / 1000);
}

/**
 * Reserves `n` hits, in one statement whose commit does not wait for the WAL flush: every
 * reservation of a tenant updates the same row, and waiting ~3 ms for each flush under that
 * row's lock would cap a tenant at a few hundred requests a second. The local setting holds
 * until the statement's own implicit transaction commits. A crash may forget the last few
 * counts, which is harmless for a rate limit or a sign-in throttle.
 */
export async function reserveHits(
  pool: Pool,
  bucket: string,
  windowStart: Date,
  previousStart: Date,
  n: number,
) {
  const { rows } = await pool.query<{ current: number; previous: number }>(
    `with async_commit as (select set_config('synchronous_commit', 'off', true)),
     cur as (
       insert into rate_limit_windows (bucket, window_start, hits) values ($1, $2, $4)
       on conflict (bucket, window_start) do update set hits = rate_limit_windows.hits + $4
       returning hits)
     select (select hits from cur) as current,
            coalesce((select hits from rate_limit_windows where bucket = $1 and window_start = $3), 0) as previous,
            (select 1 from async_commit) as async`,
    [bucket, windowStart, previousStart, n],
  );
  return rows[0]!;
}
