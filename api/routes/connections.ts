// Connections, "sync now", their sync runs and their schedules. A sync request is a
// signal-with-start on the connection's fixed workflow id: it starts a sync or queues one
// follow-up behind the running one. Vendors without an OAuth redirect are connected here with
// their keys, in the form each connector declares (`connect.kind: 'keys'`: the body fields, the
// credentials they become, the account they name, whether a first token proves them; OAuth
// vendors go through /v1/connect); disconnecting revokes the grant at the vendor, deletes the schedules and drops
// the credentials, keeping the connection's history.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Context } from 'hono';
import { requestNewToken, revokeAtVendor } from '../../activities/credentials.ts';
import { registered, registry } from '../../connectors/registry.ts';
import {
  type ConnectForm,
  ConnectorError,
  type Credentials,
  type ProviderId,
} from '../../connectors/types.ts';
import { createConnection, loadConnection } from '../../db/connection-store.ts';
import {
  backfillConnectionSchedule,
  defaultScheduleSettings,
  deleteConnectionSchedules,
  describeConnectionSchedules,
  ensureConnectionSchedules,
  type ScheduleSettings,
  scheduleTicks,
} from '../../runtime/schedules.ts';
import { requestSync } from '../../runtime/sync-requests.ts';
import type { AppEnv } from '../deps.ts';
import { instant, trimmedText } from '../fields.ts';
import { limits } from '../limits.ts';
import { requireScope } from '../middleware.ts';
import { providerEndpoints } from '../oauth-apps.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import { ProblemError } from '../problem.ts';
import { connectionSchema, idParam, syncRunSchema, toSyncRun } from '../schemas.ts';

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

const runsRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/runs',
  tags: ['Syncs'],
  summary: 'The connection’s sync runs, newest first: attempts, counts and why a run failed',
  middleware: [requireScope('connections:read')] as const,
  request: {
    params: idParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: {
      description: 'Sync runs',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(syncRunSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
  },
});

const scheduleSchema = z
  .object({
    interval_minutes: z.number().int(),
    full_sync_hour_utc: z.number().int(),
    paused: z.boolean(),
    note: z.string().nullable(),
    schedules: z.record(
      z.string(),
      z
        .object({
          id: z.string(),
          paused: z.boolean(),
          note: z.string().nullable(),
          next_runs: z.array(z.string()),
          recent_runs: z.array(z.object({ scheduled_at: z.string(), workflow_id: z.string() })),
        })
        .nullable(),
    ),
  })
  .openapi('ConnectionSchedule');

const getScheduleRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/schedule',
  tags: ['Schedules'],
  summary: 'The connection’s sync schedules (incremental every N minutes, full nightly)',
  middleware: [requireScope('connections:read')] as const,
  request: { params: idParam },
  responses: {
    200: { description: 'Schedule', content: { 'application/json': { schema: scheduleSchema } } },
  },
});

const patchScheduleRoute = createRoute({
  method: 'patch',
  path: '/v1/connections/{id}/schedule',
  tags: ['Schedules'],
  summary: 'Change the interval, the nightly hour, or pause and resume',
  middleware: [requireScope('connections:write')] as const,
  request: {
    params: idParam,
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              interval_minutes: z.number().int().min(1).max(1440).optional(),
              full_sync_hour_utc: z.number().int().min(0).max(23).optional(),
              paused: z.boolean().optional(),
              note: trimmedText(200, 0).optional(),
            })
            .openapi('SchedulePatch'),
        },
      },
    },
  },
  responses: {
    200: { description: 'Schedule', content: { 'application/json': { schema: scheduleSchema } } },
  },
});

const backfillRoute = createRoute({
  method: 'post',
  path: '/v1/connections/{id}/schedule/backfill',
  tags: ['Schedules'],
  summary: 'Run the ticks a time range missed (they fold into one sync)',
  description: `The range reaches at most ${limits.backfillDays} days and ${limits.backfillTicks} schedule ticks (at a 15-minute interval, 50 hours); a wider range is refused with 422 naming the limit, so one call never starts days of work.`,
  middleware: [requireScope('connections:write')] as const,
  request: {
    params: idParam,
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              start: instant,
              end: instant,
              mode: z.enum(['full', 'incremental']).default('incremental'),
            })
            .openapi('BackfillRequest'),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Backfill requested',
      content: { 'application/json': { schema: z.object({ accepted: z.boolean() }) } },
    },
  },
});

