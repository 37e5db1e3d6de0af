// Applied's errors are RFC 7807 problem bodies ({type, title, status, detail, instance,
// traceId, additionalDetails}); the client throws them as AppliedEpicHttpError and this reads
// them into the hub's error kinds. A 401 is always `auth_expired`: with client credentials the
// cure for any refused token is a new one, and Applied does not say whether it expired.

import { unreachableReason } from '../kit/unreachable.ts';
import { ConnectorError } from '../types.ts';

export interface AppliedProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  traceId?: string;
  additionalDetails?: unknown[];
}

/** Without Retry-After, wait one window of the assumed rate limit. */
const DEFAULT_RETRY_AFTER_MS = 10_000;

export class AppliedEpicHttpError extends Error {
  readonly status: number;
  readonly problem: AppliedProblem | null;
  readonly retryAfterMs: number | null;

  constructor(status: number, problem: AppliedProblem | null, retryAfterMs: number | null, url: string) {
    const detail = problem?.detail ?? problem?.title ?? 'no problem details';
    const trace = problem?.traceId ? ` (traceId ${problem.traceId})` : '';
    super(`Applied Epic ${status} on ${url}: ${detail}${trace}`);
    this.name = 'AppliedEpicHttpError';
    this.status = status;
    this.problem = problem;
    this.retryAfterMs = retryAfterMs;
  }

  static async from(res: Response, url: string): Promise<AppliedEpicHttpError> {
    const text = await res.text().catch(() => '');
    let problem: AppliedProblem | null = null;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object') problem = parsed as AppliedProblem;
    } catch {
      problem = text ? { detail: text.slice(0, 200) } : null;
    }
    return new AppliedEpicHttpError(res.status, problem, retryAfter(res.headers.get('retry-after')), url);
  }
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds. */
export function retryAfter(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function classifyAppliedEpicError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof AppliedEpicHttpError)) {
    return new ConnectorError('vendor_outage', `Applied Epic unreachable: ${unreachableReason(err)}`, {
      cause: err,
    });
  }
  const { status } = err;
  const vendorCode = err.problem?.title ?? null;
  const opts = { status, vendorCode, cause: err };
  if (status === 429)
    return new ConnectorError('rate_limited', err.message, {
      ...opts,
      retryAfterMs: err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
    });
  if (status === 401) return new ConnectorError('auth_expired', err.message, opts);
  if (status === 403) return new ConnectorError('forbidden', err.message, opts);
  if (status === 404) return new ConnectorError('not_found', err.message, opts);
  // 423 Locked: another Epic user holds the record; it clears by itself.
  if (status >= 500 || status === 408 || status === 423)
    return new ConnectorError('vendor_outage', err.message, { ...opts, retryAfterMs: err.retryAfterMs });
  // 400, 412 Failed Precondition, 426 Upgrade Required (the agency's Epic is too old).
  return new ConnectorError('bad_request', err.message, opts);
}
