// Named value transforms a declarative mapping can apply, in order, to a vendor value.
// Each takes the raw value and returns the canonical one, or throws with a reason that the
// quarantine keeps. Names rather than functions so mappings stay data (storable per connection).
import { parseMoneyToCents } from '../domain/money.ts';

export class TransformError extends Error {}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TransformError(`expected text, got ${typeof value}`);
}

/** Dates arrive as YYYY-MM-DD, ISO date-times, or (HubSpot date properties) epoch milliseconds. */
function isoDate(value: unknown): string | null {
  const s = text(value);
  if (s === null) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new TransformError(`not a date: "${s}"`);
    return s.slice(0, 10);
  }
  if (/^-?\d{10,14}$/.test(s)) return new Date(Number(s)).toISOString().slice(0, 10);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (us) return `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}`;
  throw new TransformError(`not a date: "${s}"`);
}

function cents(value: unknown): number | null {
  try {
    return parseMoneyToCents(value);
  } catch (err) {
    throw new TransformError((err as Error).message);
  }
}

function integer(value: unknown): number | null {
  const s = text(value);
  if (s === null) return null;
  if (!/^-?\d+$/.test(s)) throw new TransformError(`not a whole number: "${s}"`);
  return Number(s);
}

/** A percent (12.5, "12.5", "12.5%") as an exact decimal string; numbers in their shortest form. */
function percent(value: unknown): string | null {
  const s = text(value)?.replace(/%$/, '').trim() ?? null;
  if (s === null || s === '') return null;
  if (!/^\d{1,3}(\.\d+)?$/.test(s) || Number(s) > 100) throw new TransformError(`not a percent: "${s}"`);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function boolean(value: unknown): boolean | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (['true', 'yes', '1', 'y'].includes(s)) return true;
  if (['false', 'no', '0', 'n'].includes(s)) return false;
  throw new TransformError(`not a yes/no value: "${value}"`);
}

export const transforms = {
  text,
  trim: text,
  isoDate,
  cents,
  integer,
  percent,
  boolean,
  upper: (v: unknown) => text(v)?.toUpperCase() ?? null,
  lower: (v: unknown) => text(v)?.toLowerCase() ?? null,
  /** "Jane" + "Doe" style parts are joined by the mapping with `join`; this trims the result. */
  collapseSpaces: (v: unknown) => text(v)?.replace(/\s+/g, ' ') ?? null,
} satisfies Record<string, (value: unknown) => unknown>;

export type TransformName = keyof typeof transforms;
export const transformNames = Object.keys(transforms) as TransformName[];
