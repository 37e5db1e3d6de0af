// Schema helpers for what clients send: text PostgreSQL and Temporal can store (no NUL, no
// unpaired surrogate), real calendar days inside the years the hub knows, instants, bounded
// amounts of money, and date ranges of a bounded span. Routes build their schemas from these so
// a bad value is a 422 naming its field, never a database error.
import { z } from '@hono/zod-openapi';
import { isCalendarDate } from '../domain/canonical.ts';
import { limits } from './limits.ts';
import { ProblemError } from './problem.ts';

/** Text a database and Temporal can store: no NUL character and no unpaired UTF-16 surrogate. */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

const storableMessage = 'contains a NUL character or an unpaired surrogate';

/** A string of at most `max` characters that can be stored. */
export const text = (max: number, min = 0) =>
  z.string().min(min).max(max).refine(isStorableText, storableMessage);

/** Like text, trimmed first (names, notes). */
export const trimmedText = (max: number, min = 1) =>
  z.string().trim().min(min).max(max).refine(isStorableText, storableMessage);

const yearOf = (s: string) => Number(s.slice(0, 4));
const inYears = (s: string) => yearOf(s) >= limits.firstYear && yearOf(s) <= limits.lastYear;
const yearsMessage = `a year from ${limits.firstYear} to ${limits.lastYear}`;

/** A real day as YYYY-MM-DD (2026-02-30 and year 0000 are refused) within the years the hub knows. */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  .refine(inYears, yearsMessage)
  .openapi({ format: 'date', example: '2026-01-31' });

/** An ISO 8601 instant with its offset, within the years the hub knows. */
export const instant = z.iso
  .datetime({ offset: true })
  .refine((s) => !Number.isNaN(Date.parse(s)) && inYears(s), yearsMessage)
  .openapi({ format: 'date-time', example: '2026-01-31T09:00:00Z' });

/** Integer cents within ±limits.maxCents; `min: 0` for amounts that cannot be negative (a premium). */
export const centsAmount = (opts: { min?: number } = {}) =>
  z
    .number()
    .int('amounts are integer cents')
    .min(opts.min ?? -limits.maxCents, opts.min === 0 ? 'cannot be negative' : 'amount out of range')
    .max(limits.maxCents, 'amount out of range');

/** Days from `from` to `to` (calendar dates or instants). */
export function spanDays(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 86_400_000;
}

/** Refuses a range whose end is before its start or that spans more than `maxDays`. */
export function checkRange(
  range: { from: string; to: string },
  maxDays: number,
  fields: { from: string; to: string } = { from: 'from', to: 'to' },
): void {
  const days = spanDays(range.from, range.to);
  if (days < 0)
    throw new ProblemError('validation', `\`${fields.from}\` is after \`${fields.to}\`.`, {
      errors: [{ field: fields.from, message: `after ${fields.to}` }],
    });
  if (days > maxDays)
    throw new ProblemError('validation', `The range spans ${Math.ceil(days)} days; at most ${maxDays}.`, {
      errors: [{ field: fields.to, message: `at most ${maxDays} days after ${fields.from}` }],
      limit_days: maxDays,
    });
}
