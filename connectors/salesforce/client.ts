// jsforce pointed at the org's instance, with its own habits switched off: it gets no OAuth
// client or refresh token, so it never refreshes behind the hub's back (and never drops a
// rotated refresh token), and its transport neither retries (jsforce retries GETs on 5xx/429 up
// to five times) nor follows proxy environment variables. Every call runs through the
// connection's throttle; an expired session is refreshed once through the hub and the call
// retried with the new token; Sforce-Limit-Info feeds the throttle.
import { Connection } from 'jsforce';
import type { Throttle } from '../kit/throttle.ts';
import type { ConnectionContext, Credentials } from '../types.ts';
import { classifyRefreshError, classifySalesforceError } from './errors.ts';

export const API_VERSION = '62.0';
const DAY_MS = 86_400_000;
const REQUEST_TIMEOUT_MS = 120_000;

function connect(ctx: ConnectionContext, credentials: Credentials): Connection {
  const accessToken = credentials.accessToken;
  if (typeof accessToken !== 'string' || !accessToken)
    throw new Error('Salesforce connection has no access token');
  // A refresh stores instance_url (keepFromToken), fresher than the instanceUrl saved at connect.
  const instanceUrl = String(credentials.instance_url ?? credentials.instanceUrl ?? ctx.baseUrl).replace(
    /\/$/,
    '',
  );
  const conn = new Connection({ instanceUrl, accessToken, version: API_VERSION });
  const transport = conn._transport;
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (req, options) =>
    send(req, { ...options, httpProxy: undefined, retry: { maxRetries: 0 }, timeout: REQUEST_TIMEOUT_MS });
  return conn;
}

export class SalesforceClient {
  private readonly ctx: ConnectionContext;
  private readonly throttle: Throttle;
  private credentials: Credentials;
  private conn: Connection;
  private refreshing: Promise<void> | null = null;

  constructor(ctx: ConnectionContext, throttle: Throttle) {
    this.ctx = ctx;
    this.throttle = throttle;
    this.credentials = ctx.credentials;
    this.conn = connect(ctx, ctx.credentials);
  }

  /** Runs one vendor call: paced, classified, refreshed once on an expired session. */
  async call<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = this.credentials.accessToken;
      const conn = this.conn;
      try {
        return await this.throttle.run(() => fn(conn));
      } catch (err) {
        const classified = classifySalesforceError(err);
        if (classified.kind === 'auth_expired' && attempt === 0) {
          await this.refreshFrom(token);
          continue;
        }
        if (classified.kind === 'rate_limited' && classified.retryAfterMs)
          this.throttle.backOff(classified.retryAfterMs);
        throw classified;
      } finally {
        this.observeUsage(conn);
      }
    }
  }

  /** One refresh however many calls saw the same stale token; later ones just use the new token. */
  private async refreshFrom(staleToken: unknown): Promise<void> {
    if (this.credentials.accessToken !== staleToken) return;
    this.refreshing ??= (async () => {
      try {
        const next = await this.ctx.refreshCredentials();
        this.credentials = next;
        this.conn = connect(this.ctx, next);
      } catch (err) {
        throw classifyRefreshError(err);
      } finally {
        this.refreshing = null;
      }
    })();
    await this.refreshing;
  }

  /** jsforce keeps the last Sforce-Limit-Info as limitInfo.apiUsage. */
  private observeUsage(conn: Connection): void {
    const usage = conn.limitInfo?.apiUsage;
    if (usage && usage.limit > 0) this.throttle.observe(usage.limit - usage.used, DAY_MS);
  }
}
