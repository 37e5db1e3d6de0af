import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { Provenance } from './provenance.ts';

/** A person (or the house) who earns a share of the agency's commission. */
export const ProducerSchema = defineEntity({
  name: 'Producer',
  tableName: 'producers',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    kind: p.enum(['producer', 'broker_external', 'house', 'csr'] as const).default('producer'),
    name: p.text(),
    email: p.text().nullable(),
    /** Codes that identify this producer in each system, e.g. `{ "hawksoft": "AG12" }`. */
    codes: p.json<Record<string, string>>().onCreate(() => ({})),
    active: p.boolean().default(true),
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
export type Producer = InferEntity<typeof ProducerSchema>;
