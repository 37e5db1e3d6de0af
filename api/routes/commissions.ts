// Expected commissions: what each policy transaction should pay the agency and each producer,
// why (the arithmetic in words), what has been paid, and what the in-force book should earn in
// the coming year. Calculation itself runs in the tenant's commission workflow; these routes read
// its results, explain a policy on the fly, and record what people decide (payments, overrides).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { recordPayments } from '../../db/commission-payments.ts';
import {
  calculateTerm,
  errorReason,
  loadRules,
  loadSplitPlans,
  rateDisagreements,
  TERM_COLUMNS,
  type TermRow,
  TRANSACTION_COLUMNS,
  type TransactionRow,
} from '../../db/commission-store.ts';
import { projectBook } from '../../db/projection-store.ts';
import type { CommissionRule, SplitPlan } from '../../domain/commissions/types.ts';
import { formatCents, Money } from '../../domain/money.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate, centsAmount, text } from '../fields.ts';
import { requireScope } from '../middleware.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';
import { splitEntrySchema } from './agents.ts';

type Ctx = Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0];

const isoDate = calendarDate;
const statuses = ['open', 'partially_paid', 'paid', 'missing', 'written_off', 'disputed', 'no_rule'] as const;

const shareSchema = z.object({
  producer_id: z.uuid(),
  role: z.string(),
  percent: z.string(),
  cents: z.number().int(),
});

export const expectedCommissionSchema = z
  .object({
    id: z.uuid(),
    transaction_id: z.uuid(),
    policy_id: z.uuid(),
    policy_number: z.string(),
    carrier_id: z.uuid().nullable(),
    producer_id: z.uuid().nullable(),
    transaction_type: z.string(),
    effective_date: z.string(),
    term_kind: z.enum(['new', 'renewal']),
    basis_cents: z.number().int(),
    rate: z.string().nullable(),
    agency_cents: z
      .number()
      .int()
      .openapi({ description: 'Agency commission in cents (negative for a chargeback).' }),
    house_cents: z.number().int(),
    splits: z.array(shareSchema),
    rule_id: z.uuid().nullable(),
    rate_source: z.enum(['schedule', 'ams', 'learned', 'manual']).nullable().openapi({
      description:
        'Where the rate came from: the agency’s schedule, the commission the AMS records, a schedule line learned from what carriers paid, or a rate sent through the API. Null when no rate was found.',
    }),
    recorded_rate: z.string().nullable().openapi({
      description: 'The rate the system of record states (kept beside a schedule’s to list disagreements).',
    }),
    recorded_source: z.string().nullable(),
    split_plan_id: z.uuid().nullable(),
    explanation: z.array(z.string()),
    expected_pay_date: z.string(),
    status: z.enum(statuses),
    paid_cents: z.number().int(),
    balance_cents: z.number().int().openapi({ description: 'Agency commission minus payments.' }),
    difference_cents: z.number().int().nullable().openapi({
      description:
        'Paid minus expected once a payment is recorded (null before): for a paid commission, the rounding difference accepted within the tenant’s tolerance, or an overpayment.',
    }),
    settlement_note: z.string().nullable().openapi({
      description: 'Why a commission paid other than to the cent counts as paid; null otherwise.',
    }),
    last_paid_on: z.string().nullable(),
    calculated_at: z.string(),
  })
  .openapi('ExpectedCommission');

const dollars = (cents: number) => (cents < 0 ? `-$${formatCents(-cents)}` : `$${formatCents(cents)}`);

/** A paid commission whose payments differ from it: settled within tolerance, or overpaid. */
function settlementNote(status: string, agency: number, paid: number): string | null {
  if (status !== 'paid' || paid === agency) return null;
  const gap = dollars(Math.abs(paid - agency));
  return Math.abs(paid) < Math.abs(agency)
    ? `Settled within the rounding tolerance: paid ${dollars(paid)} against ${dollars(agency)} expected (${gap} short).`
    : `Paid ${dollars(paid)} against ${dollars(agency)} expected (${gap} over).`;
}

