// Refreshing a connection's access token. One refresh per connection at a time, across every
// worker: a PostgreSQL advisory lock serialises them, and whoever waited re-reads the
// credentials first — if another process already refreshed, its token is used and the vendor's
// token endpoint is called once. A rotated refresh token is written in the same transaction that
// reads the old one, so it is never lost (QuickBooks invalidates the old one soon after).
import * as oauth from 'oauth4webapi';
import { registered } from '../connectors/registry.ts';
import type { AuthSpec, Credentials } from '../connectors/types.ts';
import { loadConnection, saveCredentials } from '../db/connection-store.ts';
import { type Pool, withTransaction } from '../db/pool.ts';
import type { Keyring } from '../runtime/secret-box.ts';

const inFlight = new Map<string, Promise<Credentials>>();

/** The app's OAuth client for a provider: from the connection (sandbox apps) or the environment. */
export function appClient(provider: string, credentials: Credentials, env: NodeJS.ProcessEnv = process.env) {
  const prefix = provider.toUpperCase().replace(/-/g, '_');
  const clientId = (credentials.clientId as string | undefined) ?? env[`${prefix}_CLIENT_ID`];
  const clientSecret = (credentials.clientSecret as string | undefined) ?? env[`${prefix}_CLIENT_SECRET`];
  if (!clientId || !clientSecret)
    throw new Error(
      `no OAuth app credentials for ${provider} (set ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET)`,
    );
  return { clientId, clientSecret };
}

function authorizationServer(base: string, tokenPath: string): oauth.AuthorizationServer {
  const url = new URL(base.replace(/\/$/, '') + tokenPath);
  return { issuer: url.origin, token_endpoint: url.toString() };
}

/** Calls the vendor's token endpoint; returns the credentials to store (old ones merged with new). */
export async function requestNewToken(
  provider: string,
  current: Credentials,
  authBaseUrl: string,
): Promise<Credentials> {
  const spec = registered(provider).connector.definition.auth.find(
    (a): a is Extract<AuthSpec, { kind: 'oauth2_authorization_code' | 'oauth2_client_credentials' }> =>
      a.kind === 'oauth2_authorization_code' || a.kind === 'oauth2_client_credentials',
  );
  if (!spec) throw new Error(`${provider} credentials cannot be refreshed`);
  const { clientId, clientSecret } = appClient(provider, current);
  const as = authorizationServer(authBaseUrl, spec.tokenPath);
  const client: oauth.Client = { client_id: clientId };
  const clientAuth =
    spec.clientAuth === 'basic'
      ? oauth.ClientSecretBasic(clientSecret)
      : oauth.ClientSecretPost(clientSecret);
  const insecure = { [oauth.allowInsecureRequests]: as.token_endpoint!.startsWith('http://') };
  let result: oauth.TokenEndpointResponse;
  if (spec.kind === 'oauth2_client_credentials') {
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth,
      { scope: spec.scopes.join(' ') },
      insecure,
    );
    result = await oauth.processClientCredentialsResponse(as, client, res);
  } else {
    const refreshToken = current.refreshToken;
    if (typeof refreshToken !== 'string' || !refreshToken)
      throw new Error(`${provider} connection has no refresh token`);
    const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, insecure);
    result = await oauth.processRefreshTokenResponse(as, client, res);
  }
  const next: Credentials = { ...current, accessToken: result.access_token };
  if (result.refresh_token) next.refreshToken = result.refresh_token;
  if (result.expires_in) next.expiresAt = new Date(Date.now() + result.expires_in * 1000).toISOString();
  for (const key of spec.kind === 'oauth2_authorization_code' ? (spec.keepFromToken ?? []) : []) {
    const value = (result as Record<string, unknown>)[key];
    if (typeof value === 'string') next[key] = value;
  }
  return next;
}

/**
 * Fresh credentials for a connection whose access token `stale` was just refused. Concurrent
 * callers in this process share one promise; across processes the advisory lock decides.
 */
export function refreshConnectionCredentials(
  pool: Pool,
  keyring: Keyring,
  connectionId: string,
  stale: Credentials,
): Promise<Credentials> {
  const running = inFlight.get(connectionId);
  if (running) return running;
  const work = withTransaction(pool, async (db) => {
    await db.query('select pg_advisory_xact_lock(hashtext($1))', [`credentials:${connectionId}`]);
    const conn = await loadConnection(db, keyring, connectionId);
    if (conn.credentials.accessToken !== stale.accessToken) return conn.credentials; // someone else refreshed
    const authBase = (conn.settings.authBaseUrl as string | undefined) ?? conn.settings.baseUrl;
    const next = await requestNewToken(conn.provider, conn.credentials, authBase);
    await saveCredentials(db, keyring, connectionId, next);
    return next;
  }).finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, work);
  return work;
}
