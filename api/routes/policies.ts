// Policies: the listing every integration starts from, and writes (one, or up to 1,000 in a bulk
// with a result per item), renewals, the policies about to expire, and one policy's time line.
// Writes go through the same merge as syncs, as the tenant's "API" source (db/policy-store.ts).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { loadMergeRules } from '../../db/merge-rules.ts';
import {
  applyPolicyOps,
  loadPolicy,
  nextTermDates,
  POLICY_COLUMNS,
  type PolicyFields,
  type PolicyOp,
  type PolicyOpResult,
  renewPolicy,
} from '../../db/policy-store.ts';
import type { Queryable } from '../../db/pool.ts';
import { laterTermsSql } from '../../db/renewal-store.ts';
import {
  apiTransactionScope,
  loadTransactions,
  type TransactionWrite,
  writeTransactions,
} from '../../db/transaction-store.ts';
import { isoDate, policyDraft, policyStatus } from '../../domain/canonical.ts';
import type { TermDates } from '../../domain/policy-transactions.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import { startConflictDecisions } from '../../runtime/conflict-requests.ts';
import type { AppEnv } from '../deps.ts';
import { centsAmount } from '../fields.ts';
import { listPage } from '../list-query.ts';
import { requireScope } from '../middleware.ts';
import { decodeCursor, encodeCursor, pageQuery, pageSchema } from '../pagination.ts';
import { ProblemError, problemBody, problemTypes } from '../problem.ts';
import { idParam } from '../schemas.ts';
import {
  type FieldError,
  type TransactionInput,
  toTransaction,
  transactionErrors,
  transactionInputSchema,
  transactionSchema,
  transactionWrites,
} from '../transaction-input.ts';