const toShare = (s: { producerId: string; role: string; percent: string; cents: number }) => ({
  producer_id: s.producerId,
  role: s.role,
  percent: s.percent,
  cents: s.cents,
});

function toExpected(r: Record<string, unknown>) {
  const agency = Number(r.agency_cents);
  const paid = Number(r.paid_cents);
  return {
    id: r.id as string,
    transaction_id: r.transaction_id as string,
    policy_id: r.policy_id as string,
    policy_number: r.policy_number as string,
    carrier_id: (r.carrier_id as string) ?? null,
    producer_id: (r.producer_id as string) ?? null,
    transaction_type: r.transaction_type as string,
    effective_date: r.effective_date as string,
    term_kind: r.term_kind as 'new' | 'renewal',
    basis_cents: Number(r.basis_cents),
    rate: (r.rate as string) ?? null,
    agency_cents: agency,
    house_cents: Number(r.house_cents),
    splits: (r.splits as Parameters<typeof toShare>[0][]).map(toShare),
    rule_id: (r.rule_id as string) ?? null,
    rate_source: (r.rate_source as 'schedule' | 'ams' | 'learned' | 'manual' | null) ?? null,
    recorded_rate: (r.recorded_rate as string) ?? null,
    recorded_source: (r.recorded_source as string) ?? null,
    split_plan_id: (r.split_plan_id as string) ?? null,
    explanation: r.explanation as string[],
    expected_pay_date: r.expected_pay_date as string,
    status: r.status as (typeof statuses)[number],
    paid_cents: paid,
    balance_cents: agency - paid,
    difference_cents: paid === 0 ? null : paid - agency,
    settlement_note: settlementNote(r.status as string, agency, paid),
    last_paid_on: (r.last_paid_on as string) ?? null,
    calculated_at: (r.calculated_at as Date).toISOString(),
  };
}

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  carrier_id: z.uuid().optional(),
  producer_id: z
    .uuid()
    .optional()
    .openapi({ description: 'Writing producer, or any producer with a share.' }),
  policy_id: z.uuid().optional(),
  from: isoDate.optional().openapi({ description: 'Transactions effective on or after.' }),
  to: isoDate.optional().openapi({ description: 'Transactions effective on or before.' }),
});

const listResponse = z
  .object({
    data: z.array(expectedCommissionSchema),
    next_cursor: z.string().nullable(),
    totals: z.object({
      count: z.number().int(),
      agency_cents: z.number().int(),
      paid_cents: z.number().int(),
      balance_cents: z.number().int(),
    }),
  })
  .openapi('ExpectedCommissionPage');

/** Keyset over (effective_date, id) with the filters every listing shares, plus the filtered totals. */
async function listExpected(c: Ctx, q: z.infer<typeof listQuery>, statusIn: readonly string[]) {
  const params: unknown[] = [c.get('tenantId'), statusIn];
  const where = ['e.tenant_id = $1', 'e.status = any($2::text[])'];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('$?', `$${params.length}`));
  };
  if (q.carrier_id) add('e.carrier_id = $?', q.carrier_id);
  if (q.policy_id) add('e.policy_id = $?', q.policy_id);
  if (q.producer_id)
    add(
      `(e.producer_id = $? or e.splits @> jsonb_build_array(jsonb_build_object('producerId', $?::text)))`,
      q.producer_id,
    );
  if (q.from) add('e.effective_date >= $?::date', q.from);
  if (q.to) add('e.effective_date <= $?::date', q.to);
  const filtered = where.join(' and ');
  const { rows: totals } = await c.get('db').query(
    `select count(*)::int as count, coalesce(sum(agency_cents), 0)::bigint as agency, coalesce(sum(paid_cents), 0)::bigint as paid
       from expected_commissions e where ${filtered}`,
    params,
  );
  const position = decodeCursor(q.cursor);
  const pageParams = [...params];
  let pageWhere = filtered;
  if (position) {
    pageParams.push(position.t, position.id);
    pageWhere += ` and (e.effective_date, e.id) > ($${pageParams.length - 1}::date, $${pageParams.length}::uuid)`;
  }
  pageParams.push(q.limit + 1);
  const { rows } = await c.get('db').query(
    `select e.*, e.effective_date::text as _position, p.policy_number from expected_commissions e join policies p on p.id = e.policy_id
      where ${pageWhere} order by e.effective_date, e.id limit $${pageParams.length}`,
    pageParams,
  );
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page.at(-1);
  const agency = Number(totals[0].agency);
  const paid = Number(totals[0].paid);
  return {
    data: page.map(toExpected),
    next_cursor: more && last ? encodeCursor({ t: last._position, id: last.id }) : null,
    totals: { count: totals[0].count, agency_cents: agency, paid_cents: paid, balance_cents: agency - paid },
  };
}

