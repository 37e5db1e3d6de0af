import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * One row of the outbox, in commit order: a canonical entity was created, updated or deleted
 * (`op` set), or something else happened (a sync completed, a conflict opened) with a small payload.
 */
export const ChangeEventSchema = defineEntity({
  name: 'ChangeEvent',
  tableName: 'change_events',
  properties: {
    seq: p.bigint('number').primary(),
    tenantId: p.uuid(),
    type: p.text(),
    entityType: p.text(),
    entityId: p.uuid(),
    op: p.enum(['created', 'updated', 'deleted'] as const).nullable(),
    data: p.json<Record<string, unknown>>().nullable(),
    connectionId: p.uuid().nullable(),
    changedFields: p.array().default([]),
    occurredAt: p.datetime(),
  },
});
export type ChangeEvent = InferEntity<typeof ChangeEventSchema>;
