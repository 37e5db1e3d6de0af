// Writes one page of vendor records in one transaction: source records (raw payload + hash),
// quarantine for records that do not map, canonical entities merged field by field with
// provenance, the outbox events for every real change, vendor deletes as tombstones, the
// stream's checkpoint and the run's counts. Because the checkpoint commits with the data, a
// crash at any point resumes at a page boundary with nothing lost and nothing written twice;
// a replayed page finds the same hashes and writes nothing.
import { createHash } from 'node:crypto';
import type { DeletedRecord, Json, VendorRecord } from '../connectors/types.ts';
import { type MergeRules, stableStringify } from '../domain/merge.ts';
import { mapRecord, type StreamMapping } from '../mappings/engine.ts';
import { canonicalTables } from './canonical-tables.ts';
import { assignCanonicalIds, type MappedRecord, upsertCanonical } from './canonical-writer.ts';
import type { PoolClient, Queryable } from './pool.ts';
import { resolveProducers } from './producer-resolution.ts';
import { resolveRefs } from './references.ts';
import { applyDeletes } from './tombstones.ts';

export interface PageCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  skipped: number;
}

export const zeroCounts = (): PageCounts => ({
  read: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  quarantined: 0,
  skipped: 0,
});

export function addCounts(a: PageCounts, b: Partial<PageCounts>): PageCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof PageCounts)[]) out[k] += b[k] ?? 0;
  return out;
}

export interface PageInput {
  tenantId: string;
  connectionId: string;
  provider: string;
  stream: string;
  syncRunId: string;
  mode: 'full' | 'incremental';
  mapping: StreamMapping | null;
  records: VendorRecord[];
  deleted: DeletedRecord[];
  /** Where the next page starts; null when this page finishes the stream. */
  checkpoint: Json;
  /** The stream's new cursor, stored when the stream finishes. */
  cursor: Json;
  /** Re-map records even when their payload is unchanged (after a mapping change). */
  remap?: boolean;
  /** False when the stream is known to have no open quarantine: skips resolving it. */
  openQuarantine?: boolean;
  /** How many vendor pages these records came in (for the run's counts). */
  pages?: number;
  /** The tenant's merge rules (latest wins where none is set). */
  rules?: MergeRules;
}

export interface PageResult extends PageCounts {
  /** Conflicts this page opened; the caller starts a decision workflow for each after commit. */
  openedConflicts: string[];
}

/** The checkpoint a finished stream keeps for its run, so a retried activity knows it is done. */
export const STREAM_DONE = { done: true } as const;

export function payloadHash(payload: unknown): string {
  return createHash('sha256').update(stableStringify(payload)).digest('base64url');
}

interface ExistingSource {
  id: number;
  external_id: string;
  payload_hash: string;
  deleted: boolean;
  canonical_id: string | null;
}

