// Refreshing a connection's access token. One refresh per connection at a time, across every
// worker: a PostgreSQL advisory lock serialises them, and whoever waited re-reads the
// credentials first — if another process already refreshed, its token is used and the vendor's
// token endpoint is called once. A rotated refresh token is written in the same transaction that
// reads the old one, so it is never lost (a vendor that rotates them invalidates the old one soon after).
// Besides refreshing when a vendor refuses a token, every sync refreshes ahead of expiry and at
// least once a day (the nightly full sync guarantees a daily pass), which keeps refresh tokens
// that expire when unused (100 days at one accounting vendor) alive.
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

/** Refresh this long before the access token expires. */
export const REFRESH_AHEAD_MS = 5 * 60_000;
/** Refresh at least this often, even when the access token does not expire. */
export const REFRESH_AT_LEAST_EVERY_MS = 24 * 60 * 60_000;

/** Whether stored OAuth credentials should be refreshed now (before expiry, or a day after the last). */
export function refreshDue(credentials: Credentials, now = Date.now()): boolean {
  if (typeof credentials.refreshToken !== 'string' || !credentials.refreshToken) return false;
  const expiresAt =
    typeof credentials.expiresAt === 'string' ? Date.parse(credentials.expiresAt) : Number.NaN;
  if (!Number.isNaN(expiresAt) && expiresAt - now < REFRESH_AHEAD_MS) return true;
  // Connections stored before refreshes were dated (the demo's) are refreshed when refused only.
  const refreshedAt =
    typeof credentials.refreshedAt === 'string' ? Date.parse(credentials.refreshedAt) : Number.NaN;
  return !Number.isNaN(refreshedAt) && now - refreshedAt >= REFRESH_AT_LEAST_EVERY_MS;
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
  const next: Credentials = {
    ...current,
    accessToken: result.access_token,
    refreshedAt: new Date().toISOString(),
  };
  if (result.refresh_token) next.refreshToken = result.refresh_token;
  if (result.expires_in) next.expiresAt = new Date(Date.now() + result.expires_in * 1000).toISOString();
  for (const key of spec.kind === 'oauth2_authorization_code' ? (spec.keepFromToken ?? []) : []) {
    const value = (result as Record<string, unknown>)[key];
    if (typeof value === 'string') next[key] = value;
  }
  return next;
}

/**
 * Refreshes under the connection's advisory lock when `stillNeeded` holds for the credentials
 * read under the lock (a process that waited finds them refreshed and calls no vendor). Returns
 * the credentials to use. The rotated refresh token commits with the transaction that read the
 * old one.
 */
export function refreshUnderLock(
  pool: Pool,
  keyring: Keyring,
  connectionId: string,
  stillNeeded: (current: Credentials) => boolean,
): Promise<Credentials> {
  return withTransaction(pool, async (db) => {
    await db.query('select pg_advisory_xact_lock(hashtext($1))', [`credentials:${connectionId}`]);
    const conn = await loadConnection(db, keyring, connectionId);
    if (!stillNeeded(conn.credentials)) return conn.credentials; // someone else refreshed
    const authBase = (conn.settings.authBaseUrl as string | undefined) ?? conn.settings.baseUrl;
    const next = await requestNewToken(conn.provider, conn.credentials, authBase);
    await saveCredentials(db, keyring, connectionId, next);
    return next;
  });
}

function singleFlight(connectionId: string, work: () => Promise<Credentials>): Promise<Credentials> {
  const running = inFlight.get(connectionId);
  if (running) return running;
  const promise = work().finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, promise);
  return promise;
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
  return singleFlight(connectionId, () =>
    refreshUnderLock(pool, keyring, connectionId, (current) => current.accessToken === stale.accessToken),
  );
}

/**
 * The credentials a sync should use: refreshed first when the access token expires within five
 * minutes or the last refresh is a day old (OAuth authorization-code connections only).
 */
export async function ensureFreshCredentials(
  pool: Pool,
  keyring: Keyring,
  conn: { id: string; credentials: Credentials },
): Promise<Credentials> {
  if (!refreshDue(conn.credentials)) return conn.credentials;
  try {
    return await singleFlight(conn.id, () =>
      refreshUnderLock(pool, keyring, conn.id, (current) => refreshDue(current)),
    );
  } catch {
    // An early refresh that fails is no reason to stop: the token may still work, and when the
    // vendor refuses it the connector's refresh-on-401 path classifies the failure properly.
    return conn.credentials;
  }
}

/**
 * Revokes the connection's grant at the vendor (RFC 7009) where the vendor has a revocation
 * endpoint; returns whether a revocation was sent and accepted.
 */
export async function revokeAtVendor(
  provider: string,
  credentials: Credentials,
  authBaseUrl: string,
): Promise<boolean> {
  const spec = registered(provider).connector.definition.auth.find(
    (a): a is Extract<AuthSpec, { kind: 'oauth2_authorization_code' }> =>
      a.kind === 'oauth2_authorization_code',
  );
  if (spec?.deleteRefreshTokenPath && typeof credentials.refreshToken === 'string') {
    const url = `${authBaseUrl.replace(/\/$/, '')}${spec.deleteRefreshTokenPath}/${encodeURIComponent(credentials.refreshToken)}`;
    const res = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
    // 404: the grant is already gone (the app was uninstalled at the vendor).
    if (!res.ok && res.status !== 404)
      throw new Error(`deleting the refresh token failed: HTTP ${res.status}`);
    return res.ok;
  }
  const token = credentials.refreshToken ?? credentials.accessToken;
  if (!spec?.revokePath || typeof token !== 'string' || !token) return false;
  const { clientId, clientSecret } = appClient(provider, credentials);
  const as: oauth.AuthorizationServer = {
    issuer: new URL(authBaseUrl).origin,
    revocation_endpoint: authBaseUrl.replace(/\/$/, '') + spec.revokePath,
  };
  const clientAuth =
    spec.clientAuth === 'basic'
      ? oauth.ClientSecretBasic(clientSecret)
      : oauth.ClientSecretPost(clientSecret);
  const res = await oauth.revocationRequest(as, { client_id: clientId }, clientAuth, token, {
    [oauth.allowInsecureRequests]: authBaseUrl.startsWith('http://'),
    signal: AbortSignal.timeout(10_000),
  });
  await oauth.processRevocationResponse(res);
  return true;
}