const listing = (path: string, summary: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['Commissions'],
    summary,
    middleware: [requireScope('commissions:read')] as const,
    request: { query: listQuery },
    responses: {
      200: { description: 'Expected commissions', content: { 'application/json': { schema: listResponse } } },
    },
  });

const explainedTransaction = z.object({
  transaction_id: z.uuid(),
  transaction_type: z.string(),
  effective_date: z.string(),
  premium_delta_cents: z.number().int(),
  agency_cents: z.number().int().nullable(),
  rate: z.string().nullable(),
  term_kind: z.enum(['new', 'renewal']).nullable(),
  rule_id: z.uuid().nullable(),
  split_plan_id: z.uuid().nullable(),
  splits: z.array(shareSchema),
  house_cents: z.number().int().nullable(),
  explanation: z.array(z.string()),
  error: z.string().nullable(),
  stored: z
    .object({
      agency_cents: z.number().int(),
      status: z.string(),
      paid_cents: z.number().int(),
      calculated_at: z.string(),
    })
    .nullable()
    .openapi({
      description:
        'What the commission workflow last stored for the transaction; differs only while a recalculation is pending.',
    }),
});

const explanationSchema = z
  .object({
    policy_id: z.uuid(),
    policy_number: z.string(),
    policy_year: z.number().int(),
    total_agency_cents: z.number().int(),
    transactions: z.array(explainedTransaction),
  })
  .openapi('CommissionExplanation');

async function explainPolicy(
  c: Ctx,
  policyId: string,
  inputs: { rules: CommissionRule[]; plans: SplitPlan[] },
) {
  const db = c.get('db');
  const tenantId = c.get('tenantId');
  const { rows: terms } = await db.query<TermRow & { policy_number: string }>(
    `select ${TERM_COLUMNS}, policy_number from policies where tenant_id = $1 and id = $2 and deleted_at is null`,
    [tenantId, policyId],
  );
  const term = terms[0];
  if (!term) throw new ProblemError('not-found', `No policy ${policyId}.`);
  const { rows: txs } = await db.query<TransactionRow>(
    `select ${TRANSACTION_COLUMNS} from policy_transactions where tenant_id = $1 and policy_id = $2 order by effective_date, created_at, id`,
    [tenantId, policyId],
  );
  const { rows: stored } = await db.query(
    'select transaction_id, agency_cents, status, paid_cents, calculated_at from expected_commissions where policy_id = $1',
    [policyId],
  );
  const storedBy = new Map(stored.map((s) => [s.transaction_id as string, s]));
  const results = calculateTerm(term, txs, inputs).map(({ tx, outcome }) => {
    const s = storedBy.get(tx.id);
    const ok = outcome instanceof Error ? null : outcome;
    return {
      transaction_id: tx.id,
      transaction_type: tx.type,
      effective_date: tx.effectiveDate,
      premium_delta_cents: tx.premiumDeltaCents,
      agency_cents: ok?.agencyCents ?? null,
      rate: ok?.rate ?? null,
      term_kind: ok?.termKind ?? null,
      rule_id: ok?.ruleId ?? null,
      split_plan_id: ok?.splitPlanId ?? null,
      splits: (ok?.splits ?? []).map(toShare),
      house_cents: ok?.houseCents ?? null,
      explanation: ok?.explanation ?? [],
      error: outcome instanceof Error ? errorReason(outcome) : null,
      stored: s
        ? {
            agency_cents: Number(s.agency_cents),
            status: s.status,
            paid_cents: Number(s.paid_cents),
            calculated_at: (s.calculated_at as Date).toISOString(),
          }
        : null,
    };
  });
  return {
    policy_id: term.id,
    policy_number: term.policy_number,
    policy_year: term.policy_year ?? 1,
    total_agency_cents: results.reduce((sum, r) => sum + (r.agency_cents ?? 0), 0),
    transactions: results,
  };
}