export const policySchema = z
  .object({
    id: z.uuid(),
    client_id: z.uuid().nullable(),
    carrier_id: z.uuid().nullable(),
    producer_id: z.uuid().nullable(),
    mga_id: z
      .uuid()
      .nullable()
      .openapi({ description: 'The MGA the business is placed through (a carrier).' }),
    policy_number: z.string(),
    line_of_business: z.string().nullable(),
    business_type: z.string().nullable(),
    state: z.string().nullable(),
    effective_date: z.string().nullable(),
    expiration_date: z.string().nullable(),
    original_inception_date: z.string().nullable(),
    prior_policy_id: z.uuid().nullable(),
    prior_policy_number: z.string().nullable(),
    bill_mode: z.enum(['agency', 'direct']).nullable(),
    status: z.string(),
    term_premium_cents: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Term premium in integer cents.' }),
    currency: z.string(),
    provenance: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Policy');

export function toPolicy(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    client_id: (r.client_id as string) ?? null,
    carrier_id: (r.carrier_id as string) ?? null,
    producer_id: (r.producer_id as string) ?? null,
    mga_id: (r.mga_id as string) ?? null,
    policy_number: r.policy_number as string,
    line_of_business: (r.line_of_business as string) ?? null,
    business_type: (r.business_type as string) ?? null,
    state: (r.state as string) ?? null,
    effective_date: (r.effective_date as string) ?? null,
    expiration_date: (r.expiration_date as string) ?? null,
    original_inception_date: (r.original_inception_date as string) ?? null,
    prior_policy_id: (r.prior_policy_id as string) ?? null,
    prior_policy_number: (r.prior_policy_number as string) ?? null,
    bill_mode: (r.bill_mode as 'agency' | 'direct') ?? null,
    status: r.status as string,
    term_premium_cents: (r.term_premium_cents as number) ?? null,
    currency: String(r.currency).trim(),
    provenance: (r.provenance as Record<string, unknown>) ?? {},
    created_at: (r.created_at as Date).toISOString(),
    updated_at: (r.updated_at as Date).toISOString(),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/policies',
  tags: ['Policies'],
  summary: 'Policy terms, most recently changed last',
  middleware: [requireScope('policies:read')] as const,
  request: {
    query: pageQuery.extend({
      connection: z
        .uuid()
        .optional()
        .openapi({ description: 'Only policies this connection contributes to.' }),
      status: z.string().optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of policies',
      content: { 'application/json': { schema: pageSchema(policySchema) } },
    },
  },
});

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

export const policyInputSchema = z
  .object({
    policy_number: z.string().trim().min(1, 'a policy needs a policy number').max(100),
    client_id: z.uuid().nullable().optional(),
    carrier_id: z.uuid().nullable().optional(),
    producer_id: z.uuid().nullable().optional(),
    mga_id: z.uuid().nullable().optional().openapi({
      description:
        'The MGA the business is placed through: one of your carriers. Schedule lines naming this MGA then apply.',
    }),
    line_of_business: optionalText(100),
    business_type: z.enum(['personal', 'commercial', 'benefits', 'life_health']).nullable().optional(),
    state: z
      .string()
      .regex(/^[A-Z]{2}$/, 'states are two-letter codes')
      .nullable()
      .optional(),
    effective_date: isoDate.nullable().optional(),
    expiration_date: isoDate.nullable().optional(),
    original_inception_date: isoDate.nullable().optional(),
    prior_policy_number: optionalText(100),
    bill_mode: z.enum(['agency', 'direct']).nullable().optional(),
    status: policyStatus.optional().openapi({ description: 'Defaults to active.' }),
    term_premium_cents: centsAmount({ min: 0 })
      .nullable()
      .optional()
      .openapi({ description: 'Term premium in integer cents (0 to a billion dollars).' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .optional(),
    transactions: z.array(transactionInputSchema).max(100).optional().openapi({
      description:
        'Transactions on this term (new business, renewal, endorsement, cancellation…), written with the policy; each gets its expected commission. On an update each needs an external_id.',
    }),
  })
  .refine((p) => !p.effective_date || !p.expiration_date || p.expiration_date >= p.effective_date, {
    message: 'expiration date is before the effective date',
    path: ['expiration_date'],
  })
  .openapi('PolicyInput');
type PolicyInput = z.infer<typeof policyInputSchema>;

function toFields(p: PolicyInput): PolicyFields {
  return {
    draft: policyDraft.parse({
      policyNumber: p.policy_number,
      lineOfBusiness: p.line_of_business ?? null,
      businessType: p.business_type ?? null,
      state: p.state ?? null,
      effectiveDate: p.effective_date ?? null,
      expirationDate: p.expiration_date ?? null,
      originalInceptionDate: p.original_inception_date ?? null,
      priorPolicyNumber: p.prior_policy_number ?? null,
      billMode: p.bill_mode ?? null,
      status: p.status ?? 'active',
      termPremiumCents: p.term_premium_cents ?? null,
      currency: p.currency ?? 'USD',
    }),
    clientId: p.client_id ?? null,
    carrierId: p.carrier_id ?? null,
    producerId: p.producer_id ?? null,
    mgaId: p.mga_id ?? null,
  };
}

/** The term dates a request's transactions are checked against: what it says, else what the policy has. */
async function termDatesOf(
  db: Queryable,
  tenantId: string,
  items: { id?: string; policy: PolicyInput }[],
): Promise<TermDates[]> {
  const ids = items.flatMap((it) => (it.id && it.policy.transactions?.length ? [it.id] : []));
  const { rows } = ids.length
    ? await db.query<{ id: string; effective_date: string | null; expiration_date: string | null }>(
        'select id, effective_date, expiration_date from policies where tenant_id = $1 and id = any($2::uuid[])',
        [tenantId, ids],
      )
    : { rows: [] };
  const current = new Map(rows.map((r) => [r.id, r]));
  return items.map((it) => {
    const now = it.id ? current.get(it.id) : undefined;
    return {
      effectiveDate: it.policy.effective_date ?? now?.effective_date ?? null,
      expirationDate: it.policy.expiration_date ?? now?.expiration_date ?? null,
    };
  });
}

/** Writes each written policy's transactions; the ids by policy, in request order. */
async function writePolicyTransactions(
  c: Ctx,
  written: { policyId: string; transactions: readonly TransactionInput[] }[],
): Promise<{ ids: string[][]; openedConflicts: string[] }> {
  const writes: TransactionWrite[] = written.flatMap((w) => transactionWrites(w.policyId, w.transactions));
  if (!writes.length) return { ids: written.map(() => []), openedConflicts: [] };
  const db = c.get('db');
  const tenantId = c.get('tenantId');
  const { outcomes, openedConflicts } = await writeTransactions(
    db,
    await apiTransactionScope(db, tenantId),
    writes,
    await loadMergeRules(db, tenantId),
  );
  let at = 0;
  const ids = written.map((w) => {
    const from = at;
    at += w.transactions.length;
    return outcomes.slice(from, at).map((o) => o.id);
  });
  return { ids, openedConflicts };
}

function throwFieldErrors(errors: FieldError[]): void {
  if (errors.length)
    throw new ProblemError('validation', `${errors.length} field(s) failed validation`, { errors });
}

type Ctx = Parameters<MiddlewareHandler<AppEnv>>[0];

/** The policy must be the tenant's (404 otherwise) before the body is even looked at. */
export const policyExists: MiddlewareHandler<AppEnv> = async (c, next) => {
  const id = c.req.param('id');
  if (id && z.uuid().safeParse(id).success) {
    const { rows } = await c
      .get('db')
      .query('select 1 from policies where tenant_id = $1 and id = $2 and deleted_at is null', [
        c.get('tenantId'),
        id,
      ]);
    if (!rows.length) throw new ProblemError('not-found', `No policy ${id}.`);
  }
  await next();
};

/** Commissions follow every change; conflicts a write opened get their decision workflow. */
export function afterWrite(c: Ctx, openedConflicts: string[]): void {
  const deps = c.get('deps');
  const tenantId = c.get('tenantId');
  c.get('afterCommit')(() => requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId));
  if (openedConflicts.length)
    c.get('afterCommit')(() =>
      startConflictDecisions(deps.temporal, deps.pool, deps.taskQueue, openedConflicts),
    );
}

function throwProblem(r: Extract<PolicyOpResult, { ok: false }>): never {
  throw new ProblemError(r.problem, r.detail, {
    ...(r.errors ? { errors: r.errors } : {}),
    ...(r.existingId ? { existing_id: r.existingId } : {}),
  });
}

async function policyBody(c: Ctx, id: string, transactionIds?: string[]) {
  const db = c.get('db');
  const row = await loadPolicy(db, c.get('tenantId'), id);
  if (!row) throw new ProblemError('not-found', `No policy ${id}.`);
  if (!transactionIds?.length) return toPolicy(row);
  const rows = await loadTransactions(
    db,
    await apiTransactionScope(db, c.get('tenantId')),
    id,
    transactionIds,
  );
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  return {
    ...toPolicy(row),
    transactions: transactionIds.flatMap((t) => (byId.has(t) ? [toTransaction(byId.get(t)!)] : [])),
  };
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string().nullable(), message: z.string() })).optional(),
  })
  .openapi('Problem');
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});
const policyWithTransactionsSchema = policySchema
  .extend({
    transactions: z
      .array(transactionSchema)
      .optional()
      .openapi({ description: 'The transactions this request wrote, when it sent any.' }),
  })
  .openapi('PolicyWithTransactions');
const policyResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: policyWithTransactionsSchema } },
});
const idPath = idParam;

// Expiring ------------------------------------------------------------------------------------

const expiringSchema = policySchema.extend({ days_left: z.number().int() }).openapi('ExpiringPolicy');

const expiringRoute = createRoute({
  method: 'get',
  path: '/v1/policies/expiring',
  tags: ['Policies'],
  summary: 'Active terms that expire within a period and are not renewed yet, soonest first',
  middleware: [requireScope('policies:read')] as const,
  request: {
    query: z.object({
      within: z
        .string()
        .regex(/^\d{1,3}d$/, 'a number of days such as 60d')
        .default('60d')
        .openapi({ description: 'How far ahead to look, in days (e.g. 60d; at most 999d).' }),
      limit: pageQuery.shape.limit,
      cursor: pageQuery.shape.cursor,
    }),
  },
  responses: {
    200: {
      description: 'A page of expiring policies',
      content: { 'application/json': { schema: pageSchema(expiringSchema) } },
    },
  },
});

// Timeline ------------------------------------------------------------------------------------

const timelineKinds = [
  'transaction',
  'change',
  'conflict_opened',
  'conflict_resolved',
  'commission_expected',
  'commission_paid',
] as const;
const timelineEntrySchema = z
  .object({
    at: z.string().openapi({ description: 'When it happened; dates of business events are midnight UTC.' }),
    kind: z.enum(timelineKinds),
    summary: z.string(),
    source: z.object({ connection_id: z.string().nullable(), provider: z.string().nullable() }).nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('TimelineEntry');

const timelineRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{id}/timeline',
  tags: ['Policies'],
  summary: 'Transactions, changes from each system, conflicts and commissions of one policy, in time order',
  middleware: [requireScope('policies:read'), policyExists] as const,
  request: { params: idPath },
  responses: {
    200: {
      description: 'The time line, oldest first',
      content: {
        'application/json': {
          schema: z
            .object({ policy_id: z.uuid(), entries: z.array(timelineEntrySchema) })
            .openapi('PolicyTimeline'),
        },
      },
    },
    404: problem('No such policy'),
  },
});

