// What node-quickbooks hands its callbacks, read into the hub's error kinds. A failed HTTP call
// arrives as the axios error (status, headers, and Intuit's Fault body in `response.data`); a
// Fault inside a 200 arrives as the body itself; Intuit's gateway sometimes spells the body
// `fault.error[]` instead of `Fault.Error[]`. Throttling is Fault code 003001 on a 429: we wait
// as long as Retry-After says, else a full minute (the window Intuit meters in).
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

function header(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const v = typeof h.get === 'function' ? h.get(name) : (h[name] ?? h[name.toLowerCase()]);
  return v === undefined || v === null ? null : String(v);
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

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
  const type = fault?.type ?? '';
  const message = `QuickBooks ${status ?? 'fault'}${vendorCode ? ` ${vendorCode}` : ''}: ${first?.message ?? axios.message ?? 'no message'}${first?.detail ? ` (${first.detail})` : ''}`;
  const opts = { status, vendorCode, cause: err };
  if (status === 429 || vendorCode === '003001' || type === 'ThrottlingFault') {
    const wait = retryAfterMs(header(axios.response?.headers, 'retry-after')) ?? DEFAULT_THROTTLE_WAIT_MS;
    return new ConnectorError('rate_limited', message, { ...opts, retryAfterMs: wait });
  }
  if (status === 401 || vendorCode === '3200' || vendorCode === '003200' || /^authentication/i.test(type)) {
    return new ConnectorError('auth_expired', message, opts);
  }
  if (status === 403 || /^authorization/i.test(type)) return new ConnectorError('forbidden', message, opts);
  if (status === 404 || vendorCode === '610') return new ConnectorError('not_found', message, opts);
  if ((status !== null && status >= 500) || type === 'SystemFault') {
    return new ConnectorError('vendor_outage', message, opts);
  }
  return new ConnectorError('bad_request', message, opts);
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
