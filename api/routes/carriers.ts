// Carriers, the lines of business they write for the agency, and their commission schedules. A
// schedule change recalculates every expected commission (unchanged results write nothing).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { loadRules } from '../../db/commission-store.ts';
import { ruleSpecificity } from '../../domain/commissions/rules.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate, centsAmount } from '../fields.ts';
import { listPage } from '../list-query.ts';
import { requireScope } from '../middleware.ts';
import { pageQuery, pageSchema } from '../pagination.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';

const rate = z.string().regex(/^\d{1,3}(\.\d{1,6})?$/, 'a percent such as "15" or "12.5"');
const isoDate = calendarDate;

export const basisSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('percent'), rate }),
    z.object({ kind: z.literal('flat'), amount_cents: centsAmount() }),
    z.object({
      kind: z.literal('tiered'),
      by: z.enum(['premium', 'policy_year']),
      tiers: z
        .array(z.object({ up_to: centsAmount({ min: 0 }).nullable(), rate }))
        .min(1)
        .max(50),
    }),
  ])
  .openapi('CommissionBasis');

export const ruleSchema = z
  .object({
    id: z.uuid().optional(),
    mga_id: z.uuid().nullable().default(null),
    line_of_business: z
      .string()
      .nullable()
      .default(null)
      .openapi({ description: 'null: every line (a catch-all).' }),
    state: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .nullable()
      .default(null),
    term_kind: z.enum(['new', 'renewal', 'any']).default('any'),
    effective_from: isoDate,
    effective_to: isoDate.nullable().default(null),
    basis: basisSchema,
    priority: z.number().int().default(0),
    commission_on_fees: z.boolean().default(false),
    description: z.string().max(200).nullable().default(null),
  })
  .openapi('CommissionRule');

const carrierSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.string(),
    naic_code: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Carrier');

const toCarrier = (r: Record<string, unknown>) => ({
  id: r.id as string,
  name: r.name as string,
  kind: r.kind as string,
  naic_code: (r.naic_code as string) ?? null,
  created_at: (r.created_at as Date).toISOString(),
  updated_at: (r.updated_at as Date).toISOString(),
});

function toRuleBody(r: Awaited<ReturnType<typeof loadRules>>[number]) {
  const b = r.basis;
  return {
    id: r.id,
    mga_id: r.mgaId,
    line_of_business: r.lineOfBusiness,
    state: r.state,
    term_kind: r.termKind,
    effective_from: r.effectiveFrom,
    effective_to: r.effectiveTo,
    basis:
      b.kind === 'percent'
        ? b
        : b.kind === 'flat'
          ? { kind: 'flat' as const, amount_cents: b.amountCents }
          : {
              kind: 'tiered' as const,
              by: b.by,
              tiers: b.tiers.map((t) => ({ up_to: t.upTo, rate: t.rate })),
            },
    priority: r.priority,
    commission_on_fees: r.commissionOnFees ?? false,
    description: r.description ?? null,
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/carriers',
  tags: ['Carriers'],
  summary: 'Carriers and MGAs',
  middleware: [requireScope('policies:read')] as const,
  request: { query: pageQuery },
  responses: {
    200: { description: 'Carriers', content: { 'application/json': { schema: pageSchema(carrierSchema) } } },
  },
});

const productsRoute = createRoute({
  method: 'get',
  path: '/v1/carriers/{id}/products',
  tags: ['Carriers'],
  summary: 'Lines of business the carrier writes for the agency, with volume',
  middleware: [requireScope('policies:read')] as const,
  request: { params: idParam },
  responses: {
    200: {
      description: 'Products',
      content: {
        'application/json': {
          schema: z.object({
            data: z.array(
              z.object({
                line_of_business: z.string().nullable(),
                policies: z.number().int(),
                active_policies: z.number().int(),
                term_premium_cents: z.number().int(),
              }),
            ),
          }),
        },
      },
    },
  },
});

const getSchedulesRoute = createRoute({
  method: 'get',
  path: '/v1/carriers/{id}/commission-schedules',
  tags: ['Commissions'],
  summary: 'The carrier’s commission rules, most specific first',
  middleware: [requireScope('commissions:read')] as const,
  request: { params: idParam },
  responses: {
    200: {
      description: 'Rules',
      content: { 'application/json': { schema: z.object({ data: z.array(ruleSchema) }) } },
    },
  },
});

