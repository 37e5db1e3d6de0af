// HawkSoft's errors as the typed client sees them (status, JSON body, Retry-After), read into the
// hub's error kinds. Partner credentials are static HTTP Basic credentials: nothing expires, so a
// 401 always means the credentials are wrong or revoked (auth_invalid), never auth_expired, and
// the connector never asks the hub to refresh them.

import {
  classifyFailure,
  httpStatusRules,
  parseRetryAfter,
  retryAfterHeader,
  unreachable,
  type VendorErrorSpec,
} from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

/** The error body HawkSoft documents (`code`, `message`, `details`); any field may be absent. */
export interface HawkSoftErrorBody {
  code?: string;
  message?: string;
  details?: string;
}

export class HawkSoftApiError extends Error {
  readonly status: number;
  readonly body: HawkSoftErrorBody | string | null;
  readonly retryAfter: string | null;
  readonly url: string;

  constructor(
    status: number,
    body: HawkSoftErrorBody | string | null,
    retryAfter: string | null,
    url: string,
  ) {
    const text = typeof body === 'string' ? body : (body?.message ?? body?.code ?? 'no message');
    super(`HawkSoft ${status}: ${text}`);
    this.name = 'HawkSoftApiError';
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
    this.url = url;
  }

  /** Reads a refused response; the body may be JSON or, from proxies in front of HawkSoft, plain text. */
  static async fromResponse(res: Response): Promise<HawkSoftApiError> {
    const text = await res.text().catch(() => '');
    let body: HawkSoftErrorBody | string | null = text || null;
    try {
      if (text) body = JSON.parse(text) as HawkSoftErrorBody;
    } catch {
      // keep the text
    }
    return new HawkSoftApiError(res.status, body, res.headers.get('retry-after'), res.url);
  }
}

/** No wait given with a 429: one minute, the window the sandbox assumes HawkSoft meters by. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Retry-After as seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  return parseRetryAfter(header, now);
}

/** HawkSoft's answers: nothing expires, so a 401 needs a person (auth_invalid). */
export const hawksoftErrors: VendorErrorSpec = {
  vendor: 'HawkSoft',
  waitHeaders: retryAfterHeader,
  defaultWaitMs: DEFAULT_RETRY_AFTER_MS,
  rules: [
    { status: 401, kind: 'auth_invalid' },
    // 403: the credentials are fine but the agency opted out of sharing, or is no longer a customer.
    ...httpStatusRules,
  ],
};

export function classifyHawkSoftError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof HawkSoftApiError)) return unreachable('HawkSoft', err);
  return classifyFailure(hawksoftErrors, {
    status: err.status,
    code: typeof err.body === 'object' && err.body ? (err.body.code ?? null) : null,
    message: err.message,
    headers: { 'retry-after': err.retryAfter },
    cause: err,
  });
}
