// Canonical entities from mapped source records. A record not yet linked to an entity is first
// matched against what other systems already described (a policy by normalised number and term,
// a client by the agency's lookup code, then email, then name and postal code, a producer as
// db/producer-resolution.ts says), so the same
// policy in the AMS and as a CRM deal becomes one entity. Fields then merge under the tenant's
// rules with per-field provenance; a manual rule turns a disagreement into an open conflict.
import { randomUUID } from 'node:crypto';
import type { CanonicalType, Draft } from '../domain/canonical.ts';
import {
  compactProvenance,
  expandProvenance,
  type FieldConflict,
  type MergeRules,
  mergeWithRules,
  type ProvenanceMap,
  ruleFor,
  type SourceStamp,
  sameValue,
} from '../domain/merge.ts';
import { namesCouldMatch } from '../domain/normalize.ts';
import type { Ref } from '../mappings/engine.ts';
import { canonicalTables, fieldsOf, rowToFields, toParam } from './canonical-tables.ts';
import { appendEvents, entityEvent, type OutboxEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';
import { assignProducers } from './producer-resolution.ts';

export interface MappedRecord {
  sourceId: number;
  externalId: string;
  /** The entity this record describes; set by assignCanonicalIds for records not yet linked. */
  canonicalId: string | null;
  /** The entity does not exist yet: it is created with canonicalId. */
  isNew: boolean;
  entity: CanonicalType;
  draft: Record<string, unknown>;
  refs: Record<string, Ref>;
  resolved: Record<string, string | null>;
  stamp: SourceStamp;
  /** The record states only what it carries: an absent (null) field is left as it is, not cleared. */
  partial?: boolean;
}

export interface WriteScope {
  tenantId: string;
  connectionId: string;
  stream: string;
  provider: string;
}

interface Candidate {
  id: string;
  keys: string[];
  /** The client's normalised name, to corroborate a code match. */
  name: string | null;
}

/** Keys that identify the same real thing across systems, strongest first. */
function matchKeys(entity: CanonicalType, v: Record<string, unknown>): string[] {
  const keys: string[] = [];
  const add = (k: string, ...parts: unknown[]) => {
    if (parts.every((p) => p !== null && p !== undefined && p !== '')) keys.push(`${k}:${parts.join('|')}`);
  };
  switch (entity) {
    case 'policy':
      add('term', v.policyNumberNormalized, v.effectiveDate);
      break;
    case 'client':
      // Client codes compare without case: "gomelan-01" in the CRM is Epic's "GOMELAN-01".
      add('code', typeof v.lookupCode === 'string' ? v.lookupCode.toUpperCase() : v.lookupCode);
      add('email', v.email);
      add('name', v.nameNormalized, (v.address as { postalCode?: string } | null)?.postalCode);
      break;
    case 'carrier':
      add('naic', v.naicCode);
      add('name', v.nameNormalized);
      break;
    case 'policy_transaction':
      add('txn', v.policyId, v.type, v.effectiveDate);
      break;
  }
  return keys;
}

/** Live entities of the tenant that share a key with the incoming ones and no record of this source. */
async function findCandidates(
  db: Queryable,
  scope: WriteScope,
  entity: CanonicalType,
  incoming: Record<string, unknown>[],
): Promise<Candidate[]> {
  const table = canonicalTables[entity].table;
  const notFromThisSource = `not exists (select 1 from source_records s where s.canonical_id = t.id and s.connection_id = $2
                                                and s.stream = $3 and s.deleted_at is null)`;
  const distinct = (f: string) => [
    ...new Set(incoming.map((v) => v[f]).filter((x) => x !== null && x !== undefined)),
  ];
  let rows: Record<string, unknown>[] = [];
  const base = [scope.tenantId, scope.connectionId, scope.stream];
  switch (entity) {
    case 'policy':
      ({ rows } = await db.query(
        `select t.id, t.policy_number_normalized, t.effective_date from ${table} t
          where t.tenant_id = $1 and t.deleted_at is null and t.policy_number_normalized = any($4::text[]) and ${notFromThisSource}`,
        [...base, distinct('policyNumberNormalized')],
      ));
      break;
    case 'client':
      ({ rows } = await db.query(
        `select t.id, t.lookup_code, t.email, t.name_normalized, t.address from ${table} t
          where t.tenant_id = $1 and t.deleted_at is null
            and (upper(t.lookup_code) = any($4::text[]) or t.email = any($5::text[]) or t.name_normalized = any($6::text[]))
            and ${notFromThisSource}`,
        [
          ...base,
          distinct('lookupCode').map((c) => String(c).toUpperCase()),
          distinct('email'),
          distinct('nameNormalized'),
        ],
      ));
      break;
    case 'carrier':
      ({ rows } = await db.query(
        `select t.id, t.naic_code, t.name_normalized from ${table} t
          where t.tenant_id = $1 and t.deleted_at is null and (t.naic_code = any($4::text[]) or t.name_normalized = any($5::text[]))
            and ${notFromThisSource}`,
        [...base, distinct('naicCode'), distinct('nameNormalized')],
      ));
      break;
    case 'policy_transaction':
      ({ rows } = await db.query(
        `select t.id, t.policy_id, t.type, t.effective_date from ${table} t
          where t.tenant_id = $1 and t.deleted_at is null and t.policy_id = any($4::uuid[]) and ${notFromThisSource}`,
        [...base, distinct('policyId')],
      ));
      break;
  }
  return rows.map((r) => ({
    id: r.id as string,
    keys: matchKeys(entity, rowToFields(entity, r)),
    name: (r.name_normalized as string | undefined) ?? null,
  }));
}

/**
 * Gives every record that is not yet linked the entity it describes: an existing one from
 * another system when a key matches, else a new one (shared by records of this page that match
 * each other).
 */
export async function assignCanonicalIds(
  db: Queryable,
  scope: WriteScope,
  items: MappedRecord[],
): Promise<void> {
  const byEntity = new Map<CanonicalType, MappedRecord[]>();
  for (const m of items) if (m.isNew) byEntity.set(m.entity, [...(byEntity.get(m.entity) ?? []), m]);
  for (const [entity, records] of byEntity) {
    const table = canonicalTables[entity];
    const values = records.map((m) =>
      table.values(m.draft as Draft, m.resolved, { provider: scope.provider, current: null }),
    );
    // Producers have rules of their own: db/producer-resolution.ts.
    if (entity === 'producer') {
      await assignProducers(db, scope, records, values);
      continue;
    }
    // Each key's entities in the order found; most keys take the first, a code the first whose name agrees.
    const index = new Map<string, string[]>();
    const names = new Map<string, string | null>();
    const remember = (k: string, id: string) => {
      const ids = index.get(k) ?? [];
      if (!ids.includes(id)) index.set(k, [...ids, id]);
    };
    for (const c of await findCandidates(db, scope, entity, values)) {
      names.set(c.id, c.name);
      for (const k of c.keys) remember(k, c.id);
    }
    records.forEach((m, i) => {
      const keys = matchKeys(entity, values[i]!);
      const name = (values[i]!.nameNormalized as string | null | undefined) ?? null;
      // A client code is unique only inside the system that issued it (HawkSoft's client 1001 and
      // QuickBooks' account 1001 are different people), so it merges only when the names could
      // be the same party. Without the code, email and name-with-postcode still apply.
      const agrees = (k: string, id: string) => {
        if (!k.startsWith('code:')) return true;
        const other = names.get(id);
        return !name || !other || namesCouldMatch(name, other);
      };
      let found: string | undefined;
      for (const k of keys) {
        found = (index.get(k) ?? []).find((id) => agrees(k, id));
        if (found) break;
      }
      if (found) {
        m.canonicalId = found;
        m.isNew = false;
      } else {
        m.canonicalId = randomUUID();
        names.set(m.canonicalId, name);
      }
      for (const k of keys) remember(k, m.canonicalId!);
    });
  }
}

export interface CanonicalWriteResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Conflicts opened by this write; a workflow waits on each for a decision. */
  openedConflicts: string[];
}

