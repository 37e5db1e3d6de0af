// The agency console at /console: sign in, connections (with Connect buttons that run the OAuth
// flow, schedules, last runs and live sync progress), conflicts with both sides and decision
// buttons, and statements with their reconciliation summary. The session lives in two cookies:
// the short-lived access token (sent to /v1 as well, so the pages' scripts use the public API)
// and the refresh token (sent to /console only), rotated here when the access token has expired.
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../deps.ts';
import {
  ACCESS_COOKIE,
  type AccessClaims,
  REFRESH_COOKIE,
  refreshSession,
  type SessionTokens,
  sessionLive,
  signIn,
  signOutByRefreshToken,
  verifyAccessToken,
} from '../sessions.ts';
import { tenantTransaction } from '../tenant-db.ts';
import { conflictsPage, connectionsPage, ratesPage, signInPage, statementsPage } from './pages.ts';

function setSessionCookies(c: Context<AppEnv>, tokens: SessionTokens): void {
  const secure = new URL(c.req.url).protocol === 'https:';
  setCookie(c, ACCESS_COOKIE, tokens.access_token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    maxAge: tokens.expires_in,
  });
  setCookie(c, REFRESH_COOKIE, tokens.refresh_token, {
    path: '/console',
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    expires: new Date(tokens.refresh_expires_at),
  });
}

function clearSessionCookies(c: Context<AppEnv>): void {
  deleteCookie(c, ACCESS_COOKIE, { path: '/' });
  deleteCookie(c, REFRESH_COOKIE, { path: '/console' });
}

/** Form posts must come from the console itself (beside SameSite cookies, against CSRF). */
function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin');
  return !origin || origin === new URL(c.req.url).origin;
}

/** The signed-in user, refreshing the access token from the refresh cookie when it has expired. */
const consoleSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { keyring, pool } = c.get('deps');
  let claims: AccessClaims | null = null;
  const access = getCookie(c, ACCESS_COOKIE);
  if (access) {
    const verified = await verifyAccessToken(keyring, access);
    if (verified && verified !== 'expired' && (await sessionLive(pool, verified.sid))) claims = verified;
  }
  if (!claims) {
    const refresh = getCookie(c, REFRESH_COOKIE);
    const outcome = refresh ? await refreshSession(pool, keyring, refresh) : null;
    if (!outcome?.ok) {
      clearSessionCookies(c);
      return c.redirect('/console/sign-in', 302);
    }
    setSessionCookies(c, outcome.tokens);
    claims = (await verifyAccessToken(keyring, outcome.tokens.access_token)) as AccessClaims;
  }
  c.set('tenantId', claims.tid);
  c.set('scopes', claims.scp);
  c.set('apiKeyId', `user:${claims.sub}`);
  await next();
};

async function who(c: Context<AppEnv>): Promise<string> {
  const { rows } = await c
    .get('db')
    .query(
      'select u.email, t.name from console_users u join tenants t on t.id = u.tenant_id where u.id = $1',
      [c.get('apiKeyId').slice('user:'.length)],
    );
  return rows[0] ? `${rows[0].email} · ${rows[0].name}` : '';
}

export const consoleRoutes = new Hono<AppEnv>()
  .get('/console', (c) => c.redirect('/console/connections', 302))
  .get('/console/sign-in', (c) => c.html(signInPage()))
  .post('/console/sign-in', async (c) => {
    if (!sameOrigin(c)) return c.text('cross-site sign-in refused', 403);
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const { pool, keyring } = c.get('deps');
    const outcome = email && password ? await signIn(pool, keyring, email, password) : null;
    if (outcome && !outcome.ok && outcome.reason === 'throttled') {
      c.header('Retry-After', String(outcome.retryAfterSeconds));
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      return c.html(signInPage(`Too many failed sign-ins. Try again in ${minutes} min.`, email), 429);
    }
    if (!outcome?.ok) return c.html(signInPage('The email or password is wrong.', email), 401);
    setSessionCookies(c, outcome.tokens);
    return c.redirect('/console/connections', 303);
  })
  .post('/console/refresh', async (c) => {
    if (!sameOrigin(c)) return c.body(null, 403);
    const refresh = getCookie(c, REFRESH_COOKIE);
    const { pool, keyring } = c.get('deps');
    const outcome = refresh ? await refreshSession(pool, keyring, refresh) : null;
    if (!outcome?.ok) {
      clearSessionCookies(c);
      return c.body(null, 401);
    }
    setSessionCookies(c, outcome.tokens);
    return c.body(null, 204);
  })
  .post('/console/sign-out', async (c) => {
    if (!sameOrigin(c)) return c.body(null, 403);
    const refresh = getCookie(c, REFRESH_COOKIE);
    if (refresh) await signOutByRefreshToken(c.get('deps').pool, refresh);
    clearSessionCookies(c);
    return c.redirect('/console/sign-in', 303);
  })
  .get('/console/connections', consoleSession, tenantTransaction, async (c) =>
    c.html(await connectionsPage(c, await who(c))),
  )
  .get('/console/conflicts', consoleSession, tenantTransaction, async (c) =>
    c.html(await conflictsPage(c, await who(c))),
  )
  .get('/console/statements', consoleSession, tenantTransaction, async (c) =>
    c.html(await statementsPage(c, await who(c))),
  )
  .get('/console/rates', consoleSession, tenantTransaction, async (c) =>
    c.html(await ratesPage(c, await who(c))),
  );
