// Resolving what a mapped record points at: other records of the same connection (a deal's
// company, a policy's carrier record) to their canonical ids, and carriers named in free text to
// the tenant's carrier of that name (created once when new).
import type { CanonicalType } from '../domain/canonical.ts';
import { normalizeName } from '../domain/normalize.ts';
import type { Ref } from '../mappings/engine.ts';
import { appendEvents, entityEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';

export interface RefScope {
  tenantId: string;
  connectionId: string;
}

export async function resolveRefs<T extends { refs: Record<string, Ref> }>(
  db: Queryable,
  scope: RefScope,
  items: T[],
): Promise<Map<T, Record<string, string | null>>> {
  const sourceKeys = new Map<string, { stream: string; externalId: string }>();
  const carrierNames = new Map<string, string>();
  for (const m of items) {
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
        scope.tenantId,
        scope.connectionId,
        [...new Set(keys.map((k) => k.stream))],
        [...new Set(keys.map((k) => k.externalId))],
      ],
    );
    for (const row of rows) sourceIds.set(`${row.stream}\u0000${row.external_id}`, row.canonical_id);
  }
  const carrierIds = carrierNames.size
    ? await findOrCreateCarriers(db, scope, carrierNames)
    : new Map<string, string>();
  const out = new Map<T, Record<string, string | null>>();
  for (const m of items) {
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
  db: Queryable,
  scope: RefScope,
  names: Map<string, string>,
): Promise<Map<string, string>> {
  const normalized = [...names.keys()];
  const ids = new Map<string, string>();
  const find = async () => {
    const { rows } = await db.query<{ id: string; name_normalized: string }>(
      'select id, name_normalized from carriers where tenant_id = $1 and name_normalized = any($2::text[]) and deleted_at is null',
      [scope.tenantId, normalized],
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
      [scope.tenantId, missing.map((n) => names.get(n)!), missing],
    );
    await appendEvents(
      db,
      scope,
      rows.map((r) => entityEvent('carrier' satisfies CanonicalType, r.id, 'created')),
    );
    await find();
  }
  return ids;
}
