// Vendor errors declared as data. Each connector's errors.ts reads what its client library threw
// into a few facts (status, body code, category, headers) and declares a table of rules; one
// function here picks the first rule that matches and builds the ConnectorError, with the wait a
// rate limit asks for read from the headers the vendor declares (Retry-After, a reset header, or
// a fixed wait where the vendor sends none).
import { ConnectorError, type ErrorKind } from '../types.ts';
import { unreachableReason } from './unreachable.ts';

/** Response headers as fetch (Headers), axios (an object, sometimes with get) or a library (a record) hands them. */
export type HeaderSource =
  | Headers
  | { get?: (name: string) => unknown; [name: string]: unknown }
  | Record<string, unknown>
  | null
  | undefined;

/** One header, case-insensitively, or null. */
export function header(headers: HeaderSource, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const lower = name.toLowerCase();
  let v: unknown = typeof h.get === 'function' ? h.get(lower) : undefined;
  if (v === undefined || v === null) {
    v = h[name] ?? h[lower];
    if (v === undefined) for (const [k, value] of Object.entries(h)) if (k.toLowerCase() === lower) v = value;
  }
  if (Array.isArray(v)) v = v[0];
  return v === undefined || v === null ? null : String(v);
}

/** Retry-After as delta-seconds (whole or decimal) or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (!trimmed) return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * A header that says how long to wait: `retry-after` (seconds or an HTTP date), `seconds` or
 * `ms` until the window resets (non-positive values say nothing).
 */
export interface WaitHeader {
  header: string;
  unit: 'retry-after' | 'seconds' | 'ms';
}

/** The standard header: RFC 9110 Retry-After. */
export const retryAfterHeader: readonly WaitHeader[] = [{ header: 'retry-after', unit: 'retry-after' }];

/** The first declared header that names a wait, in milliseconds. */
export function waitFrom(
  headers: HeaderSource,
  declared: readonly WaitHeader[],
  now = Date.now(),
): number | null {
  for (const { header: name, unit } of declared) {
    const raw = header(headers, name);
    if (raw === null) continue;
    if (unit === 'retry-after') {
      const ms = parseRetryAfter(raw, now);
      if (ms !== null) return ms;
      continue;
    }
    const n = Number(raw);
    if (Number.isFinite(n) && n > 0) return unit === 'seconds' ? n * 1000 : n;
  }
  return null;
}

/**
 * How a vendor reports the budget left: a remaining-requests header (with its window, fixed or
 * from another header), or a usage header `used/limit` (Salesforce's `api-usage=12/15000`).
 */
export type BudgetHeader =
  | { remaining: string; windowMs: number; windowHeader?: string }
  | { usage: string; pattern: RegExp; windowMs: number };

/** Requests left and the window they are counted in, read from a response's headers. */
export function budgetFrom(
  headers: HeaderSource,
  declared: BudgetHeader | undefined,
): { remaining: number; windowMs: number } | null {
  if (!declared) return null;
  if ('remaining' in declared) {
    const raw = header(headers, declared.remaining);
    const remaining = raw === null ? Number.NaN : Number(raw);
    if (!Number.isFinite(remaining)) return null;
    const window = declared.windowHeader ? Number(header(headers, declared.windowHeader)) : 0;
    return { remaining, windowMs: window || declared.windowMs };
  }
  const m = declared.pattern.exec(header(headers, declared.usage) ?? '');
  if (!m) return null;
  const used = Number(m[1]);
  const limit = Number(m[2]);
  return limit > 0 ? { remaining: limit - used, windowMs: declared.windowMs } : null;
}

type Match = string | readonly string[] | RegExp;

/** One line of a vendor's error table: what the answer looks like, and what it means to the hub. */
export interface ErrorRule {
  /** An HTTP status, several, or a range (`{ min: 500 }`); absent: any (even none). */
  status?: number | readonly number[] | { min: number; max?: number };
  /** The body's error code (errorCode, Fault code, policyName, …). */
  code?: Match;
  /** The body's category or type (HubSpot category, Intuit Fault type). */
  category?: Match;
  /** A pattern the vendor's message must match. */
  message?: RegExp;
  kind: ErrorKind;
  /** rate_limited: headers naming the wait besides the vendor's (e.g. HubSpot's window length). */
  waitHeaders?: readonly WaitHeader[];
  /** rate_limited: the wait when no header names one. */
  waitMs?: number;
  /** The status the vendor sends with this code when the client library dropped it (jsforce). */
  reportStatus?: number;
}

