// Connections and "sync now". A sync request is a signal-with-start on the connection's fixed
// workflow id: it starts a sync, or, when one is running, queues one follow-up run.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ConnectionId, Provider, TenantId } from '../../runtime/search-attributes.ts';
import { requestSyncSignal, syncWorkflowId } from '../../workflows/shared.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { connectionSchema, idParam, toSyncRun } from '../schemas.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/connections',
  tags: ['Connections'],
  summary: 'The tenant’s connections with their latest sync',
  middleware: [requireScope('connections:read')] as const,
  responses: {
    200: {
      description: 'Connections',
      content: { 'application/json': { schema: z.object({ data: z.array(connectionSchema) }) } },
    },
  },
});

const syncRoute = createRoute({
  method: 'post',
  path: '/v1/connections/{id}/syncs',
  tags: ['Syncs'],
  summary: 'Start a sync now (or queue one behind the running sync)',
  middleware: [requireScope('syncs:write')] as const,
  request: {
    params: idParam,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({ mode: z.enum(['full', 'incremental']).default('incremental') })
            .openapi('SyncRequest'),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Accepted; poll the sync by its workflow id',
      content: {
        'application/json': {
          schema: z
            .object({
              workflow_id: z.string(),
              run_id: z.string(),
              mode: z.enum(['full', 'incremental']),
              status_url: z.string(),
            })
            .openapi('SyncAccepted'),
        },
      },
    },
  },
});

export async function loadTenantConnection(c: { get: (k: 'deps' | 'tenantId') => never }, id: string) {
  const deps = c.get('deps') as AppEnv['Variables']['deps'];
  const tenantId = c.get('tenantId') as string;
  const { rows } = await deps.pool.query('select * from connections where id = $1 and tenant_id = $2', [
    id,
    tenantId,
  ]);
  if (!rows[0]) throw new ProblemError('not-found', `No connection ${id}.`);
  return rows[0];
}

export const connectionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const { pool } = c.get('deps');
    const { rows } = await pool.query(
      `select c.*, to_jsonb(r.*) as last_sync
         from connections c
         left join lateral (select * from sync_runs s where s.connection_id = c.id order by started_at desc limit 1) r on true
        where c.tenant_id = $1
        order by c.created_at, c.id`,
      [c.get('tenantId')],
    );
    return c.json({
      data: rows.map((r) => ({
        id: r.id,
        provider: r.provider,
        display_name: r.display_name,
        status: r.status,
        status_reason: r.status_reason,
        account_id: r.settings?.accountId ?? null,
        created_at: r.created_at.toISOString(),
        last_sync: r.last_sync
          ? toSyncRun({
              ...r.last_sync,
              started_at: new Date(r.last_sync.started_at),
              finished_at: r.last_sync.finished_at ? new Date(r.last_sync.finished_at) : null,
            })
          : null,
      })),
    });
  })
  .openapi(syncRoute, async (c) => {
    const deps = c.get('deps');
    const { id } = c.req.valid('param');
    const body = c.req.header('content-type')?.includes('json')
      ? c.req.valid('json')
      : { mode: 'incremental' as const };
    const mode = body?.mode ?? 'incremental';
    const conn = await loadTenantConnection(c as never, id);
    if (conn.status !== 'active')
      throw new ProblemError(
        'conflict',
        `The connection is ${conn.status}${conn.status_reason ? ` (${conn.status_reason})` : ''}.`,
      );
    const workflowId = syncWorkflowId(id);
    const handle = await deps.temporal.workflow.signalWithStart('syncConnection', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ connectionId: id }],
      signal: requestSyncSignal,
      signalArgs: [{ mode }],
      typedSearchAttributes: [
        { key: TenantId, value: conn.tenant_id },
        { key: ConnectionId, value: id },
        { key: Provider, value: conn.provider },
      ],
    });
    return c.json(
      { workflow_id: workflowId, run_id: handle.signaledRunId, mode, status_url: `/v1/syncs/${workflowId}` },
      202,
    );
  });
