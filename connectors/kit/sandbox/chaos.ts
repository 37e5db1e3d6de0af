// What every sandbox account can be told to do wrong, so tests and the demo can watch the hub
// cope: throttle (vendor-shaped 429s), fail (5xx), answer slowly, or expire tokens early.
import { z } from 'zod';

export const chaosSchema = z.object({
  /** Share of requests answered with the vendor's 429, on top of the real rate limit. */
  rateLimitRate: z.number().min(0).max(1).default(0),
  /** Share of requests answered with a 5xx. */
  serverErrorRate: z.number().min(0).max(1).default(0),
  /** Added to every response. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Retry-After (seconds) the injected 429s carry where the vendor sends one. */
  retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
  /** Access tokens issued from now on expire after this many seconds (0 = vendor default). */
  tokenTtlSeconds: z.number().int().min(0).default(0),
  /** The vendor's rate limit per window (0 = the vendor's documented default). */
  requestsPerWindow: z.number().int().min(0).default(0),
  /** Fail every request with 5xx after this many more requests (-1 = off); for crash tests. */
  failAfterRequests: z.number().int().min(-1).default(-1),
  /** Answer exactly the next N requests with the vendor's 429 (then carry on normally). */
  rateLimitNext: z.number().int().min(0).default(0),
  /** Answer exactly the next N requests with a 5xx (then carry on normally). */
  serverErrorNext: z.number().int().min(0).default(0),
  /**
   * Hold every request after this many more until chaos changes again (-1 = off): a test can then
   * act (revoke a token, kill a worker) while a sync is certainly unfinished, whatever the load.
   */
  holdAfterRequests: z.number().int().min(-1).default(-1),
  /** Requests being held right now (reported; a test waits for one before it acts). */
  heldRequests: z.number().int().min(0).default(0),
});
export type Chaos = z.infer<typeof chaosSchema>;

export function defaultChaos(): Chaos {
  return chaosSchema.parse({});
}

/** Decides, per request, whether chaos strikes; a seeded sequence keeps test runs repeatable. */
export class ChaosDice {
  private state: number;
  constructor(seed = 42) {
    this.state = seed >>> 0 || 1;
  }
  roll(): number {
    // xorshift32: deterministic and cheap
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}

/** A rolling-window request counter, the way HubSpot and QuickBooks meter their APIs. */
export class RollingWindow {
  private readonly hits: number[] = [];
  readonly windowMs: number;
  max: number;
  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }
  /** Counts the request if allowed; returns what the limit headers need. */
  take(now = Date.now()): { allowed: boolean; remaining: number; resetMs: number } {
    while (this.hits.length && this.hits[0]! <= now - this.windowMs) this.hits.shift();
    const resetMs = this.hits.length ? this.hits[0]! + this.windowMs - now : this.windowMs;
    if (this.hits.length >= this.max) return { allowed: false, remaining: 0, resetMs };
    this.hits.push(now);
    return { allowed: true, remaining: this.max - this.hits.length, resetMs };
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Counts a request against holdAfterRequests, and once it is spent holds until released. */
export async function holdIfAsked(current: () => Chaos): Promise<void> {
  const chaos = current();
  if (chaos.holdAfterRequests > 0) chaos.holdAfterRequests--;
  else if (chaos.holdAfterRequests === 0) {
    chaos.heldRequests++;
    while (current().holdAfterRequests === 0) await sleep(25);
    // Releasing replaced the object with a copy of the count.
    current().heldRequests = Math.max(0, current().heldRequests - 1);
  }
}
