// Applied's OAuth 2.0 client-credentials grant as the sandbox serves it at
// /v1/auth/connect/token, bearer-token checks for the API, per-route scope enforcement, and the
// RFC 7807 problem bodies every Applied error uses.
//
// The token endpoint accepts the consumer key and secret either as HTTP Basic (what Applied's
// README examples send, with `audience=api.myappliedproducts.com/epic`) or as `client_id` /
// `client_secret` form fields (what other public clients send); `audience` is accepted and not
// checked. A requested `scope` is narrowed to what the consumer was granted; no scope means
// all of them. Tokens live `expires_in: 3600` seconds unless chaos shortens them.
import { randomInt } from 'node:crypto';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { EpicDatabase } from './database.ts';
import type { AppliedEpicSandbox, IssuedToken } from './sandbox.ts';

export type EpicEnv = { Variables: { database: EpicDatabase; token: IssuedToken } };

const problemTypes: Record<number, [type: string, title: string]> = {
  400: ['https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1', 'Bad Request'],
  401: ['https://datatracker.ietf.org/doc/html/rfc7235#section-3.1', 'Unauthorized'],
  403: ['https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.3', 'Forbidden'],
  404: ['https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4', 'Not Found'],
  412: ['https://datatracker.ietf.org/doc/html/rfc7232#section-4.2', 'Failed Precondition'],
  426: ['https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.15', 'Upgrade Required'],
  429: ['https://datatracker.ietf.org/doc/html/rfc6585#section-4', 'Too Many Requests'],
  500: ['https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.1', 'Internal Server Error'],
  503: ['https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.4', 'Service Unavailable'],
};

/** Applied's trace ids are long decimal strings. */
function traceId(): string {
  return `${randomInt(1, 10)}${Array.from({ length: 18 }, () => randomInt(0, 10)).join('')}`;
}

/** An `application/problem+json` response shaped like Applied's `Error` schema. */
export function problem(
  c: Context,
  status: keyof typeof problemTypes,
  detail: string,
  opts: { additionalDetails?: Record<string, unknown>[]; headers?: Record<string, string> } = {},
): Response {
  const [type, title] = problemTypes[status]!;
  const url = new URL(c.req.url);
  const body = {
    type,
    title,
    status,
    detail,
    instance: `${url.origin}${url.pathname}`,
    traceId: traceId(),
    ...(opts.additionalDetails ? { additionalDetails: opts.additionalDetails } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...(opts.headers ?? {}) },
  });
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** HTTP Basic client authentication; id and secret are form-encoded first (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  try {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

function oauthError(c: Context, status: 400 | 401, error: string, description: string): Response {
  if (status === 401) c.header('WWW-Authenticate', 'Basic realm="Applied"');
  c.header('Cache-Control', 'no-store');
  return c.json({ error, error_description: description }, status);
}

/** POST /connect/token, mounted under /v1/auth. */
export function appliedEpicTokenEndpoint(sandbox: AppliedEpicSandbox): Hono {
  const app = new Hono();
  app.post('/connect/token', async (c) => {
    const form = (await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>;
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    if (field('grant_type') !== 'client_credentials')
      return oauthError(c, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    const basic = basicCredentials(c.req.header('authorization'));
    const id = basic?.id ?? field('client_id');
    const secret = basic?.secret ?? field('client_secret');
    const consumer = id && secret ? sandbox.authenticate(id, secret) : undefined;
    if (!consumer) return oauthError(c, 401, 'invalid_client', 'unknown consumer key or wrong secret');
    const requested = (field('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.length ? requested.filter((s) => consumer.scopes.includes(s)) : consumer.scopes;
    const token = sandbox.issueToken(consumer.database, { scopes });
    c.header('Cache-Control', 'no-store');
    return c.json({
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: token.expiresIn,
      scope: token.scopes.join(' '),
    });
  });
  return app;
}

/** Resolves the bearer token to its database; 401 problem when it is unknown or expired. */
export function bearerAuth(sandbox: AppliedEpicSandbox): MiddlewareHandler<EpicEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const issued = token ? sandbox.tokenInfo(token) : undefined;
    if (!issued) {
      return problem(c, 401, 'You are not authorized to access this resource', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    if (issued.expiresAt <= Date.now()) {
      return problem(c, 401, 'You are not authorized to access this resource', {
        headers: {
          'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
        },
      });
    }
    c.set('database', issued.database);
    c.set('token', issued);
    await next();
  };
}

/** Either `epic/<resource>:read` or `epic/<resource>:all` lets a route through; otherwise 403. */
export function requireScope(resource: string): MiddlewareHandler<EpicEnv> {
  return async (c, next) => {
    const scopes = c.get('token').scopes;
    const accepted = [`epic/${resource}:read`, `epic/${resource}:all`];
    if (!accepted.some((s) => scopes.has(s))) {
      return problem(c, 403, 'You are forbidden to access this resource', {
        additionalDetails: [{ requiredScopes: accepted }],
      });
    }
    await next();
  };
}
