// Console sessions. Signing in (email + scrypt-hashed password) opens a session: a family of
// opaque refresh tokens (only their SHA-256 is stored) and short-lived HS256 JWT access tokens
// that name the family. Each refresh uses a token up and issues its successor; presenting a used
// token again means it was stolen (or replayed), so the whole family is revoked and every holder
// must sign in again. Signing out revokes the family; access tokens check their family is live,
// so a signed-out session stops at once rather than when its access token expires.
import { createHash, hkdfSync, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { sign, verify } from 'hono/jwt';
import { type Pool, type Queryable, withTransaction } from '../db/pool.ts';
import type { Keyring } from '../runtime/secret-box.ts';
import type { AppEnv } from './deps.ts';
import { ProblemError } from './problem.ts';
import { countSignInAttempt, forgiveSignIn } from './sign-in-throttle.ts';

export const ACCESS_COOKIE = 'chub_access';
export const REFRESH_COOKIE = 'chub_refresh';
const REFRESH_TTL_MS = 30 * 86_400_000;

/** Access tokens live 15 minutes unless SESSION_ACCESS_TTL_SECONDS says otherwise. */
export function accessTtlSeconds(): number {
  const fromEnv = Number(process.env.SESSION_ACCESS_TTL_SECONDS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 900;
}

// scrypt with N = 2^15, r = 8, p = 1 (OWASP's minimum is 2^17 with p = 1 for interactive use at
// 64 MiB; 2^15 keeps sign-in under ~50 ms on two cores). Parameters travel with the hash.
const SCRYPT = { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scryptAsync(password: string, salt: Buffer, opts: typeof SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), {
    ...SCRYPT,
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Compared against when the email is unknown, so a wrong email takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

export async function createConsoleUser(
  db: Queryable,
  input: { tenantId: string; email: string; password: string; scopes?: string[] },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    'insert into console_users (id, tenant_id, email, password_hash, scopes) values ($1, $2, $3, $4, $5)',
    [
      id,
      input.tenantId,
      input.email.trim().toLowerCase(),
      await hashPassword(input.password),
      input.scopes ?? ['*'],
    ],
  );
  return id;
}

/** The JWT signing key: SESSION_SECRET, else derived from the credentials keyring (shared by every API process). */
export function sessionSecret(keyring: Keyring): string {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  const key = keyring.keys.get(keyring.activeKeyId)!;
  return Buffer.from(hkdfSync('sha256', key, 'commission-hub', 'console-session-jwt', 32)).toString(
    'base64url',
  );
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface SessionTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_at: string;
}

export interface AccessClaims {
  sub: string;
  tid: string;
  sid: string;
  scp: string[];
  exp: number;
  iat: number;
}

interface SessionUser {
  id: string;
  tenant_id: string;
  scopes: string[];
}

async function accessToken(keyring: Keyring, user: SessionUser, familyId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    {
      sub: user.id,
      tid: user.tenant_id,
      sid: familyId,
      scp: user.scopes,
      iat: now,
      exp: now + accessTtlSeconds(),
    },
    sessionSecret(keyring),
    'HS256',
  );
}

async function issue(db: Queryable, keyring: Keyring, user: SessionUser, familyId: string) {
  const refresh = `chr_${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + REFRESH_TTL_MS);
  await db.query(
    'insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at) values ($1, $2, $3, $4, $5)',
    [id, user.id, familyId, hashToken(refresh), expiresAt],
  );
  const tokens: SessionTokens = {
    access_token: await accessToken(keyring, user, familyId),
    token_type: 'Bearer',
    expires_in: accessTtlSeconds(),
    refresh_token: refresh,
    refresh_expires_at: expiresAt.toISOString(),
  };
  return { id, tokens };
}

/** Signs in: the session's first tokens, or null when the email or password is wrong. */
export type SignInOutcome =
  | { ok: true; tokens: SessionTokens }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export async function signIn(
  pool: Pool,
  keyring: Keyring,
  email: string,
  password: string,
): Promise<SignInOutcome> {
  const blocked = await countSignInAttempt(pool, email);
  if (blocked) return { ok: false, reason: 'throttled', retryAfterSeconds: blocked };
  const { rows } = await pool.query<SessionUser & { password_hash: string }>(
    'select id, tenant_id, scopes, password_hash from console_users where lower(email) = lower($1)',
    [email.trim()],
  );
  const user = rows[0];
  dummyHash ??= hashPassword(randomUUID());
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash));
  if (!user || !ok) return { ok: false, reason: 'wrong' };
  await forgiveSignIn(pool, email);
  await pool.query('update console_users set last_sign_in_at = now() where id = $1', [user.id]);
  return { ok: true, tokens: (await issue(pool, keyring, user, randomUUID())).tokens };
}

export type RefreshOutcome =
  | { ok: true; tokens: SessionTokens }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

/** Trades a refresh token for the next pair; a token presented twice revokes its family. */
export function refreshSession(pool: Pool, keyring: Keyring, refreshToken: string): Promise<RefreshOutcome> {
  return withTransaction(pool, async (db) => {
    const { rows } = await db.query(
      `select t.*, u.tenant_id, u.scopes from refresh_tokens t join console_users u on u.id = t.user_id
        where t.token_hash = $1 for update of t`,
      [hashToken(refreshToken)],
    );
    const row = rows[0];
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.revoked_at) return { ok: false, reason: 'revoked' } as const;
    if (row.used_at) {
      await revokeFamily(db, row.family_id, 'refresh token reuse');
      return { ok: false, reason: 'reused' } as const;
    }
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' } as const;
    const next = await issue(
      db,
      keyring,
      { id: row.user_id, tenant_id: row.tenant_id, scopes: row.scopes },
      row.family_id,
    );
    await db.query('update refresh_tokens set used_at = now(), replaced_by = $2 where id = $1', [
      row.id,
      next.id,
    ]);
    return { ok: true, tokens: next.tokens } as const;
  });
}

export async function revokeFamily(db: Queryable, familyId: string, reason: string): Promise<void> {
  await db.query(
    'update refresh_tokens set revoked_at = now(), revoked_reason = $2 where family_id = $1 and revoked_at is null',
    [familyId, reason],
  );
}

/** Signs out the session a refresh token belongs to; false when the token is unknown. */
export async function signOutByRefreshToken(pool: Pool, refreshToken: string): Promise<boolean> {
  const { rows } = await pool.query<{ family_id: string }>(
    'select family_id from refresh_tokens where token_hash = $1',
    [hashToken(refreshToken)],
  );
  if (!rows[0]) return false;
  await revokeFamily(pool, rows[0].family_id, 'signed out');
  return true;
}

/** The claims of a valid access token, 'expired', or null when it is not one of ours. */
export async function verifyAccessToken(
  keyring: Keyring,
  token: string,
): Promise<AccessClaims | 'expired' | null> {
  try {
    return (await verify(token, sessionSecret(keyring), 'HS256')) as unknown as AccessClaims;
  } catch (err) {
    return (err as Error).name === 'JwtTokenExpired' ? 'expired' : null;
  }
}

export async function sessionLive(db: Queryable, familyId: string): Promise<boolean> {
  const { rows } = await db.query(
    'select 1 from refresh_tokens where family_id = $1 and revoked_at is null limit 1',
    [familyId],
  );
  return rows.length > 0;
}

const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * Console sessions on the API: a JWT as the bearer token, or the console's access cookie. Sets
 * the tenant and scopes the way an API key would (API-key authentication then stands aside).
 * Cookie-authenticated writes must come from this site's own pages (Origin check against CSRF,
 * beside the cookie's SameSite=Lax).
 */
export const sessionAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  let token: string | undefined;
  let fromCookie = false;
  if (bearer) {
    if (looksLikeJwt(bearer)) token = bearer;
  } else if (!c.req.header('x-api-key')) {
    token = getCookie(c, ACCESS_COOKIE);
    fromCookie = token !== undefined;
  }
  if (!token) return next();
  const { keyring, pool } = c.get('deps');
  const claims = await verifyAccessToken(keyring, token);
  if (claims === 'expired')
    throw new ProblemError(
      'unauthorized',
      'The session’s access token expired; refresh it at /sessions/refresh.',
    );
  if (!claims) throw new ProblemError('unauthorized', 'The session token is not valid.');
  if (!(await sessionLive(pool, claims.sid)))
    throw new ProblemError('unauthorized', 'The session was signed out.');
  if (fromCookie && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
    const origin = c.req.header('origin');
    if (!origin || origin !== new URL(c.req.url).origin)
      throw new ProblemError('forbidden', 'Cross-site requests cannot use the console session.');
  }
  c.set('tenantId', claims.tid);
  c.set('scopes', claims.scp);
  c.set('apiKeyId', `user:${claims.sub}`);
  await next();
};
