// HubSpot's errors as the client library throws them (ApiException: code, body, headers),
// read into the hub's error kinds. HubSpot sends no Retry-After on 429: the ten-secondly policy
// clears within one rolling interval, the search limit within a second.

import { unreachableReason } from '../kit/unreachable.ts';
import { ConnectorError } from '../types.ts';

interface ApiExceptionLike {
  code?: number;
  body?: { category?: string; message?: string; policyName?: string; errors?: unknown } | string;
  headers?: Record<string, string>;
}

export function classifyHubSpotError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as ApiExceptionLike & { message?: string; cause?: { code?: string } };
  const status = typeof e?.code === 'number' ? e.code : null;
  if (status === null) {
    return new ConnectorError('vendor_outage', `HubSpot unreachable: ${unreachableReason(err)}`, {
      cause: err,
    });
  }
  const body = typeof e.body === 'object' && e.body ? e.body : {};
  const headers = lowerKeys(e.headers ?? {});
  const message = `HubSpot ${status}: ${body.message ?? 'no message'}`;
  const vendorCode = body.category ?? body.policyName ?? null;
  if (status === 429) {
    const retryAfter = Number(headers['retry-after']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']) || 10_000;
    const retryAfterMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : body.policyName === 'TEN_SECONDLY_ROLLING'
          ? interval
          : 1_000;
    return new ConnectorError('rate_limited', message, { status, retryAfterMs, vendorCode, cause: err });
  }
  if (status === 401) {
    return new ConnectorError(
      body.category === 'EXPIRED_AUTHENTICATION' ? 'auth_expired' : 'auth_invalid',
      message,
      { status, vendorCode, cause: err },
    );
  }
  if (status === 403) return new ConnectorError('forbidden', message, { status, vendorCode, cause: err });
  if (status === 404) return new ConnectorError('not_found', message, { status, vendorCode, cause: err });
  if (status >= 500) return new ConnectorError('vendor_outage', message, { status, vendorCode, cause: err });
  return new ConnectorError('bad_request', message, { status, vendorCode, cause: err });
}

export function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
