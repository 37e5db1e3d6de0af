// A carrier's saved statement column mapping: which header feeds which field, and the layout's
// conventions (dates, signs, codes). It is saved with an upload (`mapping`) or here, read first on
// the carrier's next statement, and forgotten here when the carrier changes its layout.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  deleteSavedMapping,
  listSavedMappings,
  type SavedMapping,
  savedMappingRow,
  saveMapping,
} from '../../db/statement-store.ts';
import { columnMappingSchema } from '../../domain/statements/types.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';

const savedMappingSchema = z
  .object({
    carrier_id: z.uuid(),
    carrier_name: z.string(),
    mapping: z.record(z.string(), z.unknown()),
    updated_at: z.string(),
  })
  .openapi('SavedStatementMapping');

const savedMappingResponse = {
  200: { description: 'The saved mapping', content: { 'application/json': { schema: savedMappingSchema } } },
} as const;

const toBody = (r: SavedMapping) => ({
  carrier_id: r.carrier_id,
  carrier_name: r.carrier_name,
  mapping: r.mapping as Record<string, unknown>,
  updated_at: new Date(r.updated_at).toISOString(),
});

async function carrierOr404(
  c: { get: (k: 'db') => AppEnv['Variables']['db'] },
  tenantId: string,
  id: string,
) {
  const { rows } = await c
    .get('db')
    .query('select id from carriers where tenant_id = $1 and id = $2', [tenantId, id]);
  if (!rows[0]) throw new ProblemError('not-found', `No carrier ${id}.`);
}

export const statementMappingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/statement-mappings',
      tags: ['Statements'],
      summary: "Every carrier's saved statement column mapping",
      middleware: [requireScope('commissions:read')] as const,
      responses: {
        200: {
          description: 'Saved mappings, by carrier name',
          content: { 'application/json': { schema: z.object({ data: z.array(savedMappingSchema) }) } },
        },
      },
    }),
    async (c) => c.json({ data: (await listSavedMappings(c.get('db'), c.get('tenantId'))).map(toBody) }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/carriers/{id}/statement-mapping',
      tags: ['Statements'],
      summary: "The carrier's saved statement column mapping",
      middleware: [requireScope('commissions:read')] as const,
      request: { params: idParam },
      responses: savedMappingResponse,
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      await carrierOr404(c, tenantId, id);
      const row = await savedMappingRow(c.get('db'), tenantId, id);
      if (!row) throw new ProblemError('not-found', `Carrier ${id} has no saved statement mapping.`);
      return c.json(toBody(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/carriers/{id}/statement-mapping',
      tags: ['Statements'],
      summary: "Save the carrier's statement column mapping; its next statement is read with it",
      middleware: [requireScope('commissions:write')] as const,
      request: {
        params: idParam,
        body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
      },
      responses: savedMappingResponse,
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      await carrierOr404(c, tenantId, id);
      const parsed = columnMappingSchema.safeParse(c.req.valid('json'));
      if (!parsed.success) {
        throw new ProblemError('validation', 'Not a statement column mapping.', {
          errors: parsed.error.issues.map((i) => ({
            field: i.path.join('.') || 'mapping',
            message: i.message,
          })),
        });
      }
      const db = c.get('db');
      await saveMapping(db, tenantId, id, { ...parsed.data, carrierKey: parsed.data.carrierKey ?? null });
      return c.json(toBody((await savedMappingRow(db, tenantId, id))!), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/carriers/{id}/statement-mapping',
      tags: ['Statements'],
      summary: "Forget the carrier's saved mapping: its next statement is read by preset or header detection",
      middleware: [requireScope('commissions:write')] as const,
      request: { params: idParam },
      responses: { 204: { description: 'Forgotten' } },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      await carrierOr404(c, tenantId, id);
      if (!(await deleteSavedMapping(c.get('db'), tenantId, id)))
        throw new ProblemError('not-found', `Carrier ${id} has no saved statement mapping.`);
      return c.body(null, 204);
    },
  );
