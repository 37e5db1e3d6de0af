// When to try a failed webhook again. Svix's hosted schedule (attempt 1 immediately, then these
// gaps; about 28 h in all) is what receivers already expect from webhook senders. Jitter spreads
// the retries of one outage's backlog so a recovering receiver is not hit by all of them at once.

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay after failed attempt n is RETRY_SCHEDULE_MS[n - 1]; 8 attempts in all. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

/** A receiver's Retry-After is honoured up to a day; beyond that it is a misconfiguration. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

export const DEFAULT_JITTER = 0.2;

export interface RetryDelayOptions {
  /** Milliseconds the receiver asked for (Retry-After); used when larger than the scheduled delay. */
  retryAfterMs?: number | null;
  /** Uniform [0, 1) source; injectable so tests are deterministic. */
  random?: () => number;
  /** ± fraction of the scheduled delay (0.2 = ±20%). */
  jitter?: number;
  /** Multiplies every delay, Retry-After included; tests use e.g. 0.001 to run the whole schedule. */
  scale?: number;
  schedule?: readonly number[];
}

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based: attempt 1 is the immediate first
 * delivery) before the next one. Throws once the schedule is exhausted; check `exhausted` first.
 */
export function retryDelayMs(attempt: number, options: RetryDelayOptions = {}): number {
  const schedule = options.schedule ?? RETRY_SCHEDULE_MS;
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`Attempt numbers start at 1, not ${attempt}`);
  const base = schedule[attempt - 1];
  if (base === undefined)
    throw new RangeError(`No retry after attempt ${attempt}: the schedule is exhausted`);
  const jitter = options.jitter ?? DEFAULT_JITTER;
  const random = options.random ?? Math.random;
  const jittered = base * (1 + jitter * (2 * random() - 1));
  const asked = Math.min(Math.max(options.retryAfterMs ?? 0, 0), MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(jittered, asked) * (options.scale ?? 1));
}

/** True when attempt `attempt` was the last one the schedule allows. */
export function exhausted(attempt: number, schedule: readonly number[] = RETRY_SCHEDULE_MS): boolean {
  return attempt >= schedule.length + 1;
}

/** Total attempts, the first included. */
export function maxAttempts(schedule: readonly number[] = RETRY_SCHEDULE_MS): number {
  return schedule.length + 1;
}
