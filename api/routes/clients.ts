import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { listPage } from '../list-query.ts';
import { requireScope } from '../middleware.ts';
import { pageQuery, pageSchema } from '../pagination.ts';

export const clientSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['person', 'business']),
    display_name: z.string(),
    lookup_code: z.string().nullable().openapi({ description: "The agency's client code in its AMS" }),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    address: z.record(z.string(), z.unknown()).nullable(),
    provenance: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Client');

export function toClient(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    kind: r.kind as 'person' | 'business',
    display_name: r.display_name as string,
    lookup_code: (r.lookup_code as string) ?? null,
    email: (r.email as string) ?? null,
    phone: (r.phone as string) ?? null,
    address: (r.address as Record<string, unknown>) ?? null,
    provenance: (r.provenance as Record<string, unknown>) ?? {},
    created_at: (r.created_at as Date).toISOString(),
    updated_at: (r.updated_at as Date).toISOString(),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/clients',
  tags: ['Clients'],
  summary: 'Insured clients (people and businesses)',
  middleware: [requireScope('clients:read')] as const,
  request: { query: pageQuery.extend({ connection: z.uuid().optional() }) },
  responses: {
    200: {
      description: 'A page of clients',
      content: { 'application/json': { schema: pageSchema(clientSchema) } },
    },
  },
});

export const clientRoutes = new OpenAPIHono<AppEnv>().openapi(listRoute, async (c) => {
  const q = c.req.valid('query');
  const page = await listPage(c.get('db'), {
    table: 'clients',
    tenantId: c.get('tenantId'),
    limit: q.limit,
    cursor: q.cursor,
    updatedSince: q.updated_since,
    connectionId: q.connection,
  });
  return c.json({ data: page.rows.map(toClient), next_cursor: page.nextCursor }, 200);
});
