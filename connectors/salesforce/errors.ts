// jsforce's errors read into the hub's error kinds. jsforce throws an Error whose name and
// errorCode are Salesforce's errorCode and whose `data` is the error body; it keeps no HTTP
// status, so the kind follows the code (a body that is not Salesforce's JSON becomes
// ERROR_HTTP_<status>). Network failures arrive as fetch's TypeError.

import { classifyFailure, httpStatusRules, unreachable, type VendorErrorSpec } from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

/**
 * Salesforce sends no Retry-After with REQUEST_LIMIT_EXCEEDED: the org's allowance is a rolling
 * 24-hour total, so capacity comes back only as the requests of a day earlier age out. The
 * connector waits five minutes between tries (the sandbox documents the same in sandbox/api.ts).
 */
export const REQUEST_LIMIT_RETRY_MS = 5 * 60_000;

/** Salesforce's error codes (jsforce keeps the code, not the status it came with), then the statuses. */
export const salesforceErrors: VendorErrorSpec = {
  vendor: 'Salesforce',
  defaultWaitMs: REQUEST_LIMIT_RETRY_MS,
  // Every answer carries the org's daily usage: `Sforce-Limit-Info: api-usage=used/limit`.
  budget: { usage: 'sforce-limit-info', pattern: /api-usage=(\d+)\/(\d+)/, windowMs: 86_400_000 },
  rules: [
    { code: 'INVALID_SESSION_ID', kind: 'auth_expired', reportStatus: 401 },
    {
      code: ['INVALID_AUTH_HEADER', 'INVALID_OPERATION_WITH_EXPIRED_PASSWORD'],
      kind: 'auth_invalid',
      reportStatus: 401,
    },
    { code: 'REQUEST_LIMIT_EXCEEDED', kind: 'rate_limited', reportStatus: 403 },
    {
      code: [
        'INSUFFICIENT_ACCESS',
        'INSUFFICIENT_ACCESS_OR_READONLY',
        'API_DISABLED_FOR_ORG',
        'API_CURRENTLY_DISABLED',
        'FUNCTIONALITY_NOT_ENABLED',
      ],
      kind: 'forbidden',
      reportStatus: 403,
    },
    { code: ['NOT_FOUND', 'ENTITY_IS_DELETED'], kind: 'not_found', reportStatus: 404 },
    { code: 'SERVER_UNAVAILABLE', kind: 'vendor_outage', reportStatus: 503 },
    { code: 'UNKNOWN_EXCEPTION', kind: 'vendor_outage', reportStatus: 500 },
    { code: 'UNABLE_TO_LOCK_ROW', kind: 'vendor_outage', reportStatus: 409 },
    // A body that is not Salesforce's JSON: ERROR_HTTP_<status>, read by its status.
    ...httpStatusRules,
  ],
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
  if (!code) return unreachable('Salesforce', err);
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  return classifyFailure(salesforceErrors, {
    status: http ? Number(http[1]) : 400,
    code,
    message: `Salesforce ${code}: ${first.message ?? e.message ?? 'no message'}`,
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
