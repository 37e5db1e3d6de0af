// Client-side pacing per vendor account, so the hub stays inside the vendor's rate budget
// instead of learning it from 429s. One throttle per connection per process, shared by every
// activity on the worker; the vendor's own "remaining" headers tighten it when other clients
// of the same account are also spending the budget.
import type { RateBudget } from '../types.ts';

export class Throttle {
  private readonly starts: number[] = [];
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  private pausedUntil = 0;
  readonly budget: RateBudget;

  constructor(budget: RateBudget) {
    this.budget = budget;
  }

  /** Resolves when a request may start; call `release` when it ends. */
  async acquire(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.starts.length && this.starts[0]! <= now - this.budget.windowMs) this.starts.shift();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      if (this.inFlight >= this.budget.concurrency) {
        await new Promise<void>((r) => this.waiters.push(r));
        continue;
      }
      if (this.starts.length >= this.budget.requests) {
        await sleep(this.starts[0]! + this.budget.windowMs - now + 1);
        continue;
      }
      this.starts.push(now);
      this.inFlight++;
      return;
    }
  }

  release(): void {
    this.inFlight--;
    this.waiters.shift()?.();
  }

  /** The vendor said the account has `remaining` requests left in a window of `windowMs`. */
  observe(remaining: number, windowMs: number): void {
    if (remaining <= 1)
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + Math.min(windowMs, 10_000) / 2);
  }

  /** A 429 arrived: nobody on this account starts a request before the vendor's wait is over. */
  backOff(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

const throttles = new Map<string, Throttle>();

export function throttleFor(key: string, budget: RateBudget): Throttle {
  let t = throttles.get(key);
  if (!t) {
    t = new Throttle(budget);
    throttles.set(key, t);
  }
  return t;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