export async function upsertCanonical(
  db: Queryable,
  scope: WriteScope,
  items: MappedRecord[],
  rules: MergeRules | undefined,
): Promise<CanonicalWriteResult> {
  const result: CanonicalWriteResult = { created: 0, updated: 0, unchanged: 0, openedConflicts: [] };
  const byEntity = new Map<CanonicalType, MappedRecord[]>();
  for (const m of items) byEntity.set(m.entity, [...(byEntity.get(m.entity) ?? []), m]);

  for (const [entity, records] of byEntity) {
    const table = canonicalTables[entity];
    const fields = fieldsOf(entity);
    const contested = fields.filter((f) => !table.accumulated?.includes(f));
    // A stand-in value (a producer named by its code) belongs to no source: any real one replaces it.
    const yielding = (provenance: ProvenanceMap, values: Record<string, unknown>) => {
      const out = { ...provenance };
      for (const f of table.standIns?.(values) ?? []) delete out[f];
      return out;
    };
    const ids = [...new Set(records.map((m) => m.canonicalId!))];
    const current = new Map<
      string,
      { fields: Record<string, unknown>; provenance: ProvenanceMap; deleted: boolean }
    >();
    const { rows: existing } = await db.query(
      `select * from ${table.table} where id = any($1::uuid[]) for update`,
      [ids],
    );
    for (const row of existing) {
      current.set(row.id, {
        fields: rowToFields(entity, row),
        provenance: expandProvenance(row.provenance),
        deleted: row.deleted_at !== null,
      });
    }

    const inserts = new Map<string, { values: Record<string, unknown>; provenance: ProvenanceMap }>();
    const updates = new Map<
      string,
      {
        values: Record<string, unknown>;
        provenance: ProvenanceMap;
        changed: Set<string>;
        was: Record<string, unknown>;
      }
    >();
    const conflicts: (FieldConflict & { entityId: string; windowSeconds: number })[] = [];
    for (const m of records) {
      const id = m.canonicalId!;
      const state = inserts.get(id) ?? updates.get(id) ?? current.get(id);
      const incoming = table.values(m.draft as Draft, m.resolved, {
        provider: scope.provider,
        current: state ? ('values' in state ? state.values : state.fields) : null,
      });
      if (!state) {
        const merged = mergeWithRules(null, {}, incoming, fields, m.stamp);
        inserts.set(id, { values: merged.values, provenance: merged.provenance });
        continue;
      }
      const before = 'values' in state ? state.values : state.fields;
      const stated = (f: string) => !m.partial || (incoming[f] !== null && incoming[f] !== undefined);
      const merged = mergeWithRules(
        before,
        yielding(state.provenance, before),
        incoming,
        contested.filter(stated),
        m.stamp,
        (f) => ruleFor(rules, entity, f),
      );
      for (const f of table.accumulated ?? []) {
        if (!stated(f) || sameValue(merged.values[f], incoming[f])) continue;
        merged.values[f] = incoming[f];
        merged.provenance[f] = m.stamp;
        merged.changedFields.push(f);
      }
      for (const c of merged.conflicts)
        conflicts.push({
          ...c,
          entityId: id,
          windowSeconds: ruleFor(rules, entity, c.field).decisionWindowSeconds,
        });
      if (inserts.has(id)) {
        inserts.set(id, { values: merged.values, provenance: merged.provenance });
      } else if (merged.changedFields.length || (current.get(id)?.deleted && !updates.has(id))) {
        const prior = updates.get(id);
        updates.set(id, {
          values: merged.values,
          provenance: merged.provenance,
          changed: new Set([...(prior?.changed ?? []), ...merged.changedFields]),
          was: prior?.was ?? before,
        });
      } else {
        result.unchanged++;
      }
    }

    const events: OutboxEvent[] = [];
    if (inserts.size) {
      const rows = [...inserts.entries()];
      const cols = table.columns;
      const params: unknown[] = [
        scope.tenantId,
        rows.map(([id]) => id),
        rows.map(([, r]) => JSON.stringify(compactProvenance(r.provenance))),
      ];
      for (const c of cols) params.push(rows.map(([, r]) => toParam(r.values[c.field], c.cast)));
      const arrays = cols.map((c, n) => `$${n + 4}::${c.cast === 'jsonb' ? 'text' : c.cast}[]`);
      await db.query(
        `insert into ${table.table} (tenant_id, id, provenance, ${cols.map((c) => c.column).join(', ')})
         select $1, u.id, u.provenance::jsonb, ${cols.map((c) => (c.cast === 'jsonb' ? `u.${c.column}::jsonb` : `u.${c.column}`)).join(', ')}
           from unnest($2::uuid[], $3::text[], ${arrays.join(', ')}) as u(id, provenance, ${cols.map((c) => c.column).join(', ')})`,
        params,
      );
      for (const [id, r] of rows) {
        events.push(entityEvent(entity, id, 'created'));
        if (entity === 'policy' && r.values.priorPolicyNumber)
          events.push({
            type: 'policy.renewed',
            entityType: entity,
            entityId: id,
            data: { prior_policy_number: r.values.priorPolicyNumber },
          });
      }
      result.created += rows.length;
    }

    if (updates.size) {
      const rows = [...updates.entries()];
      const cols = table.columns;
      const params: unknown[] = [
        rows.map(([id]) => id),
        rows.map(([, u]) => JSON.stringify(compactProvenance(u.provenance))),
      ];
      for (const c of cols) params.push(rows.map(([, u]) => toParam(u.values[c.field], c.cast)));
      const arrays = cols.map((c, n) => `$${n + 3}::${c.cast === 'jsonb' ? 'text' : c.cast}[]`);
      await db.query(
        `update ${table.table} t
            set provenance = u.provenance::jsonb, updated_at = now(), deleted_at = null, delete_reason = null,
                ${cols.map((c) => `${c.column} = ${c.cast === 'jsonb' ? `u.${c.column}::jsonb` : `u.${c.column}`}`).join(', ')}
           from unnest($1::uuid[], $2::text[], ${arrays.join(', ')}) as u(id, provenance, ${cols.map((c) => c.column).join(', ')})
          where t.id = u.id`,
        params,
      );
      for (const [id, u] of rows) {
        events.push(entityEvent(entity, id, 'updated', [...u.changed].sort()));
        if (entity === 'policy' && u.changed.has('status') && u.values.status === 'cancelled') {
          events.push({
            type: 'policy.cancelled',
            entityType: entity,
            entityId: id,
            data: { previous_status: u.was.status ?? null },
          });
        }
      }
      result.updated += rows.length;
    }

    if (conflicts.length) {
      const { rows: opened } = await db.query<{
        id: string;
        entity_id: string;
        field: string;
        inserted: boolean;
      }>(
        `insert into conflicts (tenant_id, entity_type, entity_id, field, current_value, current_source, incoming_value, incoming_source, deadline_at)
         select $1, $2, u.entity_id, u.field, u.current_value::jsonb, u.current_source::jsonb, u.incoming_value::jsonb, u.incoming_source::jsonb,
                now() + make_interval(secs => u.window_seconds)
           from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
                as u(entity_id, field, current_value, current_source, incoming_value, incoming_source, window_seconds)
          -- A disagreement someone already decided (the same two values, either way round) is not
          -- raised again while the losing side still says the same (it changes once the write-back
          -- lands, or someone edits the record).
          where not exists (select 1 from conflicts r
                             where r.entity_id = u.entity_id and r.field = u.field and r.status = 'resolved'
                               and ((r.incoming_value = u.incoming_value::jsonb and r.current_value = u.current_value::jsonb)
                                 or (r.incoming_value = u.current_value::jsonb and r.current_value = u.incoming_value::jsonb)))
         on conflict (entity_id, field) where status = 'open' do update
            set incoming_value = excluded.incoming_value, incoming_source = excluded.incoming_source
         returning id, entity_id, field, (xmax = 0) as inserted`,
        [
          scope.tenantId,
          entity,
          conflicts.map((c) => c.entityId),
          conflicts.map((c) => c.field),
          conflicts.map((c) => JSON.stringify(c.currentValue)),
          conflicts.map((c) => JSON.stringify(c.currentSource)),
          conflicts.map((c) => JSON.stringify(c.incomingValue)),
          conflicts.map((c) => JSON.stringify(c.incomingSource)),
          conflicts.map((c) => c.windowSeconds),
        ],
      );
      for (const c of opened.filter((o) => o.inserted)) {
        result.openedConflicts.push(c.id);
        events.push({
          type: 'conflict.opened',
          entityType: 'conflict',
          entityId: c.id,
          data: { entity_type: entity, entity_id: c.entity_id, field: c.field },
        });
      }
    }
    await appendEvents(db, scope, events);
  }
  return result;
}