const putSchedulesRoute = createRoute({
  method: 'put',
  path: '/v1/carriers/{id}/commission-schedules',
  tags: ['Commissions'],
  summary: 'Replace the carrier’s commission rules (expected commissions are recalculated)',
  middleware: [requireScope('commissions:write')] as const,
  request: {
    params: idParam,
    body: { content: { 'application/json': { schema: z.object({ data: z.array(ruleSchema) }) } } },
  },
  responses: {
    200: {
      description: 'Rules',
      content: { 'application/json': { schema: z.object({ data: z.array(ruleSchema) }) } },
    },
  },
});

async function carrierOf(c: Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0], id: string) {
  const { rows } = await c
    .get('db')
    .query('select * from carriers where id = $1 and tenant_id = $2 and deleted_at is null', [
      id,
      c.get('tenantId'),
    ]);
  if (!rows[0]) throw new ProblemError('not-found', `No carrier ${id}.`);
  return rows[0];
}

async function schedules(c: Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0], carrierId: string) {
  const rules = await loadRules(c.get('db'), c.get('tenantId'), carrierId);
  rules.sort((a, b) => {
    const sa = ruleSpecificity(a);
    const sb = ruleSpecificity(b);
    for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sb[i]! - sa[i]!;
    return b.priority - a.priority || a.effectiveFrom.localeCompare(b.effectiveFrom);
  });
  return rules.map(toRuleBody);
}

export const carrierRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await listPage(c.get('db'), {
      table: 'carriers',
      tenantId: c.get('tenantId'),
      limit: q.limit,
      cursor: q.cursor,
      updatedSince: q.updated_since,
    });
    return c.json({ data: page.rows.map(toCarrier), next_cursor: page.nextCursor }, 200);
  })
  .openapi(productsRoute, async (c) => {
    const { id } = c.req.valid('param');
    await carrierOf(c as never, id);
    const { rows } = await c.get('db').query(
      `select line_of_business, count(*)::int as policies, count(*) filter (where status = 'active')::int as active_policies,
              coalesce(sum(term_premium_cents) filter (where status = 'active'), 0)::bigint as term_premium_cents
         from policies where tenant_id = $1 and carrier_id = $2 and deleted_at is null
        group by line_of_business order by policies desc`,
      [c.get('tenantId'), id],
    );
    return c.json(
      { data: rows.map((r) => ({ ...r, term_premium_cents: Number(r.term_premium_cents) })) },
      200,
    );
  })
  .openapi(getSchedulesRoute, async (c) => {
    const { id } = c.req.valid('param');
    await carrierOf(c as never, id);
    return c.json({ data: await schedules(c as never, id) }, 200);
  })
  .openapi(putSchedulesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { data } = c.req.valid('json');
    await carrierOf(c as never, id);
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    // Rules are replaced as a whole: the schedule is the carrier's contract as the agency knows it.
    await db.query(
      'update expected_commissions set rule_id = null where tenant_id = $1 and rule_id in (select id from commission_rules where carrier_id = $2)',
      [tenantId, id],
    );
    await db.query('delete from commission_rules where tenant_id = $1 and carrier_id = $2', [tenantId, id]);
    for (const r of data) {
      const basis =
        r.basis.kind === 'percent'
          ? r.basis
          : r.basis.kind === 'flat'
            ? { kind: 'flat', amountCents: r.basis.amount_cents }
            : {
                kind: 'tiered',
                by: r.basis.by,
                tiers: r.basis.tiers.map((t) => ({ upTo: t.up_to, rate: t.rate })),
              };
      await db.query(
        `insert into commission_rules (id, tenant_id, carrier_id, mga_id, line_of_business, state, term_kind, effective_from, effective_to,
                                       basis, priority, commission_on_fees, description)
         values (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13)`,
        [
          r.id ?? null,
          tenantId,
          id,
          r.mga_id,
          r.line_of_business?.toUpperCase() ?? null,
          r.state,
          r.term_kind,
          r.effective_from,
          r.effective_to,
          JSON.stringify(basis),
          r.priority,
          r.commission_on_fees,
          r.description,
        ],
      );
    }
    const deps = c.get('deps');
    c.get('afterCommit')(() =>
      requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId, { all: true }),
    );
    return c.json({ data: await schedules(c as never, id) }, 200);
  });
