import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { Provenance } from './provenance.ts';

export const transactionTypes = [
  'NEW',
  'RWL',
  'END',
  'CAN',
  'REI',
  'AUD',
  'PMT',
  'ADJ',
  'REWRITE',
  'BOR',
] as const;

/** A change to a policy term that commission attaches to: new business, renewal, endorsement... */
export const PolicyTransactionSchema = defineEntity({
  name: 'PolicyTransaction',
  tableName: 'policy_transactions',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    policyId: p.uuid(),
    type: p.enum(transactionTypes),
    effectiveDate: p.date(),
    accountingPeriod: p.string().length(7).nullable(),
    premiumDeltaCents: p.bigint('number').default(0),
    taxesFeesCents: p.bigint('number').default(0),
    cancelMethod: p.enum(['flat', 'pro_rata', 'short_rate'] as const).nullable(),
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
export type PolicyTransaction = InferEntity<typeof PolicyTransactionSchema>;
