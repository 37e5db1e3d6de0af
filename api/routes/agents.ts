// Agents (producers): their books, their commission split plans ("rates"), what they earn, and
// how they perform against their peers.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { loadSplitPlans } from '../../db/commission-store.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate } from '../fields.ts';
import { listPage } from '../list-query.ts';
import { requireScope } from '../middleware.ts';
import { pageQuery, pageSchema } from '../pagination.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';
import { policySchema, toPolicy } from './policies.ts';

type Ctx = Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0];

const percent = z.string().regex(/^\d{1,3}(\.\d{1,6})?$/);
const isoDate = calendarDate;

export const splitEntrySchema = z.object({
  producer_id: z.uuid(),
  role: z.enum(['writing', 'servicing', 'house', 'override', 'referral']),
  new_percent: percent,
  renewal_percent: percent,
});

export const splitPlanSchema = z
  .object({
    id: z.uuid().optional(),
    effective_from: isoDate,
    effective_to: isoDate.nullable().default(null),
    entries: z.array(splitEntrySchema).min(1).max(50),
  })
  .openapi('SplitPlan');

export const agentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    kind: z.string(),
    codes: z.record(z.string(), z.string()),
    active: z.boolean(),
  })
  .openapi('Agent');

export const toAgent = (r: Record<string, unknown>) => ({
  id: r.id as string,
  name: r.name as string,
  email: (r.email as string) ?? null,
  kind: r.kind as string,
  codes: (r.codes as Record<string, string>) ?? {},
  active: r.active as boolean,
});

async function agentOf(c: Ctx, id: string) {
  const { rows } = await c
    .get('db')
    .query('select * from producers where id = $1 and tenant_id = $2 and deleted_at is null', [
      id,
      c.get('tenantId'),
    ]);
  if (!rows[0]) throw new ProblemError('not-found', `No agent ${id}.`);
  return rows[0];
}

const plansOf = async (c: Ctx, producerId: string) =>
  (await loadSplitPlans(c.get('db'), c.get('tenantId')))
    .filter((p) => p.producerId === producerId && !p.policyId)
    .map((p) => ({
      id: p.id,
      effective_from: p.effectiveFrom,
      effective_to: p.effectiveTo,
      entries: p.entries.map((e) => ({
        producer_id: e.producerId,
        role: e.role,
        new_percent: e.newPercent,
        renewal_percent: e.renewalPercent,
      })),
    }));

const periodQuery = z.object({ from: isoDate.optional(), to: isoDate.optional() });

