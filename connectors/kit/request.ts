// One vendor request layer for every connector. `VendorCaller` runs a call the way every vendor
// call runs: through the connection's throttle (and any narrower one, HubSpot's search), with a
// timeout, classified by the vendor's error table, the throttle paused for the wait a rate limit
// names, the vendor's remaining-budget headers fed into the throttle, and an expired token
// refreshed once through the hub (shared by the calls that saw it refused) before one retry.
// `VendorHttp` is the raw request for vendors without a client library: base URL and query,
// auth header injection, JSON in and out, the vendor's error body read into its own error.
import { ConnectorError, type Credentials } from '../types.ts';
import { budgetFrom, type HeaderSource, type VendorErrorSpec } from './errors.ts';
import type { Throttle } from './throttle.ts';

/** The access token in a set of credentials, or null. */
export function accessTokenOf(credentials: Credentials): string | null {
  const token = credentials.accessToken;
  return typeof token === 'string' && token ? token : null;
}

export interface TokenRefreshOptions {
  vendor: string;
  credentials: Credentials;
  /** The hub's refresh (ctx.refreshCredentials): persists and returns the new credentials. */
  refresh(): Promise<Credentials>;
  /** Takes the new credentials into use (rebuild a library client); may throw. */
  adopt?(credentials: Credentials): void;
  /** The refresh failed: what to throw instead (as is when absent). */
  failed?(err: unknown, refused: ConnectorError | null): unknown;
}

/**
 * The connection's access token and its renewal. Calls refused together share one refresh, and a
 * call refused with a token that was already replaced just uses the replacement.
 */
export class TokenRefresh {
  private credentials: Credentials;
  private renewing: Promise<string> | null = null;
  private readonly opts: TokenRefreshOptions;

  constructor(opts: TokenRefreshOptions) {
    this.opts = opts;
    this.credentials = opts.credentials;
  }

  get token(): string | null {
    return accessTokenOf(this.credentials);
  }

  /** A new token in place of `stale` (null: there was none). */
  renew(stale: string | null, refused: ConnectorError | null): Promise<string> {
    const current = this.token;
    if (current !== null && current !== stale) return Promise.resolve(current);
    this.renewing ??= this.refreshOnce(refused).finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async refreshOnce(refused: ConnectorError | null): Promise<string> {
    let next: Credentials;
    try {
      next = await this.opts.refresh();
      if (accessTokenOf(next) === null)
        throw new ConnectorError(
          'auth_invalid',
          `refreshing the ${this.opts.vendor} credentials gave no access token`,
        );
      this.opts.adopt?.(next);
    } catch (err) {
      throw this.opts.failed && !(err instanceof ConnectorError) ? this.opts.failed(err, refused) : err;
    }
    this.credentials = next;
    return accessTokenOf(next)!;
  }
}

export interface VendorCallerOptions {
  spec: VendorErrorSpec;
  /** The connection's throttle (none: unpaced, e.g. a client built by hand in a tool or test). */
  throttle: Throttle | null;
  /** Reads whatever the client threw into a ConnectorError (the connector's classifyXError). */
  classify(err: unknown): ConnectorError;
  /** Absent: credentials never refresh (API keys, partner credentials, private-app tokens). */
  refresh?: TokenRefresh;
  /** Which refusals a refresh may cure (default: auth_expired). */
  refreshOn?(err: ConnectorError): boolean;
  /** Abort a call after this long (the signal is handed to the call). */
  timeoutMs?: number;
  /** Throw the client's own error (after pacing) instead of its classification. */
  throwRaw?: boolean;
}

export interface CallOptions<T> {
  /** Narrower throttles entered before the connection's (HubSpot's search limit). */
  via?: readonly Throttle[];
  /** The answer's headers, for the vendor's remaining-budget header (result undefined on failure). */
  headers?(result: T | undefined): HeaderSource;
}

export class VendorCaller {
  readonly spec: VendorErrorSpec;
  readonly throttle: Throttle | null;
  private readonly opts: VendorCallerOptions;

