import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** How a tenant merges one field (or '*', every field) of an entity type from several systems. */
export const MergeRuleSchema = defineEntity({
  name: 'MergeRule',
  tableName: 'merge_rules',
  properties: {
    tenantId: p.uuid().primary(),
    entityType: p.text().primary(),
    field: p.text().primary(),
    strategy: p.enum(['latest', 'priority', 'manual'] as const),
    sourcePriority: p.array().default([]),
    decisionWindowSeconds: p.integer().default(259_200),
    fallback: p.enum(['latest', 'priority'] as const).default('latest'),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type MergeRule = InferEntity<typeof MergeRuleSchema>;
