// A typed fetch client for EZLynx as our sandbox designs it (there is no public SDK or schema).
// Every request goes through the connection's throttle; the vendor's remaining-requests header
// tightens it and a 429 pauses it for Retry-After. A refused token is refreshed once through the
// hub (which re-runs the client-credentials exchange) and the request retried; a second refusal
// is left for the hub to handle.
import { TokenRefresh, VendorCaller, VendorHttp } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import { ConnectorError, type Credentials } from '../types.ts';
import { ezlynxDefinition } from './definition.ts';
import { classifyEzlynxError, EzlynxApiError, ezlynxErrors, retryAfterMs } from './errors.ts';

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
  private readonly http: VendorHttp;

  constructor(opts: EzlynxClientOptions) {
    const refresh = new TokenRefresh({
      vendor: 'EZLynx',
      credentials: opts.credentials,
      refresh: opts.refreshCredentials,
      failed: (err, refused) => {
        const classified = classifyEzlynxError(err);
        // An unreadable refresh failure says nothing new: report the refusal that caused it.
        if (refused && classified.kind === 'vendor_outage' && classified.status === null)
          return new ConnectorError(
            refused.kind,
            `EZLynx refused the token and refreshing it failed: ${String(err)}`,
            { status: 401, vendorCode: refused.vendorCode, cause: err },
          );
        return classified;
      },
    });
    this.http = new VendorHttp({
      baseUrl: opts.baseUrl,
      caller: new VendorCaller({
        spec: ezlynxErrors,
        throttle: opts.throttle,
        classify: classifyEzlynxError,
        refresh,
        // Any refused token may be cured by a new one (the hub re-runs the client-credentials exchange).
        refreshOn: (err) => err.status === 401,
        timeoutMs: REQUEST_TIMEOUT_MS,
      }),
      authorization: (token) => `Bearer ${token}`,
      readError: (res) => readError(res),
    });
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.http.get<T>(path, query);
  }

  send<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<{ status: number; body: T }> {
    return this.http.request<T>({ method, path, body });
  }
}
