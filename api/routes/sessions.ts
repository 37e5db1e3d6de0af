// Console sign-in for programs and the console's own pages: sign in for a short-lived access
// token (a JWT, sent as the bearer token on /v1) and a refresh token; trade the refresh token for
// the next pair; sign out. Outside /v1: no API key exists yet when these are called.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import {
  refreshSession,
  revokeFamily,
  signIn,
  signOutByRefreshToken,
  verifyAccessToken,
} from '../sessions.ts';

const tokensSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    refresh_token: z.string(),
    refresh_expires_at: z.string(),
  })
  .openapi('SessionTokens');

const signInRoute = createRoute({
  method: 'post',
  path: '/sessions',
  tags: ['Sessions'],
  summary: 'Sign in to the console: an access token (JWT) and a refresh token',
  security: [],
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1000) })
            .openapi('SignIn'),
        },
      },
    },
  },
  responses: {
    201: { description: 'Signed in', content: { 'application/json': { schema: tokensSchema } } },
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/sessions/refresh',
  tags: ['Sessions'],
  summary: 'Trade a refresh token for a new access and refresh token (each refresh token works once)',
  security: [],
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({ refresh_token: z.string().min(1) }).openapi('SessionRefresh'),
        },
      },
    },
  },
  responses: {
    200: { description: 'The next tokens', content: { 'application/json': { schema: tokensSchema } } },
  },
});

const signOutRoute = createRoute({
  method: 'post',
  path: '/sessions/sign-out',
  tags: ['Sessions'],
  summary: 'Sign out: revokes the session (by its refresh token, or by the bearer access token)',
  security: [],
  request: {
    body: {
      required: false,
      content: {
        'application/json': { schema: z.object({ refresh_token: z.string().optional() }).openapi('SignOut') },
      },
    },
  },
  responses: { 204: { description: 'Signed out' } },
});

const refused: Record<string, string> = {
  unknown: 'The refresh token is not known.',
  expired: 'The refresh token expired; sign in again.',
  revoked: 'The session was signed out; sign in again.',
  reused: 'The refresh token was already used: the session is revoked for safety; sign in again.',
};

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(signInRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    const { pool, keyring } = c.get('deps');
    const outcome = await signIn(pool, keyring, email, password);
    if (!outcome.ok && outcome.reason === 'throttled') {
      c.header('Retry-After', String(outcome.retryAfterSeconds));
      throw new ProblemError('rate-limited', 'Too many failed sign-ins for this account; try again later.', {
        retry_after_seconds: outcome.retryAfterSeconds,
      });
    }
    if (!outcome.ok) throw new ProblemError('unauthorized', 'The email or password is wrong.');
    const tokens = outcome.tokens;
    c.header('cache-control', 'no-store');
    return c.json(tokens, 201);
  })
  .openapi(refreshRoute, async (c) => {
    const { pool, keyring } = c.get('deps');
    const outcome = await refreshSession(pool, keyring, c.req.valid('json').refresh_token);
    if (!outcome.ok)
      throw new ProblemError('unauthorized', refused[outcome.reason], { reason: outcome.reason });
    c.header('cache-control', 'no-store');
    return c.json(outcome.tokens, 200);
  })
  .openapi(signOutRoute, async (c) => {
    const { pool, keyring } = c.get('deps');
    const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
    if (body?.refresh_token) {
      if (!(await signOutByRefreshToken(pool, body.refresh_token)))
        throw new ProblemError('unauthorized', refused.unknown);
      return c.body(null, 204);
    }
    const header = c.req.header('authorization');
    const claims = header?.startsWith('Bearer ')
      ? await verifyAccessToken(keyring, header.slice(7).trim())
      : null;
    if (!claims || claims === 'expired')
      throw new ProblemError(
        'unauthorized',
        'Send the refresh token, or a valid access token as the bearer token.',
      );
    await revokeFamily(pool, claims.sid, 'signed out');
    return c.body(null, 204);
  });
