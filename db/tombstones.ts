// Deletes are soft: a vendor delete marks the source record with when and why, and the
// canonical entity is tombstoned only once no live source record still describes it.
import type { DeletedRecord } from '../connectors/types.ts';
import type { CanonicalType } from '../domain/canonical.ts';
import { canonicalTables } from './canonical-tables.ts';
import { appendEvents, entityEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';

interface Tombstoned {
  canonical_type: string | null;
  canonical_id: string | null;
  delete_reason: string;
}

export async function applyDeletes(
  db: Queryable,
  input: { tenantId: string; connectionId: string; stream: string },
  deleted: DeletedRecord[],
): Promise<number> {
  if (!deleted.length) return 0;
  const { rows } = await db.query<Tombstoned>(
    `update source_records s
        set deleted_at = coalesce(u.deleted_at::timestamptz, now()), delete_reason = u.reason
       from unnest($4::text[], $5::text[], $6::text[]) as u(external_id, deleted_at, reason)
      where s.tenant_id = $1 and s.connection_id = $2 and s.stream = $3 and s.external_id = u.external_id
        and s.deleted_at is null
      returning s.canonical_type, s.canonical_id, s.delete_reason`,
    [
      input.tenantId,
      input.connectionId,
      input.stream,
      deleted.map((d) => d.externalId),
      deleted.map((d) => d.deletedAt),
      deleted.map((d) => d.reason),
    ],
  );
  await tombstoneCanonical(db, input, rows);
  return rows.length;
}

async function tombstoneCanonical(
  db: Queryable,
  scope: { tenantId: string; connectionId: string },
  rows: Tombstoned[],
): Promise<void> {
  const byType = new Map<string, { ids: string[]; reasons: string[] }>();
  for (const r of rows) {
    if (!r.canonical_type || !r.canonical_id) continue;
    const entry = byType.get(r.canonical_type) ?? { ids: [], reasons: [] };
    entry.ids.push(r.canonical_id);
    entry.reasons.push(r.delete_reason);
    byType.set(r.canonical_type, entry);
  }
  for (const [type, { ids, reasons }] of byType) {
    const table = canonicalTables[type as CanonicalType].table;
    const { rows: gone } = await db.query<{ id: string }>(
      `update ${table} t set deleted_at = now(), delete_reason = u.reason, updated_at = now()
         from unnest($1::uuid[], $2::text[]) as u(id, reason)
        where t.id = u.id and t.deleted_at is null
          and not exists (select 1 from source_records s where s.canonical_id = t.id and s.deleted_at is null)
        returning t.id`,
      [ids, reasons],
    );
    await appendEvents(
      db,
      scope,
      gone.map((g) => entityEvent(type, g.id, 'deleted')),
    );
  }
}

/**
 * Mark-and-sweep after a successful full sync: every live source record of the stream that the
 * run did not see is gone from the vendor. Never called for a failed or partial run.
 */
export async function sweepUnseen(
  db: Queryable,
  input: { tenantId: string; connectionId: string; stream: string; syncRunId: string },
): Promise<number> {
  const { rows } = await db.query<Tombstoned>(
    `update source_records
        set deleted_at = now(), delete_reason = $5
      where tenant_id = $1 and connection_id = $2 and stream = $3 and deleted_at is null
        and last_seen_run_id is distinct from $4
      returning canonical_type, canonical_id, delete_reason`,
    [
      input.tenantId,
      input.connectionId,
      input.stream,
      input.syncRunId,
      `not in the vendor's full listing (sync run ${input.syncRunId})`,
    ],
  );
  await tombstoneCanonical(db, input, rows);
  return rows.length;
}
