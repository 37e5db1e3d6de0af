// Cross-cutting concerns, applied once: request ids, API-key authentication, scope checks.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.ts';
import { ProblemError } from './problem.ts';

export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const id = c.req.header('x-request-id')?.slice(0, 100) || randomUUID();
  c.set('requestId', id);
  c.header('x-request-id', id);
  await next();
};

/** `Authorization: Bearer chk_live_…` (or `X-API-Key`): the key decides the tenant. */
export const apiKeyAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get('tenantId')) return next(); // a console session or an OAuth callback's state already decided
  const header = c.req.header('authorization');
  const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : c.req.header('x-api-key');
  if (!key) throw new ProblemError('unauthorized', 'Send an API key as "Authorization: Bearer chk_live_…".');
  const owner = await c.get('apiKeys').resolve(key);
  if (!owner) throw new ProblemError('unauthorized', 'The API key is unknown or revoked.');
  c.set('tenantId', owner.tenantId);
  c.set('scopes', owner.scopes);
  c.set('apiKeyId', owner.apiKeyId);
  await next();
};

export function hasScope(scopes: string[], needed: string): boolean {
  return scopes.includes('*') || scopes.includes(needed);
}

export function requireScope(needed: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasScope(c.get('scopes'), needed))
      throw new ProblemError('forbidden', `This API key lacks the "${needed}" scope.`);
    await next();
  };
}