const day = (d: string) => `${d}T00:00:00.000Z`;
const kindOrder = Object.fromEntries(timelineKinds.map((k, i) => [k, i])) as Record<string, number>;

async function timeline(c: Ctx, policyId: string) {
  const db = c.get('db');
  const tenantId = c.get('tenantId');
  type Entry = z.infer<typeof timelineEntrySchema>;
  const entries: Entry[] = [];
  // One after another: the request has one connection (its transaction).
  const txs = await db.query(
    `select id, type, effective_date, premium_delta_cents, taxes_fees_cents, broker_fee_cents, accounting_period from policy_transactions
        where tenant_id = $1 and policy_id = $2 and deleted_at is null order by effective_date, created_at limit 1000`,
    [tenantId, policyId],
  );
  const changes = await db.query(
    `select e.seq, e.type, e.op, e.changed_fields, e.occurred_at, e.connection_id, e.data, c.provider
         from change_events e left join connections c on c.id = e.connection_id
        where e.tenant_id = $1 and e.entity_id = $2 order by e.seq limit 1000`,
    [tenantId, policyId],
  );
  const conflicts = await db.query(
    `select id, field, current_value, incoming_value, current_source, incoming_source, opened_at, resolved_at,
              resolved_by, resolution, resolved_value
         from conflicts where tenant_id = $1 and entity_type = 'policy' and entity_id = $2 order by opened_at limit 1000`,
    [tenantId, policyId],
  );
  const expected = await db.query(
    `select id, transaction_id, transaction_type, agency_cents, expected_pay_date, status, paid_cents
         from expected_commissions where tenant_id = $1 and policy_id = $2 order by expected_pay_date limit 1000`,
    [tenantId, policyId],
  );
  const payments = await db.query(
    `select p.id, p.expected_commission_id, p.amount_cents, p.paid_on, p.source, p.statement_id
         from commission_payments p join expected_commissions e on e.id = p.expected_commission_id
        where p.tenant_id = $1 and e.policy_id = $2 order by p.paid_on limit 1000`,
    [tenantId, policyId],
  );
  for (const t of txs.rows)
    entries.push({
      at: day(t.effective_date),
      kind: 'transaction',
      summary: `${t.type} effective ${t.effective_date}, premium ${t.premium_delta_cents} cents`,
      source: null,
      data: {
        transaction_id: t.id,
        type: t.type,
        premium_delta_cents: Number(t.premium_delta_cents),
        taxes_fees_cents: Number(t.taxes_fees_cents),
        broker_fee_cents: Number(t.broker_fee_cents),
        accounting_period: t.accounting_period,
      },
    });
  for (const e of changes.rows)
    entries.push({
      at: (e.occurred_at as Date).toISOString(),
      kind: 'change',
      summary: `${e.type}${e.changed_fields?.length ? ` (${e.changed_fields.join(', ')})` : ''}${e.provider ? ` from ${e.provider}` : ''}`,
      source: e.connection_id ? { connection_id: e.connection_id, provider: e.provider ?? null } : null,
      data: {
        seq: Number(e.seq),
        type: e.type,
        op: e.op,
        changed_fields: e.changed_fields,
        ...(e.data ?? {}),
      },
    });
  for (const k of conflicts.rows) {
    entries.push({
      at: (k.opened_at as Date).toISOString(),
      kind: 'conflict_opened',
      summary: `systems disagree on ${k.field}`,
      source: k.incoming_source?.connectionId
        ? { connection_id: k.incoming_source.connectionId, provider: k.incoming_source.provider ?? null }
        : null,
      data: {
        conflict_id: k.id,
        field: k.field,
        current_value: k.current_value,
        incoming_value: k.incoming_value,
      },
    });
    if (k.resolved_at)
      entries.push({
        at: (k.resolved_at as Date).toISOString(),
        kind: 'conflict_resolved',
        summary: `${k.field} decided (${k.resolution}, by ${k.resolved_by})`,
        source: null,
        data: {
          conflict_id: k.id,
          field: k.field,
          resolution: k.resolution,
          resolved_value: k.resolved_value,
        },
      });
  }
  for (const x of expected.rows)
    entries.push({
      at: day(x.expected_pay_date),
      kind: 'commission_expected',
      summary: `${x.agency_cents} cents expected for the ${x.transaction_type} (${x.status})`,
      source: null,
      data: {
        expected_commission_id: x.id,
        transaction_id: x.transaction_id,
        agency_cents: Number(x.agency_cents),
        paid_cents: Number(x.paid_cents),
        status: x.status,
      },
    });
  for (const p of payments.rows)
    entries.push({
      at: day(p.paid_on),
      kind: 'commission_paid',
      summary: `${p.amount_cents} cents paid (${p.source})`,
      source: null,
      data: {
        payment_id: p.id,
        expected_commission_id: p.expected_commission_id,
        amount_cents: Number(p.amount_cents),
        statement_id: p.statement_id,
      },
    });
  // Oldest first; on the same instant the business event comes before what it caused.
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : kindOrder[a.kind]! - kindOrder[b.kind]!));
  return { policy_id: policyId, entries };
}

