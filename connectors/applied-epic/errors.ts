// Applied's errors are RFC 7807 problem bodies ({type, title, status, detail, instance,
// traceId, additionalDetails}); the client throws them as AppliedEpicHttpError and this reads
// them into the hub's error kinds. A 401 is always `auth_expired`: with client credentials the
// cure for any refused token is a new one, and Applied does not say whether it expired.

import {
  classifyFailure,
  httpStatusRules,
  parseRetryAfter,
  retryAfterHeader,
  unreachable,
  type VendorErrorSpec,
  waitFrom,
} from '../kit/errors.ts';
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
    return new AppliedEpicHttpError(
      res.status,
      problem,
      waitFrom(res.headers, appliedEpicErrors.waitHeaders ?? []),
      url,
    );
  }
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds. */
export const retryAfter = (header: string | null, now = Date.now()): number | null =>
  parseRetryAfter(header, now);

/** Applied's answers, read by the hub (an assumption where Applied publishes no limits). */
export const appliedEpicErrors: VendorErrorSpec = {
  vendor: 'Applied Epic',
  waitHeaders: retryAfterHeader,
  defaultWaitMs: DEFAULT_RETRY_AFTER_MS,
  rules: [
    // 423 Locked: another Epic user holds the record; it clears by itself.
    { status: [408, 423], kind: 'vendor_outage' },
    // Then 400, 412 Failed Precondition, 426 Upgrade Required (the agency's Epic is too old): bad_request.
    ...httpStatusRules,
  ],
};

export function classifyAppliedEpicError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof AppliedEpicHttpError)) return unreachable('Applied Epic', err);
  return classifyFailure(appliedEpicErrors, {
    status: err.status,
    code: err.problem?.title ?? null,
    message: err.message,
    waitMs: err.retryAfterMs,
    cause: err,
  });
}
