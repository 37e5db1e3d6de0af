// Analytics for the agency principal: the dashboard (this month and year, the book, what is owed,
// the producer leaderboard), trends by month, carrier or line, a twelve-month forecast (the book's
// renewals at their modelled probability plus the new-business run rate), and each producer
// against the rest of the agency.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  dashboard,
  median,
  monthlySeries,
  newBusinessRunRate,
  percentileRank,
  producerMetrics,
  trends,
} from '../../db/analytics-store.ts';
import { projectBook } from '../../db/projection-store.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate, checkRange } from '../fields.ts';
import { limits } from '../limits.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';

const isoDate = calendarDate;
const today = () => new Date().toISOString().slice(0, 10);
const cents = z.number().int();

const rankSchema = z
  .object({
    rank: z.number().int(),
    producer_id: z.uuid(),
    name: z.string(),
    commission_cents: cents.openapi({ description: 'Agency commission on business this producer wrote.' }),
    share_cents: cents.openapi({ description: 'What their split plans pay them.' }),
    new_policies: z.number().int(),
    premium_cents: cents,
  })
  .openapi('ProducerRank');

const metricsSchema = z
  .object({
    producer_id: z.uuid(),
    name: z.string(),
    commission_cents: cents,
    share_cents: cents,
    new_policies: z.number().int(),
    premium_cents: cents,
    retention_rate: z.number().nullable(),
  })
  .openapi('ProducerMetrics');

const comparisonMetric = z.object({
  value: z.number().nullable(),
  peer_median: z.number().nullable(),
  peer_mean: z.number().nullable(),
  percentile: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'Share of peers below this producer, 0–100.' }),
});

const compared = [
  'commission_cents',
  'share_cents',
  'new_policies',
  'premium_cents',
  'retention_rate',
] as const;

function compare(agentId: string, all: Awaited<ReturnType<typeof producerMetrics>>) {
  const agent = all.find((m) => m.producer_id === agentId);
  if (!agent) throw new ProblemError('not-found', `No agent ${agentId}.`);
  const peers = all.filter((m) => m.producer_id !== agentId);
  const metrics = Object.fromEntries(
    compared.map((key) => {
      const values = peers.map((p) => p[key]).filter((v): v is number => v !== null);
      const value = agent[key];
      return [
        key,
        {
          value,
          peer_median: median(values),
          peer_mean: values.length
            ? Number((values.reduce((s, v) => s + v, 0) / values.length).toFixed(4))
            : null,
          percentile: value === null ? null : percentileRank(value, values),
        },
      ];
    }),
  ) as Record<(typeof compared)[number], z.infer<typeof comparisonMetric>>;
  return { agent, peers: peers.length, metrics };
}

