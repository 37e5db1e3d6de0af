// EZLynx token exchange as this sandbox designs it (the public overview shows no auth flow; see
// the assumptions at the top of api.ts). An integration holds a client id and an API key per
// integration group; it trades them for a short-lived bearer token with an OAuth 2.0
// client-credentials grant, so any OAuth client (the hub's refresher included) can mint tokens:
//
//   POST /oauth2/token   application/x-www-form-urlencoded
//     grant_type=client_credentials, client_id, client_secret=<API key>, scope=ezlynx.api (optional)
//     (or the client id and API key as HTTP Basic credentials)
//   200 {access_token, token_type: "Bearer", expires_in: 1800, scope, integration_group_id, agency_id}
//   400/401 {error, error_description}  (RFC 6749 §5.2)
//
// Chaos does not touch the token endpoint: a sandbox that refused to mint tokens would only test
// the hub's refresher, not the connector.
import { timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { EzlynxSandbox } from './sandbox.ts';

export const TOKEN_PATH = '/oauth2/token';
export const SCOPES = ['ezlynx.api'];

function oauthError(c: Context, status: 400 | 401, error: string, description: string) {
  c.header('cache-control', 'no-store');
  return c.json({ error, error_description: description }, status);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

export function ezlynxAuth(sandbox: EzlynxSandbox): Hono {
  const app = new Hono();
  app.post(TOKEN_PATH, async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded'))
      return oauthError(c, 400, 'invalid_request', 'the token request must be form-encoded');
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    if (field('grant_type') !== 'client_credentials')
      return oauthError(c, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    const basic = basicCredentials(c.req.header('authorization'));
    const clientId = basic?.id ?? field('client_id');
    const secret = basic?.secret ?? field('client_secret');
    if (!clientId || !secret) return oauthError(c, 401, 'invalid_client', 'client authentication failed');
    const agency = sandbox.agencyForClient(clientId);
    if (!agency || !sameSecret(secret, agency.apiKey))
      return oauthError(c, 401, 'invalid_client', 'client authentication failed');
    const requested = (field('scope') ?? '').split(' ').filter(Boolean);
    const unknown = requested.filter((s) => !SCOPES.includes(s));
    if (unknown.length) return oauthError(c, 400, 'invalid_scope', `unknown scope: ${unknown.join(' ')}`);
    const token = sandbox.issueToken(agency);
    const expiresIn = Math.round(((agency.tokens.get(token) ?? Date.now()) - Date.now()) / 1000);
    c.header('cache-control', 'no-store');
    return c.json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: SCOPES.join(' '),
      integration_group_id: agency.integrationGroupId,
      agency_id: agency.agencyId,
    });
  });
  return app;
}
