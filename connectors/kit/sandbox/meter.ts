// Chaos and the rate window on every vendor API call, the same for every sandbox: hold (chaos
// holdAfterRequests), latency, count, fail (5xx), then the vendor's limit, real or injected (429).
// A vendor supplies only what its gateway says: the outage and rate-limit answers, and the limit
// headers it sends. It runs after the vendor's auth middleware, which names the account.
import type { Context, Env, MiddlewareHandler } from 'hono';
import { type Chaos, type ChaosDice, holdIfAsked, type RollingWindow, sleep } from './chaos.ts';

/** What every sandbox account carries for chaos and metering. */
export interface MeteredAccount {
  chaos: Chaos;
  dice: ChaosDice;
  requestCount: number;
}

/** A request slot: what the vendor's limit headers need. Null when chaos refused it unmetered. */
export type Slot = { allowed: boolean; remaining: number; resetMs: number } | null;

export interface MeterSpec<E extends Env, A extends MeteredAccount> {
  /** The account the auth middleware found for this request. */
  account(c: Context<E>): A;
  /** The window the request counts against; `limit` is the vendor's default (chaos requestsPerWindow overrides). */
  window(account: A): RollingWindow;
  limit(account: A): number;
  /** The vendor's 5xx. */
  outage(c: Context<E>, account: A): Response | Promise<Response>;
  /** The vendor's 429 (or its equivalent); `retryAfterSeconds` is what a Retry-After would carry. */
  rateLimited(c: Context<E>, account: A, retryAfterSeconds: number): Response | Promise<Response>;
  /** Headers the vendor sends with every metered answer, refused or not (never with a 5xx). */
  limitHeaders?(c: Context<E>, account: A, slot: Slot): void;
  /** False where the vendor holds the request itself (before auth, or after its own gates). */
  hold?: boolean;
  /** False where the vendor adds the latency itself (after its own gates). */
  latency?: boolean;
  /** Whether an injected 429 still uses up a slot of the window (Salesforce's allowance: no). */
  injectedUsesSlot?: boolean;
}

/** Holds the request if chaos asks, then waits the chaos latency. */
export async function pauseFor(account: MeteredAccount): Promise<void> {
  await holdIfAsked(() => account.chaos);
  if (account.chaos.latencyMs) await sleep(account.chaos.latencyMs);
}

export function chaosMeter<E extends Env, A extends MeteredAccount>(
  spec: MeterSpec<E, A>,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const account = spec.account(c);
    if (spec.hold !== false) await holdIfAsked(() => account.chaos);
    const chaos = account.chaos;
    if (spec.latency !== false && chaos.latencyMs) await sleep(chaos.latencyMs);
    account.requestCount++;
    const failNow = chaos.serverErrorNext > 0 && chaos.serverErrorNext-- > 0;
    if (
      failNow ||
      chaos.failAfterRequests === 0 ||
      (chaos.serverErrorRate && account.dice.roll() < chaos.serverErrorRate)
    )
      return spec.outage(c, account);
    if (chaos.failAfterRequests > 0) chaos.failAfterRequests--;
    const window = spec.window(account);
    window.max = chaos.requestsPerWindow || spec.limit(account);
    const injected =
      (chaos.rateLimitNext > 0 && chaos.rateLimitNext-- > 0) ||
      (chaos.rateLimitRate > 0 && account.dice.roll() < chaos.rateLimitRate);
    const slot = injected && spec.injectedUsesSlot === false ? null : window.take();
    spec.limitHeaders?.(c, account, slot);
    if (slot && !slot.allowed)
      return spec.rateLimited(c, account, Math.max(1, Math.ceil(slot.resetMs / 1000)));
    if (injected) return spec.rateLimited(c, account, chaos.retryAfterSeconds);
    await next();
  };
}
