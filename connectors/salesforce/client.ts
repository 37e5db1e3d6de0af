// jsforce pointed at the org's instance, with its own habits switched off: it gets no OAuth
// client or refresh token, so it never refreshes behind the hub's back (and never drops a
// rotated refresh token), and its transport neither retries (jsforce retries GETs on 5xx/429 up
// to five times) nor follows proxy environment variables. Every call runs through the
// connection's throttle; an expired session is refreshed once through the hub and the call
// retried with the new token; Sforce-Limit-Info feeds the throttle.
import { Connection } from 'jsforce';
import { TokenRefresh, VendorCaller } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import type { ConnectionContext, Credentials } from '../types.ts';
import { classifyRefreshError, classifySalesforceError, salesforceErrors } from './errors.ts';

export const API_VERSION = '62.0';
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
  private readonly caller: VendorCaller;
  private conn: Connection;

  constructor(ctx: ConnectionContext, throttle: Throttle) {
    this.conn = connect(ctx, ctx.credentials);
    this.caller = new VendorCaller({
      spec: salesforceErrors,
      throttle,
      classify: classifySalesforceError,
      refresh: new TokenRefresh({
        vendor: 'Salesforce',
        credentials: ctx.credentials,
        refresh: () => ctx.refreshCredentials(),
        adopt: (next) => {
          this.conn = connect(ctx, next);
        },
        failed: classifyRefreshError,
      }),
    });
  }

  /** Runs one vendor call: paced, classified, refreshed once on an expired session. */
  call<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    let conn = this.conn;
    return this.caller.run(
      () => {
        conn = this.conn;
        return fn(conn);
      },
      // jsforce keeps the last Sforce-Limit-Info it saw, parsed, as limitInfo.apiUsage.
      { headers: () => usageHeader(conn) },
    );
  }
}

function usageHeader(conn: Connection): Record<string, string> | undefined {
  const usage = conn.limitInfo?.apiUsage;
  return usage ? { 'sforce-limit-info': `api-usage=${usage.used}/${usage.limit}` } : undefined;
}
