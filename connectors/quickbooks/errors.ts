// What node-quickbooks hands its callbacks, read into the hub's error kinds. A failed HTTP call
// arrives as the axios error (status, headers, and Intuit's Fault body in `response.data`); a
// Fault inside a 200 arrives as the body itself; Intuit's gateway sometimes spells the body
// `fault.error[]` instead of `Fault.Error[]`. Throttling is Fault code 003001 on a 429: we wait
// as long as Retry-After says, else a full minute (the window Intuit meters in).
import {
  classifyFailure,
  type HeaderSource,
  parseRetryAfter,
  retryAfterHeader,
  type VendorErrorSpec,
} from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

interface FaultError {
  code?: string;
  message?: string;
  detail?: string;
}

interface QuickBooksFault {
  type: string | null;
  errors: FaultError[];
}

interface AxiosLike {
  isAxiosError?: boolean;
  code?: string;
  message?: string;
  response?: { status?: number; data?: unknown; headers?: unknown };
}

const DEFAULT_THROTTLE_WAIT_MS = 60_000;

/** Intuit's Fault in either spelling, or null when the value carries none. */
export function readFault(body: unknown): QuickBooksFault | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const fault = (b.Fault ?? b.fault) as Record<string, unknown> | undefined;
  if (!fault || typeof fault !== 'object') return null;
  const list = (fault.Error ?? fault.error ?? []) as Record<string, unknown>[];
  return {
    type: typeof fault.type === 'string' ? fault.type : null,
    errors: list.map((e) => ({
      code: e.code === undefined || e.code === null ? undefined : String(e.code),
      message: (e.Message ?? e.message) as string | undefined,
      detail: (e.Detail ?? e.detail) as string | undefined,
    })),
  };
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(value: string | null): number | null {
  return parseRetryAfter(value);
}

/** Intuit's answers: the HTTP status, or the Fault's code and type where the status says nothing. */
export const quickbooksErrors: VendorErrorSpec = {
  vendor: 'QuickBooks',
  waitHeaders: retryAfterHeader,
  defaultWaitMs: DEFAULT_THROTTLE_WAIT_MS,
  rules: [
    { status: 429, kind: 'rate_limited' },
    { code: '003001', kind: 'rate_limited' },
    { category: 'ThrottlingFault', kind: 'rate_limited' },
    { status: 401, kind: 'auth_expired' },
    { code: ['3200', '003200'], kind: 'auth_expired' },
    { category: /^authentication/i, kind: 'auth_expired' },
    { status: 403, kind: 'forbidden' },
    { category: /^authorization/i, kind: 'forbidden' },
    { status: 404, kind: 'not_found' },
    { code: '610', kind: 'not_found' },
    { status: { min: 500 }, kind: 'vendor_outage' },
    { category: 'SystemFault', kind: 'vendor_outage' },
    { kind: 'bad_request' },
  ],
};

export function classifyQuickBooksError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const axios = err as AxiosLike;
  const status = typeof axios?.response?.status === 'number' ? axios.response.status : null;
  const fault = readFault(axios?.response?.data) ?? readFault(err);
  if (status === null && !fault) {
    if (axios?.isAxiosError || /^E[A-Z]+$/.test(axios?.code ?? '')) {
      return new ConnectorError('vendor_outage', `QuickBooks unreachable: ${axios.message ?? axios.code}`, {
        cause: err,
      });
    }
    // Thrown by the library before any request (a malformed entity): retrying cannot help.
    return new ConnectorError(
      'bad_request',
      `QuickBooks request refused: ${(err as Error)?.message ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  const first = fault?.errors[0];
  const vendorCode = first?.code ?? null;
  return classifyFailure(quickbooksErrors, {
    status,
    code: vendorCode,
    category: fault?.type ?? null,
    message: `QuickBooks ${status ?? 'fault'}${vendorCode ? ` ${vendorCode}` : ''}: ${first?.message ?? axios.message ?? 'no message'}${first?.detail ? ` (${first.detail})` : ''}`,
    headers: axios.response?.headers as HeaderSource,
    cause: err,
  });
}

/**
 * Intuit's refusal of a CDC `changedSince` beyond its 30-day reach: Fault code 500 "Unsupported
 * Operation", Detail "Operation cdc with changedSince date … which is older than fixed days is
 * not supported." The code alone means any unsupported operation, so the text decides; the
 * message is matched loosely (case, spacing, "fixed" or a number of days) in case Intuit rewords it.
 */
export function isCdcWindowExceeded(err: unknown): boolean {
  const classified = classifyQuickBooksError(err);
  const text = classified.message;
  const tooOld =
    /older\s+than\s+(fixed|\d+)\s+days/i.test(text) || /within\s+the\s+last\s+30\s+days/i.test(text);
  if (classified.vendorCode === '500') return tooOld || /\bcdc\b.*changedSince/i.test(text);
  return tooOld && /changedSince|\bcdc\b/i.test(text);
}
