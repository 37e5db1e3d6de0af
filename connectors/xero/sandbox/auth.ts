// Xero's identity service as the sandbox serves it (the base URL also plays login.xero.com,
// identity.xero.com and api.xero.com/connections): the authorize redirect with code and state,
// the token endpoint (authorization_code and refresh_token grants, the client by HTTP Basic or
// in the form), and the tenant connections the token may reach.
import { type Context, Hono } from 'hono';
import { bearerOrg } from './api.ts';
import type { XeroSandbox } from './sandbox.ts';

function clientOf(c: Context, form: Record<string, string>): { id: string; secret: string } | null {
  const header = c.req.header('authorization') ?? '';
  if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
  }
  return form.client_id ? { id: form.client_id, secret: form.client_secret ?? '' } : null;
}

export function xeroAuth(sandbox: XeroSandbox): Hono {
  const app = new Hono();

  app.get('/identity/connect/authorize', (c) => {
    const client = sandbox.appById(c.req.query('client_id') ?? '');
    const redirectUri = c.req.query('redirect_uri') ?? '';
    if (!client || !redirectUri)
      return c.text('invalid_request: unknown client_id or missing redirect_uri', 400);
    const back = new URL(redirectUri);
    const state = c.req.query('state');
    if (state) back.searchParams.set('state', state);
    if (c.req.query('response_type') !== 'code') back.searchParams.set('error', 'unsupported_response_type');
    else back.searchParams.set('code', sandbox.authorize(client, redirectUri));
    return c.redirect(back.toString(), 302);
  });

  app.post('/identity/connect/token', async (c) => {
    const form = Object.fromEntries(new URLSearchParams(await c.req.text()));
    const creds = clientOf(c, form);
    const client = creds ? sandbox.app(creds.id, creds.secret) : undefined;
    c.header('cache-control', 'no-store');
    if (!client) return c.json({ error: 'invalid_client' }, 400);
    sandbox.countTokenRequest(client.tenantId);
    const tokens =
      form.grant_type === 'authorization_code'
        ? sandbox.exchangeCode(client, form.code ?? '', form.redirect_uri ?? '')
        : form.grant_type === 'refresh_token'
          ? sandbox.refresh(client, form.refresh_token ?? '')
          : undefined;
    if (tokens === undefined) return c.json({ error: 'unsupported_grant_type' }, 400);
    if (tokens === null) return c.json({ error: 'invalid_grant' }, 400);
    return c.json(tokens);
  });

  app.get('/connections', (c) => {
    const { org, refusal } = bearerOrg(sandbox, c);
    if (refusal) return refusal;
    const at = new Date(org!.createdMs).toISOString();
    return c.json([
      {
        id: org!.connectionId,
        authEventId: org!.authEventId,
        tenantId: org!.tenantId,
        tenantType: 'ORGANISATION',
        tenantName: org!.name,
        createdDateUtc: at,
        updatedDateUtc: at,
      },
    ]);
  });
  return app;
}
