import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** Two systems disagree on one field of one entity, under a manual merge rule. */
export const ConflictSchema = defineEntity({
  name: 'Conflict',
  tableName: 'conflicts',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    entityType: p.text(),
    entityId: p.uuid(),
    field: p.text(),
    status: p.enum(['open', 'resolved'] as const).default('open'),
    currentValue: p.json<unknown>().nullable(),
    currentSource: p.json<Record<string, unknown>>().nullable(),
    incomingValue: p.json<unknown>().nullable(),
    incomingSource: p.json<Record<string, unknown>>(),
    openedAt: p.datetime().onCreate(() => new Date()),
    deadlineAt: p.datetime(),
    resolvedAt: p.datetime().nullable(),
    resolvedBy: p.enum(['user', 'deadline', 'rule'] as const).nullable(),
    resolution: p.enum(['current', 'incoming', 'value'] as const).nullable(),
    resolvedValue: p.json<unknown>().nullable(),
    workflowStarted: p.boolean().default(false),
  },
});
export type Conflict = InferEntity<typeof ConflictSchema>;
