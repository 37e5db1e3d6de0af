// Renewal intelligence: for each policy expiring soon, the probability it renews (the tenant's
// own model), the facts that drove it, and what a producer can do about it.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { renewalIntelligence, scoreExpiring } from '../../db/renewal-store.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate } from '../fields.ts';
import { requireScope } from '../middleware.ts';

const renewalSchema = z
  .object({
    policy_id: z.uuid(),
    policy_number: z.string(),
    expiration_date: z.string(),
    probability: z.number(),
    risk_level: z.enum(['high', 'medium', 'low']),
    drivers: z.array(z.object({ feature: z.string(), contribution: z.number(), reason: z.string() })),
    recommended_actions: z.array(z.object({ code: z.string(), text: z.string() })),
    features: z.record(z.string(), z.unknown()),
  })
  .openapi('RenewalScore');

export const renewalRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/v1/renewals',
    tags: ['Renewals'],
    summary:
      'Policies expiring soon with their renewal probability, drivers and recommended actions, riskiest first',
    middleware: [requireScope('policies:read')] as const,
    request: {
      query: z.object({
        within_days: z.coerce.number().int().min(1).max(365).default(90),
        risk: z
          .enum(['high', 'medium', 'low'])
          .optional()
          .openapi({ description: 'Only this risk level (high: the at-risk list).' }),
        as_of: calendarDate.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    responses: {
      200: {
        description: 'Scored renewals',
        content: {
          'application/json': {
            schema: z.object({
              as_of: z.string(),
              model: z
                .object({
                  training_size: z.number().int(),
                  base_renewal_rate: z.number(),
                  risk_thresholds: z.object({ high: z.number(), medium: z.number() }),
                })
                .nullable()
                .openapi({ description: 'Null while the book has too few decided renewals to learn from.' }),
              total: z.number().int(),
              data: z.array(renewalSchema),
            }),
          },
        },
      },
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const asOf = q.as_of ?? new Date().toISOString().slice(0, 10);
    const intel = await renewalIntelligence(c.get('db'), c.get('tenantId'), asOf);
    const scores = scoreExpiring(intel, q.within_days).filter((s) => !q.risk || s.riskLevel === q.risk);
    return c.json(
      {
        as_of: asOf,
        model: intel.model
          ? {
              training_size: intel.model.trainingSize,
              base_renewal_rate: intel.model.baseRenewalRate,
              risk_thresholds: intel.model.riskThresholds,
            }
          : null,
        total: scores.length,
        data: scores.slice(0, q.limit).map((s) => ({
          policy_id: s.termId,
          policy_number: s.policyNumber,
          expiration_date: s.expirationDate,
          probability: s.probability,
          risk_level: s.riskLevel,
          drivers: s.drivers,
          recommended_actions: s.recommendedActions,
          features: { ...s.features },
        })),
      },
      200,
    );
  },
);
