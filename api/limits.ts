// The bounds every request lives within, in one table: how big a body may be, how deep and how
// long its JSON, how far a date range or a backfill may reach, how large an amount. The request
// middleware (api/request-limits.ts) and the schema helpers (api/fields.ts) enforce them, and the
// OpenAPI document announces them (api/openapi-limits.ts), so a new route gets them for free.

import { MAX_CENTS } from '../domain/money.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export const limits = {
  /** A JSON body, unless the route says otherwise below. */
  jsonBodyBytes: 256 * KiB,
  /** Any other body a route reads whole (a vendor's signed notification). */
  rawBodyBytes: 256 * KiB,
  /** Objects and arrays inside one another. */
  jsonDepth: 32,
  /** Items of any one array in a body; routes bound theirs tighter in their schemas. */
  arrayItems: 1_000,
  /** A date's year: PostgreSQL has no year 0, and no policy or commission lies outside these. */
  firstYear: 1900,
  lastYear: 2199,
  /** An amount of money: a billion dollars, in cents, either way. */
  maxCents: MAX_CENTS,
  /** One backfill: how far back it reaches and how many schedule ticks it may start. */
  backfillDays: 7,
  backfillTicks: 200,
  /** A report over a date range (ledger, trends). */
  reportDays: 3_660,
  /** Merge rules one tenant keeps (a rule per entity type and field). */
  mergeRules: 200,
} as const;

/** Routes whose JSON bodies may be larger than limits.jsonBodyBytes. */
export const bodyBytesByRoute: Record<string, number> = {
  'POST /v1/policies/bulk': 4 * MiB,
  'PUT /v1/carriers/{id}/commission-schedules': 1 * MiB,
  'PUT /v1/agents/{id}/rates': 1 * MiB,
};

export function jsonBodyBytes(method: string, path: string): number {
  return bodyBytesByRoute[`${method.toUpperCase()} ${path}`] ?? limits.jsonBodyBytes;
}
