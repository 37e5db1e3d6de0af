// A policy term's transactions through the API: listed with their broker fees and stored
// expectations, added (one or up to 100), amended and deleted. Writes are the tenant's "API"
// source like policy writes (db/transaction-store.ts): merged with what an AMS reports under the
// tenant's rules, and the outbox events they emit bring the commission workflow to recalculate.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { loadMergeRules } from '../../db/merge-rules.ts';
import { loadPolicy } from '../../db/policy-store.ts';
import {
  apiRecordOf,
  apiTransactionScope,
  deleteTransaction,
  loadTransaction,
  loadTransactions,
  writeTransactions,
} from '../../db/transaction-store.ts';
import { transactionProblems } from '../../domain/policy-transactions.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import {
  apiTransactionDraft,
  storedTransactionFields,
  toTransaction,
  transactionErrors,
  transactionInputSchema,
  transactionPatchSchema,
  transactionSchema,
  transactionWrites,
} from '../transaction-input.ts';
import { afterWrite, policyExists, problem } from './policies.ts';

type Ctx = Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0];

const policyParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const transactionParams = policyParam.extend({
  transactionId: z.uuid().openapi({ param: { name: 'transactionId', in: 'path' } }),
});
const listSchema = z.object({ data: z.array(transactionSchema) }).openapi('PolicyTransactionList');
const listResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: listSchema } },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{id}/transactions',
  tags: ['Policies'],
  summary: 'The term’s live transactions, by effective date, with broker fees and expected commissions',
  middleware: [requireScope('policies:read'), policyExists] as const,
  request: { params: policyParam },
  responses: { 200: listResponse('Transactions (at most 1,000)'), 404: problem('No such policy') },
});

const createTransactionsRoute = createRoute({
  method: 'post',
  path: '/v1/policies/{id}/transactions',
  tags: ['Policies'],
  summary: 'Add transactions to a policy term (its expected commissions follow)',
  description:
    'Each transaction is merged like a sync record: one the AMS already reports (same type and date) becomes the same transaction, and one sent again with its external_id is amended. The commission workflow computes the expectations moments later.',
  middleware: [requireScope('policies:write'), policyExists] as const,
  request: {
    params: policyParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ transactions: z.array(transactionInputSchema).min(1).max(100) })
            .openapi('PolicyTransactionsInput'),
        },
      },
    },
  },
  responses: {
    201: listResponse('Written, in request order; at least one is new'),
    200: listResponse('Written, in request order; each amended one that existed'),
    404: problem('No such policy'),
    422: problem('A transaction is not valid or falls outside its term'),
  },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/v1/policies/{id}/transactions/{transactionId}',
  tags: ['Policies'],
  summary: 'Amend a transaction: the fields sent change, the others stay',
  description:
    'The amendment is the API’s view of the transaction, merged under the tenant’s rules like any source (latest wins by default; a manual rule opens a conflict).',
  middleware: [requireScope('policies:write'), policyExists] as const,
  request: {
    params: transactionParams,
    body: { required: true, content: { 'application/json': { schema: transactionPatchSchema } } },
  },
  responses: {
    200: {
      description: 'The transaction after the merge',
      content: { 'application/json': { schema: transactionSchema } },
    },
    404: problem('No such policy or transaction'),
    422: problem('The amended transaction is not valid'),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/policies/{id}/transactions/{transactionId}',
  tags: ['Policies'],
  summary: 'Delete a transaction (kept as deleted; its expected commission is withdrawn)',
  middleware: [requireScope('policies:write'), policyExists] as const,
  request: { params: transactionParams },
  responses: { 204: { description: 'Deleted' }, 404: problem('No such policy or transaction') },
});

async function termOf(c: Ctx, policyId: string) {
  const row = await loadPolicy(c.get('db'), c.get('tenantId'), policyId);
  if (!row) throw new ProblemError('not-found', `No policy ${policyId}.`);
  return {
    effectiveDate: (row.effective_date as string) ?? null,
    expirationDate: (row.expiration_date as string) ?? null,
  };
}

async function currentTransaction(c: Ctx, policyId: string, id: string) {
  const row = await loadTransaction(c.get('db'), c.get('tenantId'), policyId, id);
  if (!row) throw new ProblemError('not-found', `No transaction ${id} on policy ${policyId}.`);
  return row;
}

/** The listed transactions with these ids, in this order. */
async function listed(c: Ctx, policyId: string, ids: string[]) {
  const db = c.get('db');
  const rows = await loadTransactions(db, await apiTransactionScope(db, c.get('tenantId')), policyId, ids);
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  return ids.map((id) => toTransaction(byId.get(id)!));
}

export const policyTransactionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const { id } = c.req.valid('param');
    const db = c.get('db');
    const rows = await loadTransactions(db, await apiTransactionScope(db, c.get('tenantId')), id);
    return c.json({ data: rows.map(toTransaction) }, 200);
  })
  .openapi(createTransactionsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { transactions } = c.req.valid('json');
    const errors = transactionErrors(transactions, await termOf(c, id), 'transactions');
    if (errors.length)
      throw new ProblemError('validation', `${errors.length} field(s) failed validation`, { errors });
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    const { outcomes, openedConflicts } = await writeTransactions(
      db,
      await apiTransactionScope(db, tenantId),
      transactionWrites(id, transactions),
      await loadMergeRules(db, tenantId),
    );
    afterWrite(c, openedConflicts);
    const created = outcomes.some((o) => o.status === 'created');
    return c.json(
      {
        data: await listed(
          c,
          id,
          outcomes.map((o) => o.id),
        ),
      },
      created ? 201 : 200,
    );
  })
  .openapi(patchRoute, async (c) => {
    const { id, transactionId } = c.req.valid('param');
    const patch = Object.fromEntries(
      Object.entries(c.req.valid('json')).filter(([, v]) => v !== undefined),
    ) as z.infer<typeof transactionPatchSchema>;
    const current = await currentTransaction(c, id, transactionId);
    const fields = { ...storedTransactionFields(current), ...patch };
    const problems = transactionProblems(
      {
        type: fields.type,
        effectiveDate: fields.effective_date,
        premiumDeltaCents: fields.premium_delta_cents ?? 0,
        cancelMethod: fields.cancel_method ?? null,
      },
      await termOf(c, id),
    );
    if (problems.length)
      throw new ProblemError('validation', `${problems.length} field(s) failed validation`, {
        errors: problems,
      });
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    const scope = await apiTransactionScope(db, tenantId);
    // A commission the patch does not touch keeps the name of the system that stated it.
    const statesCommission = 'commission_rate' in patch || 'commission_cents' in patch;
    const record = await apiRecordOf(db, scope, transactionId);
    const { openedConflicts } = await writeTransactions(
      db,
      scope,
      [
        {
          policyId: id,
          draft: apiTransactionDraft(
            fields,
            statesCommission ? 'api' : ((current.commission_source as string) ?? 'api'),
          ),
          externalId: record?.key ?? transactionId,
          payload: { ...fields, external_id: record?.externalId ?? undefined, policy_id: id },
          canonicalId: transactionId,
        },
      ],
      await loadMergeRules(db, tenantId),
    );
    afterWrite(c, openedConflicts);
    return c.json((await listed(c, id, [transactionId]))[0]!, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { id, transactionId } = c.req.valid('param');
    await currentTransaction(c, id, transactionId);
    const db = c.get('db');
    await deleteTransaction(db, await apiTransactionScope(db, c.get('tenantId')), transactionId);
    afterWrite(c, []);
    return c.body(null, 204);
  });
