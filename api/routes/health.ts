// /healthz: the process and its dependencies answer. /readyz: this process should take traffic
// — the database and Temporal answer and the database schema has every migration this build
// knows (an API started against an unmigrated database is not ready).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { migrations } from '../../db/migrations/index.ts';
import type { Pool } from '../../db/pool.ts';
import type { AppEnv } from '../deps.ts';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.record(
      z.string(),
      z.object({ status: z.enum(['ok', 'failing']), detail: z.string().optional() }),
    ),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Database and Temporal reachability',
  responses: {
    200: { description: 'Everything answers', content: { 'application/json': { schema: healthSchema } } },
    503: {
      description: 'Something does not answer',
      content: { 'application/json': { schema: healthSchema } },
    },
  },
});

async function check(fn: () => Promise<unknown>): Promise<{ status: 'ok' | 'failing'; detail?: string }> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3000)),
    ]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'failing', detail: (err as Error).message };
  }
}

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Ready for traffic: database, Temporal, and migrations current',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: healthSchema } } },
    503: { description: 'Not ready', content: { 'application/json': { schema: healthSchema } } },
  },
});

async function migrationsCurrent(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ name: string }>('select name from schema_migrations');
  const applied = new Set(rows.map((r) => r.name.replace(/\.(ts|js)$/, '')));
  const pending = migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (pending.length) throw new Error(`pending migrations: ${pending.join(', ')}`);
}

export const healthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(readyRoute, async (c) => {
    const deps = c.get('deps');
    const [database, temporal] = await Promise.all([
      check(() => deps.pool.query('select 1')),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const migrationsCheck =
      database.status === 'ok'
        ? await check(() => migrationsCurrent(deps.pool))
        : { status: 'failing' as const, detail: 'the database does not answer' };
    const ok = database.status === 'ok' && temporal.status === 'ok' && migrationsCheck.status === 'ok';
    return c.json(
      {
        status: ok ? ('ok' as const) : ('degraded' as const),
        checks: { database, temporal, migrations: migrationsCheck },
      },
      ok ? 200 : 503,
    );
  })
  .openapi(route, async (c) => {
    const deps = c.get('deps');
    const [database, temporal] = await Promise.all([
      check(() => deps.pool.query('select 1')),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = database.status === 'ok' && temporal.status === 'ok';
    return c.json(
      { status: ok ? ('ok' as const) : ('degraded' as const), checks: { database, temporal } },
      ok ? 200 : 503,
    );
  });
