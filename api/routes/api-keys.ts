// API keys: made with the scopes they need (never more than their maker holds), shown once,
// stored hashed with a visible prefix, revocable, with the time each was last used.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { allScopes, issueApiKey } from '../../db/tenant-store.ts';
import type { AppEnv } from '../deps.ts';
import { hasScope, requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';

const scopeSchema = z.enum(['*', ...allScopes]);

const keySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');

const createRouteDef = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['API keys'],
  summary: 'Make an API key (shown once)',
  middleware: [requireScope('api-keys:write')] as const,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({ name: z.string().min(1).max(100), scopes: z.array(scopeSchema).min(1) }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The key, once',
      content: { 'application/json': { schema: keySchema.extend({ key: z.string() }) } },
    },
  },
});
const listRoute = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  tags: ['API keys'],
  summary: 'The tenant’s API keys (never the keys themselves)',
  middleware: [requireScope('api-keys:write')] as const,
  responses: {
    200: {
      description: 'Keys',
      content: { 'application/json': { schema: z.object({ data: z.array(keySchema) }) } },
    },
  },
});
const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  middleware: [requireScope('api-keys:write')] as const,
  request: { params: idParam },
  responses: { 204: { description: 'Revoked' } },
});

function toKey(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    name: r.name as string,
    prefix: r.prefix as string,
    scopes: r.scopes as string[],
    created_at: (r.created_at as Date).toISOString(),
    last_used_at: r.last_used_at ? (r.last_used_at as Date).toISOString() : null,
    revoked_at: r.revoked_at ? (r.revoked_at as Date).toISOString() : null,
  };
}

export const apiKeyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(createRouteDef, async (c) => {
    const body = c.req.valid('json');
    const mine = c.get('scopes');
    const beyond = body.scopes.filter((s) => !hasScope(mine, s) || (s === '*' && !mine.includes('*')));
    if (beyond.length)
      throw new ProblemError('forbidden', `A key cannot grant scopes its maker lacks: ${beyond.join(', ')}.`);
    const issued = await issueApiKey(c.get('db'), {
      tenantId: c.get('tenantId'),
      name: body.name,
      scopes: body.scopes as never,
    });
    const { rows } = await c.get('db').query('select * from api_keys where id = $1', [issued.id]);
    return c.json({ ...toKey(rows[0]), key: issued.key }, 201);
  })
  .openapi(listRoute, async (c) => {
    const { rows } = await c
      .get('db')
      .query('select * from api_keys where tenant_id = $1 order by created_at', [c.get('tenantId')]);
    return c.json({ data: rows.map(toKey) }, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { rowCount } = await c
      .get('db')
      .query(
        'update api_keys set revoked_at = now() where id = $1 and tenant_id = $2 and revoked_at is null',
        [c.req.valid('param').id, c.get('tenantId')],
      );
    if (!rowCount) throw new ProblemError('not-found', 'No such API key.');
    // After the commit: a lookup racing the revocation must not re-cache the key from the old row.
    const apiKeys = c.get('apiKeys');
    const keyId = c.req.valid('param').id;
    c.get('afterCommit')(async () => apiKeys.forget(keyId));
    return c.body(null, 204);
  });
