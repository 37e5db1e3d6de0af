// Writes one page of vendor records in one transaction: source records (raw payload + hash),
// quarantine for records that do not map, canonical entities merged field by field with
// provenance, the outbox events for every real change, vendor deletes as tombstones, the
// stream's checkpoint and the run's counts. Because the checkpoint commits with the data, a
// crash at any point resumes at a page boundary with nothing lost and nothing written twice;
// a replayed page finds the same hashes and writes nothing.
import { createHash, randomUUID } from 'node:crypto';
import type { DeletedRecord, Json, VendorRecord } from '../connectors/types.ts';
import type { CanonicalType } from '../domain/canonical.ts';
import {
  compactProvenance,
  expandProvenance,
  mergeLatestWins,
  type ProvenanceMap,
  type SourceStamp,
  stableStringify,
} from '../domain/merge.ts';
import { normalizeName } from '../domain/normalize.ts';
import { mapRecord, type Ref, type StreamMapping } from '../mappings/engine.ts';
import { canonicalTables, fieldsOf, rowToFields, toParam } from './canonical-tables.ts';
import type { PoolClient, Queryable } from './pool.ts';

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

interface Mapped {
  sourceId: number;
  externalId: string;
  canonicalId: string | null;
  /** The canonical entity does not exist yet: it is created with canonicalId. */
  isNew: boolean;
  entity: CanonicalType;
  draft: Record<string, unknown>;
  refs: Record<string, Ref>;
  stamp: SourceStamp;
}

