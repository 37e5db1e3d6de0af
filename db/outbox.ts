// The outbox: every real change and every event worth telling, appended in the same transaction
// as the change itself, in commit order. The change feed, webhooks and follow-up work read it.
import type { Queryable } from './pool.ts';

export interface OutboxEvent {
  /** e.g. policy.updated, policy.renewed, conflict.opened, sync.completed */
  type: string;
  entityType: string;
  entityId: string;
  /** Set for entity changes (the change feed); null for other events. */
  op?: 'created' | 'updated' | 'deleted' | null;
  changedFields?: string[];
  data?: Record<string, unknown> | null;
}

export async function appendEvents(
  db: Queryable,
  scope: { tenantId: string; connectionId: string | null },
  events: OutboxEvent[],
): Promise<void> {
  if (!events.length) return;
  await db.query(
    `insert into change_events (tenant_id, type, entity_type, entity_id, op, connection_id, changed_fields, data)
     select $1, u.type, u.entity_type, u.entity_id, u.op, $2, coalesce(string_to_array(u.fields, ','), '{}'), u.data::jsonb
       from unnest($3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[]) with ordinality
            as u(type, entity_type, entity_id, op, fields, data, n)
      order by u.n`,
    [
      scope.tenantId,
      scope.connectionId,
      events.map((e) => e.type),
      events.map((e) => e.entityType),
      events.map((e) => e.entityId),
      events.map((e) => e.op ?? null),
      events.map((e) => (e.changedFields?.length ? e.changedFields.join(',') : null)),
      events.map((e) => (e.data ? JSON.stringify(e.data) : null)),
    ],
  );
}

/** Entity change events: `<entity>.<op>`. */
export function entityEvent(
  entityType: string,
  entityId: string,
  op: 'created' | 'updated' | 'deleted',
  changedFields: string[] = [],
): OutboxEvent {
  return { type: `${entityType}.${op}`, entityType, entityId, op, changedFields };
}
