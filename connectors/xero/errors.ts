// What xero-node rejects with, read into the hub's error kinds. The generated API rejects with a
// JSON *string* of `{response: {statusCode, body, headers}, body}` (its ApiError, headers
// redacted of auth); statusCode 0 means no answer at all. Xero's bodies: a 400 ValidationException
// (ErrorNumber 10, Elements[].ValidationErrors[].Message), a problem object on 401/403/404
// ({Title, Status, Detail}), and a plain-text 429 with Retry-After and X-Rate-Limit-Problem
// (minute, day or appminute), which the hub reads as the code.
import {
  classifyFailure,
  type HeaderSource,
  header,
  retryAfterHeader,
  unreachable,
  type VendorErrorSpec,
} from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

export const xeroErrors: VendorErrorSpec = {
  vendor: 'Xero',
  waitHeaders: retryAfterHeader,
  // No Retry-After: a minute, the window Xero meters in.
  defaultWaitMs: 60_000,
  // Calls left in the organisation's minute, on every answer.
  budget: { remaining: 'x-minlimit-remaining', windowMs: 60_000 },
  rules: [
    { status: 429, kind: 'rate_limited' },
    { status: 401, kind: 'auth_expired' },
    { status: 403, kind: 'forbidden' },
    { status: 404, kind: 'not_found' },
    { status: { min: 500 }, kind: 'vendor_outage' },
    { category: 'ValidationException', kind: 'bad_request' },
    { kind: 'bad_request' },
  ],
};

interface XeroRejection {
  response?: { statusCode?: number; status?: number; body?: unknown; headers?: HeaderSource };
  body?: unknown;
}

/** The rejection as an object (xero-node hands a JSON string; tests and fetch hand objects). */
export function readRejection(err: unknown): XeroRejection | null {
  if (typeof err === 'string') {
    try {
      return JSON.parse(err) as XeroRejection;
    } catch {
      return null;
    }
  }
  if (err && typeof err === 'object' && 'response' in err) return err as XeroRejection;
  return null;
}

/** Xero's messages from a body: validation errors, a problem's Detail, or the text. */
export function xeroMessage(body: unknown): { type: string | null; code: string | null; message: string } {
  if (typeof body === 'string') return { type: null, code: null, message: body.slice(0, 300) };
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.Type === 'ValidationException' || typeof b.ErrorNumber === 'number') {
    const messages = ((b.Elements ?? []) as { ValidationErrors?: { Message?: string }[] }[]).flatMap((e) =>
      (e.ValidationErrors ?? []).map((v) => v.Message ?? ''),
    );
    return {
      type: typeof b.Type === 'string' ? b.Type : null,
      code: b.ErrorNumber === undefined ? null : String(b.ErrorNumber),
      message: [b.Message, ...messages].filter(Boolean).join('; '),
    };
  }
  return {
    type: null,
    code: typeof b.Detail === 'string' ? b.Detail : null,
    message: [b.Title, b.Detail].filter(Boolean).join(': ') || 'no message',
  };
}

export function classifyXeroError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const rejection = readRejection(err);
  const status = rejection?.response?.statusCode ?? rejection?.response?.status ?? null;
  if (!rejection || !status) {
    if (rejection || (err as { code?: string })?.code || err instanceof TypeError)
      return unreachable('Xero', rejection?.body ?? err);
    return new ConnectorError(
      'bad_request',
      `Xero request refused: ${(err as Error)?.message ?? String(err)}`,
      { cause: err },
    );
  }
  const headers = rejection.response?.headers;
  const { type, code, message } = xeroMessage(rejection.response?.body ?? rejection.body);
  const problem = status === 429 ? header(headers, 'x-rate-limit-problem') : null;
  return classifyFailure(xeroErrors, {
    status,
    code: problem ?? code,
    category: type,
    message: `Xero ${status}${problem ? ` (${problem} limit)` : ''}: ${message}`,
    headers,
    cause: err,
  });
}
