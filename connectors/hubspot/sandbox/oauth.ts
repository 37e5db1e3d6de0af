// HubSpot's OAuth 2.0 for public apps as the sandbox serves it: the authorize redirect (the
// consent screen approves at once for the app's portal; PKCE S256 when a challenge is sent), the
// token endpoint at /oauth/v1/token with form-encoded client id and secret (authorization_code and
// refresh_token grants; access tokens live 30 minutes, refresh tokens do not rotate; the answer
// names the portal and the granted scopes), the access-token metadata call (portal, app, user,
// scopes), and refresh-token deletion, which is how an app is disconnected. Every call to the
// token endpoint is counted per portal. OAuth calls carry no rate-limit headers.
import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { type HubSpotSandbox, installingUser, OAUTH_ACCESS_TOKEN_TTL_SECONDS } from './sandbox.ts';

function tokenError(
  c: Context,
  status: 'BAD_AUTH_CODE' | 'BAD_REFRESH_TOKEN' | 'BAD_CLIENT_ID' | 'BAD_GRANT_TYPE' | 'BAD_REDIRECT_URI',
  message: string,
) {
  // HubSpot's error body; `error` / `error_description` are what OAuth clients read.
  return c.json(
    {
      status,
      message,
      correlationId: crypto.randomUUID(),
      error: 'invalid_grant',
      error_description: message,
    },
    400,
  );
}

export function hubspotOAuth(sandbox: HubSpotSandbox): Hono {
  const app = new Hono();

  app.get('/oauth/authorize', (c) => {
    const q = c.req.query();
    const client = q.client_id ? sandbox.apps.get(q.client_id) : undefined;
    if (!client) return c.text('Authorization failed because the client_id is invalid', 400);
    if (!q.redirect_uri || !/^https?:\/\//.test(q.redirect_uri))
      return c.text('Authorization failed because the redirect_uri is invalid', 400);
    const back = new URL(q.redirect_uri);
    if (q.state) back.searchParams.set('state', q.state);
    if (q.code_challenge && (q.code_challenge_method ?? 'S256') !== 'S256') {
      back.searchParams.set('error', 'invalid_request');
      return c.redirect(back.toString(), 302);
    }
    const code = sandbox.issueCode(client, q.redirect_uri, q.code_challenge ?? null, q.scope ?? '');
    back.searchParams.set('code', code);
    return c.redirect(back.toString(), 302);
  });

  app.post('/oauth/v1/token', async (c) => {
    const body = (await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>;
    const p = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const client = sandbox.apps.get(p('client_id') ?? '');
    if (!client || client.clientSecret !== p('client_secret'))
      return tokenError(c, 'BAD_CLIENT_ID', 'missing or invalid client_id or client_secret');
    sandbox.countTokenRequest(client.portal);
    let scope: string;
    let refreshToken: string;
    if (p('grant_type') === 'authorization_code') {
      const code = sandbox.takeCode(p('code') ?? '');
      if (!code || code.app !== client) return tokenError(c, 'BAD_AUTH_CODE', 'missing or unknown auth code');
      if (code.redirectUri !== p('redirect_uri'))
        return tokenError(c, 'BAD_REDIRECT_URI', 'redirect_uri does not match the authorize request');
      const verifier = p('code_verifier');
      if (
        code.codeChallenge &&
        (!verifier || createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge)
      )
        return tokenError(c, 'BAD_AUTH_CODE', 'code_verifier does not match the code_challenge');
      scope = code.scope;
      refreshToken = sandbox.issueRefreshToken(client, scope);
    } else if (p('grant_type') === 'refresh_token') {
      const grant = sandbox.refreshTokens.get(p('refresh_token') ?? '');
      if (!grant || grant.app !== client)
        return tokenError(c, 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      scope = grant.scope;
      refreshToken = p('refresh_token')!;
    } else {
      return tokenError(c, 'BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    const ttl = client.portal.chaos.tokenTtlSeconds || OAUTH_ACCESS_TOKEN_TTL_SECONDS;
    c.header('cache-control', 'no-store');
    // HubSpot's AccessTokenResponse names the portal and the granted scopes; `scope` (the OAuth
    // 2.0 string form) is kept for generic OAuth clients. No rate-limit headers on OAuth calls.
    return c.json({
      token_type: 'bearer',
      refresh_token: refreshToken,
      access_token: sandbox.issueToken(client.portal, ttl, { app: client, scope }),
      expires_in: ttl,
      token_use: 'access_token',
      hub_id: client.portal.portalId,
      user_id: installingUser(client.portal).userId,
      scopes: scope.split(/[\s,]+/).filter(Boolean),
      scope,
    });
  });

  app.get('/oauth/v1/access-tokens/:token', (c) => {
    const token = c.req.param('token');
    const portal = sandbox.portalForToken(token);
    const expiry = portal?.tokens.get(token);
    if (!portal || (expiry && expiry < Date.now()))
      return c.json({ status: 'error', message: 'The access token is invalid or expired' }, 404);
    const { app, scopes } = sandbox.grantOf(token, portal);
    const user = installingUser(portal);
    // Assumption: a private-app token (no expiry) reports expires_in 0 rather than null, as the
    // field is an integer in HubSpot's AccessTokenInfoResponse.
    return c.json({
      token,
      user: user.email,
      hub_domain: `portal-${portal.portalId}.hubspot.test`,
      scopes,
      hub_id: portal.portalId,
      app_id: app?.appId ?? 0,
      expires_in: expiry ? Math.max(0, Math.round((expiry - Date.now()) / 1000)) : 0,
      user_id: user.userId,
      token_type: 'access',
    });
  });

  // Deleting the refresh token uninstalls the app: its access tokens stop working as well.
  app.delete('/oauth/v1/refresh-tokens/:token', (c) => {
    const grant = sandbox.refreshTokens.get(c.req.param('token'));
    if (!grant) return c.json({ status: 'error', message: 'unknown refresh token' }, 404);
    for (const [token, g] of sandbox.refreshTokens)
      if (g.app === grant.app) sandbox.refreshTokens.delete(token);
    for (const token of [...grant.app.portal.tokens.keys()])
      if (token.startsWith('CO-')) sandbox.revokeToken(grant.app.portal, token);
    return c.body(null, 204);
  });

  return app;
}
