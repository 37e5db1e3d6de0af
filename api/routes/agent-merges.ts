// One producer per person, where the data could not tell: merge two agents (everything that named
// one moves to the other, and the next sync keeps it so), split a merge again, and list the merges
// an agent took part in, with who made each and on what evidence (a sync's, or "manual").
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  mergeProducers,
  mergesOf,
  type ProducerMerge,
  ProducerMergeError,
  splitProducer,
} from '../../db/producer-merge.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';
import { agentSchema, toAgent } from './agents.ts';

type Ctx = Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0];

const mergeSchema = z
  .object({
    id: z.uuid(),
    producer_id: z
      .uuid()
      .openapi({ description: 'The agent merged away (kept, not listed, until a split).' }),
    into_id: z.uuid().openapi({ description: 'The agent that took its place.' }),
    evidence: z.enum(['email', 'code', 'name', 'manual']).openapi({
      description: 'What a sync found the two had in common, or "manual" for a merge through the API.',
    }),
    merged_by: z.string().openapi({ description: '"sync:<connection id>", "api_key:<id>" or "user:<id>".' }),
    merged_at: z.string(),
    split_by: z.string().nullable(),
    split_at: z.string().nullable(),
    moved: z.object({
      source_records: z.number().int(),
      policies: z.number().int(),
      split_plans: z.number().int(),
      split_plans_set_aside: z
        .number()
        .int()
        .openapi({ description: 'Book plans left with the merged agent because the other has its own.' }),
      split_plan_entries: z.number().int(),
      commissions: z.number().int(),
      commission_splits: z.number().int(),
    }),
  })
  .openapi('AgentMerge');

const toMergeBody = (m: ProducerMerge) => ({
  id: m.id,
  producer_id: m.producerId,
  into_id: m.intoId,
  evidence: m.evidence,
  merged_by: m.mergedBy,
  merged_at: m.mergedAt,
  split_by: m.splitBy,
  split_at: m.splitAt,
  moved: {
    source_records: m.moved.sourceRecordIds.length,
    policies: m.moved.policyIds.length,
    split_plans: m.moved.bookPlanIds.length,
    split_plans_set_aside: m.moved.plansSetAside.length,
    split_plan_entries: m.moved.planEntries.length,
    commissions: m.moved.commissionIds.length,
    commission_splits: m.moved.commissionSplits.length,
  },
});

/** Who asks: an API key, or a console user (whose sessions carry "user:<id>"). */
function actor(c: Ctx): string {
  const id = c.get('apiKeyId');
  return id?.startsWith('user:') ? id : `api_key:${id ?? 'unknown'}`;
}

async function agent(c: Ctx, id: string) {
  const { rows } = await c
    .get('db')
    .query('select * from producers where id = $1 and tenant_id = $2', [id, c.get('tenantId')]);
  return toAgent(rows[0]);
}

/** The merge's store errors as problems; commissions are recalculated once the change commits. */
async function changing<T>(c: Ctx, fn: () => Promise<T>): Promise<T> {
  try {
    const out = await fn();
    const deps = c.get('deps');
    const tenantId = c.get('tenantId');
    c.get('afterCommit')(() =>
      requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId, { all: true }),
    );
    return out;
  } catch (err) {
    if (err instanceof ProducerMergeError) throw new ProblemError(err.kind, err.message);
    throw err;
  }
}

const mergedResponse = (description: string, extra: Record<string, z.ZodType> = {}) => ({
  200: {
    description,
    content: {
      'application/json': { schema: z.object({ merge: mergeSchema, agent: agentSchema, ...extra }) },
    },
  },
});

export const agentMergeRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/agents/{id}/merge',
      tags: ['Agents'],
      summary: 'Merge this agent into another: the same person under two records',
      description:
        'Policies, book split plans (unless the other agent has its own), split-plan entries, expected commissions and their splits, and the source records (so the next sync keeps them together) move to `into`; this agent is no longer listed. Commissions are recalculated.',
      middleware: [requireScope('policies:write')] as const,
      request: {
        params: idParam,
        body: {
          content: {
            'application/json': { schema: z.object({ into: z.uuid() }).openapi('AgentMergeRequest') },
          },
        },
      },
      responses: mergedResponse('The merge and the agent that remains'),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { into } = c.req.valid('json');
      const merge = await changing(c as never, () =>
        mergeProducers(c.get('db'), {
          tenantId: c.get('tenantId'),
          producerId: id,
          intoId: into,
          evidence: 'manual',
          mergedBy: actor(c as never),
        }),
      );
      return c.json({ merge: toMergeBody(merge), agent: await agent(c as never, into) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/agents/{id}/split',
      tags: ['Agents'],
      summary: 'Undo the merge of this agent into another',
      description:
        'The agent returns with its source records, the policies, plans, plan entries and commissions that moved and are still where the merge put them, and the policies its own systems brought since. A sync never merges the two again. Commissions are recalculated.',
      middleware: [requireScope('policies:write')] as const,
      request: { params: idParam },
      responses: mergedResponse('The merge, now split, and the agent restored', { into: agentSchema }),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const merge = await changing(c as never, () =>
        splitProducer(c.get('db'), {
          tenantId: c.get('tenantId'),
          producerId: id,
          splitBy: actor(c as never),
        }),
      );
      return c.json(
        {
          merge: toMergeBody(merge),
          agent: await agent(c as never, id),
          into: await agent(c as never, merge.intoId),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/{id}/merges',
      tags: ['Agents'],
      summary: 'Merges this agent took part in, either side, newest first',
      middleware: [requireScope('policies:read')] as const,
      request: { params: idParam },
      responses: {
        200: {
          description: 'Merges',
          content: { 'application/json': { schema: z.object({ data: z.array(mergeSchema) }) } },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      // A merged producer stays as a deleted row: its merges are still its history.
      const { rows } = await db.query('select 1 from producers where tenant_id = $1 and id = $2', [
        tenantId,
        id,
      ]);
      if (!rows[0]) throw new ProblemError('not-found', `No agent ${id}.`);
      const merges = await mergesOf(db, tenantId, id);
      return c.json({ data: merges.map(toMergeBody) }, 200);
    },
  );
