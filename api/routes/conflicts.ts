// Conflicts between systems, and a person's decision on one. The decision is a signal to the
// conflict's workflow (signal-with-start, so it also works if the workflow was lost), which
// applies it and writes the winning value back to the system that lost.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { TenantId } from '../../runtime/search-attributes.ts';
import { conflictWorkflowId, decideConflictSignal } from '../../workflows/shared.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';

const sideSchema = z.object({
  value: z.unknown(),
  source: z.object({
    connection_id: z.string(),
    provider: z.string().nullable(),
    source_record_id: z.number(),
    source_updated_at: z.string().nullable(),
  }),
});

const conflictSchema = z
  .object({
    id: z.uuid(),
    entity_type: z.string(),
    entity_id: z.uuid(),
    field: z.string(),
    status: z.enum(['open', 'resolved']),
    current: sideSchema,
    incoming: sideSchema,
    opened_at: z.string(),
    deadline_at: z.string(),
    resolved_at: z.string().nullable(),
    resolved_by: z.string().nullable(),
    resolution: z.string().nullable(),
    resolved_value: z.unknown(),
  })
  .openapi('Conflict');

function side(value: unknown, source: Record<string, unknown> | null) {
  return {
    value,
    source: {
      connection_id: String(source?.connectionId ?? ''),
      provider: (source?.provider as string) ?? null,
      source_record_id: Number(source?.sourceRecordId ?? 0),
      source_updated_at: (source?.sourceUpdatedAt as string) ?? null,
    },
  };
}

function toConflict(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    entity_type: r.entity_type as string,
    entity_id: r.entity_id as string,
    field: r.field as string,
    status: r.status as 'open' | 'resolved',
    current: side(r.current_value, r.current_source as Record<string, unknown>),
    incoming: side(r.incoming_value, r.incoming_source as Record<string, unknown>),
    opened_at: (r.opened_at as Date).toISOString(),
    deadline_at: (r.deadline_at as Date).toISOString(),
    resolved_at: r.resolved_at ? (r.resolved_at as Date).toISOString() : null,
    resolved_by: (r.resolved_by as string) ?? null,
    resolution: (r.resolution as string) ?? null,
    resolved_value: r.resolved_value ?? null,
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/conflicts',
  tags: ['Conflicts'],
  summary: 'Conflicts between systems, with both sides and where each came from',
  middleware: [requireScope('policies:read')] as const,
  request: {
    query: z.object({
      status: z.enum(['open', 'resolved', 'all']).default('open'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'Conflicts',
      content: { 'application/json': { schema: z.object({ data: z.array(conflictSchema) }) } },
    },
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/conflicts/{id}',
  tags: ['Conflicts'],
  summary: 'One conflict',
  middleware: [requireScope('policies:read')] as const,
  request: { params: idParam },
  responses: {
    200: { description: 'The conflict', content: { 'application/json': { schema: conflictSchema } } },
  },
});

const resolveRoute = createRoute({
  method: 'post',
  path: '/v1/conflicts/{id}/resolve',
  tags: ['Conflicts'],
  summary: 'Decide a conflict: keep the current value, take the incoming one, or set a value',
  middleware: [requireScope('policies:write')] as const,
  request: {
    params: idParam,
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              resolution: z.enum(['current', 'incoming', 'value']),
              value: z.unknown().optional(),
              source: z
                .string()
                .optional()
                .openapi({ description: 'Alternatively, the winning side by connection id or provider.' }),
            })
            .openapi('ConflictDecision'),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Decision sent to the conflict’s workflow',
      content: { 'application/json': { schema: z.object({ workflow_id: z.string() }) } },
    },
  },
});

export const conflictRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const { rows } = await c
      .get('db')
      .query(
        `select * from conflicts where tenant_id = $1 and ($2 = 'all' or status = $2) order by opened_at desc limit $3`,
        [c.get('tenantId'), q.status, q.limit],
      );
    return c.json({ data: rows.map(toConflict) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { rows } = await c
      .get('db')
      .query('select * from conflicts where id = $1 and tenant_id = $2', [
        c.req.valid('param').id,
        c.get('tenantId'),
      ]);
    if (!rows[0]) throw new ProblemError('not-found', 'No such conflict.');
    return c.json(toConflict(rows[0]), 200);
  })
  .openapi(resolveRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const deps = c.get('deps');
    const { rows } = await c
      .get('db')
      .query('select * from conflicts where id = $1 and tenant_id = $2', [id, c.get('tenantId')]);
    const conflict = rows[0];
    if (!conflict) throw new ProblemError('not-found', 'No such conflict.');
    if (conflict.status !== 'open') throw new ProblemError('conflict', 'The conflict is already resolved.');
    let resolution = body.resolution;
    if (body.source) {
      const matches = (s: Record<string, unknown>) =>
        s?.connectionId === body.source || s?.provider === body.source;
      if (matches(conflict.incoming_source)) resolution = 'incoming';
      else if (matches(conflict.current_source)) resolution = 'current';
      else
        throw new ProblemError('validation', 'source is neither side of the conflict', {
          errors: [{ field: 'source', message: 'unknown side' }],
        });
    }
    if (resolution === 'value' && body.value === undefined) {
      throw new ProblemError('validation', 'a value is required', {
        errors: [{ field: 'value', message: 'required for resolution "value"' }],
      });
    }
    const workflowId = conflictWorkflowId(id);
    await deps.temporal.workflow.signalWithStart('resolveConflict', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ conflictId: id, deadlineAt: conflict.deadline_at.toISOString() }],
      signal: decideConflictSignal,
      signalArgs: [{ resolution, value: body.value, decidedBy: c.get('apiKeyId') }],
      typedSearchAttributes: [{ key: TenantId, value: c.get('tenantId') }],
    });
    return c.json({ workflow_id: workflowId }, 202);
  });