// Writes --------------------------------------------------------------------------------------

const createPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies',
  tags: ['Policies'],
  summary: 'Create a policy term (merged into the same term if another system already has it)',
  middleware: [requireScope('policies:write')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: policyInputSchema } } } },
  responses: {
    201: policyResponse('Created'),
    200: policyResponse('Merged into the policy another system already described'),
    409: problem('The API created this term already'),
    422: problem('The body is not valid'),
  },
});

const getPolicyRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{id}',
  tags: ['Policies'],
  summary: 'One policy term with the provenance of its fields',
  middleware: [requireScope('policies:read'), policyExists] as const,
  request: { params: idPath },
  responses: { 200: policyResponse('The policy'), 404: problem('No such policy') },
});

const putPolicyRoute = createRoute({
  method: 'put',
  path: '/v1/policies/{id}',
  tags: ['Policies'],
  summary: 'Replace the API’s view of a policy (merged with what other systems say)',
  description:
    'Fields are merged under the tenant’s merge rules like a sync: by default the latest change wins, and a manual rule opens a conflict instead.',
  middleware: [requireScope('policies:write'), policyExists] as const,
  request: {
    params: idPath,
    body: { required: true, content: { 'application/json': { schema: policyInputSchema } } },
  },
  responses: {
    200: policyResponse('The policy after the merge'),
    404: problem('No such policy'),
    422: problem('The body is not valid'),
  },
});

const deletePolicyRoute = createRoute({
  method: 'delete',
  path: '/v1/policies/{id}',
  tags: ['Policies'],
  summary: 'Delete a policy',
  middleware: [requireScope('policies:write'), policyExists] as const,
  request: { params: idPath },
  responses: { 204: { description: 'Deleted' }, 404: problem('No such policy') },
});

