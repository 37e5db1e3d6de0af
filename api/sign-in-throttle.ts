// Password guessing is slowed per account: after 10 failed sign-ins within a sliding 15 minutes,
// the account answers 429 with Retry-After (even to the right password) until older failures
// slide out. Failures are counted in PostgreSQL, so every API process sees the same count; the
// bucket names a hash of the address, not the address. A locked account unlocks by itself, so a
// stranger cannot shut an agency out for longer than the window.
import { createHash } from 'node:crypto';
import type { Pool } from '../db/pool.ts';

export const MAX_FAILED_SIGN_INS = 10;
const WINDOW_MS = 15 * 60_000;

const bucketOf = (email: string) =>
  `sign-in:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;

function windows(now: number) {
  const start = now - (now % WINDOW_MS);
  return {
    current: new Date(start),
    previous: new Date(start - WINDOW_MS),
    elapsed: (now - start) / WINDOW_MS,
  };
}

/** Seconds until the account may try again, or 0 when it may now. */
export async function signInBlockedFor(pool: Pool, email: string, now = Date.now()): Promise<number> {
  const w = windows(now);
  const { rows } = await pool.query<{ window_start: Date; hits: number }>(
    'select window_start, hits from rate_limit_windows where bucket = $1 and window_start >= $2',
    [bucketOf(email), w.previous],
  );
  const previous = rows.find((r) => r.window_start.getTime() === w.previous.getTime())?.hits ?? 0;
  const current = rows.find((r) => r.window_start.getTime() === w.current.getTime())?.hits ?? 0;
  const weighted = previous * (1 - w.elapsed) + current;
  if (weighted < MAX_FAILED_SIGN_INS) return 0;
  // When enough of the previous window has slid out, or else when this one ends.
  const excess = weighted - MAX_FAILED_SIGN_INS + 1;
  const windowLeft = (1 - w.elapsed) * WINDOW_MS;
  const slide =
    previous > 0 && excess <= previous * (1 - w.elapsed) ? (excess / previous) * WINDOW_MS : windowLeft;
  return Math.max(1, Math.ceil(Math.min(slide, windowLeft) / 1000));
}

export async function recordFailedSignIn(pool: Pool, email: string, now = Date.now()): Promise<void> {
  await pool.query(
    `insert into rate_limit_windows (bucket, window_start, hits) values ($1, $2, 1)
     on conflict (bucket, window_start) do update set hits = rate_limit_windows.hits + 1`,
    [bucketOf(email), windows(now).current],
  );
}
