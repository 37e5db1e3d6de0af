// OAuth connect: `GET /v1/connect/{provider}` sends the person to the vendor's consent page
// (authorization code, PKCE S256 where the vendor takes it, a random state kept server-side,
// hashed, single use, ten minutes); `GET /v1/connect/callback` is where the vendor sends them
// back. The state names the tenant, so the callback needs no API key; it is bound to the browser
// that started the flow (connect-binding.ts), so a callback replayed elsewhere, or a consent link
// sent to someone else, connects nothing (RFC 6749 §10.12). It consumes the state,
// exchanges the code with oauth4webapi, keeps what the vendor handed back beside it (the values
// its authorization-code spec names), asks the connector which account the grant is for, stores
// the tokens sealed, creates (or reconnects) the connection, creates its schedules and starts its
// first full sync. Which vendors connect this way is the registry's word (`connect.kind: 'oauth'`).
import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import * as oauth from 'oauth4webapi';
import { registered, registry } from '../../connectors/registry.ts';
import { ConnectorError, type Credentials, type ProviderId } from '../../connectors/types.ts';
import { createConnection, saveCredentials } from '../../db/connection-store.ts';
import { defaultScheduleSettings, ensureConnectionSchedules } from '../../runtime/schedules.ts';
import { openJson, sealJson } from '../../runtime/secret-box.ts';
import { requestSync } from '../../runtime/sync-requests.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { authCodeSpec, oauthApp, providerEndpoints } from '../oauth-apps.ts';
import { ProblemError } from '../problem.ts';
import { returnPath } from '../return-path.ts';
import { connectionSchema } from '../schemas.ts';
import { bindBrowser, browserHash } from './connect-binding.ts';

const STATE_TTL_MINUTES = 10;
/** The vendors that connect by OAuth redirect, in registry order. */
export const oauthProviders = (Object.keys(registry) as ProviderId[]).filter(
  (p) => registry[p]!.connector.definition.connect?.kind === 'oauth' && authCodeSpec(p),
);

const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

interface StateRow {
  state_hash: string;
  tenant_id: string;
  provider: ProviderId;
  redirect_uri: string;
  code_verifier: string | null;
  code_verifier_key_id: string | null;
  return_to: string | null;
  actor: string;
  browser_hash: string | null;
  expires_at: Date;
}

/** The consumed state of the callback being served (set by connectCallbackAuth). */
const consumed = new WeakMap<Request, StateRow>();

/**
 * Authenticates the vendor's redirect by its state and the browser that started the flow: the
 * row is deleted as it is read (single use), and its tenant and creator become the request's.
 * From another browser the state is left alone (its owner can still finish). Runs before
 * API-key authentication.
 */
export const connectCallbackAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const state = c.req.query('state');
  // The state is this request's credential: without a live one it is unauthenticated.
  if (!state) throw new ProblemError('unauthorized', 'The callback carries no state.');
  const pool = c.get('deps').pool;
  const { rows } = await pool.query<StateRow>(
    'delete from oauth_states where state_hash = $1 and browser_hash = $2 returning *',
    [hashState(state), browserHash(c) ?? ''],
  );
  const row = rows[0];
  if (!row) {
    const { rowCount } = await pool.query(
      'select 1 from oauth_states where state_hash = $1 and expires_at > now()',
      [hashState(state)],
    );
    if (rowCount)
      throw new ProblemError(
        'unauthorized',
        'This authorization was started in another browser (or this browser lost its connect cookie): nothing was connected. Start connecting again in the browser that will finish the flow.',
        { reason: 'browser-mismatch' },
      );
  }
  if (!row || row.expires_at.getTime() < Date.now())
    throw new ProblemError('unauthorized', 'The authorization state is unknown, expired or already used.');
  consumed.set(c.req.raw, row);
  c.set('tenantId', row.tenant_id);
  c.set('scopes', ['connections:write']);
  c.set('apiKeyId', row.actor);
  await next();
};

function callbackUrl(requestUrl: string): string {
  const base = process.env.PUBLIC_URL ?? new URL(requestUrl).origin;
  return `${base.replace(/\/$/, '')}/v1/connect/callback`;
}

/** A path on this site only, judged after normalising (return-path.ts): never an open redirect. */
const localPath = z
  .string()
  .max(500)
  .refine((v) => returnPath(v) !== null, 'must be a path on this site');

