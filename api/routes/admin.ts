// Operator routes, guarded by ADMIN_TOKEN and absent when it is unset: make a tenant and its first
// API key (shown once).
import { timingSafeEqual } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { withTransaction } from '../../db/pool.ts';
import { createTenant, issueApiKey } from '../../db/tenant-store.ts';
import type { AppEnv } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { createConsoleUser } from '../sessions.ts';

const operatorOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = process.env.ADMIN_TOKEN;
  if (!token) throw new ProblemError('not-found', `No route for ${c.req.method} ${c.req.path}.`);
  const given = Buffer.from(c.req.header('authorization')?.replace(/^Bearer /, '') ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new ProblemError('unauthorized', 'Operator token required.');
  await next();
};

const route = createRoute({
  method: 'post',
  path: '/admin/tenants',
  tags: ['Operators'],
  summary: 'Create a tenant and its first API key',
  middleware: [operatorOnly] as const,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({
            name: z.string().min(1).max(200),
            plan: z.enum(['free', 'starter', 'professional', 'enterprise']).default('starter'),
            console_user: z
              .object({ email: z.email().max(320), password: z.string().min(12).max(1000) })
              .optional()
              .openapi({ description: 'The agency’s first console user (signs in at /console).' }),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The tenant and its key (shown once)',
      content: {
        'application/json': {
          schema: z.object({
            tenant: z.object({ id: z.uuid(), name: z.string(), plan: z.string() }),
            api_key: z.object({ id: z.uuid(), key: z.string(), prefix: z.string() }),
            console_user: z.object({ id: z.uuid(), email: z.string() }).optional(),
          }),
        },
      },
    },
  },
});

export const adminRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const body = c.req.valid('json');
  if (body.console_user) {
    const { rows } = await c
      .get('deps')
      .pool.query('select 1 from console_users where lower(email) = lower($1)', [body.console_user.email]);
    if (rows.length) throw new ProblemError('conflict', 'A console user with this email exists.');
  }
  const result = await withTransaction(c.get('deps').pool, async (db) => {
    const id = await createTenant(db, { name: body.name, plan: body.plan });
    const key = await issueApiKey(db, { tenantId: id, name: 'first key', scopes: ['*'] });
    const user = body.console_user
      ? {
          id: await createConsoleUser(db, { tenantId: id, ...body.console_user }),
          email: body.console_user.email,
        }
      : undefined;
    return {
      tenant: { id, name: body.name, plan: body.plan },
      api_key: { id: key.id, key: key.key, prefix: key.prefix },
      ...(user ? { console_user: user } : {}),
    };
  });
  return c.json(result, 201);
});