  constructor(opts: VendorCallerOptions) {
    this.opts = opts;
    this.spec = opts.spec;
    this.throttle = opts.throttle;
  }

  get token(): string | null {
    return this.opts.refresh?.token ?? null;
  }

  /** Runs one vendor call: paced, timed, classified, refreshed once on an expired token. */
  async run<T>(
    fn: (token: string | null, signal: AbortSignal | undefined) => Promise<T>,
    options: CallOptions<T> = {},
  ): Promise<T> {
    const { refresh, refreshOn = (e) => e.kind === 'auth_expired' } = this.opts;
    for (let attempt = 0; ; attempt++) {
      let result: T | undefined;
      let token: string | null = null;
      let sent = false;
      try {
        // A connection set up with only its client id and secret gets its first token here.
        token = refresh ? (refresh.token ?? (await refresh.renew(null, null))) : null;
        // The timeout starts when the throttle lets the call go, not while it waits its turn.
        const { timeoutMs } = this.opts;
        sent = true;
        result = await this.paced(
          () => fn(token, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined),
          options.via ?? [],
        );
        return result;
      } catch (err) {
        const classified = this.opts.classify(err);
        // A refusal of the call (not of the refresh that got its token) is refreshed once.
        if (refresh && sent && attempt === 0 && refreshOn(classified)) {
          await refresh.renew(token, classified);
          continue;
        }
        if (classified.kind === 'rate_limited' && classified.retryAfterMs)
          this.throttle?.backOff(classified.retryAfterMs);
        throw this.opts.throwRaw ? err : classified;
      } finally {
        if (options.headers) this.observe(options.headers(result));
      }
    }
  }

  /** The vendor's remaining-budget headers tighten the throttle. */
  observe(headers: HeaderSource): void {
    const budget = budgetFrom(headers, this.spec.budget);
    if (budget && this.throttle) this.throttle.observe(budget.remaining, budget.windowMs);
  }

  private paced<T>(fn: () => Promise<T>, via: readonly Throttle[]): Promise<T> {
    let call = this.throttle ? () => this.throttle!.run(fn) : fn;
    for (const t of [...via].reverse()) {
      const inner = call;
      call = () => t.run(inner);
    }
    return call();
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface VendorHttpOptions {
  baseUrl: string;
  caller: VendorCaller;
  /** The auth header for a token (bearer), or the connection's static one (Basic). */
  authorization(token: string | null): string;
  /** Headers every request carries (Accept, a correlation id per request, …). */
  headers?(): Record<string, string>;
  /** Query parameters every request carries (HawkSoft's `version`), set after the request's own. */
  query?: Record<string, string>;
  /** The vendor's refusal read into its own error (status, body, headers). */
  readError(res: Response, url: URL): Promise<Error>;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
}

/** A raw request to a vendor's REST API, through the caller. */
export class VendorHttp {
  private readonly baseUrl: string;
  private readonly opts: VendorHttpOptions;

  constructor(opts: VendorHttpOptions) {
    this.opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    for (const [k, v] of Object.entries(this.opts.query ?? {})) url.searchParams.set(k, v);
    return url;
  }

  async request<T>(req: HttpRequest): Promise<{ status: number; body: T }> {
    const url = this.url(req.path, req.query);
    const { caller } = this.opts;
    return caller.run(async (token, signal) => {
      const headers: Record<string, string> = {
        authorization: this.opts.authorization(token),
        accept: 'application/json',
        ...this.opts.headers?.(),
      };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url, {
        method: req.method ?? 'GET',
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal,
      });
      caller.observe(res.headers);
      if (!res.ok) throw await this.opts.readError(res, url);
      return { status: res.status, body: (await res.json()) as T };
    });
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return (await this.request<T>({ path, query })).body;
  }
}