export async function writePage(db: PoolClient, input: PageInput): Promise<PageCounts> {
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
  const mapped: Mapped[] = [];
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
          stamp: {
            connectionId: input.connectionId,
            sourceRecordId: prev?.id ?? 0,
            sourceUpdatedAt: r.updatedAt,
          },
        });
      }
    }
  }
  const refs = await resolveRefs(db, input, mapped);
  for (let i = mapped.length - 1; i >= 0; i--) {
    const m = mapped[i]!;
    const missing = canonicalTables[m.entity].requiredRefs.find((name) => !refs.get(m)?.[name]);
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
      m.canonicalId ??= randomUUID();
    }
  }

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
  if (remapped.length) {
    const relink = mapped.filter((m) => m.isNew && m.sourceId);
    if (relink.length) {
      await db.query(
        `update source_records s set canonical_type = u.canonical_type, canonical_id = u.canonical_id
           from unnest($1::bigint[], $2::text[], $3::uuid[]) as u(id, canonical_type, canonical_id) where s.id = u.id`,
        [relink.map((m) => m.sourceId), relink.map((m) => m.entity), relink.map((m) => m.canonicalId)],
      );
    }
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

  const written = await upsertCanonical(db, input, mapped, refs);
  counts.created += written.created;
  counts.updated += written.updated;
  counts.unchanged += written.unchanged;

  counts.deleted += await applyDeletes(db, input, input.deleted);

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
  return counts;
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

/** `update sync_runs … where id = $5` adding the count deltas given as parameters $first… */
function runCountsUpdate(first: number): string {
  const parts = countKeys.map((k, i) => `'${k}', coalesce((counts->>'${k}')::bigint, 0) + $${first + i}`);
  return `update sync_runs set counts = jsonb_build_object(${parts.join(', ')}) where id = $5`;
}

export async function addRunCounts(
  db: Queryable,
  syncRunId: string,
  delta: Partial<Record<(typeof countKeys)[number], number>>,
): Promise<void> {
  const parts = countKeys.map((k, i) => `'${k}', coalesce((counts->>'${k}')::bigint, 0) + $${i + 2}`);
  await db.query(`update sync_runs set counts = jsonb_build_object(${parts.join(', ')}) where id = $1`, [
    syncRunId,
    ...countKeys.map((k) => delta[k] ?? 0),
  ]);
}

async function resolveRefs(
  db: PoolClient,
  input: PageInput,
  mapped: Mapped[],
): Promise<Map<Mapped, Record<string, string | null>>> {
  const sourceKeys = new Map<string, { stream: string; externalId: string }>();
  const carrierNames = new Map<string, string>();
  for (const m of mapped) {
    for (const ref of Object.values(m.refs)) {
      if (ref.kind === 'source') sourceKeys.set(`${ref.stream}\u0000${ref.externalId}`, ref);
      else carrierNames.set(normalizeName(ref.name), ref.name);
    }
  }
  const sourceIds = new Map<string, string | null>();
  if (sourceKeys.size) {
    const keys = [...sourceKeys.values()];
    // Array keys on the unique index; a stream/id combination nobody asked for is ignored below.
    const { rows } = await db.query<{ stream: string; external_id: string; canonical_id: string | null }>(
      `select stream, external_id, canonical_id
         from source_records
        where tenant_id = $1 and connection_id = $2 and stream = any($3::text[]) and external_id = any($4::text[])
          and deleted_at is null`,
      [
        input.tenantId,
        input.connectionId,
        [...new Set(keys.map((k) => k.stream))],
        [...new Set(keys.map((k) => k.externalId))],
      ],
    );
    for (const row of rows) sourceIds.set(`${row.stream}\u0000${row.external_id}`, row.canonical_id);
  }
  const carrierIds = carrierNames.size
    ? await findOrCreateCarriers(db, input, carrierNames)
    : new Map<string, string>();
  const out = new Map<Mapped, Record<string, string | null>>();
  for (const m of mapped) {
    const resolved: Record<string, string | null> = {};
    for (const [name, ref] of Object.entries(m.refs)) {
      resolved[name] =
        ref.kind === 'source'
          ? (sourceIds.get(`${ref.stream}\u0000${ref.externalId}`) ?? null)
          : (carrierIds.get(normalizeName(ref.name)) ?? null);
    }
    out.set(m, resolved);
  }
  return out;
}

/** Carriers named on vendor records: found by normalised name, created once when new. */
async function findOrCreateCarriers(
  db: PoolClient,
  input: PageInput,
  names: Map<string, string>,
): Promise<Map<string, string>> {
  const normalized = [...names.keys()];
  const ids = new Map<string, string>();
  const find = async () => {
    const { rows } = await db.query<{ id: string; name_normalized: string }>(
      'select id, name_normalized from carriers where tenant_id = $1 and name_normalized = any($2::text[]) and deleted_at is null',
      [input.tenantId, normalized],
    );
    for (const r of rows) ids.set(r.name_normalized, r.id);
  };
  await find();
  const missing = normalized.filter((n) => !ids.has(n));
  if (missing.length) {
    const { rows } = await db.query<{ id: string }>(
      `insert into carriers (tenant_id, kind, name, name_normalized)
       select $1, 'carrier', u.name, u.norm from unnest($2::text[], $3::text[]) as u(name, norm)
       on conflict (tenant_id, name_normalized) where deleted_at is null do nothing
       returning id`,
      [input.tenantId, missing.map((n) => names.get(n)!), missing],
    );
    await insertEvents(
      db,
      input,
      rows.map((r) => ({ entityType: 'carrier', entityId: r.id, op: 'created', changedFields: [] })),
    );
    await find();
  }
  return ids;
}

interface EventRow {
  entityType: string;
  entityId: string;
  op: 'created' | 'updated' | 'deleted';
  changedFields: string[];
}

export async function insertEvents(
  db: Queryable,
  input: { tenantId: string; connectionId: string | null },
  events: EventRow[],
): Promise<void> {
  if (!events.length) return;
  await db.query(
    `insert into change_events (tenant_id, entity_type, entity_id, op, connection_id, changed_fields)
     select $1, u.entity_type, u.entity_id, u.op, $2, coalesce(string_to_array(u.fields, ','), '{}')
       from unnest($3::text[], $4::uuid[], $5::text[], $6::text[]) with ordinality as u(entity_type, entity_id, op, fields, n)
      order by u.n`,
    [
      input.tenantId,
      input.connectionId,
      events.map((e) => e.entityType),
      events.map((e) => e.entityId),
      events.map((e) => e.op),
      events.map((e) => (e.changedFields.length ? e.changedFields.join(',') : null)),
    ],
  );
}

async function upsertCanonical(
  db: PoolClient,
  input: PageInput,
  mapped: Mapped[],
  refs: Map<Mapped, Record<string, string | null>>,
): Promise<{ created: number; updated: number; unchanged: number }> {
  const result = { created: 0, updated: 0, unchanged: 0 };
  const byEntity = new Map<CanonicalType, Mapped[]>();
  for (const m of mapped) byEntity.set(m.entity, [...(byEntity.get(m.entity) ?? []), m]);

  for (const [entity, items] of byEntity) {
    const table = canonicalTables[entity];
    const fields = fieldsOf(entity);
    const linkedIds = items.filter((m) => !m.isNew).map((m) => m.canonicalId!);
    const current = new Map<
      string,
      { fields: Record<string, unknown>; provenance: ProvenanceMap; deleted: boolean }
    >();
    if (linkedIds.length) {
      const { rows } = await db.query(`select * from ${table.table} where id = any($1::uuid[]) for update`, [
        linkedIds,
      ]);
      for (const row of rows) {
        current.set(row.id, {
          fields: rowToFields(entity, row),
          provenance: expandProvenance(row.provenance),
          deleted: row.deleted_at !== null,
        });
      }
    }

    const inserts = new Map<
      string,
      { id: string; values: Record<string, unknown>; provenance: ProvenanceMap }
    >();
    const updates: {
      id: string;
      values: Record<string, unknown>;
      provenance: ProvenanceMap;
      changed: string[];
    }[] = [];
    for (const m of items) {
      const id = m.canonicalId!;
      const pending = inserts.get(id);
      const existing =
        current.get(id) ??
        (pending ? { fields: pending.values, provenance: pending.provenance, deleted: false } : undefined);
      const incoming = table.values(m.draft as never, refs.get(m) ?? {}, {
        provider: input.provider,
        current: existing?.fields ?? null,
      });
      if (!existing) {
        const merged = mergeLatestWins(null, {}, incoming, fields, m.stamp);
        inserts.set(id, { id, values: merged.values, provenance: merged.provenance });
        continue;
      }
      const merged = mergeLatestWins(existing.fields, existing.provenance, incoming, fields, m.stamp);
      if (pending) {
        inserts.set(id, { id, values: merged.values, provenance: merged.provenance });
      } else if (merged.changedFields.length || existing.deleted) {
        updates.push({
          id,
          values: merged.values,
          provenance: merged.provenance,
          changed: merged.changedFields,
        });
        current.set(id, { fields: merged.values, provenance: merged.provenance, deleted: false });
      } else {
        result.unchanged++;
      }
    }

    if (inserts.size) {
      const rows = [...inserts.values()];
      const cols = table.columns;
      const params: unknown[] = [
        input.tenantId,
        rows.map((i) => i.id),
        rows.map((i) => JSON.stringify(compactProvenance(i.provenance))),
      ];
      for (const c of cols) params.push(rows.map((i) => toParam(i.values[c.field], c.cast)));
      const arrays = cols.map((c, n) => `$${n + 4}::${c.cast === 'jsonb' ? 'text' : c.cast}[]`);
      await db.query(
        `insert into ${table.table} (tenant_id, id, provenance, ${cols.map((c) => c.column).join(', ')})
         select $1, u.id, u.provenance::jsonb, ${cols.map((c) => (c.cast === 'jsonb' ? `u.${c.column}::jsonb` : `u.${c.column}`)).join(', ')}
           from unnest($2::uuid[], $3::text[], ${arrays.join(', ')}) as u(id, provenance, ${cols.map((c) => c.column).join(', ')})`,
        params,
      );
      await insertEvents(
        db,
        input,
        rows.map((i) => ({ entityType: entity, entityId: i.id, op: 'created', changedFields: [] })),
      );
      result.created += rows.length;
    }

    if (updates.length) {
      // One row per entity: if a page carried two records of one entity, the last merge wins.
      const last = new Map(updates.map((u) => [u.id, u]));
      const rows = [...last.values()];
      const cols = table.columns;
      const params: unknown[] = [
        rows.map((u) => u.id),
        rows.map((u) => JSON.stringify(compactProvenance(u.provenance))),
      ];
      for (const c of cols) params.push(rows.map((u) => toParam(u.values[c.field], c.cast)));
      const arrays = cols.map((c, n) => `$${n + 3}::${c.cast === 'jsonb' ? 'text' : c.cast}[]`);
      await db.query(
        `update ${table.table} t
            set provenance = u.provenance::jsonb, updated_at = now(), deleted_at = null, delete_reason = null,
                ${cols.map((c) => `${c.column} = ${c.cast === 'jsonb' ? `u.${c.column}::jsonb` : `u.${c.column}`}`).join(', ')}
           from unnest($1::uuid[], $2::text[], ${arrays.join(', ')}) as u(id, provenance, ${cols.map((c) => c.column).join(', ')})
          where t.id = u.id`,
        params,
      );
      const changedById = new Map<string, Set<string>>();
      for (const u of updates)
        changedById.set(u.id, new Set([...(changedById.get(u.id) ?? []), ...u.changed]));
      await insertEvents(
        db,
        input,
        rows.map((u) => ({
          entityType: entity,
          entityId: u.id,
          op: 'updated',
          changedFields: [...(changedById.get(u.id) ?? [])].sort(),
        })),
      );
      result.updated += updates.length;
    }
  }
  return result;
}

/**
 * Vendor deletes become tombstones on the source records; a canonical entity is deleted (softly,
 * with when and why) only once no live source record still describes it.
 */
export async function applyDeletes(
  db: Queryable,
  input: { tenantId: string; connectionId: string; stream: string },
  deleted: DeletedRecord[],
): Promise<number> {
  if (!deleted.length) return 0;
  const { rows } = await db.query<{
    canonical_type: string | null;
    canonical_id: string | null;
    delete_reason: string;
  }>(
    `update source_records s
        set deleted_at = coalesce(u.deleted_at::timestamptz, now()), delete_reason = u.reason
       from unnest($4::text[], $5::text[], $6::text[]) as u(external_id, deleted_at, reason)
      where s.tenant_id = $1 and s.connection_id = $2 and s.stream = $3 and s.external_id = u.external_id and s.deleted_at is null
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
  return tombstoneCanonical(
    db,
    { tenantId: input.tenantId, connectionId: input.connectionId },
    rows,
    rows.length,
  );
}

export async function tombstoneCanonical(
  db: Queryable,
  input: { tenantId: string; connectionId: string },
  rows: { canonical_type: string | null; canonical_id: string | null; delete_reason: string }[],
  sourceCount: number,
): Promise<number> {
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
    await insertEvents(
      db,
      input,
      gone.map((g) => ({ entityType: type, entityId: g.id, op: 'deleted', changedFields: [] })),
    );
  }
  return sourceCount;
}

/**
 * Mark-and-sweep after a successful full sync: every live source record of the stream that the
 * run did not see is gone from the vendor. Never called for a failed or partial run.
 */
export async function sweepUnseen(
  db: Queryable,
  input: { tenantId: string; connectionId: string; stream: string; syncRunId: string },
): Promise<number> {
  const { rows } = await db.query<{
    canonical_type: string | null;
    canonical_id: string | null;
    delete_reason: string;
  }>(
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
  return tombstoneCanonical(db, input, rows, rows.length);
}
