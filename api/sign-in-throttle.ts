// Password guessing is slowed per account: after 10 failed sign-ins within a sliding 15 minutes,
// the account answers 429 with Retry-After (even to the right password) until older failures
// slide out; attempts made while locked count too. Failures are counted in PostgreSQL, so every API process sees the same count; the
// bucket names a hash of the address, not the address. A locked account unlocks by itself once the
// guessing stops.
import { createHash } from 'node:crypto';
import type { Pool } from '../db/pool.ts';
import { reserveHits, secondsUntilAdmitted, windowAt, withinLimit } from './sliding-window.ts';

export const MAX_FAILED_SIGN_INS = 10;
const WINDOW_MS = 15 * 60_000;

const bucketOf = (email: string) =>
  `sign-in:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;

/**
 * Counts this attempt first, atomically, and says how long the account must wait (0: go ahead).
 * Counting before the password check means parallel guesses are each counted: a burst of them
 * cannot all pass the check before any failure is recorded. A successful sign-in takes its
 * count back (forgiveSignIn).
 */
export async function countSignInAttempt(pool: Pool, email: string, now = Date.now()): Promise<number> {
  const w = windowAt(now, WINDOW_MS);
  const counts = await reserveHits(pool, bucketOf(email), new Date(w.start), new Date(w.previousStart), 1);
  if (withinLimit(counts, w.intoMs, MAX_FAILED_SIGN_INS, WINDOW_MS)) return 0;
  return Math.max(1, secondsUntilAdmitted(counts, w.intoMs, MAX_FAILED_SIGN_INS, WINDOW_MS));
}

/** A right password: this attempt was not a failure. */
export async function forgiveSignIn(pool: Pool, email: string, now = Date.now()): Promise<void> {
  await pool.query(
    'update rate_limit_windows set hits = greatest(hits - 1, 0) where bucket = $1 and window_start = $2',
    [bucketOf(email), new Date(windowAt(now, WINDOW_MS).start)],
  );
}
