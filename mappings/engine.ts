// The declarative mapping engine: a vendor record plus a StreamMapping (data, not code) gives a
// validated canonical draft and the references it needs resolved, or a quarantine reason naming
// the field. Per-connection overrides are merged over the vendor's default mapping.
import { z } from 'zod';
import { type CanonicalType, canonicalTypes, type Draft, draftSchemas } from '../domain/canonical.ts';
import { TransformError, type TransformName, transformNames, transforms } from './transforms.ts';

export const fieldRuleSchema = z.object({
  /** Dotted path into the vendor record; a list means "the first one with a value". */
  path: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Join the values of several paths with a space (e.g. first and last name). */
  join: z.array(z.string()).min(1).optional(),
  transform: z.union([z.enum(transformNames), z.array(z.enum(transformNames))]).optional(),
  /** Vendor value → canonical value table (e.g. deal stages to policy statuses). */
  values: z.record(z.string(), z.unknown()).optional(),
  /** Used when the vendor value is missing. */
  default: z.unknown().optional(),
  /** A fixed value, whatever the record says. */
  const: z.unknown().optional(),
});
export type FieldRule = z.infer<typeof fieldRuleSchema>;

export const refRuleSchema = z.union([
  /** The canonical entity another record of this connection was mapped to. */
  z.object({ stream: z.string(), path: z.union([z.string(), z.array(z.string()).min(1)]) }),
  /** A carrier found (or created) by name within the tenant. */
  z.object({ carrierByName: z.union([z.string(), z.array(z.string()).min(1)]) }),
]);
export type RefRule = z.infer<typeof refRuleSchema>;

export const streamMappingSchema = z.object({
  entity: z.enum(canonicalTypes),
  fields: z.record(z.string(), fieldRuleSchema),
  /** A reference, or several tried in order (a deal's client is its company, else its contact). */
  refs: z.record(z.string(), z.union([refRuleSchema, z.array(refRuleSchema).min(1)])).default({}),
  /** Paths that must have a value for the record to be mapped at all. */
  required: z.array(z.string()).default([]),
  /** Records with no value at any of these paths are not this entity at all: skipped, not quarantined. */
  skipWhenBlank: z.array(z.string()).default([]),
});
export type StreamMapping = z.infer<typeof streamMappingSchema>;
export type StreamMappingInput = z.input<typeof streamMappingSchema>;

export const mappingOverridesSchema = z.record(
  z.string(),
  z.object({
    fields: z.record(z.string(), fieldRuleSchema.nullable()).optional(),
    refs: z.record(z.string(), z.union([refRuleSchema, z.array(refRuleSchema).min(1)]).nullable()).optional(),
  }),
);
export type MappingOverrides = z.infer<typeof mappingOverridesSchema>;

export type Ref =
  | { kind: 'source'; stream: string; externalId: string }
  | { kind: 'carrierName'; name: string };

export type MapResult =
  | { ok: true; entity: CanonicalType; draft: Draft; refs: Record<string, Ref> }
  | { ok: false; field: string | null; reason: string }
  | { ok: 'skip' };

export function getPath(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (typeof current === 'object') current = (current as Record<string, unknown>)[part];
    else return undefined;
  }
  return current;
}

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

function firstValue(record: unknown, paths: string | string[]): unknown {
  for (const p of Array.isArray(paths) ? paths : [paths]) {
    const v = getPath(record, p);
    if (!isBlank(v)) return v;
  }
  return undefined;
}

/** Sets `a.b.c` on a draft, so a mapping can fill nested canonical fields like address.city. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let obj = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof obj[part] !== 'object' || obj[part] === null) obj[part] = {};
    obj = obj[part] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1]!] = value;
}

function applyField(record: unknown, rule: FieldRule): unknown {
  if (rule.const !== undefined) return rule.const;
  let value: unknown;
  if (rule.join) {
    const parts = rule.join.map((p) => getPath(record, p)).filter((v) => !isBlank(v));
    value = parts.length ? parts.map(String).join(' ') : undefined;
  } else if (rule.path) {
    value = firstValue(record, rule.path);
  }
  const names: TransformName[] = rule.transform
    ? Array.isArray(rule.transform)
      ? rule.transform
      : [rule.transform]
    : [];
  for (const name of names) value = transforms[name](value);
  if (rule.values && !isBlank(value)) {
    const key = String(value);
    if (!(key in rule.values)) throw new TransformError(`unknown value "${key}"`);
    value = rule.values[key];
  }
  if (isBlank(value) && rule.default !== undefined) value = rule.default;
  return isBlank(value) ? null : value;
}

export function mapRecord(mapping: StreamMapping, record: unknown): MapResult {
  if (mapping.skipWhenBlank.some((p) => isBlank(getPath(record, p)))) return { ok: 'skip' };
  for (const path of mapping.required) {
    if (isBlank(getPath(record, path))) return { ok: false, field: path, reason: `${path} is missing` };
  }
  const draft: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(mapping.fields)) {
    try {
      const value = applyField(record, rule);
      if (value !== null) setPath(draft, field, value);
    } catch (err) {
      if (err instanceof TransformError) return { ok: false, field, reason: `${field}: ${err.message}` };
      throw err;
    }
  }
  const parsed = draftSchemas[mapping.entity].safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || null;
    return { ok: false, field, reason: field ? `${field}: ${issue.message}` : issue.message };
  }
  const refs: Record<string, Ref> = {};
  for (const [name, rules] of Object.entries(mapping.refs)) {
    for (const rule of Array.isArray(rules) ? rules : [rules]) {
      const v = firstValue(record, 'stream' in rule ? rule.path : rule.carrierByName);
      if (isBlank(v)) continue;
      refs[name] =
        'stream' in rule
          ? { kind: 'source', stream: rule.stream, externalId: String(v) }
          : { kind: 'carrierName', name: String(v).trim() };
      break;
    }
  }
  return { ok: true, entity: mapping.entity, draft: parsed.data as Draft, refs };
}

/** The vendor's default mapping with a connection's overrides laid over it (null removes). */
export function withOverrides(
  defaults: Record<string, StreamMappingInput>,
  overrides: MappingOverrides | undefined,
): Record<string, StreamMapping> {
  const out: Record<string, StreamMapping> = {};
  for (const [stream, base] of Object.entries(defaults)) {
    const o = overrides?.[stream];
    const fields = { ...base.fields };
    const refs = { ...(base.refs ?? {}) };
    for (const [k, v] of Object.entries(o?.fields ?? {})) {
      if (v === null) delete fields[k];
      else fields[k] = v;
    }
    for (const [k, v] of Object.entries(o?.refs ?? {})) {
      if (v === null) delete refs[k];
      else refs[k] = v;
    }
    out[stream] = streamMappingSchema.parse({ ...base, fields, refs });
  }
  return out;
}

/** Vendor paths a mapping reads, so a connector can ask the vendor for exactly those fields. */
export function pathsRead(mapping: StreamMapping): string[] {
  const paths = new Set<string>(mapping.required);
  const add = (p: string | string[] | undefined) => {
    for (const x of p === undefined ? [] : Array.isArray(p) ? p : [p]) paths.add(x);
  };
  for (const rule of Object.values(mapping.fields)) {
    add(rule.path);
    add(rule.join);
  }
  for (const rules of Object.values(mapping.refs)) {
    for (const rule of Array.isArray(rules) ? rules : [rules])
      add('stream' in rule ? rule.path : rule.carrierByName);
  }
  for (const p of mapping.skipWhenBlank) paths.add(p);
  return [...paths];
}