export const agentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents',
      tags: ['Agents'],
      summary: 'Producers, CSRs and the house',
      middleware: [requireScope('policies:read')] as const,
      request: { query: pageQuery },
      responses: {
        200: { description: 'Agents', content: { 'application/json': { schema: pageSchema(agentSchema) } } },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await listPage(c.get('db'), {
        table: 'producers',
        tenantId: c.get('tenantId'),
        limit: q.limit,
        cursor: q.cursor,
        updatedSince: q.updated_since,
      });
      return c.json({ data: page.rows.map(toAgent), next_cursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/{id}/policies',
      tags: ['Agents'],
      summary: 'The agent’s book',
      middleware: [requireScope('policies:read')] as const,
      request: { params: idParam, query: pageQuery },
      responses: {
        200: {
          description: 'Policies',
          content: { 'application/json': { schema: pageSchema(policySchema) } },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await agentOf(c as never, id);
      const page = await listPage(c.get('db'), {
        table: 'policies',
        tenantId: c.get('tenantId'),
        limit: q.limit,
        cursor: q.cursor,
        updatedSince: q.updated_since,
        extraWhere: [{ sql: 't.producer_id = $1', params: [id] }],
      });
      return c.json({ data: page.rows.map(toPolicy), next_cursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/{id}/rates',
      tags: ['Commissions'],
      summary:
        'The agent’s split plans: percent of agency commission by role, new vs renewal, effective-dated',
      middleware: [requireScope('commissions:read')] as const,
      request: { params: idParam },
      responses: {
        200: {
          description: 'Plans',
          content: { 'application/json': { schema: z.object({ data: z.array(splitPlanSchema) }) } },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await agentOf(c as never, id);
      return c.json({ data: await plansOf(c as never, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/agents/{id}/rates',
      tags: ['Commissions'],
      summary: 'Replace the agent’s split plans (expected commissions are recalculated)',
      middleware: [requireScope('commissions:write')] as const,
      request: {
        params: idParam,
        body: { content: { 'application/json': { schema: z.object({ data: z.array(splitPlanSchema) }) } } },
      },
      responses: {
        200: {
          description: 'Plans',
          content: { 'application/json': { schema: z.object({ data: z.array(splitPlanSchema) }) } },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { data } = c.req.valid('json');
      await agentOf(c as never, id);
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      for (const plan of data) {
        const total = plan.entries.reduce((s, e) => s + Number(e.new_percent), 0);
        const totalRenewal = plan.entries.reduce((s, e) => s + Number(e.renewal_percent), 0);
        if (total > 100 || totalRenewal > 100)
          throw new ProblemError(
            'validation',
            'A plan’s shares add up to more than 100% of the agency commission.',
          );
      }
      await db.query(
        'update expected_commissions set split_plan_id = null where tenant_id = $1 and split_plan_id in (select id from split_plans where producer_id = $2 and policy_id is null)',
        [tenantId, id],
      );
      await db.query(
        'delete from split_plans where tenant_id = $1 and producer_id = $2 and policy_id is null',
        [tenantId, id],
      );
      for (const plan of data) {
        await db.query(
          `insert into split_plans (id, tenant_id, producer_id, effective_from, effective_to, entries) values (coalesce($1, gen_random_uuid()), $2, $3, $4, $5, $6::jsonb)`,
          [
            plan.id ?? null,
            tenantId,
            id,
            plan.effective_from,
            plan.effective_to,
            JSON.stringify(
              plan.entries.map((e) => ({
                producerId: e.producer_id,
                role: e.role,
                newPercent: e.new_percent,
                renewalPercent: e.renewal_percent,
              })),
            ),
          ],
        );
      }
      const deps = c.get('deps');
      c.get('afterCommit')(() =>
        requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId, { all: true }),
      );
      return c.json({ data: await plansOf(c as never, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/{id}/commissions',
      tags: ['Agents'],
      summary: 'The agent’s share of expected commissions, by month',
      middleware: [requireScope('commissions:read')] as const,
      request: { params: idParam, query: periodQuery },
      responses: {
        200: {
          description: 'Commissions',
          content: {
            'application/json': {
              schema: z.object({
                data: z.array(
                  z.object({
                    month: z.string(),
                    transactions: z.number().int(),
                    share_cents: z.number().int(),
                    paid_share_cents: z.number().int(),
                  }),
                ),
                total_share_cents: z.number().int(),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await agentOf(c as never, id);
      const { rows } = await c.get('db').query(
        `select to_char(e.effective_date, 'YYYY-MM') as month, count(*)::int as transactions,
                sum((s->>'cents')::bigint)::bigint as share_cents,
                sum(case when e.status = 'paid' then (s->>'cents')::bigint else 0 end)::bigint as paid_share_cents
           from expected_commissions e, jsonb_array_elements(e.splits) s
          where e.tenant_id = $1 and s->>'producerId' = $2
            and ($3::date is null or e.effective_date >= $3) and ($4::date is null or e.effective_date <= $4)
          group by 1 order by 1`,
        [c.get('tenantId'), id, q.from ?? null, q.to ?? null],
      );
      const data = rows.map((r) => ({
        ...r,
        share_cents: Number(r.share_cents),
        paid_share_cents: Number(r.paid_share_cents),
      }));
      return c.json({ data, total_share_cents: data.reduce((s, r) => s + r.share_cents, 0) }, 200);
    },
  );
