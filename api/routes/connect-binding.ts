// Binds an OAuth connect flow to the browser that started it. The start sets a random nonce in an
// HttpOnly, SameSite=Lax cookie scoped to /v1/connect (sent on the vendor's top-level redirect
// back, invisible to scripts and to the rest of the site); the flow's state row keeps only its
// hash. The callback must carry it: a state replayed by another client, or a consent link an
// attacker sends someone, finds no matching cookie and connects nothing.
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const CONNECT_COOKIE = 'chub_connect';
const TTL_SECONDS = 10 * 60; // as long as a state lives
const NONCE = /^[\w-]{43}$/; // 32 random bytes, base64url

const hash = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

/** The hash of this browser's connect nonce, or null when it sent none. */
export function browserHash(c: Context): string | null {
  const nonce = getCookie(c, CONNECT_COOKIE);
  return nonce && NONCE.test(nonce) ? hash(nonce) : null;
}

/**
 * Sets (or renews) the browser's nonce and returns its hash. A browser that already has one keeps
 * it, so two flows started side by side in one browser can both finish.
 */
export function bindBrowser(c: Context, callbackUrl: string): string {
  const existing = getCookie(c, CONNECT_COOKIE);
  const nonce = existing && NONCE.test(existing) ? existing : randomBytes(32).toString('base64url');
  const callback = new URL(callbackUrl);
  setCookie(c, CONNECT_COOKIE, nonce, {
    path: callback.pathname.replace(/\/callback$/, ''),
    httpOnly: true,
    sameSite: 'Lax',
    secure: callback.protocol === 'https:',
    maxAge: TTL_SECONDS,
  });
  return hash(nonce);
}
