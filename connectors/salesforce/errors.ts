// jsforce's errors read into the hub's error kinds. jsforce throws an Error whose name and
// errorCode are Salesforce's errorCode and whose `data` is the error body; it keeps no HTTP
// status, so the kind follows the code (a body that is not Salesforce's JSON becomes
// ERROR_HTTP_<status>). Network failures arrive as fetch's TypeError.

import { unreachableReason } from '../kit/unreachable.ts';
import { ConnectorError, type ErrorKind } from '../types.ts';

/**
 * Salesforce sends no Retry-After with REQUEST_LIMIT_EXCEEDED: the org's allowance is a rolling
 * 24-hour total, so capacity comes back only as the requests of a day earlier age out. The
 * connector waits five minutes between tries (the sandbox documents the same in sandbox/api.ts).
 */
export const REQUEST_LIMIT_RETRY_MS = 5 * 60_000;

const byCode: Record<string, { kind: ErrorKind; status: number }> = {
  INVALID_SESSION_ID: { kind: 'auth_expired', status: 401 },
  INVALID_AUTH_HEADER: { kind: 'auth_invalid', status: 401 },
  INVALID_OPERATION_WITH_EXPIRED_PASSWORD: { kind: 'auth_invalid', status: 401 },
  REQUEST_LIMIT_EXCEEDED: { kind: 'rate_limited', status: 403 },
  INSUFFICIENT_ACCESS: { kind: 'forbidden', status: 403 },
  INSUFFICIENT_ACCESS_OR_READONLY: { kind: 'forbidden', status: 403 },
  API_DISABLED_FOR_ORG: { kind: 'forbidden', status: 403 },
  API_CURRENTLY_DISABLED: { kind: 'forbidden', status: 403 },
  FUNCTIONALITY_NOT_ENABLED: { kind: 'forbidden', status: 403 },
  NOT_FOUND: { kind: 'not_found', status: 404 },
  ENTITY_IS_DELETED: { kind: 'not_found', status: 404 },
  SERVER_UNAVAILABLE: { kind: 'vendor_outage', status: 503 },
  UNKNOWN_EXCEPTION: { kind: 'vendor_outage', status: 500 },
  UNABLE_TO_LOCK_ROW: { kind: 'vendor_outage', status: 409 },
};

interface JsforceErrorLike {
  name?: string;
  errorCode?: string;
  message?: string;
  data?: unknown;
  error?: string;
  cause?: { code?: string };
}

export function classifySalesforceError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as JsforceErrorLike;
  // jsforce wraps several errors in one; the first decides.
  const first =
    e.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data) ? (e.data[0] as JsforceErrorLike) : e;
  const code =
    first.errorCode ?? (typeof e.name === 'string' && /^[A-Z_0-9]+$/.test(e.name) ? e.name : undefined);
  if (!code) {
    return new ConnectorError('vendor_outage', `Salesforce unreachable: ${unreachableReason(err)}`, {
      cause: err,
    });
  }
  const message = `Salesforce ${code}: ${first.message ?? e.message ?? 'no message'}`;
  const known = byCode[code];
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const status = known?.status ?? (http ? Number(http[1]) : 400);
  const kind: ErrorKind =
    known?.kind ??
    (status === 401
      ? 'auth_expired'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'not_found'
          : status === 429
            ? 'rate_limited'
            : status >= 500
              ? 'vendor_outage'
              : 'bad_request');
  return new ConnectorError(kind, message, {
    status,
    vendorCode: code,
    retryAfterMs: kind === 'rate_limited' ? REQUEST_LIMIT_RETRY_MS : null,
    cause: err,
  });
}

/** The hub's refresh failed: a refused refresh token means the user must connect again. */
export function classifyRefreshError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as JsforceErrorLike;
  const oauthCode = e.error ?? e.name;
  if (oauthCode === 'invalid_grant' || oauthCode === 'invalid_client' || oauthCode === 'invalid_client_id')
    return new ConnectorError(
      'auth_invalid',
      `Salesforce refused the refresh token: ${e.message ?? oauthCode}`,
      {
        status: 400,
        vendorCode: oauthCode,
        cause: err,
      },
    );
  if (err instanceof TypeError)
    return new ConnectorError('vendor_outage', `Salesforce token endpoint unreachable: ${err.message}`, {
      cause: err,
    });
  return new ConnectorError(
    'auth_expired',
    `Salesforce session could not be refreshed: ${e.message ?? String(err)}`,
    {
      status: 401,
      cause: err,
    },
  );
}