const renewRoute = createRoute({
  method: 'post',
  path: '/v1/policies/{id}/renew',
  tags: ['Policies'],
  summary: 'Create the next term of a policy',
  description:
    'The new term starts at the prior term’s expiration (unless given) and lasts as long as the prior term; it keeps the client, carrier, producer and line, links to the prior term by its policy number, and emits policy.created and policy.renewed.',
  middleware: [requireScope('policies:write'), policyExists] as const,
  request: {
    params: idPath,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({
              policy_number: z.string().trim().min(1).max(100).optional().openapi({
                description: 'The new term’s number when the carrier changed it; the prior number otherwise.',
              }),
              effective_date: isoDate.optional(),
              expiration_date: isoDate.optional(),
              term_premium_cents: centsAmount({ min: 0 }).optional(),
            })
            .openapi('PolicyRenewal'),
        },
      },
    },
  },
  responses: {
    201: policyResponse('The new term'),
    200: policyResponse('Merged into the term another system already described'),
    404: problem('No such policy'),
    409: problem('The term was renewed through the API already'),
    422: problem('The prior term has no dates to renew from'),
  },
});

const bulkItemSchema = z
  .object({
    op: z.string().openapi({ enum: ['create', 'update', 'delete'] }),
    id: z.string().optional().openapi({ description: 'The policy to update or delete.' }),
    policy: z
      .unknown()
      .optional()
      .openapi({ description: 'A PolicyInput, for create and update. Each item is validated on its own.' }),
  })
  .openapi('PolicyBulkItem');

const strictItem = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), policy: policyInputSchema }),
  z.object({ op: z.literal('update'), id: z.uuid(), policy: policyInputSchema }),
  z.object({ op: z.literal('delete'), id: z.uuid() }),
]);

const bulkResultSchema = z
  .object({
    index: z.number().int(),
    status: z.number().int().openapi({ description: 'The HTTP status this item would have had on its own.' }),
    outcome: z.enum(['created', 'updated', 'merged', 'deleted']).nullable(),
    id: z.uuid().nullable(),
    transaction_ids: z
      .array(z.uuid())
      .openapi({ description: 'The transactions written with the policy, in the order sent.' }),
    problem: problemSchema.nullable(),
  })
  .openapi('PolicyBulkResult');

const bulkRoute = createRoute({
  method: 'post',
  path: '/v1/policies/bulk',
  tags: ['Policies'],
  summary: 'Create, update and delete up to 1,000 policies, with a result per item',
  description:
    'Items that fail (invalid, unknown id, duplicate, a transaction outside its term) are reported in their result and change nothing; the others are applied. Items may carry transactions, at most 5,000 in one request.',
  middleware: [requireScope('policies:write')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ items: z.array(bulkItemSchema).min(1).max(1000) }).openapi('PolicyBulkRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'One result per item, in request order',
      content: {
        'application/json': {
          schema: z
            .object({
              results: z.array(bulkResultSchema),
              succeeded: z.number().int(),
              failed: z.number().int(),
            })
            .openapi('PolicyBulkResponse'),
        },
      },
    },
  },
});

/** One bulk request stays one short database transaction. */
const MAX_BULK_TRANSACTIONS = 5000;

const statusOf = (r: PolicyOpResult): number =>
  r.ok ? (r.status === 'created' ? 201 : r.status === 'deleted' ? 204 : 200) : problemTypes[r.problem].status;

