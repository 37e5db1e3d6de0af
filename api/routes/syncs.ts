// A sync's state: Temporal's view (status, live progress from the workflow's query, a step being
// retried from its pending activity) joined with the sync run row, whose counts commit with every
// page and so are exact even mid-run.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { progressQuery } from '../../workflows/shared.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { syncRunSchema, toSyncRun } from '../schemas.ts';
import { retryOf, syncRetrySchema } from './sync-retry.ts';

const syncStatusSchema = z
  .object({
    workflow_id: z.string(),
    status: z.enum(['running', 'completed', 'failed', 'idle', 'cancelled', 'terminated', 'timed_out']),
    temporal_status: z.string(),
    progress: z
      .object({
        phase: z.string(),
        stream: z.string().nullable(),
        streams: z.array(z.string()),
        stream_index: z.number().int(),
        follow_up: z.string().nullable(),
      })
      .nullable(),
    run: syncRunSchema.nullable(),
    retry: syncRetrySchema.nullable().openapi({
      description:
        'Set while a step of the sync is being retried (the vendor down, throttling): the attempt, the last error, ' +
        'and when the next attempt runs and when the sync gives up (then it fails VendorUnavailable).',
    }),
    records_per_second: z.number().nullable(),
    temporal_ui_url: z.string().nullable(),
  })
  .openapi('SyncStatus');

function routeFor<P extends z.ZodObject>(path: string, params: P) {
  return createRoute({
    method: 'get',
    path,
    tags: ['Syncs'],
    summary: 'Status, progress and counts of a connection’s sync',
    middleware: [requireScope('connections:read')] as const,
    request: { params },
    responses: {
      200: { description: 'The sync', content: { 'application/json': { schema: syncStatusSchema } } },
    },
  });
}

const byWorkflowId = routeFor(
  '/v1/syncs/{workflowId}',
  z.object({
    workflowId: z.string().openapi({ param: { name: 'workflowId', in: 'path' }, example: 'sync%2F3f1c…' }),
  }),
);
const byConnection = routeFor(
  '/v1/syncs/sync/{connectionId}',
  z.object({ connectionId: z.uuid().openapi({ param: { name: 'connectionId', in: 'path' } }) }),
);

const statusMap: Record<string, z.infer<typeof syncStatusSchema>['status']> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CONTINUED_AS_NEW: 'running',
};

async function describeSync(
  c: Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0],
  workflowId: string,
) {
  const deps = c.get('deps');
  const match = /^sync\/([0-9a-f-]{36})$/.exec(workflowId);
  if (!match) throw new ProblemError('not-found', `No sync ${workflowId}.`);
  const { rows: owned } = await c
    .get('db')
    .query('select 1 from connections where id = $1 and tenant_id = $2', [match[1], c.get('tenantId')]);
  if (!owned.length) throw new ProblemError('not-found', `No sync ${workflowId}.`);
  const handle = deps.temporal.workflow.getHandle(workflowId);
  let description: Awaited<ReturnType<typeof handle.describe>>;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ProblemError('not-found', `No sync ${workflowId}.`);
    throw err;
  }
  const temporalStatus = description.status.name;
  let status = statusMap[temporalStatus] ?? 'running';
  const retry = temporalStatus === 'RUNNING' ? await retryOf(deps.temporal, description.raw) : null;
  let progress: z.infer<typeof syncStatusSchema>['progress'] = null;
  let syncRunId: string | null = null;
  if (temporalStatus === 'RUNNING') {
    try {
      const p = await handle.query(progressQuery);
      syncRunId = p.syncRunId;
      progress = {
        phase: p.phase,
        stream: p.stream,
        streams: p.streams,
        stream_index: p.streamIndex,
        follow_up: p.followUp,
      };
    } catch {
      progress = null; // no worker is polling right now; the run row below still has the counts
    }
  } else if (temporalStatus === 'COMPLETED') {
    const result = (await handle.result().catch(() => null)) as {
      status?: string;
      syncRunId?: string | null;
    } | null;
    if (result?.status === 'idle') status = 'idle';
    syncRunId = result?.syncRunId ?? null;
  }
  const { rows } = syncRunId
    ? await c.get('db').query('select * from sync_runs where id = $1', [syncRunId])
    : await c
        .get('db')
        .query('select * from sync_runs where workflow_id = $1 order by started_at desc limit 1', [
          workflowId,
        ]);
  const run = rows[0] ? toSyncRun(rows[0]) : null;
  const elapsed = run
    ? ((run.finished_at ? Date.parse(run.finished_at) : Date.now()) - Date.parse(run.started_at)) / 1000
    : 0;
  return c.json(
    {
      workflow_id: workflowId,
      status,
      temporal_status: temporalStatus,
      progress,
      run,
      retry,
      records_per_second: run && elapsed > 0 ? Math.round((run.counts.read ?? 0) / elapsed) : null,
      temporal_ui_url: deps.temporalUiUrl
        ? `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${encodeURIComponent(workflowId)}`
        : null,
    },
    200,
  );
}

export const syncRoutes = new OpenAPIHono<AppEnv>()
  .openapi(byConnection, (c) => describeSync(c as never, `sync/${c.req.valid('param').connectionId}`))
  .openapi(byWorkflowId, (c) =>
    describeSync(c as never, decodeURIComponent(c.req.valid('param').workflowId)),
  );
