// HawkSoft's errors as the typed client sees them (status, JSON body, Retry-After), read into the
// hub's error kinds. Partner credentials are static HTTP Basic credentials: nothing expires, so a
// 401 always means the credentials are wrong or revoked (auth_invalid), never auth_expired, and
// the connector never asks the hub to refresh them.

import { unreachableReason } from '../kit/unreachable.ts';
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
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function classifyHawkSoftError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof HawkSoftApiError)) {
    return new ConnectorError('vendor_outage', `HawkSoft unreachable: ${unreachableReason(err)}`, {
      cause: err,
    });
  }
  const { status } = err;
  const vendorCode = typeof err.body === 'object' && err.body ? (err.body.code ?? null) : null;
  const opts = { status, vendorCode, cause: err };
  if (status === 429) {
    return new ConnectorError('rate_limited', err.message, {
      ...opts,
      retryAfterMs: retryAfterMs(err.retryAfter) ?? DEFAULT_RETRY_AFTER_MS,
    });
  }
  if (status === 401) return new ConnectorError('auth_invalid', err.message, opts);
  // The credentials are fine but the agency opted out of sharing, or is no longer a customer.
  if (status === 403) return new ConnectorError('forbidden', err.message, opts);
  if (status === 404) return new ConnectorError('not_found', err.message, opts);
  if (status >= 500) return new ConnectorError('vendor_outage', err.message, opts);
  return new ConnectorError('bad_request', err.message, opts);
}