export async function writePage(db: PoolClient, input: PageInput): Promise<PageResult> {
  const counts = zeroCounts();
  // The last occurrence of an id in a page wins (a record edited while we paged).
  const byId = new Map<string, VendorRecord>();
  for (const r of input.records) byId.set(r.externalId, r);
  const records = [...byId.values()];
  counts.read = records.length;
  const hashes = new Map(records.map((r) => [r.externalId, payloadHash(r.payload)]));

  const existing = new Map<string, ExistingSource>();
  if (records.length) {
    const { rows } = await db.query<ExistingSource>(
      `select id, external_id, payload_hash, deleted_at is not null as deleted, canonical_id
         from source_records
        where tenant_id = $1 and connection_id = $2 and stream = $3 and external_id = any($4::text[])`,
      [input.tenantId, input.connectionId, input.stream, records.map((r) => r.externalId)],
    );
    for (const row of rows) existing.set(row.external_id, row);
  }

  const changed: VendorRecord[] = [];
  const unchangedIds: number[] = [];
  const remapped: VendorRecord[] = [];
  for (const r of records) {
    const prev = existing.get(r.externalId);
    if (prev && !prev.deleted && prev.payload_hash === hashes.get(r.externalId)) {
      unchangedIds.push(prev.id);
      if (input.remap) remapped.push(r);
      else counts.unchanged++;
    } else {
      changed.push(r);
    }
  }
  if (unchangedIds.length && input.mode === 'full') {
    await db.query('update source_records set last_seen_run_id = $1 where id = any($2::bigint[])', [
      input.syncRunId,
      unchangedIds,
    ]);
  }

  // Map before writing, so each source record is written once, already linked to its entity.
  const mapped: MappedRecord[] = [];
  const quarantine: { externalId: string; payload: unknown; field: string | null; reason: string }[] = [];
  const mappedOk: string[] = [];
  if (input.mapping) {
    for (const r of [...changed, ...remapped]) {
      const result = mapRecord(input.mapping, r.payload);
      if (result.ok === 'skip') {
        counts.skipped++;
        mappedOk.push(r.externalId);
      } else if (result.ok === false) {
        quarantine.push({
          externalId: r.externalId,
          payload: r.payload,
          field: result.field,
          reason: result.reason,
        });
      } else {
        const prev = existing.get(r.externalId);
        mapped.push({
          sourceId: prev?.id ?? 0,
          externalId: r.externalId,
          canonicalId: prev?.canonical_id ?? null,
          isNew: !prev?.canonical_id,
          entity: result.entity,
          draft: result.draft as Record<string, unknown>,
          refs: result.refs,
          resolved: {},
          stamp: {
            connectionId: input.connectionId,
            provider: input.provider,
            sourceRecordId: prev?.id ?? 0,
            sourceUpdatedAt: r.updatedAt,
          },
        });
      }
    }
  }
  const scope = {
    tenantId: input.tenantId,
    connectionId: input.connectionId,
    stream: input.stream,
    provider: input.provider,
  };
  const resolved = await resolveRefs(db, scope, mapped);
  for (let i = mapped.length - 1; i >= 0; i--) {
    const m = mapped[i]!;
    m.resolved = resolved.get(m) ?? {};
    const missing = canonicalTables[m.entity].requiredRefs.find((name) => !m.resolved[name]);
    if (missing) {
      quarantine.push({
        externalId: m.externalId,
        payload: byId.get(m.externalId)?.payload ?? null,
        field: missing,
        reason: `${missing}: refers to a record that is not known`,
      });
      mapped.splice(i, 1);
    } else {
      mappedOk.push(m.externalId);
    }
  }
  const unlinked = new Set(mapped.filter((m) => m.isNew).map((m) => m.externalId));
  await assignCanonicalIds(db, scope, mapped);

  if (changed.length) {
    const canonicalOf = new Map(mapped.map((m) => [m.externalId, m]));
    const { rows } = await db.query<{ id: number; external_id: string }>(
      `insert into source_records (tenant_id, connection_id, stream, external_id, payload, payload_hash, vendor_updated_at,
                                   last_seen_run_id, canonical_type, canonical_id)
       select $1, $2, $3, u.external_id, u.payload::jsonb, u.hash, u.updated_at::timestamptz, $4, u.canonical_type, u.canonical_id
         from unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[])
              as u(external_id, payload, hash, updated_at, canonical_type, canonical_id)
       on conflict (tenant_id, connection_id, stream, external_id) do update
          set payload = excluded.payload, payload_hash = excluded.payload_hash,
              vendor_updated_at = excluded.vendor_updated_at, last_changed_at = now(),
              last_seen_run_id = excluded.last_seen_run_id, deleted_at = null, delete_reason = null,
              canonical_type = coalesce(excluded.canonical_type, source_records.canonical_type),
              canonical_id = coalesce(excluded.canonical_id, source_records.canonical_id)
       returning id, external_id`,
      [
        input.tenantId,
        input.connectionId,
        input.stream,
        input.syncRunId,
        changed.map((r) => r.externalId),
        changed.map((r) => JSON.stringify(r.payload)),
        changed.map((r) => hashes.get(r.externalId)!),
        changed.map((r) => r.updatedAt),
        changed.map((r) => canonicalOf.get(r.externalId)?.entity ?? null),
        changed.map((r) => canonicalOf.get(r.externalId)?.canonicalId ?? null),
      ],
    );
    for (const row of rows) {
      const m = canonicalOf.get(row.external_id);
      if (m) {
        m.sourceId = row.id;
        m.stamp.sourceRecordId = row.id;
      }
    }
  }
  // Unchanged records mapped again (after a mapping change) that had no entity yet get linked.
  const relink = remapped.length
    ? mapped.filter((m) => unlinked.has(m.externalId) && existing.get(m.externalId))
    : [];
  if (relink.length) {
    await db.query(
      `update source_records s set canonical_type = u.canonical_type, canonical_id = u.canonical_id
         from unnest($1::bigint[], $2::text[], $3::uuid[]) as u(id, canonical_type, canonical_id) where s.id = u.id`,
      [relink.map((m) => m.sourceId), relink.map((m) => m.entity), relink.map((m) => m.canonicalId)],
    );
  }

  if (quarantine.length) {
    await db.query(
      `insert into quarantined_records (tenant_id, connection_id, sync_run_id, stream, external_id, payload, field, reason)
       select $1, $2, $3, $4, u.external_id, u.payload::jsonb, u.field, u.reason
         from unnest($5::text[], $6::text[], $7::text[], $8::text[]) as u(external_id, payload, field, reason)
       on conflict (connection_id, stream, external_id) do update
          set payload = excluded.payload, field = excluded.field, reason = excluded.reason,
              sync_run_id = excluded.sync_run_id, last_seen_at = now(), resolved_at = null`,
      [
        input.tenantId,
        input.connectionId,
        input.syncRunId,
        input.stream,
        quarantine.map((q) => q.externalId),
        quarantine.map((q) => JSON.stringify(q.payload)),
        quarantine.map((q) => q.field),
        quarantine.map((q) => q.reason),
      ],
    );
    counts.quarantined += quarantine.length;
  }
  if (mappedOk.length && input.openQuarantine !== false) {
    await db.query(
      `update quarantined_records set resolved_at = now()
        where connection_id = $1 and stream = $2 and external_id = any($3::text[]) and resolved_at is null`,
      [input.connectionId, input.stream, mappedOk],
    );
  }

  const written = await upsertCanonical(db, scope, mapped, input.rules);
  counts.created += written.created;
  counts.updated += written.updated;
  counts.unchanged += written.unchanged;

  counts.deleted += await applyDeletes(db, input, input.deleted);
  // Producers another system already described under a code or a name become one.
  if (input.mapping?.entity === 'producer') counts.updated += await resolveProducers(db, scope);

  // Checkpoint and counts commit with the data, in one round trip.
  const done = input.checkpoint === null;
  const delta = { ...counts, pages: input.pages ?? 1 };
  await db.query(
    `with checkpoint as (
       insert into connection_streams (tenant_id, connection_id, stream, checkpoint, checkpoint_run_id, cursor, updated_at)
       values ($1, $2, $3, $4::jsonb, $5, $6::jsonb, now())
       on conflict (connection_id, stream) do update
          set checkpoint = excluded.checkpoint, checkpoint_run_id = excluded.checkpoint_run_id,
              cursor = case when $7 then excluded.cursor else connection_streams.cursor end, updated_at = now()
       returning 1)
     ${runCountsUpdate(8)}`,
    [
      input.tenantId,
      input.connectionId,
      input.stream,
      JSON.stringify(done ? STREAM_DONE : input.checkpoint),
      input.syncRunId,
      done ? JSON.stringify(input.cursor) : null,
      done,
      ...countKeys.map((k) => delta[k] ?? 0),
    ],
  );
  return { ...counts, openedConflicts: written.openedConflicts };
}

/** Whether any quarantined record of this stream is still open (if not, resolving can be skipped). */
export async function hasOpenQuarantine(
  db: Queryable,
  connectionId: string,
  stream: string,
): Promise<boolean> {
  const { rows } = await db.query(
    'select 1 from quarantined_records where connection_id = $1 and stream = $2 and resolved_at is null limit 1',
    [connectionId, stream],
  );
  return rows.length > 0;
}

const countKeys = [
  'read',
  'created',
  'updated',
  'unchanged',
  'deleted',
  'quarantined',
  'skipped',
  'pages',
] as const;

/**
 * `update sync_runs … where id = $5` adding the count deltas given as parameters $first…; a page
 * that arrived means the vendor answers again, so a vendor error noted while retrying is cleared.
 */
function runCountsUpdate(first: number): string {
  const parts = countKeys.map((k, i) => `'${k}', coalesce((counts->>'${k}')::bigint, 0) + $${first + i}`);
  return `update sync_runs set counts = jsonb_build_object(${parts.join(', ')}), error = null, failure_class = null where id = $5`;
}
