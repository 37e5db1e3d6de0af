// EZLynx errors as our client throws them, read into the hub's error kinds. The error body
// {error: {code, message, requestId}} and the codes are our sandbox's design (sandbox/api.ts).

import {
  classifyFailure,
  httpStatusRules,
  retryAfterHeader,
  unreachable,
  type VendorErrorSpec,
  waitFrom,
} from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

/** A non-2xx answer from the EZLynx API or its token endpoint. */
export class EzlynxApiError extends Error {
  readonly status: number;
  /** The API's `error.code`, or the OAuth `error` at the token endpoint. */
  readonly code: string | null;
  readonly requestId: string | null;
  readonly retryAfterMs: number | null;

  constructor(
    status: number,
    message: string,
    opts: { code?: string | null; requestId?: string | null; retryAfterMs?: number | null } = {},
  ) {
    super(message);
    this.name = 'EzlynxApiError';
    this.status = status;
    this.code = opts.code ?? null;
    this.requestId = opts.requestId ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

/** EZLynx's answers as our sandbox designs them (sandbox/api.ts). */
export const ezlynxErrors: VendorErrorSpec = {
  vendor: 'EZLynx',
  // Retry-After in seconds or as an HTTP date; the reset header (seconds) when it is missing.
  waitHeaders: [...retryAfterHeader, { header: 'x-ratelimit-reset', unit: 'seconds' }],
  defaultWaitMs: 1_000,
  budget: { remaining: 'x-ratelimit-remaining', windowMs: 60_000 },
  rules: [
    { status: 401, code: 'TOKEN_EXPIRED', kind: 'auth_expired' },
    { status: 401, kind: 'auth_invalid' },
    ...httpStatusRules,
  ],
};

/** The token endpoint's OAuth errors (RFC 6749 `error`), as the hub's refresher throws them. */
export const ezlynxTokenErrors: VendorErrorSpec = {
  vendor: 'EZLynx token endpoint',
  rules: [
    { status: { min: 500 }, kind: 'vendor_outage' },
    { status: 401, kind: 'auth_invalid' },
    { code: ['invalid_client', 'unauthorized_client', 'invalid_grant'], kind: 'auth_invalid' },
    { kind: 'bad_request' },
  ],
};

/** Retry-After in seconds or as an HTTP date; the reset header (seconds) when it is missing. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  return waitFrom(headers, ezlynxErrors.waitHeaders ?? [], now);
}

/** The hub's refresher throws oauth4webapi errors: `error` (RFC 6749) and `status`. */
function oauthFailure(err: unknown): { error: string; status: number } | null {
  const e = err as { error?: unknown; status?: unknown };
  return e && typeof e.error === 'string' && typeof e.status === 'number'
    ? { error: e.error, status: e.status }
    : null;
}

export function classifyEzlynxError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (err instanceof EzlynxApiError) {
    return classifyFailure(ezlynxErrors, {
      status: err.status,
      code: err.code,
      message: `EZLynx ${err.status}: ${err.message}`,
      waitMs: err.retryAfterMs,
      cause: err,
    });
  }
  const oauth = oauthFailure(err);
  if (oauth) {
    return classifyFailure(ezlynxTokenErrors, {
      status: oauth.status,
      code: oauth.error,
      message: `EZLynx token endpoint ${oauth.status}: ${oauth.error}`,
      cause: err,
    });
  }
  return unreachable('EZLynx', err);
}
