// Field-level merge of a canonical entity from its sources, with provenance: for each field,
// which source gave the current value and when that source last changed. Pure; no I/O.
//
// The default rule is "latest wins": a source may overwrite a field it owns, or a field whose
// owning source changed it earlier than this source changed its record. A source that clears
// a field it owns clears it; it cannot clear a field another source owns.
export interface SourceStamp {
  connectionId: string;
  /** The vendor behind the connection, so rules can rank sources by provider. */
  provider?: string;
  sourceRecordId: number;
  sourceUpdatedAt: string | null;
}

export type ProvenanceMap = Record<string, SourceStamp>;

export interface MergeResult {
  values: Record<string, unknown>;
  provenance: ProvenanceMap;
  changedFields: string[];
  /** Fields two systems disagree on under a manual rule: left as they were, for a person to decide. */
  conflicts: FieldConflict[];
}

export interface FieldConflict {
  field: string;
  currentValue: unknown;
  currentSource: SourceStamp;
  incomingValue: unknown;
  incomingSource: SourceStamp;
}

export type MergeStrategy = 'latest' | 'priority' | 'manual';

/** How one field (or every field, '*') of an entity type is merged for a tenant. */
export interface FieldRule {
  strategy: MergeStrategy;
  /** Providers or connection ids, most trusted first. */
  sourcePriority: string[];
  /** What decides when a manual conflict's decision window passes, and ties under 'priority'. */
  fallback: 'latest' | 'priority';
  decisionWindowSeconds: number;
}

export const latestWins: FieldRule = {
  strategy: 'latest',
  sourcePriority: [],
  fallback: 'latest',
  decisionWindowSeconds: 0,
};

/** entity type → field (or '*') → rule */
export type MergeRules = Map<string, Map<string, FieldRule>>;

export function ruleFor(rules: MergeRules | undefined, entity: string, field: string): FieldRule {
  const byField = rules?.get(entity);
  return byField?.get(field) ?? byField?.get('*') ?? latestWins;
}

/** Position of a source in a priority list (by connection id or provider); unlisted sources rank last. */
export function rank(priority: string[], stamp: SourceStamp): number {
  const byConnection = priority.indexOf(stamp.connectionId);
  if (byConnection >= 0) return byConnection;
  const byProvider = stamp.provider ? priority.indexOf(stamp.provider) : -1;
  return byProvider >= 0 ? byProvider : priority.length;
}

/** Under an automatic rule, does the incoming source's value replace the current owner's? */
export function incomingWins(
  rule: Pick<FieldRule, 'sourcePriority'> & { by: 'latest' | 'priority' },
  current: SourceStamp,
  incoming: SourceStamp,
): boolean {
  if (rule.by === 'priority') {
    const a = rank(rule.sourcePriority, incoming);
    const b = rank(rule.sourcePriority, current);
    if (a !== b) return a < b;
  }
  return newerOrEqual(incoming, current);
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
 * Merges one source's view of an entity into the current values, field by field. `fields` lists
 * every field the source maps (a missing value in `incoming` means the source has none). A source
 * always updates the fields it owns; when another source owns a field and the values differ, the
 * tenant's rule for that field decides: latest change wins, the more trusted source wins, or (manual)
 * the current value stays and a conflict is reported for a person to decide.
 */
export function mergeWithRules(
  current: Record<string, unknown> | null,
  provenance: ProvenanceMap,
  incoming: Record<string, unknown>,
  fields: readonly string[],
  stamp: SourceStamp,
  ruleOf: (field: string) => FieldRule = () => latestWins,
): MergeResult {
  const values: Record<string, unknown> = { ...(current ?? {}) };
  const nextProvenance: ProvenanceMap = { ...provenance };
  const changedFields: string[] = [];
  const conflicts: FieldConflict[] = [];
  for (const field of fields) {
    const owner = provenance[field];
    const value = incoming[field] ?? null;
    const own = !owner || sameSource(owner, stamp);
    if (!own) {
      // Another source owns this field: it cannot be cleared from here, and agreeing changes nothing.
      if (value === null || sameValue(values[field], value)) continue;
      const rule = ruleOf(field);
      if (rule.strategy === 'manual') {
        conflicts.push({
          field,
          currentValue: values[field] ?? null,
          currentSource: owner,
          incomingValue: value,
          incomingSource: stamp,
        });
        continue;
      }
      if (!incomingWins({ by: rule.strategy, sourcePriority: rule.sourcePriority }, owner, stamp)) continue;
    }
    if (!sameValue(values[field], value)) {
      values[field] = value;
      changedFields.push(field);
    }
    if (value === null) delete nextProvenance[field];
    else nextProvenance[field] = stamp;
  }
  return { values, provenance: nextProvenance, changedFields, conflicts };
}

/** The default rule everywhere: the most recent change wins. */
export function mergeLatestWins(
  current: Record<string, unknown> | null,
  provenance: ProvenanceMap,
  incoming: Record<string, unknown>,
  fields: readonly string[],
  stamp: SourceStamp,
): MergeResult {
  return mergeWithRules(current, provenance, incoming, fields, stamp);
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
