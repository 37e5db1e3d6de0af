// Canonical → vendor for one field, from the same declarative mapping read backwards. Only
// plain paths with invertible transforms reverse (a joined name or a constant does not); the
// caller writes back nothing when a field does not reverse.
import { formatCents } from '../domain/money.ts';
import type { StreamMapping } from './engine.ts';

export interface VendorField {
  path: string;
  value: unknown;
}

const invertible = new Set([
  'text',
  'trim',
  'upper',
  'lower',
  'isoDate',
  'cents',
  'collapseSpaces',
  'integer',
  'boolean',
]);

export function reverseField(mapping: StreamMapping, field: string, value: unknown): VendorField | null {
  const rule = mapping.fields[field];
  if (!rule || rule.join || rule.const !== undefined) return null;
  const path = Array.isArray(rule.path) ? rule.path[0] : rule.path;
  if (!path) return null;
  const transforms = rule.transform
    ? Array.isArray(rule.transform)
      ? rule.transform
      : [rule.transform]
    : [];
  if (!transforms.every((t) => invertible.has(t))) return null;
  let out: unknown = value;
  if (rule.values) {
    const back = Object.entries(rule.values).find(([, v]) => v === value);
    if (!back) return null;
    out = back[0];
  } else if (transforms.includes('cents') && typeof value === 'number') {
    out = formatCents(value);
  }
  return { path, value: out === null || out === undefined ? null : out };
}
