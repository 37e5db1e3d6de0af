// The sliding-window approximation both limits use (the API's per-plan rate limit and the
// sign-in throttle): a fixed window's count plus the previous window's count weighted by how much
// of it still overlaps the sliding window. Two counters per bucket, shared through PostgreSQL.
// The arithmetic is in whole milliseconds (count × ms stays an exact integer), so the boundary
// that Retry-After announces is the boundary the check applies, with no float rounding between.

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
