import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { Provenance } from './provenance.ts';

export const policyStatuses = ['prospective', 'active', 'cancelled', 'expired', 'replaced', 'lost'] as const;

/** One term of a policy. A renewal is a new row pointing back through priorPolicyId. */
export const PolicySchema = defineEntity({
  name: 'Policy',
  tableName: 'policies',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    clientId: p.uuid().nullable(),
    carrierId: p.uuid().nullable(),
    producerId: p.uuid().nullable(),
    policyNumber: p.text(),
    policyNumberNormalized: p.text(),
    lineOfBusiness: p.text().nullable(),
    businessType: p.text().nullable(),
    state: p.text().nullable(),
    effectiveDate: p.date().nullable(),
    expirationDate: p.date().nullable(),
    originalInceptionDate: p.date().nullable(),
    priorPolicyId: p.uuid().nullable(),
    priorPolicyNumber: p.text().nullable(),
    billMode: p.enum(['agency', 'direct'] as const).nullable(),
    status: p.enum(policyStatuses).default('active'),
    termPremiumCents: p.bigint('number').nullable(),
    currency: p.string().length(3).default('USD'),
    provenance: p.json<Provenance>().onCreate(() => ({})),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
    deleteReason: p.text().nullable(),
  },
});
export type Policy = InferEntity<typeof PolicySchema>;
