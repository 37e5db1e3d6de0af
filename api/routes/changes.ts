// The change feed: created/updated/deleted canonical entities in commit order, resumable with
// the cursor it hands back (even when a page is empty, so a poller never loses its place).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';

const changeSchema = z
  .object({
    seq: z.number().int(),
    type: z.string().openapi({ example: 'policy.updated' }),
    entity_type: z.string(),
    entity_id: z.uuid(),
    op: z.enum(['created', 'updated', 'deleted']),
    changed_fields: z.array(z.string()),
    connection_id: z.uuid().nullable(),
    occurred_at: z.string(),
  })
  .openapi('Change');

const route = createRoute({
  method: 'get',
  path: '/v1/changes',
  tags: ['Changes'],
  summary: 'Ordered, resumable feed of changes to canonical entities',
  middleware: [requireScope('policies:read')] as const,
  request: {
    query: z.object({
      cursor: z
        .string()
        .optional()
        .openapi({ description: 'The `next_cursor` of the previous call; omit to start at the beginning.' }),
      types: z.string().optional().openapi({
        description: 'Entity types, comma-separated: policy,client,carrier,producer,policy_transaction',
      }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: 'Changes after the cursor',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(changeSchema), next_cursor: z.string(), has_more: z.boolean() }),
        },
      },
    },
  },
});

function decode(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^seq:/, ''));
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ProblemError('validation', 'cursor is not one this API issued', {
      errors: [{ field: 'cursor', message: 'invalid cursor' }],
    });
  return n;
}
const encode = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');

export const changeRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const q = c.req.valid('query');
  const after = decode(q.cursor);
  const types =
    q.types
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean) ?? [];
  const { rows } = await c.get('db').query(
    `select seq, type, entity_type, entity_id, op, changed_fields, connection_id, occurred_at from change_events
      where tenant_id = $1 and seq > $2 and op is not null and (cardinality($3::text[]) = 0 or entity_type = any($3::text[]))
      order by seq limit $4`,
    [c.get('tenantId'), after, types, q.limit + 1],
  );
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page.length ? Number(page[page.length - 1].seq) : after;
  return c.json(
    {
      data: page.map((r) => ({ ...r, seq: Number(r.seq), occurred_at: r.occurred_at.toISOString() })),
      next_cursor: encode(last),
      has_more: more,
    },
    200,
  );
});
