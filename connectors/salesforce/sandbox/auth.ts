// Salesforce's OAuth 2.0 web server flow as the sandbox serves it, on the same root that plays
// login.salesforce.com and the instance: /services/oauth2/authorize (code, PKCE S256, state),
// /services/oauth2/token (authorization_code and refresh_token grants, form-encoded, client id
// and secret in the form), /services/oauth2/revoke, and the identity URL /id/{orgId}/{userId}.
//
// The token response has no expires_in, as Salesforce's has none: the session lasts the org's
// timeout (two hours, or chaos tokenTtlSeconds). A refresh returns no refresh_token unless the
// org rotates refresh tokens (admin PUT /accounts/:id/settings {rotateRefreshTokens: true});
// then the old one stops working at once. `signature` is base64(HMAC-SHA256(client secret,
// id + issued_at)), which clients can check.
//
// Assumption: there is no login page. The authorize endpoint approves at once as the org's admin
// user; the client_id names the org (each sandbox org has its own connected app). A connected
// app with no callback URLs registered accepts any http(s) redirect_uri.
import { createHmac } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { pkceChallenge, rootUrlOf, type SalesforceSandbox } from './sandbox.ts';

function oauthError(c: Context, status: 400 | 401, error: string, description: string) {
  return c.json({ error, error_description: description }, status);
}

async function form(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function salesforceAuth(sandbox: SalesforceSandbox): Hono {
  const app = new Hono();

  app.get('/services/oauth2/authorize', (c) => {
    const q = c.req.query();
    const org = q.client_id ? sandbox.orgForClient(q.client_id) : undefined;
    if (!org) return c.text('error=invalid_client_id&error_description=client%20identifier%20invalid', 400);
    const redirectUri = q.redirect_uri ?? '';
    const callbacks = org.connectedApp.callbackUrls;
    if (!/^https?:\/\//.test(redirectUri) || (callbacks.length > 0 && !callbacks.includes(redirectUri)))
      return c.text(
        'error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration',
        400,
      );
    const back = new URL(redirectUri);
    const fail = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      if (q.state) back.searchParams.set('state', q.state);
      return c.redirect(back.toString(), 302);
    };
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'response type not supported');
    if (q.code_challenge && (q.code_challenge_method ?? 'S256') !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256');
    const scope = q.scope ?? 'api refresh_token';
    const code = sandbox.issueCode(
      { org, userId: org.adminUserId, scope },
      redirectUri,
      q.code_challenge ?? null,
    );
    back.searchParams.set('code', code);
    if (q.state) back.searchParams.set('state', q.state);
    return c.redirect(back.toString(), 302);
  });

  app.post('/services/oauth2/token', async (c) => {
    const p = await form(c);
    const org = p.client_id ? sandbox.orgForClient(p.client_id) : undefined;
    if (!org) return oauthError(c, 400, 'invalid_client_id', 'client identifier invalid');
    sandbox.countTokenRequest(org.orgId);
    if (p.client_secret !== undefined && p.client_secret !== org.connectedApp.clientSecret)
      return oauthError(c, 400, 'invalid_client', 'invalid client credentials');
    const root = rootUrlOf(c.req.url, '/services/oauth2/token');
    const respond = (grant: { userId: string; scope: string }, refreshToken: string | null) => {
      const accessToken = sandbox.issueAccessToken({ org, userId: grant.userId, scope: grant.scope });
      const id = `${root}/id/${org.orgId}/${grant.userId}`;
      const issuedAt = String(Date.now());
      return c.json({
        access_token: accessToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        signature: createHmac('sha256', org.connectedApp.clientSecret)
          .update(id + issuedAt)
          .digest('base64'),
        scope: grant.scope,
        instance_url: root,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      });
    };
    if (p.grant_type === 'authorization_code') {
      // The web server flow needs the secret (Salesforce's "Require Secret for Web Server Flow").
      if (p.client_secret === undefined)
        return oauthError(c, 400, 'invalid_client', 'client secret required');
      const code = p.code ? sandbox.takeCode(p.code) : undefined;
      if (!code || code.org !== org) return oauthError(c, 400, 'invalid_grant', 'invalid authorization code');
      if (code.redirectUri !== p.redirect_uri)
        return oauthError(c, 400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
      if (code.codeChallenge && (!p.code_verifier || pkceChallenge(p.code_verifier) !== code.codeChallenge))
        return oauthError(c, 400, 'invalid_grant', 'invalid code verifier');
      const refreshToken = code.scope.split(' ').some((s) => s === 'refresh_token' || s === 'offline_access')
        ? sandbox.issueRefreshToken({ org, userId: code.userId, scope: code.scope })
        : null;
      return respond(code, refreshToken);
    }
    if (p.grant_type === 'refresh_token') {
      const grant = p.refresh_token ? sandbox.refreshGrant(p.refresh_token) : undefined;
      if (!grant || grant.org !== org)
        return oauthError(c, 400, 'invalid_grant', 'expired access/refresh token');
      let rotated: string | null = null;
      if (org.settings.rotateRefreshTokens) {
        rotated = sandbox.issueRefreshToken(grant);
        sandbox.revokeRefreshToken(p.refresh_token!);
      }
      return respond(grant, rotated);
    }
    return oauthError(c, 400, 'unsupported_grant_type', 'grant type not supported');
  });

  const revoke = async (c: Context) => {
    const t = c.req.method === 'GET' ? c.req.query('token') : (await form(c)).token;
    if (!t || !(sandbox.revokeRefreshToken(t) || sandbox.revokeAccessToken(t)))
      return oauthError(c, 400, 'unsupported_token_type', 'this token type is not supported');
    return c.body(null, 200);
  };
  app.post('/services/oauth2/revoke', revoke);
  app.get('/services/oauth2/revoke', revoke);

  app.get('/id/:orgId/:userId', (c) => {
    const auth = c.req.header('authorization') ?? '';
    const accessToken = auth.replace(/^(Bearer|OAuth)\s+/i, '') || c.req.query('oauth_token') || '';
    const session = sandbox.session(accessToken);
    if (!session) return c.text('Bad_OAuth_Token', 403);
    const user = session.org.live('User', c.req.param('userId'));
    if (!user || session.org.orgId !== c.req.param('orgId')) return c.text('Bad_Id', 404);
    const root = rootUrlOf(c.req.url, '/id/');
    return c.json({
      id: `${root}/id/${session.org.orgId}/${user.fields.Id}`,
      user_id: user.fields.Id,
      organization_id: session.org.orgId,
      username: user.fields.Username,
      display_name: user.fields.Name,
      email: user.fields.Email,
      active: user.fields.IsActive,
      user_type: 'STANDARD',
      urls: {
        rest: `${root}/services/data/v{version}/`,
        sobjects: `${root}/services/data/v{version}/sobjects/`,
        query: `${root}/services/data/v{version}/query/`,
      },
    });
  });

  return app;
}