/** A vendor's declaration: its name, its rules in order, and its rate-limit headers. */
export interface VendorErrorSpec {
  vendor: string;
  rules: readonly ErrorRule[];
  /** Headers naming how long to wait after a 429 or a 503, first that answers wins. */
  waitHeaders?: readonly WaitHeader[];
  /** The wait for a rate limit when neither headers nor the rule name one. */
  defaultWaitMs?: number;
  /** How the vendor reports the budget left on each answer (fed into the throttle). */
  budget?: BudgetHeader;
}

/** The usual ladder, for the end of a table: vendor-specific lines go before it. */
export const httpStatusRules: readonly ErrorRule[] = [
  { status: 429, kind: 'rate_limited' },
  { status: 401, kind: 'auth_expired' },
  { status: 403, kind: 'forbidden' },
  { status: 404, kind: 'not_found' },
  { status: { min: 500 }, kind: 'vendor_outage' },
  { kind: 'bad_request' },
];

/** What the connector read from the vendor's answer. */
export interface VendorFailure {
  status: number | null;
  code?: string | null;
  category?: string | null;
  /** The ConnectorError's message (the vendor's words, prefixed as the connector likes). */
  message: string;
  /** The ConnectorError's vendorCode; the code when absent. */
  vendorCode?: string | null;
  headers?: HeaderSource;
  /** A wait already read from the answer's headers when the client made its error. */
  waitMs?: number | null;
  cause: unknown;
}

function matches(rule: ErrorRule, f: VendorFailure): boolean {
  if (rule.status !== undefined) {
    if (f.status === null) return false;
    const s = rule.status;
    if (typeof s === 'number' ? s !== f.status : Array.isArray(s) ? !s.includes(f.status) : false)
      return false;
    if (typeof s === 'object' && !Array.isArray(s)) {
      const range = s as { min: number; max?: number };
      if (f.status < range.min || (range.max !== undefined && f.status > range.max)) return false;
    }
  }
  if (rule.code !== undefined && !matchText(rule.code, f.code)) return false;
  if (rule.category !== undefined && !matchText(rule.category, f.category)) return false;
  if (rule.message && !rule.message.test(f.message)) return false;
  return true;
}

function matchText(m: Match, value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof m === 'string') return m === value;
  if (m instanceof RegExp) return m.test(value);
  return (m as readonly string[]).includes(value);
}

/** The first matching rule (bad_request when none does). */
export function ruleFor(spec: VendorErrorSpec, failure: VendorFailure): ErrorRule {
  return spec.rules.find((r) => matches(r, failure)) ?? { kind: 'bad_request' };
}

/** The vendor's answer as the hub's error: the kind by the table, the wait by the headers. */
export function classifyFailure(
  spec: VendorErrorSpec,
  failure: VendorFailure,
  now = Date.now(),
): ConnectorError {
  const rule = ruleFor(spec, failure);
  const headerWait =
    failure.waitMs ??
    waitFrom(failure.headers, [...(spec.waitHeaders ?? []), ...(rule.waitHeaders ?? [])], now);
  const retryAfterMs =
    rule.kind === 'rate_limited'
      ? (headerWait ?? rule.waitMs ?? spec.defaultWaitMs ?? null)
      : rule.kind === 'vendor_outage'
        ? headerWait
        : null;
  return new ConnectorError(rule.kind, failure.message, {
    status: rule.reportStatus ?? failure.status,
    vendorCode: failure.vendorCode === undefined ? (failure.code ?? null) : failure.vendorCode,
    retryAfterMs,
    cause: failure.cause,
  });
}

/** No answer from the vendor at all (refused connection, DNS, timeout): an outage. */
export function unreachable(vendor: string, err: unknown): ConnectorError {
  return new ConnectorError('vendor_outage', `${vendor} unreachable: ${unreachableReason(err)}`, {
    cause: err,
  });
}
