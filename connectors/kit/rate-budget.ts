// A vendor account's rate budget: the connector's documented default, unless the connection
// says the account has another (HubSpot's API add-on, a Salesforce org's purchased allowance).
import type { ConnectionContext, RateBudget } from '../types.ts';

export function rateBudgetFor(ctx: ConnectionContext, fallback: RateBudget): RateBudget {
  const o = ctx.settings.rateBudget as Partial<RateBudget> | undefined;
  if (!o) return fallback;
  return {
    requests: Number(o.requests) > 0 ? Number(o.requests) : fallback.requests,
    windowMs: Number(o.windowMs) > 0 ? Number(o.windowMs) : fallback.windowMs,
    concurrency: Number(o.concurrency) > 0 ? Number(o.concurrency) : fallback.concurrency,
  };
}
