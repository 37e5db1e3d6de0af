// A typed fetch client for EZLynx as our sandbox designs it (there is no public SDK or schema).
// Every request goes through the connection's throttle; the vendor's remaining-requests header
// tightens it and a 429 pauses it for Retry-After. A refused token is refreshed once through the
// hub (which re-runs the client-credentials exchange) and the request retried; a second refusal
// is left for the hub to handle.
import type { Throttle } from '../kit/throttle.ts';
import { ConnectorError, type Credentials } from '../types.ts';
import { ezlynxDefinition } from './definition.ts';
import { classifyEzlynxError, EzlynxApiError, retryAfterMs } from './errors.ts';

const RATE_WINDOW_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

export type Query = Record<string, string | number | undefined>;

export interface EzlynxClientOptions {
  baseUrl: string;
  credentials: Credentials;
  refreshCredentials(): Promise<Credentials>;
  throttle: Throttle;
}

interface ErrorBody {
  error?: { code?: string; message?: string; requestId?: string } | string;
  error_description?: string;
}

async function readError(res: Response): Promise<EzlynxApiError> {
  const body = (await res.json().catch(() => null)) as ErrorBody | null;
  const api = typeof body?.error === 'object' ? body.error : null;
  const oauthCode = typeof body?.error === 'string' ? body.error : null;
  return new EzlynxApiError(res.status, api?.message ?? body?.error_description ?? res.statusText, {
    code: api?.code ?? oauthCode,
    requestId: api?.requestId ?? res.headers.get('x-request-id'),
    retryAfterMs: retryAfterMs(res.headers),
  });
}

function tokenUrl(baseUrl: string): string {
  const spec = ezlynxDefinition.auth.find((a) => a.kind === 'oauth2_client_credentials');
  return baseUrl.replace(/\/$/, '') + (spec?.tokenPath ?? '/oauth2/token');
}

/**
 * The client-credentials exchange: client id + API key for a bearer token. The hub's refresher
 * does the same through oauth4webapi; this one serves tests and tools.
 */
export async function exchangeEzlynxToken(
  baseUrl: string,
  credentials: { clientId: string; clientSecret: string },
): Promise<Credentials> {
  const res = await fetch(tokenUrl(baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: 'ezlynx.api',
    }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!res.ok) throw await readError(res);
  const body = (await res.json()) as { access_token: string; expires_in?: number };
  return {
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    accessToken: body.access_token,
    expiresAt: body.expires_in ? new Date(Date.now() + body.expires_in * 1000).toISOString() : null,
  };
}

export class EzlynxClient {
  private readonly baseUrl: string;
  private readonly throttle: Throttle;
  private readonly refreshCredentials: () => Promise<Credentials>;
  private accessToken: string | null;
  private refreshing: Promise<void> | null = null;

  constructor(opts: EzlynxClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.throttle = opts.throttle;
    this.refreshCredentials = opts.refreshCredentials;
    const token = opts.credentials.accessToken;
    this.accessToken = typeof token === 'string' && token ? token : null;
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return (await this.request<T>('GET', path, query)).body;
  }

  async send<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<{ status: number; body: T }> {
    return this.request<T>(method, path, {}, body);
  }

  private async request<T>(
    method: string,
    path: string,
    query: Query,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    // A connection set up with only its client id and API key gets its first token here.
    if (!this.accessToken) await this.refresh(null);
    const used = this.accessToken;
    try {
      return await this.attempt<T>(method, path, query, body);
    } catch (err) {
      if (!(err instanceof EzlynxApiError) || err.status !== 401) throw err;
      // Another call of this session may have refreshed meanwhile: then just retry with its token.
      if (this.accessToken === used) await this.refresh(err);
      return this.attempt<T>(method, path, query, body);
    }
  }

  private refresh(refused: EzlynxApiError | null): Promise<void> {
    this.refreshing ??= this.refreshOnce(refused).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(refused: EzlynxApiError | null): Promise<void> {
    let next: Credentials;
    try {
      next = await this.refreshCredentials();
    } catch (err) {
      const classified = classifyEzlynxError(err);
      // An unreadable refresh failure says nothing new: report the refusal that caused it.
      if (refused && classified.kind === 'vendor_outage' && classified.status === null) {
        const kind = classifyEzlynxError(refused).kind;
        throw new ConnectorError(kind, `EZLynx refused the token and refreshing it failed: ${String(err)}`, {
          status: 401,
          vendorCode: refused.code,
          cause: err,
        });
      }
      throw classified;
    }
    const token = next.accessToken;
    if (typeof token !== 'string' || !token)
      throw new ConnectorError('auth_invalid', 'refreshing the EZLynx credentials gave no access token');
    this.accessToken = token;
  }

  private attempt<T>(
    method: string,
    path: string,
    query: Query,
    body: unknown,
  ): Promise<{ status: number; body: T }> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.accessToken}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.throttle.run(async () => {
      const res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? Number.NaN);
      if (Number.isFinite(remaining)) this.throttle.observe(remaining, RATE_WINDOW_MS);
      if (!res.ok) {
        const err = await readError(res);
        if (res.status === 429) this.throttle.backOff(err.retryAfterMs ?? 1_000);
        throw err;
      }
      return { status: res.status, body: (await res.json()) as T };
    });
  }
}