const startRoute = createRoute({
  method: 'get',
  path: '/v1/connect/{provider}',
  tags: ['Connections'],
  summary: 'Start connecting a vendor account by OAuth (redirects to the vendor’s consent page)',
  description:
    'Sets the chub_connect cookie (HttpOnly, SameSite=Lax, path /v1/connect) that binds the flow to this browser. The vendor sends the browser back to GET /v1/connect/callback (authenticated by the state, single use, ten minutes, and that cookie: from any other client it connects nothing), which exchanges the code, creates the connection and its schedules, starts the first full sync, and answers 201 with the connection, or redirects to return_to with ?connected=<id> (or ?connect_error=…).',
  middleware: [requireScope('connections:write')] as const,
  request: {
    params: z.object({
      // Not an enum: an unknown provider is an unknown resource (404), like any other id.
      provider: z.string().openapi({
        param: { name: 'provider', in: 'path' },
        description: oauthProviders.join(' | '),
        example: oauthProviders[0],
      }),
    }),
    query: z.object({
      return_to: localPath.optional().openapi({
        description: 'Where the callback sends the browser afterwards (a path on this site).',
      }),
      response: z.enum(['redirect', 'json']).default('redirect').openapi({
        description:
          '`json` returns the authorize URL instead of redirecting to it; the browser that made this request must open it (the cookie binds the flow).',
      }),
    }),
  },
  responses: {
    302: { description: 'To the vendor’s authorize URL' },
    200: {
      description: 'The authorize URL to send the person to',
      content: {
        'application/json': {
          schema: z
            .object({ authorize_url: z.string(), expires_at: z.string() })
            .openapi('ConnectAuthorization'),
        },
      },
    },
  },
});

const callbackRoute = createRoute({
  method: 'get',
  path: '/v1/connect/callback',
  tags: ['Connections'],
  summary: 'Where the vendor redirects after consent: exchanges the code and creates the connection',
  // A browser redirect target authenticated by its state, not an API for clients: left out of the
  // document (whose /v1 routes all take an API key); the start route describes it.
  hide: true,
  security: [],
  request: {
    query: z.looseObject({
      state: z.string(),
      code: z.string().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
      // Whatever else the vendor sends beside the code (its spec's keepFromRedirect) passes through.
    }),
  },
  responses: {
    201: {
      description: 'The connection (its first full sync has started)',
      content: {
        'application/json': {
          schema: z
            .object({ connection: connectionSchema, workflow_id: z.string(), reconnected: z.boolean() })
            .openapi('ConnectResult'),
        },
      },
    },
    302: { description: 'Back to return_to with ?connected=<id> (or ?connect_error=…)' },
  },
});

/** The vendor's id for the account the person connected, as its connector identifies it. */
async function accountIdOf(
  provider: ProviderId,
  credentials: Credentials,
  callback: URL,
  baseUrl: string,
): Promise<string> {
  const form = registered(provider).connector.definition.connect;
  if (form?.kind !== 'oauth') throw new ProblemError('not-found', `No OAuth connect for "${provider}".`);
  try {
    return await form.identifyAccount({ credentials, redirect: callback.searchParams, baseUrl });
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    throw new ProblemError(err.kind === 'bad_request' ? 'validation' : 'unavailable', err.message);
  }
}

