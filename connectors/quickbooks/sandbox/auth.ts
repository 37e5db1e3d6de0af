// Intuit's OAuth 2.0 as the sandbox serves it (the base URL also plays appcenter.intuit.com and
// oauth.platform.intuit.com): the authorize redirect carrying code, state and realmId; the token
// endpoint with HTTP Basic client authentication for the authorization_code and refresh_token
// grants; and revocation (at Intuit's current path and the older one node-quickbooks calls).
import { type Context, Hono } from 'hono';
import type { QuickBooksSandbox } from './sandbox.ts';

const scope = 'com.intuit.quickbooks.accounting';

function basicClient(c: Context): { id: string; secret: string } | null {
  const header = c.req.header('authorization') ?? '';
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  // RFC 6749 form-encodes both parts before joining them; node-quickbooks does not: accept both.
  const formDecode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

async function formOrJson(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

const oauthError = (c: Context, error: string, status: 400 | 401) => {
  c.header('cache-control', 'no-store');
  if (status === 401) c.header('www-authenticate', 'Basic realm="Intuit"');
  return c.json({ error }, status);
};

export function quickbooksAuth(sandbox: QuickBooksSandbox): Hono {
  const app = new Hono();

  app.get('/connect/oauth2', (c) => {
    const clientId = c.req.query('client_id') ?? '';
    const redirectUri = c.req.query('redirect_uri') ?? '';
    const state = c.req.query('state') ?? '';
    const client = sandbox.appById(clientId);
    if (!client || !redirectUri)
      return c.text('invalid_request: unknown client_id or missing redirect_uri', 400);
    const back = new URL(redirectUri);
    if (state) back.searchParams.set('state', state);
    if (c.req.query('response_type') !== 'code') {
      back.searchParams.set('error', 'unsupported_response_type');
      return c.redirect(back.toString(), 302);
    }
    if (!(c.req.query('scope') ?? '').split(/[ +]/).includes(scope)) {
      back.searchParams.set('error', 'invalid_scope');
      return c.redirect(back.toString(), 302);
    }
    const { code, realmId } = sandbox.authorize(client, redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('realmId', realmId);
    return c.redirect(back.toString(), 302);
  });

  app.post('/oauth2/v1/tokens/bearer', async (c) => {
    const creds = basicClient(c);
    const client = creds ? sandbox.app(creds.id, creds.secret) : undefined;
    if (!client) return oauthError(c, 'invalid_client', 401);
    sandbox.countTokenRequest(client.realmId);
    const form = await formOrJson(c);
    let outcome: ReturnType<QuickBooksSandbox['refresh']>;
    if (form.grant_type === 'authorization_code') {
      outcome = sandbox.exchangeCode(client, form.code ?? '', form.redirect_uri ?? '');
    } else if (form.grant_type === 'refresh_token') {
      outcome = sandbox.refresh(client, form.refresh_token ?? '');
    } else {
      return oauthError(c, 'unsupported_grant_type', 400);
    }
    if (!outcome.ok) return oauthError(c, outcome.error, outcome.error === 'invalid_client' ? 401 : 400);
    c.header('cache-control', 'no-store');
    return c.json(outcome.tokens);
  });

  const revoke = async (c: Context) => {
    const creds = basicClient(c);
    const client = creds ? sandbox.app(creds.id, creds.secret) : undefined;
    if (!client) return oauthError(c, 'invalid_client', 401);
    const { token } = await formOrJson(c);
    if (!token) return oauthError(c, 'invalid_request', 400);
    sandbox.revoke(client, token);
    return c.body(null, 200);
  };
  app.post('/oauth2/v1/tokens/revoke', revoke);
  app.post('/v2/oauth2/tokens/revoke', revoke);

  return app;
}
