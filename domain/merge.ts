// Field-level merge of a canonical entity from its sources, with provenance: for each field,
// which source gave the current value and when that source last changed. Pure; no I/O.
//
// The default rule is "latest wins": a source may overwrite a field it owns, or a field whose
// owning source changed it earlier than this source changed its record. A source that clears
// a field it owns clears it; it cannot clear a field another source owns.
export interface SourceStamp {
  connectionId: string;
  sourceRecordId: number;
  sourceUpdatedAt: string | null;
}

export type ProvenanceMap = Record<string, SourceStamp>;

export interface MergeResult {
  values: Record<string, unknown>;
  provenance: ProvenanceMap;
  changedFields: string[];
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'object' || typeof b === 'object') return stableStringify(a) === stableStringify(b);
  return false;
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

function sameSource(a: SourceStamp | undefined, b: SourceStamp): boolean {
  return a !== undefined && a.connectionId === b.connectionId && a.sourceRecordId === b.sourceRecordId;
}

function newerOrEqual(incoming: SourceStamp, owner: SourceStamp | undefined): boolean {
  if (!owner) return true;
  if (!incoming.sourceUpdatedAt) return false;
  if (!owner.sourceUpdatedAt) return true;
  return incoming.sourceUpdatedAt >= owner.sourceUpdatedAt;
}

/**
 * Merges one source's view of an entity into the current values. `fields` lists every field the
 * source maps (a missing value in `incoming` means the source has none).
 */
export function mergeLatestWins(
  current: Record<string, unknown> | null,
  provenance: ProvenanceMap,
  incoming: Record<string, unknown>,
  fields: readonly string[],
  stamp: SourceStamp,
): MergeResult {
  const values: Record<string, unknown> = { ...(current ?? {}) };
  const nextProvenance: ProvenanceMap = { ...provenance };
  const changedFields: string[] = [];
  for (const field of fields) {
    const owner = provenance[field];
    const value = incoming[field] ?? null;
    const mayWrite = sameSource(owner, stamp) || !owner || (value !== null && newerOrEqual(stamp, owner));
    if (!mayWrite) continue;
    if (value === null && !sameSource(owner, stamp) && owner) continue;
    if (!sameValue(values[field], value)) {
      values[field] = value;
      changedFields.push(field);
    }
    if (value === null) delete nextProvenance[field];
    else nextProvenance[field] = stamp;
  }
  return { values, provenance: nextProvenance, changedFields };
}

/**
 * Provenance as stored: grouped by source, so a record whose fields all came from one source
 * keeps one stamp instead of one per field (small rows stay out of TOAST).
 */
export interface StoredProvenance {
  sources: (SourceStamp & { fields: string[] })[];
}

export function compactProvenance(map: ProvenanceMap): StoredProvenance {
  const groups = new Map<string, SourceStamp & { fields: string[] }>();
  for (const [field, stamp] of Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const key = `${stamp.connectionId}|${stamp.sourceRecordId}|${stamp.sourceUpdatedAt}`;
    const group = groups.get(key) ?? { ...stamp, fields: [] };
    group.fields.push(field);
    groups.set(key, group);
  }
  return { sources: [...groups.values()] };
}

export function expandProvenance(
  stored: StoredProvenance | Record<string, never> | null | undefined,
): ProvenanceMap {
  const map: ProvenanceMap = {};
  for (const { fields, ...stamp } of stored?.sources ?? []) for (const f of fields) map[f] = stamp;
  return map;
}
