import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** One row of the outbox: a canonical entity was created, updated or deleted. */
export const ChangeEventSchema = defineEntity({
  name: 'ChangeEvent',
  tableName: 'change_events',
  properties: {
    seq: p.bigint('number').primary(),
    tenantId: p.uuid(),
    entityType: p.text(),
    entityId: p.uuid(),
    op: p.enum(['created', 'updated', 'deleted'] as const),
    connectionId: p.uuid().nullable(),
    changedFields: p.array().default([]),
    occurredAt: p.datetime(),
  },
});
export type ChangeEvent = InferEntity<typeof ChangeEventSchema>;
