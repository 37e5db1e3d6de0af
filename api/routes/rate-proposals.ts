// Schedule lines learned from what carriers paid: the proposals, and accepting one in one step
// (it becomes a learned line of the carrier's schedule and every expected commission is
// recalculated with it).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { acceptRateProposal, rateProposals } from '../../db/learned-rates.ts';
import type { RateProposal } from '../../domain/commissions/learned-rates.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate } from '../fields.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';

const rate = z.string().regex(/^\d{1,3}(\.\d{1,6})?$/, 'a percent such as "15" or "12.5"');

const proposalSchema = z
  .object({
    id: z.string(),
    carrier_id: z.uuid(),
    carrier_name: z.string().nullable(),
    line_of_business: z.string().nullable(),
    state: z.string().nullable().openapi({ description: 'Null: the same rate was paid in every state.' }),
    term_kind: z.enum(['new', 'renewal']),
    rate: z.string().openapi({ description: 'The rate most lines were paid at (percent).' }),
    observations: z.number().int(),
    agreeing: z.number().int().openapi({ description: 'Lines paid at exactly the proposed rate.' }),
    spread: z.object({ min: z.string(), max: z.string() }),
    current: z.object({
      rate: z.string().nullable(),
      source: z.enum(['schedule', 'ams', 'learned', 'manual']).nullable(),
    }),
    effective_from: z.string(),
  })
  .openapi('RateProposal');

const toBody = (p: RateProposal) => ({
  id: p.id,
  carrier_id: p.carrierId,
  carrier_name: p.carrierName,
  line_of_business: p.lineOfBusiness,
  state: p.state,
  term_kind: p.termKind,
  rate: p.rate,
  observations: p.observations,
  agreeing: p.agreeing,
  spread: p.spread,
  current: p.current,
  effective_from: p.effectiveFrom,
});

export const rateProposalRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/commissions/rate-proposals',
      tags: ['Commissions'],
      summary: 'Schedule lines proposed from what carriers actually paid on reconciled statements',
      description:
        'Per carrier × line of business × new/renewal (× state when states are paid differently): the rate most lines were paid at, how many lines, and their spread. Groups the book already expects at that rate are left out.',
      middleware: [requireScope('commissions:read')] as const,
      responses: {
        200: {
          description: 'Proposals, most observations first',
          content: { 'application/json': { schema: z.object({ data: z.array(proposalSchema) }) } },
        },
      },
    }),
    async (c) => c.json({ data: (await rateProposals(c.get('db'), c.get('tenantId'))).map(toBody) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/commissions/rate-proposals/{id}/accept',
      tags: ['Commissions'],
      summary: "Accept a proposal: it becomes a learned line of the carrier's schedule",
      middleware: [requireScope('commissions:write')] as const,
      request: {
        params: z.object({ id: z.string().min(1).max(500) }),
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z.object({ rate: rate.optional(), effective_from: calendarDate.optional() }),
            },
          },
        },
      },
      responses: {
        201: {
          description: 'The schedule line made; expected commissions are being recalculated',
          content: {
            'application/json': { schema: z.object({ rule_id: z.uuid(), proposal: proposalSchema }) },
          },
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = (c.req.header('content-type') ?? '').includes('json') ? c.req.valid('json') : {};
      const tenantId = c.get('tenantId');
      const accepted = await acceptRateProposal(c.get('db'), tenantId, id, {
        rate: body?.rate,
        effectiveFrom: body?.effective_from,
      });
      if (!accepted) throw new ProblemError('not-found', `No rate proposal ${id} stands now.`);
      const deps = c.get('deps');
      c.get('afterCommit')(() =>
        requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId, { all: true }),
      );
      return c.json({ rule_id: accepted.ruleId, proposal: toBody(accepted.proposal) }, 201);
    },
  );
