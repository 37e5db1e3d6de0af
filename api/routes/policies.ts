import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { listPage } from '../list-query.ts';
import { requireScope } from '../middleware.ts';
import { pageQuery, pageSchema } from '../pagination.ts';

export const policySchema = z
  .object({
    id: z.uuid(),
    client_id: z.uuid().nullable(),
    carrier_id: z.uuid().nullable(),
    producer_id: z.uuid().nullable(),
    policy_number: z.string(),
    line_of_business: z.string().nullable(),
    business_type: z.string().nullable(),
    state: z.string().nullable(),
    effective_date: z.string().nullable(),
    expiration_date: z.string().nullable(),
    original_inception_date: z.string().nullable(),
    prior_policy_id: z.uuid().nullable(),
    prior_policy_number: z.string().nullable(),
    bill_mode: z.enum(['agency', 'direct']).nullable(),
    status: z.string(),
    term_premium_cents: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Term premium in integer cents.' }),
    currency: z.string(),
    provenance: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Policy');

export function toPolicy(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    client_id: (r.client_id as string) ?? null,
    carrier_id: (r.carrier_id as string) ?? null,
    producer_id: (r.producer_id as string) ?? null,
    policy_number: r.policy_number as string,
    line_of_business: (r.line_of_business as string) ?? null,
    business_type: (r.business_type as string) ?? null,
    state: (r.state as string) ?? null,
    effective_date: (r.effective_date as string) ?? null,
    expiration_date: (r.expiration_date as string) ?? null,
    original_inception_date: (r.original_inception_date as string) ?? null,
    prior_policy_id: (r.prior_policy_id as string) ?? null,
    prior_policy_number: (r.prior_policy_number as string) ?? null,
    bill_mode: (r.bill_mode as 'agency' | 'direct') ?? null,
    status: r.status as string,
    term_premium_cents: (r.term_premium_cents as number) ?? null,
    currency: String(r.currency).trim(),
    provenance: (r.provenance as Record<string, unknown>) ?? {},
    created_at: (r.created_at as Date).toISOString(),
    updated_at: (r.updated_at as Date).toISOString(),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/policies',
  tags: ['Policies'],
  summary: 'Policy terms, most recently changed last',
  middleware: [requireScope('policies:read')] as const,
  request: {
    query: pageQuery.extend({
      connection: z
        .uuid()
        .optional()
        .openapi({ description: 'Only policies this connection contributes to.' }),
      status: z.string().optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of policies',
      content: { 'application/json': { schema: pageSchema(policySchema) } },
    },
  },
});

export const policyRoutes = new OpenAPIHono<AppEnv>().openapi(listRoute, async (c) => {
  const q = c.req.valid('query');
  const page = await listPage(c.get('db'), {
    table: 'policies',
    tenantId: c.get('tenantId'),
    limit: q.limit,
    cursor: q.cursor,
    updatedSince: q.updated_since,
    connectionId: q.connection,
    extraWhere: q.status ? [{ sql: 't.status = $1', params: [q.status] }] : [],
  });
  return c.json({ data: page.rows.map(toPolicy), next_cursor: page.nextCursor }, 200);
});