export const connectRoutes = new OpenAPIHono<AppEnv>()
  .openapi(callbackRoute, async (c) => {
    const row = consumed.get(c.req.raw);
    if (!row) throw new ProblemError('unauthorized', 'The callback carries no valid state.');
    const deps = c.get('deps');
    const query = c.req.valid('query');
    // Judged again: a row written before the check was strict may hold anything.
    const returnTo = row.return_to ? returnPath(row.return_to) : null;
    const back = (params: Record<string, string>) => {
      const url = new URL(returnTo!, 'http://x');
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return c.redirect(url.pathname + url.search, 302);
    };
    const provider = row.provider;
    if (query.error) {
      if (returnTo) return back({ connect_error: query.error });
      throw new ProblemError('validation', `The vendor refused: ${query.error}`, {
        errors: [{ field: 'error', message: query.error_description ?? query.error }],
      });
    }
    const spec = authCodeSpec(provider)!;
    const app = oauthApp(provider);
    if (!app) throw new ProblemError('unavailable', `No OAuth app is configured for ${provider}.`);
    const { baseUrl, authBaseUrl } = providerEndpoints(provider);
    const as: oauth.AuthorizationServer = {
      issuer: new URL(authBaseUrl).origin,
      authorization_endpoint: authBaseUrl + spec.authorizePath,
      token_endpoint: authBaseUrl + spec.tokenPath,
    };
    const client: oauth.Client = { client_id: app.clientId };
    const clientAuth =
      spec.clientAuth === 'basic'
        ? oauth.ClientSecretBasic(app.clientSecret)
        : oauth.ClientSecretPost(app.clientSecret);
    const callback = new URL(c.req.url);
    const verifier = row.code_verifier
      ? openJson<string>(
          deps.keyring,
          { keyId: row.code_verifier_key_id!, box: row.code_verifier },
          row.state_hash,
        )
      : oauth.nopkce;
    let result: oauth.TokenEndpointResponse;
    try {
      const params = oauth.validateAuthResponse(as, client, callback, query.state);
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        row.redirect_uri,
        verifier,
        {
          [oauth.allowInsecureRequests]: authBaseUrl.startsWith('http://'),
          signal: AbortSignal.timeout(15_000),
        },
      );
      result = await oauth.processAuthorizationCodeResponse(as, client, res);
    } catch (err) {
      const code = err instanceof oauth.ResponseBodyError ? err.error : (err as Error).message;
      if (returnTo) return back({ connect_error: code });
      throw new ProblemError('validation', `The vendor did not accept the authorization code: ${code}`);
    }
    const now = new Date();
    const credentials: Credentials = {
      accessToken: result.access_token,
      refreshToken: result.refresh_token ?? null,
      expiresAt: result.expires_in ? new Date(now.getTime() + result.expires_in * 1000).toISOString() : null,
      refreshedAt: now.toISOString(),
      // The app that holds the grant refreshes it, whatever the environment says later.
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    };
    for (const key of spec.keepFromToken ?? []) {
      const value = (result as Record<string, unknown>)[key];
      if (typeof value === 'string') credentials[key] = value;
    }
    for (const key of spec.keepFromRedirect ?? []) {
      const value = callback.searchParams.get(key);
      if (value) credentials[key] = value;
    }
    const accountId = await accountIdOf(provider, credentials, callback, baseUrl);
    const settings = {
      baseUrl: typeof credentials.instance_url === 'string' ? credentials.instance_url : baseUrl,
      authBaseUrl,
      accountId,
    };
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    const { rows: existing } = await db.query<{ id: string }>(
      `select id from connections where tenant_id = $1 and provider = $2 and settings->>'accountId' = $3
        order by created_at limit 1`,
      [tenantId, provider, accountId],
    );
    let id = existing[0]?.id;
    if (id) {
      await saveCredentials(db, deps.keyring, id, credentials);
      await db.query(
        `update connections set settings = settings || $2::jsonb, status = 'active', status_reason = null, updated_at = now()
          where id = $1`,
        [id, JSON.stringify(settings)],
      );
    } else {
      id = await createConnection(db, deps.keyring, {
        tenantId,
        provider,
        displayName: `${registered(provider).connector.definition.displayName} ${accountId}`,
        credentials,
        settings,
      });
    }
    const connectionId = id;
    const target = { connectionId, tenantId, provider };
    c.get('afterCommit')(async () => {
      await ensureConnectionSchedules(deps.temporal, deps.taskQueue, target, defaultScheduleSettings);
      await requestSync(deps.temporal, deps.taskQueue, target, { mode: 'full' });
    });
    if (returnTo) return back({ connected: connectionId });
    const { rows } = await db.query('select * from connections where id = $1', [connectionId]);
    const conn = rows[0];
    return c.json(
      {
        connection: {
          id: conn.id,
          provider: conn.provider,
          display_name: conn.display_name,
          status: conn.status,
          status_reason: conn.status_reason,
          account_id: accountId,
          created_at: conn.created_at.toISOString(),
          last_sync: null,
        },
        workflow_id: `sync/${connectionId}`,
        reconnected: Boolean(existing[0]),
      },
      201,
    );
  })
  .openapi(startRoute, async (c) => {
    const provider = c.req.valid('param').provider as ProviderId;
    if (!oauthProviders.includes(provider))
      throw new ProblemError(
        'not-found',
        `No OAuth connect for "${provider}"; try ${oauthProviders.join(', ')}.`,
      );
    const q = c.req.valid('query');
    const deps = c.get('deps');
    const spec = authCodeSpec(provider)!;
    const app = oauthApp(provider);
    if (!app)
      throw new ProblemError(
        'unavailable',
        `No OAuth app is configured for ${provider}: set ${provider.toUpperCase()}_CLIENT_ID and ${provider.toUpperCase()}_CLIENT_SECRET.`,
      );
    const { authBaseUrl } = providerEndpoints(provider);
    const state = oauth.generateRandomState();
    const stateHash = hashState(state);
    const verifier = spec.pkce ? oauth.generateRandomCodeVerifier() : null;
    const sealed = verifier ? sealJson(deps.keyring, verifier, stateHash) : null;
    const redirectUri = callbackUrl(c.req.url);
    const expiresAt = new Date(Date.now() + STATE_TTL_MINUTES * 60_000);
    const db = c.get('db');
    await db.query('delete from oauth_states where tenant_id = $1 and expires_at < now()', [
      c.get('tenantId'),
    ]);
    // The browser that asked: only a callback carrying its cookie may finish this flow.
    const browser = bindBrowser(c, redirectUri);
    await db.query(
      `insert into oauth_states (state_hash, tenant_id, provider, redirect_uri, code_verifier, code_verifier_key_id, return_to, actor, browser_hash, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        stateHash,
        c.get('tenantId'),
        provider,
        redirectUri,
        sealed?.box ?? null,
        sealed?.keyId ?? null,
        q.return_to ? returnPath(q.return_to) : null,
        c.get('apiKeyId'),
        browser,
        expiresAt,
      ],
    );
    const url = new URL(authBaseUrl + spec.authorizePath);
    url.searchParams.set('client_id', app.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', spec.scopes.join(' '));
    url.searchParams.set('state', state);
    if (verifier) {
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
    }
    if (q.response === 'json')
      return c.json({ authorize_url: url.toString(), expires_at: expiresAt.toISOString() }, 200);
    return c.redirect(url.toString(), 302);
  });
