import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { Provenance } from './provenance.ts';

/** An insurance company, or an MGA or wholesaler standing between the agency and one. */
export const CarrierSchema = defineEntity({
  name: 'Carrier',
  tableName: 'carriers',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    kind: p.enum(['carrier', 'mga', 'wholesaler'] as const).default('carrier'),
    name: p.text(),
    nameNormalized: p.text(),
    naicCode: p.text().nullable(),
    parentCarrierId: p.uuid().nullable(),
    aliases: p.array().default([]),
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
export type Carrier = InferEntity<typeof CarrierSchema>;
