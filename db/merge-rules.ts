// A tenant's merge rules, read once per activity call.
import type { FieldRule, MergeRules } from '../domain/merge.ts';
import type { Queryable } from './pool.ts';

export async function loadMergeRules(db: Queryable, tenantId: string): Promise<MergeRules> {
  const { rows } = await db.query<{
    entity_type: string;
    field: string;
    strategy: FieldRule['strategy'];
    source_priority: string[];
    fallback: FieldRule['fallback'];
    decision_window_seconds: number;
  }>(
    'select entity_type, field, strategy, source_priority, fallback, decision_window_seconds from merge_rules where tenant_id = $1',
    [tenantId],
  );
  const rules: MergeRules = new Map();
  for (const r of rows) {
    const byField = rules.get(r.entity_type) ?? new Map<string, FieldRule>();
    byField.set(r.field, {
      strategy: r.strategy,
      sourcePriority: r.source_priority,
      fallback: r.fallback,
      decisionWindowSeconds: r.decision_window_seconds,
    });
    rules.set(r.entity_type, byField);
  }
  return rules;
}
