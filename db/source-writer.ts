// Records that arrive outside a sync (the API's own writes, inbound pushes from an AMS, CRM or
// rater) take the same path as a sync page: each is kept as a source record of a connection that
// stands for its origin, matched to the entity other systems already describe, and merged field
// by field under the tenant's rules with provenance, emitting the same outbox events. So a later
// sync sees an API-made policy as one more source, and latest-wins or a conflict decide between them.
import { createHash, randomUUID } from 'node:crypto';
import type { CanonicalType } from '../domain/canonical.ts';
import type { MergeRules } from '../domain/merge.ts';
import { assignCanonicalIds, type MappedRecord, upsertCanonical } from './canonical-writer.ts';
import { payloadHash } from './page-writer.ts';
import type { Queryable } from './pool.ts';

export interface SourceScope {
  tenantId: string;
  connectionId: string;
  /** The stamp's provider in provenance ('api', 'inbound'), which merge rules can rank. */
  provider: string;
  stream: string;
}

export interface SourceWrite {
  externalId: string;
  /** Kept as the source record's payload (what the caller sent). */
  payload: unknown;
  entity: CanonicalType;
  /** A draft already validated against the entity's schema (domain/canonical.ts). */
  draft: Record<string, unknown>;
  /** References already resolved to canonical ids (clientId, carrierId, …). */
  resolved: Record<string, string | null>;
  /** Describe this entity (an API update of a policy another system created). */
  canonicalId?: string;
  /** When the origin changed the record; now when not given. Latest-wins compares these. */
  updatedAt?: string;
  /** An update that carries only some fields (an inbound push): what it omits is left as it is. */
  partial?: boolean;
}

export interface SourceWriteOutcome {
  externalId: string;
  canonicalId: string;
  status: 'created' | 'updated' | 'unchanged';
}

export interface SourceWriteResult {
  items: SourceWriteOutcome[];
  /** Conflicts opened; the caller starts a decision workflow for each after commit. */
  openedConflicts: string[];
}

/**
 * The connection a non-sync origin writes through, made on first use. Its id derives from the
 * tenant and the key, so concurrent first writes agree on it without a lock.
 */
export async function ensureSourceConnection(
  db: Queryable,
  tenantId: string,
  key: string,
  info: { provider: string; displayName: string; settings?: Record<string, unknown> },
): Promise<string> {
  const id = derivedUuid(`${tenantId}\u0000${key}`);
  await db.query(
    `insert into connections (id, tenant_id, provider, display_name, settings) values ($1, $2, $3, $4, $5::jsonb)
     on conflict (id) do nothing`,
    [
      id,
      tenantId,
      info.provider,
      info.displayName,
      JSON.stringify({ baseUrl: '', origin: key, ...info.settings }),
    ],
  );
  return id;
}

/** A stable UUID (version 8, RFC 9562 "custom") from a name. */
export function derivedUuid(name: string): string {
  const b = createHash('sha256').update(name).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export async function writeSourceRecords(
  db: Queryable,
  scope: SourceScope,
  writes: SourceWrite[],
  rules: MergeRules | undefined,
  opts: { skipUnchanged?: boolean } = {},
): Promise<SourceWriteResult> {
  const byId = new Map<string, SourceWrite>();
  for (const w of writes) byId.set(w.externalId, w);
  const records = [...byId.values()];
  if (!records.length) return { items: [], openedConflicts: [] };
  const hashes = new Map(records.map((r) => [r.externalId, payloadHash(r.payload)]));
  const { rows: existingRows } = await db.query<{
    id: number;
    external_id: string;
    payload_hash: string;
    deleted: boolean;
    canonical_id: string | null;
  }>(
    `select id, external_id, payload_hash, deleted_at is not null as deleted, canonical_id from source_records
      where tenant_id = $1 and connection_id = $2 and stream = $3 and external_id = any($4::text[])`,
    [scope.tenantId, scope.connectionId, scope.stream, records.map((r) => r.externalId)],
  );
  const existing = new Map(existingRows.map((r) => [r.external_id, r]));

  const items: SourceWriteOutcome[] = [];
  const mapped: MappedRecord[] = [];
  const now = new Date().toISOString();
  for (const w of records) {
    const prev = existing.get(w.externalId);
    const linked = w.canonicalId ?? prev?.canonical_id ?? null;
    if (
      opts.skipUnchanged &&
      prev &&
      !prev.deleted &&
      prev.canonical_id &&
      prev.payload_hash === hashes.get(w.externalId)
    ) {
      items.push({ externalId: w.externalId, canonicalId: prev.canonical_id, status: 'unchanged' });
      continue;
    }
    mapped.push({
      sourceId: prev?.id ?? 0,
      externalId: w.externalId,
      canonicalId: linked,
      isNew: !linked,
      entity: w.entity,
      draft: w.draft,
      refs: {},
      resolved: w.resolved,
      partial: w.partial,
      stamp: {
        connectionId: scope.connectionId,
        provider: scope.provider,
        sourceRecordId: prev?.id ?? 0,
        sourceUpdatedAt: w.updatedAt ?? now,
      },
    });
  }
  await assignCanonicalIds(db, scope, mapped);
  // A forced link to an entity that does not exist yet (never the API's case) creates it.
  const created = new Set(mapped.filter((m) => m.isNew).map((m) => m.externalId));

  if (mapped.length) {
    const { rows } = await db.query<{ id: number; external_id: string }>(
      `insert into source_records (tenant_id, connection_id, stream, external_id, payload, payload_hash, vendor_updated_at,
                                   canonical_type, canonical_id)
       select $1, $2, $3, u.external_id, u.payload::jsonb, u.hash, u.updated_at::timestamptz, u.canonical_type, u.canonical_id
         from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::uuid[])
              as u(external_id, payload, hash, updated_at, canonical_type, canonical_id)
       on conflict (tenant_id, connection_id, stream, external_id) do update
          set payload = excluded.payload, payload_hash = excluded.payload_hash,
              vendor_updated_at = excluded.vendor_updated_at, last_changed_at = now(),
              deleted_at = null, delete_reason = null,
              canonical_type = excluded.canonical_type, canonical_id = excluded.canonical_id
       returning id, external_id`,
      [
        scope.tenantId,
        scope.connectionId,
        scope.stream,
        mapped.map((m) => m.externalId),
        mapped.map((m) => JSON.stringify(byId.get(m.externalId)!.payload)),
        mapped.map((m) => hashes.get(m.externalId)!),
        mapped.map((m) => m.stamp.sourceUpdatedAt),
        mapped.map((m) => m.entity),
        mapped.map((m) => m.canonicalId),
      ],
    );
    const byExternal = new Map(mapped.map((m) => [m.externalId, m]));
    for (const row of rows) {
      const m = byExternal.get(row.external_id)!;
      m.sourceId = row.id;
      m.stamp.sourceRecordId = row.id;
    }
  }
  const written = await upsertCanonical(db, scope, mapped, rules);
  for (const m of mapped)
    items.push({
      externalId: m.externalId,
      canonicalId: m.canonicalId!,
      status: created.has(m.externalId) ? 'created' : 'updated',
    });
  return { items, openedConflicts: written.openedConflicts };
}

/** A fresh external id for a record the API creates. */
export const newExternalId = (): string => randomUUID();
