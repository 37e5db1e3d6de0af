// EZLynx errors as our client throws them, read into the hub's error kinds. The error body
// {error: {code, message, requestId}} and the codes are our sandbox's design (sandbox/api.ts).

import { unreachableReason } from '../kit/unreachable.ts';
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

/** Retry-After in seconds or as an HTTP date; the reset header (seconds) when it is missing. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const raw = headers.get('retry-after');
  if (raw) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(raw);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : null;
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
    const opts = { status: err.status, vendorCode: err.code, cause: err };
    const message = `EZLynx ${err.status}: ${err.message}`;
    if (err.status === 429)
      return new ConnectorError('rate_limited', message, {
        ...opts,
        retryAfterMs: err.retryAfterMs ?? 1_000,
      });
    if (err.status === 401)
      return new ConnectorError(
        err.code === 'TOKEN_EXPIRED' ? 'auth_expired' : 'auth_invalid',
        message,
        opts,
      );
    if (err.status === 403) return new ConnectorError('forbidden', message, opts);
    if (err.status === 404) return new ConnectorError('not_found', message, opts);
    if (err.status >= 500)
      return new ConnectorError('vendor_outage', message, { ...opts, retryAfterMs: err.retryAfterMs });
    return new ConnectorError('bad_request', message, opts);
  }
  const oauth = oauthFailure(err);
  if (oauth) {
    const message = `EZLynx token endpoint ${oauth.status}: ${oauth.error}`;
    const opts = { status: oauth.status, vendorCode: oauth.error, cause: err };
    if (oauth.status >= 500) return new ConnectorError('vendor_outage', message, opts);
    if (
      oauth.status === 401 ||
      ['invalid_client', 'unauthorized_client', 'invalid_grant'].includes(oauth.error)
    )
      return new ConnectorError('auth_invalid', message, opts);
    return new ConnectorError('bad_request', message, opts);
  }
  return new ConnectorError('vendor_outage', `EZLynx unreachable: ${unreachableReason(err)}`, {
    cause: err,
  });
}
