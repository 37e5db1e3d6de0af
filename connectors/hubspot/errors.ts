// HubSpot's errors as the client library throws them (ApiException: code, body, headers),
// read into the hub's error kinds. HubSpot sends no Retry-After on 429: the ten-secondly policy
// clears within one rolling interval, the search limit within a second.

import {
  classifyFailure,
  httpStatusRules,
  retryAfterHeader,
  unreachable,
  type VendorErrorSpec,
} from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

interface ApiExceptionLike {
  code?: number;
  body?: { category?: string; message?: string; policyName?: string; errors?: unknown } | string;
  headers?: Record<string, string>;
}

const WINDOW_HEADER = 'x-hubspot-ratelimit-interval-milliseconds';

/** HubSpot's answers: the rolling ten-second window and the search limit, HubSpot's auth categories. */
export const hubspotErrors: VendorErrorSpec = {
  vendor: 'HubSpot',
  // HubSpot sends none; honoured if something in front of it does.
  waitHeaders: retryAfterHeader,
  budget: { remaining: 'x-hubspot-ratelimit-remaining', windowHeader: WINDOW_HEADER, windowMs: 10_000 },
  rules: [
    {
      status: 429,
      code: 'TEN_SECONDLY_ROLLING',
      kind: 'rate_limited',
      waitHeaders: [{ header: WINDOW_HEADER, unit: 'ms' }],
      waitMs: 10_000,
    },
    // The search limit (per second).
    { status: 429, kind: 'rate_limited', waitMs: 1_000 },
    { status: 401, category: 'EXPIRED_AUTHENTICATION', kind: 'auth_expired' },
    { status: 401, kind: 'auth_invalid' },
    ...httpStatusRules,
  ],
};

export function classifyHubSpotError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as ApiExceptionLike;
  if (typeof e?.code !== 'number') return unreachable('HubSpot', err);
  const body = typeof e.body === 'object' && e.body ? e.body : {};
  return classifyFailure(hubspotErrors, {
    status: e.code,
    code: body.policyName ?? null,
    category: body.category ?? null,
    message: `HubSpot ${e.code}: ${body.message ?? 'no message'}`,
    vendorCode: body.category ?? body.policyName ?? null,
    headers: e.headers,
    cause: err,
  });
}

export function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