export const policyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await listPage(c.get('db'), {
      table: 'policies',
      tenantId: c.get('tenantId'),
      limit: q.limit,
      cursor: q.cursor,
      updatedSince: q.updated_since,
      connectionId: q.connection,
      extraWhere: q.status ? [{ sql: 't.status = $1', params: [q.status] }] : [],
    });
    return c.json({ data: page.rows.map(toPolicy), next_cursor: page.nextCursor }, 200);
  })
  // Registered before /v1/policies/{id}, which would otherwise read "expiring" as an id.
  .openapi(expiringRoute, async (c) => {
    const q = c.req.valid('query');
    const days = Number.parseInt(q.within, 10);
    const params: unknown[] = [c.get('tenantId'), days];
    let after = '';
    const position = decodeCursor(q.cursor);
    if (position) {
      params.push(position.t, position.id);
      after = `and (p.expiration_date, p.id) > ($3::date, $4::uuid)`;
    }
    params.push(q.limit + 1);
    // Not renewed: no live later term links to it, or has its number and starts when it ends.
    const { rows } = await c.get('db').query(
      `select ${POLICY_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1p.$2')}, (p.expiration_date - current_date) as days_left
         from policies p
        where p.tenant_id = $1 and p.deleted_at is null and p.status = 'active'
          and p.expiration_date >= current_date and p.expiration_date <= current_date + $2::int
          and not exists (${laterTermsSql('p')})
          ${after}
        order by p.expiration_date, p.id
        limit $${params.length}`,
      params,
    );
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page.at(-1);
    return c.json(
      {
        data: page.map((r) => ({ ...toPolicy(r), days_left: Number(r.days_left) })),
        next_cursor: more && last ? encodeCursor({ t: last.expiration_date, id: last.id }) : null,
      },
      200,
    );
  })
  .openapi(bulkRoute, async (c) => {
    const { items } = c.req.valid('json');
    const invalid = new Map<number, { field: string | null; message: string }[]>();
    const parsedItems = items.map((item, i) => {
      const parsed = strictItem.safeParse(item);
      if (parsed.success) return parsed.data;
      invalid.set(
        i,
        parsed.error.issues.map((e) => ({ field: e.path.join('.') || null, message: e.message })),
      );
      return null;
    });
    // Transactions are checked against their term before anything is written: a failed item changes nothing.
    const withPolicy = parsedItems.map((it) =>
      it && it.op !== 'delete' ? { id: it.op === 'update' ? it.id : undefined, policy: it.policy } : null,
    );
    const transactionCount = withPolicy.reduce((n, w) => n + (w?.policy.transactions?.length ?? 0), 0);
    if (transactionCount > MAX_BULK_TRANSACTIONS)
      throw new ProblemError('validation', `${transactionCount} transactions in one request`, {
        errors: [
          { field: 'items', message: `at most ${MAX_BULK_TRANSACTIONS} transactions in one bulk request` },
        ],
      });
    const terms = await termDatesOf(
      c.get('db'),
      c.get('tenantId'),
      withPolicy.flatMap((w) => (w ? [w] : [])),
    );
    let next = 0;
    withPolicy.forEach((w, i) => {
      if (!w) return;
      const errors = transactionErrors(w.policy.transactions ?? [], terms[next++]!, 'policy.transactions', {
        update: w.id !== undefined,
      });
      if (errors.length) invalid.set(i, errors);
    });
    const ops: (PolicyOp | null)[] = parsedItems.map((it, i) =>
      !it || invalid.has(i)
        ? null
        : it.op === 'create'
          ? { op: 'create', fields: toFields(it.policy) }
          : it.op === 'update'
            ? { op: 'update', id: it.id, fields: toFields(it.policy) }
            : { op: 'delete', id: it.id },
    );
    const { results, openedConflicts } = await applyPolicyOps(c.get('db'), c.get('tenantId'), ops);
    const written = results.flatMap((r, i) =>
      r?.ok && withPolicy[i]?.policy.transactions?.length
        ? [{ index: i, policyId: r.id, transactions: withPolicy[i].policy.transactions }]
        : [],
    );
    const txs = await writePolicyTransactions(c, written);
    const transactionIds = new Map(written.map((w, n) => [w.index, txs.ids[n]!]));
    const instance = c.req.path;
    const out = results.map((r, index) => {
      if (!r) {
        const errors = invalid.get(index) ?? [];
        return {
          index,
          status: 422,
          outcome: null,
          id: null,
          transaction_ids: [],
          problem: problemBody('validation', `${errors.length} field(s) failed validation`, instance, {
            errors,
          }),
        };
      }
      return {
        index,
        status: statusOf(r),
        outcome: r.ok ? r.status : null,
        id: r.ok ? r.id : (r.existingId ?? null),
        transaction_ids: transactionIds.get(index) ?? [],
        problem: r.ok
          ? null
          : problemBody(r.problem, r.detail, instance, r.errors ? { errors: r.errors } : {}),
      };
    });
    const succeeded = out.filter((r) => r.outcome).length;
    if (succeeded) afterWrite(c, [...openedConflicts, ...txs.openedConflicts]);
    return c.json({ results: out, succeeded, failed: out.length - succeeded }, 200);
  })
  .openapi(createPolicyRoute, async (c) => {
    const body = c.req.valid('json');
    const transactions = body.transactions ?? [];
    const [term] = await termDatesOf(c.get('db'), c.get('tenantId'), [{ policy: body }]);
    throwFieldErrors(transactionErrors(transactions, term!, 'transactions'));
    const { results, openedConflicts } = await applyPolicyOps(c.get('db'), c.get('tenantId'), [
      { op: 'create', fields: toFields(body) },
    ]);
    const r = results[0]!;
    if (!r.ok) throwProblem(r);
    const txs = await writePolicyTransactions(c, [{ policyId: r.id, transactions }]);
    afterWrite(c, [...openedConflicts, ...txs.openedConflicts]);
    c.header('Location', `/v1/policies/${r.id}`);
    return c.json(await policyBody(c, r.id, txs.ids[0]), r.status === 'created' ? 201 : 200);
  })
  .openapi(getPolicyRoute, async (c) => c.json(await policyBody(c, c.req.valid('param').id), 200))
  .openapi(putPolicyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const transactions = body.transactions ?? [];
    const [term] = await termDatesOf(c.get('db'), c.get('tenantId'), [{ id, policy: body }]);
    throwFieldErrors(transactionErrors(transactions, term!, 'transactions', { update: true }));
    const { results, openedConflicts } = await applyPolicyOps(c.get('db'), c.get('tenantId'), [
      { op: 'update', id, fields: toFields(body) },
    ]);
    const r = results[0]!;
    if (!r.ok) throwProblem(r);
    const txs = await writePolicyTransactions(c, [{ policyId: id, transactions }]);
    afterWrite(c, [...openedConflicts, ...txs.openedConflicts]);
    return c.json(await policyBody(c, id, txs.ids[0]), 200);
  })
  .openapi(deletePolicyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { results } = await applyPolicyOps(c.get('db'), c.get('tenantId'), [{ op: 'delete', id }]);
    const r = results[0]!;
    if (!r.ok) throwProblem(r);
    afterWrite(c, []);
    return c.body(null, 204);
  })
  .openapi(renewRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = (c.req.valid('json') ?? {}) as z.infer<
      (typeof renewRoute)['request']['body']['content']['application/json']['schema']
    >;
    const { result, openedConflicts } = await renewPolicy(c.get('db'), c.get('tenantId'), id, (prior) => {
      const dates = nextTermDates(
        {
          effectiveDate: (prior.effective_date as string) ?? null,
          expirationDate: (prior.expiration_date as string) ?? null,
        },
        { effectiveDate: body.effective_date, expirationDate: body.expiration_date },
      );
      if (!dates)
        return {
          error: {
            field: 'effective_date',
            message: 'the policy has no expiration date; give the new term’s dates',
          },
        };
      if (dates.expirationDate < dates.effectiveDate)
        return {
          error: { field: 'expiration_date', message: 'expiration date is before the effective date' },
        };
      return {
        draft: policyDraft.parse({
          policyNumber: body.policy_number ?? prior.policy_number,
          lineOfBusiness: prior.line_of_business ?? null,
          businessType: prior.business_type ?? null,
          state: prior.state ?? null,
          effectiveDate: dates.effectiveDate,
          expirationDate: dates.expirationDate,
          originalInceptionDate: prior.original_inception_date ?? prior.effective_date ?? null,
          priorPolicyNumber: prior.policy_number,
          billMode: prior.bill_mode ?? null,
          status: 'active',
          termPremiumCents: body.term_premium_cents ?? prior.term_premium_cents ?? null,
          currency: String(prior.currency ?? 'USD').trim(),
        }),
        clientId: (prior.client_id as string) ?? null,
        carrierId: (prior.carrier_id as string) ?? null,
        producerId: (prior.producer_id as string) ?? null,
        mgaId: (prior.mga_id as string) ?? null,
      };
    });
    if (!result.ok) throwProblem(result);
    afterWrite(c, openedConflicts);
    c.header('Location', `/v1/policies/${result.id}`);
    return c.json(await policyBody(c, result.id), result.status === 'created' ? 201 : 200);
  })
  .openapi(timelineRoute, async (c) => c.json(await timeline(c, c.req.valid('param').id), 200));
