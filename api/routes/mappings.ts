// A connection's field mappings: the vendor's default, the agency's overrides, and the result.
// Overrides are data (stored on the connection), so "this agency keeps the producer code in
// agent_code__c" needs no code; a change offers a resync that re-maps unchanged records too.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { registered } from '../../connectors/registry.ts';
import { mappingOverridesSchema, pathsRead, withOverrides } from '../../mappings/engine.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';
import { loadTenantConnection } from './connections.ts';

const mappingView = z
  .object({
    provider: z.string(),
    defaults: z.record(z.string(), z.unknown()),
    overrides: z.record(z.string(), z.unknown()),
    effective: z.record(z.string(), z.unknown()),
    vendor_fields_read: z.record(z.string(), z.array(z.string())),
    resync: z
      .object({
        suggested: z.boolean(),
        request: z.object({ method: z.string(), path: z.string(), body: z.record(z.string(), z.unknown()) }),
      })
      .optional(),
  })
  .openapi('ConnectionMappings');

const getRoute = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/mappings',
  tags: ['Connections'],
  summary: 'The connection’s field mappings: vendor defaults, the agency’s overrides, and the result',
  middleware: [requireScope('connections:read')] as const,
  request: { params: idParam },
  responses: { 200: { description: 'Mappings', content: { 'application/json': { schema: mappingView } } } },
});

const putRoute = createRoute({
  method: 'put',
  path: '/v1/connections/{id}/mappings',
  tags: ['Connections'],
  summary: 'Replace the connection’s overrides (per stream: fields and refs; null removes a default)',
  middleware: [requireScope('connections:write')] as const,
  request: {
    params: idParam,
    body: { content: { 'application/json': { schema: z.object({ overrides: mappingOverridesSchema }) } } },
  },
  responses: { 200: { description: 'Mappings', content: { 'application/json': { schema: mappingView } } } },
});

function view(provider: string, overrides: Record<string, unknown>) {
  const defaults = registered(provider).mappings;
  const effective = withOverrides(defaults, overrides as never);
  return {
    provider,
    defaults,
    overrides,
    effective,
    vendor_fields_read: Object.fromEntries(Object.entries(effective).map(([s, m]) => [s, pathsRead(m)])),
  };
}

export const mappingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(getRoute, async (c) => {
    const conn = await loadTenantConnection(c, c.req.valid('param').id);
    return c.json(view(conn.provider, conn.settings.mappingOverrides ?? {}), 200);
  })
  .openapi(putRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { overrides } = c.req.valid('json');
    const conn = await loadTenantConnection(c, id);
    const defaults = registered(conn.provider).mappings;
    const unknown = Object.keys(overrides).filter((s) => !(s in defaults));
    if (unknown.length) {
      throw new ProblemError('validation', `No such stream: ${unknown.join(', ')}`, {
        errors: unknown.map((s) => ({ field: `overrides.${s}`, message: 'unknown stream' })),
      });
    }
    try {
      withOverrides(defaults, overrides);
    } catch (err) {
      throw new ProblemError(
        'validation',
        `The overrides do not make a valid mapping: ${(err as Error).message}`,
      );
    }
    await c
      .get('db')
      .query(
        `update connections set settings = jsonb_set(settings, '{mappingOverrides}', $2::jsonb), updated_at = now() where id = $1`,
        [id, JSON.stringify(overrides)],
      );
    return c.json(
      {
        ...view(conn.provider, overrides),
        resync: {
          suggested: true,
          request: {
            method: 'POST',
            path: `/v1/connections/${id}/syncs`,
            body: { mode: 'full', remap: true },
          },
        },
      },
      200,
    );
  });