const projectionTotal = z.object({
  key: z.string(),
  renewals: z.number().int(),
  renewal_premium_cents: z.number().int(),
  expected_commission_cents: z.number().int(),
});
const toTotal = (t: {
  key: string;
  renewals: number;
  renewalPremiumCents: number;
  expectedCommissionCents: number;
}) => ({
  key: t.key,
  renewals: t.renewals,
  renewal_premium_cents: t.renewalPremiumCents,
  expected_commission_cents: t.expectedCommissionCents,
});

export const commissionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/commissions/calculate',
      tags: ['Commissions'],
      summary: 'Calculate a policy term’s commissions now, with the arithmetic in words',
      middleware: [requireScope('commissions:read')] as const,
      request: { query: z.object({ policy: z.uuid().openapi({ description: 'Policy term id.' }) }) },
      responses: {
        200: { description: 'Explanation', content: { 'application/json': { schema: explanationSchema } } },
      },
    }),
    async (c) => {
      const { policy } = c.req.valid('query');
      // One connection per request: its queries run one after another.
      const rules = await loadRules(c.get('db'), c.get('tenantId'));
      const plans = await loadSplitPlans(c.get('db'), c.get('tenantId'));
      return c.json(await explainPolicy(c as never, policy, { rules, plans }), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/commissions/calculate',
      tags: ['Commissions'],
      summary: 'Calculate several policy terms at once (up to 200)',
      middleware: [requireScope('commissions:read')] as const,
      request: {
        body: {
          content: {
            'application/json': { schema: z.object({ policy_ids: z.array(z.uuid()).min(1).max(200) }) },
          },
        },
      },
      responses: {
        200: {
          description: 'Explanations',
          content: { 'application/json': { schema: z.object({ data: z.array(explanationSchema) }) } },
        },
      },
    }),
    async (c) => {
      const { policy_ids } = c.req.valid('json');
      // One connection per request: its queries run one after another.
      const rules = await loadRules(c.get('db'), c.get('tenantId'));
      const plans = await loadSplitPlans(c.get('db'), c.get('tenantId'));
      const data = [];
      for (const id of policy_ids) data.push(await explainPolicy(c as never, id, { rules, plans }));
      return c.json({ data }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/commissions/rate-discrepancies',
      tags: ['Commissions'],
      summary: "Where the agency's schedule and its AMS disagree on a rate",
      description:
        'Carrier × line of business × new/renewal groups whose schedule rate differs from the rate the AMS records, with how many policies and transactions each covers. The schedule wins; this list is for deciding which one is wrong.',
      middleware: [requireScope('commissions:read')] as const,
      responses: {
        200: {
          description: 'Disagreements, most policies first',
          content: {
            'application/json': {
              schema: z.object({
                data: z.array(
                  z.object({
                    carrier_id: z.uuid().nullable(),
                    carrier_name: z.string().nullable(),
                    line_of_business: z.string().nullable(),
                    term_kind: z.enum(['new', 'renewal']),
                    schedule_rate: z.string(),
                    recorded_rate: z.string(),
                    recorded_source: z.string().nullable(),
                    policies: z.number().int(),
                    transactions: z.number().int(),
                  }),
                ),
              }),
            },
          },
        },
      },
    }),
    async (c) => c.json({ data: await rateDisagreements(c.get('db'), c.get('tenantId')) }, 200),
  )
  .openapi(listing('/v1/commissions', 'Expected commissions, by transaction date'), async (c) =>
    c.json(await listExpected(c as never, c.req.valid('query'), statuses), 200),
  )
  .openapi(
    listing(
      '/v1/commissions/pending',
      'Expected commissions not yet fully paid (open, partially paid, missing)',
    ),
    async (c) =>
      c.json(
        await listExpected(c as never, c.req.valid('query'), ['open', 'partially_paid', 'missing']),
        200,
      ),
  )
  .openapi(
    listing('/v1/commissions/paid', 'Expected commissions with money received (paid or partially paid)'),
    async (c) =>
      c.json(await listExpected(c as never, c.req.valid('query'), ['paid', 'partially_paid']), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/commissions/split',
      tags: ['Commissions'],
      summary: 'Override how one policy’s commission is split among producers',
      description:
        'Replaces the policy’s override (effective-dated); the producers’ own plans no longer apply to it. Empty entries remove the override.',
      middleware: [requireScope('commissions:write')] as const,
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({
                policy_id: z.uuid(),
                effective_from: isoDate.optional(),
                entries: z.array(splitEntrySchema),
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'The override',
          content: {
            'application/json': {
              schema: z.object({
                policy_id: z.uuid(),
                split_plan_id: z.uuid().nullable(),
                entries: z.array(splitEntrySchema),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      const { rows } = await db.query(
        'select effective_date from policies where tenant_id = $1 and id = $2 and deleted_at is null',
        [tenantId, body.policy_id],
      );
      if (!rows[0]) throw new ProblemError('not-found', `No policy ${body.policy_id}.`);
      for (const kind of ['new_percent', 'renewal_percent'] as const) {
        const total = body.entries.reduce((s, e) => s.plus(e[kind]), new Money(0));
        if (total.greaterThan(100))
          throw new ProblemError(
            'validation',
            `The ${kind.replace('_', ' ')} shares add up to ${total.toFixed()}%, more than the agency commission.`,
          );
      }
      await db.query(
        'update expected_commissions set split_plan_id = null where tenant_id = $1 and split_plan_id in (select id from split_plans where policy_id = $2)',
        [tenantId, body.policy_id],
      );
      await db.query('delete from split_plans where tenant_id = $1 and policy_id = $2', [
        tenantId,
        body.policy_id,
      ]);
      let planId: string | null = null;
      if (body.entries.length) {
        const { rows: inserted } = await db.query(
          'insert into split_plans (tenant_id, policy_id, effective_from, entries) values ($1, $2, $3, $4::jsonb) returning id',
          [
            tenantId,
            body.policy_id,
            body.effective_from ?? rows[0].effective_date ?? '1900-01-01',
            JSON.stringify(
              body.entries.map((e) => ({
                producerId: e.producer_id,
                role: e.role,
                newPercent: e.new_percent,
                renewalPercent: e.renewal_percent,
              })),
            ),
          ],
        );
        planId = inserted[0].id;
      }
      const deps = c.get('deps');
      c.get('afterCommit')(() =>
        requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId, {
          policyIds: [body.policy_id],
        }),
      );
      return c.json({ policy_id: body.policy_id, split_plan_id: planId, entries: body.entries }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/commissions/projections',
      tags: ['Commissions'],
      summary: 'Renewal commission expected over the coming months from the book in force',
      description:
        'Each in-force term renews at its expiration with the probability the tenant’s renewal model gives it (or the line’s retention when the book is too young to learn from), at the renewal rate its commission schedule sets.',
      middleware: [requireScope('commissions:read')] as const,
      request: {
        query: z.object({
          months: z.coerce.number().int().min(1).max(36).default(12),
          as_of: isoDate.optional(),
          premium_change_pct: z
            .string()
            .regex(/^-?\d{1,3}(\.\d+)?$/)
            .default('0')
            .openapi({ description: 'Expected premium change at renewal, in percent.' }),
        }),
      },
      responses: {
        200: {
          description: 'Projection',
          content: {
            'application/json': {
              schema: z.object({
                as_of: z.string(),
                window_end: z.string(),
                probability_source: z.enum(['model', 'retention']),
                expected_commission_cents: z.number().int(),
                by_month: z.array(projectionTotal),
                by_carrier: z.array(projectionTotal),
                by_line: z.array(projectionTotal),
                terms_without_rule: z.number().int(),
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
      const asOf = q.as_of ?? new Date().toISOString().slice(0, 10);
      const { projection, intel, termsWithoutRule } = await projectBook(db, tenantId, {
        asOf,
        months: q.months,
        premiumChangePct: q.premium_change_pct,
      });
      return c.json(
        {
          as_of: projection.asOf,
          window_end: projection.windowEnd,
          probability_source: intel.model ? ('model' as const) : ('retention' as const),
          expected_commission_cents: projection.byMonth.reduce((s, m) => s + m.expectedCommissionCents, 0),
          by_month: projection.byMonth.map(toTotal),
          by_carrier: projection.byCarrier.map(toTotal),
          by_line: projection.byLine.map(toTotal),
          terms_without_rule: termsWithoutRule,
        },
        200,
      );
    },
  )
  // Routes with an {id} come last so they never shadow the named ones above.
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/commissions/{id}',
      tags: ['Commissions'],
      summary: 'One expected commission with its payments',
      middleware: [requireScope('commissions:read')] as const,
      request: { params: idParam },
      responses: {
        200: {
          description: 'Expected commission',
          content: {
            'application/json': {
              schema: expectedCommissionSchema.extend({
                payments: z.array(
                  z.object({
                    id: z.uuid(),
                    amount_cents: z.number().int(),
                    paid_on: z.string(),
                    source: z.string(),
                    statement_id: z.uuid().nullable(),
                    statement_line_id: z.number().int().nullable(),
                    note: z.string().nullable(),
                  }),
                ),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      const { rows } = await db.query(
        'select e.*, p.policy_number from expected_commissions e join policies p on p.id = e.policy_id where e.tenant_id = $1 and e.id = $2',
        [c.get('tenantId'), id],
      );
      if (!rows[0]) throw new ProblemError('not-found', `No expected commission ${id}.`);
      const { rows: payments } = await db.query(
        'select * from commission_payments where expected_commission_id = $1 order by paid_on, created_at',
        [id],
      );
      return c.json(
        {
          ...toExpected(rows[0]),
          payments: payments.map((p) => ({
            id: p.id,
            amount_cents: Number(p.amount_cents),
            paid_on: p.paid_on,
            source: p.source,
            statement_id: p.statement_id ?? null,
            statement_line_id: p.statement_line_id === null ? null : Number(p.statement_line_id),
            note: p.note ?? null,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/commissions/{id}/payments',
      tags: ['Commissions'],
      summary: 'Mark paid: record money received outside a statement (a check, a portal payment)',
      middleware: [requireScope('commissions:write')] as const,
      request: {
        params: idParam,
        body: {
          content: {
            'application/json': {
              schema: z.object({
                amount_cents: centsAmount()
                  .optional()
                  .openapi({ description: 'Defaults to the open balance.' }),
                paid_on: isoDate,
                note: text(500).optional(),
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Updated expected commission',
          content: { 'application/json': { schema: expectedCommissionSchema } },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      const { rows } = await db.query(
        'select agency_cents, paid_cents, status from expected_commissions where tenant_id = $1 and id = $2 for update',
        [tenantId, id],
      );
      if (!rows[0]) throw new ProblemError('not-found', `No expected commission ${id}.`);
      const amount = body.amount_cents ?? Number(rows[0].agency_cents) - Number(rows[0].paid_cents);
      if (amount === 0)
        throw new ProblemError(
          'conflict',
          'Nothing is owed on this commission; give amount_cents to record a payment anyway.',
        );
      await recordPayments(db, tenantId, [
        {
          expectedCommissionId: id,
          amountCents: amount,
          paidOn: body.paid_on,
          source: 'manual',
          note: body.note,
          createdBy: `api_key:${c.get('apiKeyId')}`,
        },
      ]);
      const { rows: after } = await db.query(
        'select e.*, p.policy_number from expected_commissions e join policies p on p.id = e.policy_id where e.id = $1',
        [id],
      );
      return c.json(toExpected(after[0]), 200);
    },
  );
