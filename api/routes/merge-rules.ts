// The tenant's merge rules: per entity type and field ('*' for every field), the most recent
// change wins (default), the most trusted source wins, or a person decides within a window.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { canonicalTypes } from '../../domain/canonical.ts';
import type { AppEnv } from '../deps.ts';
import { text } from '../fields.ts';
import { limits } from '../limits.ts';
import { requireScope } from '../middleware.ts';

const ruleSchema = z
  .object({
    entity_type: z.enum(canonicalTypes),
    field: text(100, 1).openapi({ example: 'termPremiumCents' }),
    strategy: z.enum(['latest', 'priority', 'manual']),
    source_priority: z
      .array(text(100, 1))
      .max(20)
      .default([])
      .openapi({ description: 'Providers or connection ids, most trusted first.' }),
    decision_window_seconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 86_400)
      .default(259_200),
    fallback: z.enum(['latest', 'priority']).default('latest'),
  })
  .openapi('MergeRule');

const getRoute = createRoute({
  method: 'get',
  path: '/v1/merge-rules',
  tags: ['Conflicts'],
  summary: 'How fields are merged when systems disagree',
  middleware: [requireScope('policies:read')] as const,
  responses: {
    200: {
      description: 'Rules',
      content: { 'application/json': { schema: z.object({ data: z.array(ruleSchema) }) } },
    },
  },
});

const putRoute = createRoute({
  method: 'put',
  path: '/v1/merge-rules',
  tags: ['Conflicts'],
  summary: 'Replace the merge rules',
  middleware: [requireScope('policies:write')] as const,
  description: `At most ${limits.mergeRules} rules (one per entity type and field).`,
  request: {
    body: {
      content: {
        'application/json': { schema: z.object({ data: z.array(ruleSchema).max(limits.mergeRules) }) },
      },
    },
  },
  responses: {
    200: {
      description: 'Rules',
      content: { 'application/json': { schema: z.object({ data: z.array(ruleSchema) }) } },
    },
  },
});

async function list(c: Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0]) {
  const { rows } = await c
    .get('db')
    .query(
      'select entity_type, field, strategy, source_priority, decision_window_seconds, fallback from merge_rules where tenant_id = $1 order by entity_type, field',
      [c.get('tenantId')],
    );
  return rows;
}

export const mergeRuleRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getRoute, async (c) => c.json({ data: await list(c as never) }, 200))
  .openapi(putRoute, async (c) => {
    const { data } = c.req.valid('json');
    // The request already runs in one transaction: the rules are replaced all at once or not at all.
    const db = c.get('db');
    await db.query('delete from merge_rules where tenant_id = $1', [c.get('tenantId')]);
    // One statement for all of them: the work does not grow in round trips with the rule count.
    await db.query(
      `insert into merge_rules (tenant_id, entity_type, field, strategy, source_priority, decision_window_seconds, fallback)
       select $1, u.entity_type, u.field, u.strategy, array(select jsonb_array_elements_text(u.source_priority)),
              u.decision_window_seconds, u.fallback
         from unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::text[])
              as u(entity_type, field, strategy, source_priority, decision_window_seconds, fallback)`,
      [
        c.get('tenantId'),
        data.map((r) => r.entity_type),
        data.map((r) => r.field),
        data.map((r) => r.strategy),
        data.map((r) => JSON.stringify(r.source_priority)),
        data.map((r) => r.decision_window_seconds),
        data.map((r) => r.fallback),
      ],
    );
    return c.json({ data: await list(c as never) }, 200);
  });
