import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
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

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
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