export const analyticsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/dashboard',
      tags: ['Analytics'],
      summary:
        'Commission this month and year (expected and received), the book in force, what is owed, the leaderboard',
      middleware: [requireScope('commissions:read')] as const,
      request: { query: z.object({ as_of: isoDate.optional() }) },
      responses: {
        200: {
          description: 'Dashboard',
          content: {
            'application/json': {
              schema: z.object({
                as_of: z.string(),
                commission: z.object({
                  expected_mtd_cents: cents,
                  expected_ytd_cents: cents,
                  received_mtd_cents: cents,
                  received_ytd_cents: cents,
                  outstanding_cents: cents,
                  missing_count: z.number().int(),
                  without_rule_count: z.number().int(),
                }),
                policies: z.object({ active: z.number().int(), premium_in_force_cents: cents }),
                open_discrepancies: z.number().int(),
                leaderboard: z.array(rankSchema),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await dashboard(c.get('db'), c.get('tenantId'), q.as_of ?? today()), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/trends',
      tags: ['Analytics'],
      summary: 'Expected, paid and outstanding commission by month, carrier or line of business',
      middleware: [requireScope('commissions:read')] as const,
      request: {
        query: z.object({
          by: z.enum(['month', 'carrier', 'line']).default('month'),
          from: isoDate.optional().openapi({ description: 'Default: twelve months before `to`.' }),
          to: isoDate.optional().openapi({ description: 'Default: today.' }),
        }),
      },
      responses: {
        200: {
          description: 'Trend',
          content: {
            'application/json': {
              schema: z.object({
                by: z.enum(['month', 'carrier', 'line']),
                from: z.string(),
                to: z.string(),
                data: z.array(
                  z.object({
                    key: z.string(),
                    transactions: z.number().int(),
                    new_business: z.number().int(),
                    renewals: z.number().int(),
                    premium_cents: cents,
                    expected_cents: cents,
                    paid_cents: cents,
                    outstanding_cents: cents,
                  }),
                ),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const to = q.to ?? today();
      const from = q.from ?? `${Number(to.slice(0, 4)) - 1}${to.slice(4)}`;
      checkRange({ from, to }, limits.reportDays);
      const data = await trends(c.get('db'), c.get('tenantId'), { by: q.by, from, to });
      return c.json({ by: q.by, from, to, data }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/forecasts',
      tags: ['Analytics'],
      summary: 'Commission forecast per month: renewals of the book in force plus the new-business run rate',
      description:
        'Renewal commission is the projection of /v1/commissions/projections (each in-force term renews with its modelled probability at its scheduled renewal rate). New business is the average monthly new-business commission of the last twelve months.',
      middleware: [requireScope('commissions:read')] as const,
      request: {
        query: z.object({
          months: z.coerce.number().int().min(1).max(36).default(12),
          as_of: isoDate.optional(),
        }),
      },
      responses: {
        200: {
          description: 'Forecast',
          content: {
            'application/json': {
              schema: z.object({
                as_of: z.string(),
                probability_source: z.enum(['model', 'retention']),
                new_business_run_rate_cents: cents,
                total_cents: cents,
                data: z.array(
                  z.object({
                    month: z.string(),
                    renewals: z.number().int(),
                    renewal_commission_cents: cents,
                    new_business_commission_cents: cents,
                    total_cents: cents,
                  }),
                ),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      const asOf = q.as_of ?? today();
      const { projection, intel } = await projectBook(db, tenantId, {
        asOf,
        months: q.months,
        premiumChangePct: '0',
      });
      const runRate = await newBusinessRunRate(db, tenantId, asOf);
      const data = projection.byMonth.map((m) => ({
        month: m.key,
        renewals: m.renewals,
        renewal_commission_cents: m.expectedCommissionCents,
        new_business_commission_cents: runRate,
        total_cents: m.expectedCommissionCents + runRate,
      }));
      return c.json(
        {
          as_of: asOf,
          probability_source: intel.model ? ('model' as const) : ('retention' as const),
          new_business_run_rate_cents: runRate,
          total_cents: data.reduce((s, m) => s + m.total_cents, 0),
          data,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/comparisons',
      tags: ['Analytics'],
      summary: 'A producer against the rest of the agency over the last twelve months',
      middleware: [requireScope('commissions:read')] as const,
      request: { query: z.object({ agent_id: z.uuid(), as_of: isoDate.optional() }) },
      responses: {
        200: {
          description: 'Comparison',
          content: {
            'application/json': {
              schema: z.object({
                as_of: z.string(),
                agent: metricsSchema,
                peers: z.number().int(),
                metrics: z.record(z.string(), comparisonMetric),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const asOf = q.as_of ?? today();
      const all = await producerMetrics(c.get('db'), c.get('tenantId'), asOf);
      return c.json({ as_of: asOf, ...compare(q.agent_id, all) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/{id}/performance',
      tags: ['Agents'],
      summary:
        "A producer's last twelve months: commission, share, new policies, retention, rank, month by month",
      middleware: [requireScope('commissions:read')] as const,
      request: { params: idParam, query: z.object({ as_of: isoDate.optional() }) },
      responses: {
        200: {
          description: 'Performance',
          content: {
            'application/json': {
              schema: z.object({
                as_of: z.string(),
                agent: metricsSchema,
                rank: z.number().int(),
                of: z.number().int(),
                from: z
                  .string()
                  .openapi({ description: 'First day of the twelve months (as_of − 12 months + 1 day).' }),
                monthly: z
                  .array(
                    z.object({
                      month: z.string(),
                      from: z.string(),
                      to: z.string(),
                      commission_cents: cents,
                      share_cents: cents,
                    }),
                  )
                  .openapi({
                    description:
                      'Calendar months from `from` to `as_of`, the first and last partial: they add up to the agent’s totals.',
                  }),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const asOf = c.req.valid('query').as_of ?? today();
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      const all = await producerMetrics(db, tenantId, asOf);
      const agent = all.find((m) => m.producer_id === id);
      if (!agent) throw new ProblemError('not-found', `No agent ${id}.`);
      const rank = 1 + all.filter((m) => m.commission_cents > agent.commission_cents).length;
      const monthly = await monthlySeries(db, tenantId, id, asOf);
      return c.json({ as_of: asOf, agent, rank, of: all.length, from: monthly[0]!.from, monthly }, 200);
    },
  );
