// AMS360's errors as the typed client sees them (status, JSON error body, Retry-After), read into
// the hub's error kinds by a table. The body is the one the sandbox assumes (sandbox/api.ts):
// `{ErrorCode, ErrorMessage, ErrorId}`, the WSAPI service fault's detail carried as JSON. A 401 is
// `auth_expired` when the login ticket ran out or is unknown (the client logs in again once), and
// `auth_invalid` when the login itself was refused: the agency changed the WSAPI user's password,
// disabled the user or removed its access.
import {
  classifyFailure,
  httpStatusRules,
  parseRetryAfter,
  retryAfterHeader,
  unreachable,
  type VendorErrorSpec,
} from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

/** The error body the sandbox assumes for AMS360 (every field may be absent behind a proxy). */
export interface Ams360ErrorBody {
  ErrorCode?: string;
  ErrorMessage?: string;
  ErrorId?: string;
}

export class Ams360ApiError extends Error {
  readonly status: number;
  readonly body: Ams360ErrorBody | null;
  readonly retryAfter: string | null;

  constructor(status: number, body: Ams360ErrorBody | null, retryAfter: string | null, url: string) {
    const text = body?.ErrorMessage ?? body?.ErrorCode ?? 'no error body';
    const id = body?.ErrorId ? ` (ErrorId ${body.ErrorId})` : '';
    super(`AMS360 ${status} on ${url}: ${text}${id}`);
    this.name = 'Ams360ApiError';
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }

  /** Reads a refused response; a body that is not JSON (a proxy's page) becomes the message. */
  static async fromResponse(res: Response, url: URL | string): Promise<Ams360ApiError> {
    const text = await res.text().catch(() => '');
    let body: Ams360ErrorBody | null = null;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object') body = parsed as Ams360ErrorBody;
    } catch {
      body = text ? { ErrorMessage: text.slice(0, 200) } : null;
    }
    return new Ams360ApiError(res.status, body, res.headers.get('retry-after'), String(url));
  }
}

/** No Retry-After with a 429: one minute, the window the sandbox assumes AMS360 meters by. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

export const retryAfterMs = (header: string | null, now = Date.now()): number | null =>
  parseRetryAfter(header, now);

/** AMS360's answers, read by the hub (assumed; see sandbox/api.ts). */
export const ams360Errors: VendorErrorSpec = {
  vendor: 'AMS360',
  waitHeaders: retryAfterHeader,
  defaultWaitMs: DEFAULT_RETRY_AFTER_MS,
  rules: [
    // The login refused: the agency number, login id or password is wrong, or the user is disabled.
    { status: 401, code: ['InvalidCredentials', 'UserDisabled'], kind: 'auth_invalid' },
    // The ticket ran out (or the service forgot it): a new login cures it.
    { status: 401, kind: 'auth_expired' },
    // The WSAPI user may not retrieve this entity (Web Service API Setup permissions).
    { status: 403, kind: 'forbidden' },
    // The agency database is being upgraded or backed up: it comes back by itself.
    { status: 409, code: 'AgencyUnavailable', kind: 'vendor_outage' },
    ...httpStatusRules,
  ],
};

export function classifyAms360Error(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  if (!(err instanceof Ams360ApiError)) return unreachable('AMS360', err);
  return classifyFailure(ams360Errors, {
    status: err.status,
    code: err.body?.ErrorCode ?? null,
    message: err.message,
    headers: { 'retry-after': err.retryAfter },
    cause: err,
  });
}