type KeyForm = Extract<ConnectForm, { kind: 'keys' }>;

/** The vendors connected with keys and their declared forms, in registry order. */
const keyForms = (Object.keys(registry) as ProviderId[]).flatMap((provider) => {
  const form = registry[provider]!.connector.definition.connect;
  return form?.kind === 'keys' ? [{ provider, form }] : [];
});
const keyFormOf = new Map<string, KeyForm>(keyForms.map((k) => [k.provider, k.form]));
const displayNames = (kind: 'keys' | 'oauth') =>
  (Object.keys(registry) as ProviderId[])
    .map((p) => registry[p]!.connector.definition)
    .filter((d) => d.connect?.kind === kind)
    .map((d) => d.shortName ?? d.displayName);
/** "A, B and C" */
const listed = (names: string[]) =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');

const keyConnectionSchema = z
  .discriminatedUnion(
    'provider',
    keyForms.map(({ provider, form }) =>
      z.object({
        provider: z.literal(provider),
        ...form.fields,
        display_name: z.string().min(1).max(200).optional(),
      }),
    ) as unknown as [z.ZodObject<{ provider: z.ZodLiteral<string> }>],
  )
  .openapi('KeyConnectionRequest');

const createRouteDef = createRoute({
  method: 'post',
  path: '/v1/connections',
  tags: ['Connections'],
  summary: `Connect a vendor that authenticates with keys (${displayNames('keys').join(', ')})`,
  description: `${listed(displayNames('oauth'))} connect by OAuth: GET /v1/connect/{provider}.`,
  middleware: [requireScope('connections:write')] as const,
  request: { body: { content: { 'application/json': { schema: keyConnectionSchema } } } },
  responses: {
    201: {
      description: 'The connection (its first full sync has started)',
      content: {
        'application/json': {
          schema: z
            .object({ connection: connectionSchema, workflow_id: z.string() })
            .openapi('ConnectionCreated'),
        },
      },
    },
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/connections/{id}',
  tags: ['Connections'],
  summary: 'Disconnect: revoke at the vendor, delete the schedules, drop the credentials',
  middleware: [requireScope('connections:write')] as const,
  request: { params: idParam },
  responses: {
    200: {
      description: 'Disconnected (the connection and its history stay, without credentials)',
      content: {
        'application/json': {
          schema: z
            .object({ id: z.uuid(), status: z.literal('disconnected'), revoked_at_vendor: z.boolean() })
            .openapi('ConnectionDisconnected'),
        },
      },
    },
  },
});

export async function loadTenantConnection(c: Context<AppEnv>, id: string) {
  const { rows } = await c
    .get('db')
    .query('select * from connections where id = $1 and tenant_id = $2', [id, c.get('tenantId')]);
  if (!rows[0]) throw new ProblemError('not-found', `No connection ${id}.`);
  return rows[0];
}

/** One backfill starts bounded work: limits.backfillDays and limits.backfillTicks. */
function checkBackfill(
  settings: ScheduleSettings,
  body: { start: string; end: string; mode: 'full' | 'incremental' },
) {
  const days = (Date.parse(body.end) - Date.parse(body.start)) / 86_400_000;
  const ticks = scheduleTicks(settings, body.mode, new Date(body.start), new Date(body.end));
  if (days <= limits.backfillDays && ticks <= limits.backfillTicks) return;
  const message = `at most ${limits.backfillDays} days and ${limits.backfillTicks} ticks after start`;
  throw new ProblemError(
    'validation',
    `A backfill reaches at most ${limits.backfillDays} days and ${limits.backfillTicks} schedule ticks; this range is ${Math.ceil(days)} days, ${ticks} ${body.mode} ticks.`,
    {
      errors: [{ field: 'end', message }],
      limit_days: limits.backfillDays,
      limit_ticks: limits.backfillTicks,
    },
  );
}

function scheduleSettings(settings: Record<string, unknown>): ScheduleSettings {
  return { ...defaultScheduleSettings, ...((settings.schedule as Partial<ScheduleSettings>) ?? {}) };
}

async function scheduleView(c: Context<AppEnv>, connectionId: string, settings: ScheduleSettings) {
  return {
    interval_minutes: settings.incrementalEveryMinutes,
    full_sync_hour_utc: settings.fullSyncHourUtc,
    paused: settings.paused,
    note: settings.note ?? null,
    schedules: await describeConnectionSchedules(c.get('deps').temporal, connectionId),
  };
}

export const connectionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(createRouteDef, async (c) => {
    const body = c.req.valid('json') as { provider: ProviderId; display_name?: string } & Record<
      string,
      string | undefined
    >;
    const deps = c.get('deps');
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    const { baseUrl, authBaseUrl } = providerEndpoints(body.provider);
    const form = keyFormOf.get(body.provider)!;
    const declared = form.credentials(body);
    let credentials: Credentials = declared.credentials;
    const accountId = declared.accountId;
    if (form.verify === 'first_token') {
      // A first token proves the keys before anything is stored.
      try {
        credentials = await requestNewToken(body.provider, credentials, authBaseUrl);
      } catch (err) {
        throw new ProblemError(
          'validation',
          `The vendor refused the credentials: ${(err as Error).message}`,
          {
            errors: [{ field: 'client_secret', message: 'refused by the vendor' }],
          },
        );
      }
    }
    if (form.check) {
      // A first call (a login) proves the keys before anything is stored.
      try {
        await form.check(credentials, baseUrl);
      } catch (err) {
        if (err instanceof ConnectorError && ['vendor_outage', 'rate_limited'].includes(err.kind))
          throw new ProblemError('unavailable', `The vendor could not be reached: ${err.message}`);
        throw new ProblemError(
          'validation',
          `The vendor refused the credentials: ${(err as Error).message}`,
          {
            errors: Object.keys(form.fields).map((field) => ({ field, message: 'refused by the vendor' })),
          },
        );
      }
    }
    const { rows: existing } = await db.query(
      `select id from connections where tenant_id = $1 and provider = $2 and settings->>'accountId' = $3 and status <> 'disconnected'`,
      [tenantId, body.provider, accountId],
    );
    if (existing[0])
      throw new ProblemError('conflict', `This ${body.provider} account is already connected.`, {
        connection_id: existing[0].id,
      });
    const settings = { baseUrl, ...(authBaseUrl !== baseUrl ? { authBaseUrl } : {}), accountId };
    const id = await createConnection(db, deps.keyring, {
      tenantId,
      provider: body.provider,
      displayName:
        body.display_name ?? `${registered(body.provider).connector.definition.displayName} ${accountId}`,
      credentials,
      settings,
    });
    const target = { connectionId: id, tenantId, provider: body.provider };
    c.get('afterCommit')(async () => {
      await ensureConnectionSchedules(deps.temporal, deps.taskQueue, target, defaultScheduleSettings);
      await requestSync(deps.temporal, deps.taskQueue, target, { mode: 'full' });
    });
    const { rows } = await db.query('select * from connections where id = $1', [id]);
    const r = rows[0];
    return c.json(
      {
        connection: {
          id,
          provider: r.provider,
          display_name: r.display_name,
          status: r.status,
          status_reason: r.status_reason,
          account_id: accountId,
          created_at: r.created_at.toISOString(),
          last_sync: null,
        },
        workflow_id: `sync/${id}`,
      },
      201,
    );
  })
  .openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid('param');
    const deps = c.get('deps');
    await loadTenantConnection(c, id);
    const conn = await loadConnection(c.get('db'), deps.keyring, id);
    // The database first: the vendor's grant is revoked only once the hub has let go of it.
    await c.get('db').query(
      `update connections set credentials = null, credentials_key_id = null, status = 'disconnected',
              status_reason = 'disconnected through the API', updated_at = now() where id = $1`,
      [id],
    );
    let revoked = false;
    try {
      revoked = await revokeAtVendor(
        conn.provider,
        conn.credentials,
        (conn.settings.authBaseUrl as string | undefined) ?? conn.settings.baseUrl,
      );
    } catch (err) {
      // The hub forgets the grant either way; the vendor's app list still shows it until removed there.
      deps.logger.warn({ err: (err as Error).message, connectionId: id }, 'revocation at the vendor failed');
    }
    c.get('afterCommit')(async () => {
      await deleteConnectionSchedules(deps.temporal, id);
      await deps.temporal.workflow
        .getHandle(`sync/${id}`)
        .cancel()
        .catch((err) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    });
    return c.json({ id, status: 'disconnected' as const, revoked_at_vendor: revoked }, 200);
  })
  .openapi(listRoute, async (c) => {
    const { rows } = await c.get('db').query(
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
    const remap = Boolean((body as { remap?: boolean } | undefined)?.remap);
    const conn = await loadTenantConnection(c, id);
    if (conn.status !== 'active') {
      throw new ProblemError(
        'conflict',
        `The connection is ${conn.status}${conn.status_reason ? ` (${conn.status_reason})` : ''}.`,
      );
    }
    const { workflowId, runId } = await requestSync(
      deps.temporal,
      deps.taskQueue,
      { connectionId: id, tenantId: conn.tenant_id, provider: conn.provider },
      { mode, remap },
    );
    return c.json(
      { workflow_id: workflowId, run_id: runId, mode, status_url: `/v1/syncs/${workflowId}` },
      202,
    );
  })
  .openapi(runsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    await loadTenantConnection(c, id);
    const position = decodeCursor(q.cursor);
    const { rows } = await c.get('db').query(
      `select *, started_at::text as _position from sync_runs
        where connection_id = $1 and ($2::timestamptz is null or (started_at, id) < ($2::timestamptz, $3::uuid))
        order by started_at desc, id desc limit $4`,
      [id, position?.t ?? null, position?.id ?? null, q.limit + 1],
    );
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map(toSyncRun),
        next_cursor: more && last ? encodeCursor({ t: last._position, id: last.id }) : null,
      },
      200,
    );
  })
  .openapi(getScheduleRoute, async (c) => {
    const { id } = c.req.valid('param');
    const conn = await loadTenantConnection(c, id);
    return c.json(await scheduleView(c, id, scheduleSettings(conn.settings)), 200);
  })
  .openapi(patchScheduleRoute, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    const conn = await loadTenantConnection(c, id);
    const current = scheduleSettings(conn.settings);
    const next: ScheduleSettings = {
      incrementalEveryMinutes: patch.interval_minutes ?? current.incrementalEveryMinutes,
      fullSyncHourUtc: patch.full_sync_hour_utc ?? current.fullSyncHourUtc,
      paused: patch.paused ?? current.paused,
      note: patch.note ?? (patch.paused === false ? undefined : current.note),
    };
    const deps = c.get('deps');
    // The database first: a value it refuses leaves Temporal untouched. Temporal failing part-way
    // is put back and refused, and the transaction rolls the database back with it.
    await c
      .get('db')
      .query(
        `update connections set settings = jsonb_set(settings, '{schedule}', $2::jsonb), updated_at = now() where id = $1`,
        [id, JSON.stringify(next)],
      );
    const target = { connectionId: id, tenantId: conn.tenant_id, provider: conn.provider };
    try {
      await ensureConnectionSchedules(deps.temporal, deps.taskQueue, target, next);
    } catch (err) {
      await ensureConnectionSchedules(deps.temporal, deps.taskQueue, target, current).catch((undo) =>
        deps.logger.error({ err: undo, connectionId: id }, 'could not put the schedules back'),
      );
      deps.logger.warn({ err, connectionId: id }, 'changing the schedules failed');
      throw new ProblemError('unavailable', 'Temporal could not change the schedules; nothing was changed.');
    }
    return c.json(await scheduleView(c, id, next), 200);
  })
  .openapi(backfillRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const conn = await loadTenantConnection(c, id);
    if (Date.parse(body.end) <= Date.parse(body.start)) {
      throw new ProblemError('validation', 'end must be after start', {
        errors: [{ field: 'end', message: 'end must be after start' }],
      });
    }
    checkBackfill(scheduleSettings(conn.settings), body);
    await backfillConnectionSchedule(
      c.get('deps').temporal,
      id,
      body.mode,
      new Date(body.start),
      new Date(body.end),
    );
    return c.json({ accepted: true }, 202);
  });
