// Values as carriers write them. One statement column can hold "$1,234.50", "(12.00)", "45.00 CR"
// and "12.00-"; one date column "1/15/26", "01/15/2026", "Jan 15, 2026" and an Excel serial. A
// person reads all of them without a second thought, so the importer does too; what it cannot read
// for certain (a month 13, a day/month order the column contradicts) is said, never guessed.
import { decimalToCents, Money } from '../money.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

/**
 * What a trailing "CR" means. Report writers (COBOL's CR editing symbol, Excel's accounting
 * formats) print CR beside negative amounts only, so on a carrier statement "45.00 CR" is money
 * taken back: 'negative'. A carrier that prints CR on the commission it pays is read with
 * 'positive' in its saved mapping. "DR"/"DB" is always the opposite of CR.
 */
export type CreditSuffix = 'negative' | 'positive';

const plainNumber = /^(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$/;
const exponentNumber = /^\d+(?:\.\d+)?e[+-]?\d+$/i;

/**
 * Reads an amount into exact cents (half-even): `$`, thousands separators, spaces, parentheses,
 * a leading or trailing minus, and CR/DR suffixes. Blank is null. An `unsigned` cell (a Debit or
 * a Credit column, whose column gives the sign) must carry no sign of its own.
 */
export function parseAmount(
  text: string,
  opts: { creditSuffix?: CreditSuffix; unsigned?: boolean; decimalComma?: boolean } = {},
): Parsed<number | null> {
  let value = text
    .trim()
    .replace(/[\u2212\u2012\u2013\u2014]/g, '-')
    .replace(/\s+/g, '');
  if (value === '' || value === '-' || value === '$-' || value === '-$') {
    // Accounting formats print a lone dash for zero.
    return { ok: true, value: value === '' ? null : 0 };
  }
  let negatives = 0;
  const suffix = /(CR|DR|DB)\.?$/i.exec(value);
  if (suffix) {
    value = value.slice(0, suffix.index);
    const credit = suffix[1]!.toUpperCase() === 'CR';
    const negative = credit === ((opts.creditSuffix ?? 'negative') === 'negative');
    if (negative) negatives++;
  }
  value = value.replace(/^(USD|US\$)|USD$/i, '');
  if (value.startsWith('(') && value.endsWith(')')) {
    negatives++;
    value = value.slice(1, -1);
  }
  if (value.startsWith('-') || value.startsWith('$-')) negatives++;
  if (value.endsWith('-')) negatives++;
  if (value.startsWith('+')) value = value.slice(1);
  value = value.replace(/^-?\$?-?|-$/g, '');
  if (negatives > 1) return { ok: false, reason: 'not an amount: it carries two signs' };
  if (opts.decimalComma) {
    // "1.830,00": dots group thousands, the comma is the decimal point.
    if (!/^(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d+)?$/.test(value) || value === ',')
      return { ok: false, reason: 'not an amount' };
    value = value.replace(/\./g, '').replace(',', '.');
  }
  if (value === '' || !(plainNumber.test(value) || exponentNumber.test(value)) || value === '.') {
    return { ok: false, reason: 'not an amount' };
  }
  if (opts.unsigned && negatives > 0) {
    return {
      ok: false,
      reason:
        'a negative amount in a Debit/Credit column: the column gives the sign, amounts must be unsigned',
    };
  }
  let cents: number;
  try {
    const decimal = new Money(value.replace(/,/g, ''));
    cents = decimalToCents(negatives > 0 ? decimal.negated() : decimal);
  } catch {
    return { ok: false, reason: 'not an amount: out of range' };
  }
  return { ok: true, value: cents };
}

/** The rightmost cell of a row that reads as an amount, for totals printed outside their column. */
export function lastAmountIn(
  cells: readonly string[],
  opts: { creditSuffix?: CreditSuffix; decimalComma?: boolean } = {},
): number | null {
  for (let i = cells.length - 1; i >= 0; i--) {
    const cell = cells[i]!;
    if (!/\d/.test(cell)) continue;
    const parsed = parseAmount(cell, opts);
    if (parsed.ok && parsed.value !== null) return parsed.value;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------------------------

/** A decimal as a plain string without exponent or trailing zeros: "12.50" → "12.5". */
function plainDecimal(d: InstanceType<typeof Money>): string {
  const s = d.toFixed();
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Reads a commission rate into a decimal percent string: "15%", "15.00" or (fraction) "0.15" → "15". */
export function parseCommissionRate(
  text: string,
  format: 'percent' | 'fraction',
  decimalComma = false,
): Parsed<string | null> {
  let value = text.trim().replace(/\s+/g, '');
  if (decimalComma) value = value.replace(',', '.');
  if (value === '') return { ok: true, value: null };
  const percentSign = /%$/.test(value);
  const digits = value.replace(/%$/, '');
  if (!/^[0-9]*\.?[0-9]+$/.test(digits) && !exponentNumber.test(digits))
    return { ok: false, reason: 'not a rate' };
  let rate = new Money(digits);
  if (format === 'fraction' && !percentSign) rate = rate.times(100);
  if (rate.greaterThan(100)) return { ok: false, reason: `a rate of ${plainDecimal(rate)}% is over 100%` };
  return { ok: true, value: plainDecimal(rate) };
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/** Which of two numbers comes first in a slashed date: month/day (US) or day/month. */
export type DayMonthOrder = 'mdy' | 'dmy';

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const monthByName = new Map<string, number>();
monthNames.forEach((name, i) => {
  monthByName.set(name.toLowerCase(), i + 1);
  monthByName.set(name.slice(0, 3).toLowerCase(), i + 1);
});
monthByName.set('sept', 9);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A calendar date from its parts, or why it is not one. */
export function calendarDate(year: number, month: number, day: number): Parsed<string> {
  if (year < 1900 || year > 2099) return { ok: false, reason: `year ${year} is out of range` };
  if (month < 1 || month > 12)
    return { ok: false, reason: `not a calendar date: there is no month ${month}` };
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) {
    return {
      ok: false,
      reason: `not a calendar date: ${monthNames[month - 1]} ${year} has ${last} days, not ${day}`,
    };
  }
  return { ok: true, value: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
}

/** Two-digit years as spreadsheets read them: 00–69 are 20xx, 70–99 are 19xx. */
function fullYear(text: string): number {
  const n = Number(text);
  if (text.length > 2) return n;
  return n < 70 ? 2000 + n : 1900 + n;
}

/** Excel's 1900 date system: serial 25569 is 1970-01-01 (the 1900 leap-year bug lies before 61). */
function excelSerialToIso(serial: number): string {
  return new Date(Math.round((serial - 25569) * 86_400_000)).toISOString().slice(0, 10);
}

/** Excel serials a statement date can plausibly be: 1954-10-03 … 2119-01-04. */
const serialRange = { min: 20_000, max: 80_000 };

/** How a date text is laid out, before the day/month order is applied. */
type DateShape =
  | { kind: 'iso'; year: number; month: number; day: number }
  | { kind: 'named'; year: number; month: number; day: number }
  | { kind: 'numeric'; first: number; second: number; year: number }
  | { kind: 'serial'; serial: number };

function dateShape(text: string): DateShape | null {
  let value = text.trim();
  // A time of day after the date says nothing about the date.
  value = value.replace(
    /(?:[T\s]+|\s*,\s*)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?(?:Z|[+-]\d{2}:?\d{2})?$/,
    '',
  );
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(value);
  if (m) return { kind: 'iso', year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (m) return { kind: 'iso', year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$/.exec(value);
  if (m) return { kind: 'numeric', first: Number(m[1]), second: Number(m[2]), year: fullYear(m[3]!) };
  // "15-Jan-26", "15 Jan 2026", "15.JAN.2026"
  m = /^(\d{1,2})[-\s./]*([A-Za-z]{3,9})\.?[-\s./,]*(\d{4}|\d{2})$/.exec(value);
  if (m && monthByName.has(m[2]!.toLowerCase()))
    return {
      kind: 'named',
      year: fullYear(m[3]!),
      month: monthByName.get(m[2]!.toLowerCase())!,
      day: Number(m[1]),
    };
  // "Jan 15, 2026", "January 15 2026", "Jan-15-26"
  m = /^([A-Za-z]{3,9})\.?[-\s./]*(\d{1,2})(?:st|nd|rd|th)?[-\s./,]+(\d{4}|\d{2})$/.exec(value);
  if (m && monthByName.has(m[1]!.toLowerCase()))
    return {
      kind: 'named',
      year: fullYear(m[3]!),
      month: monthByName.get(m[1]!.toLowerCase())!,
      day: Number(m[2]),
    };
  // "2026-Jan-15"
  m = /^(\d{4})[-\s./]([A-Za-z]{3,9})[-\s./](\d{1,2})$/.exec(value);
  if (m && monthByName.has(m[2]!.toLowerCase()))
    return {
      kind: 'named',
      year: Number(m[1]),
      month: monthByName.get(m[2]!.toLowerCase())!,
      day: Number(m[3]),
    };
  m = /^(\d{5})(?:\.\d+)?$/.exec(value);
  if (m) return { kind: 'serial', serial: Number(m[1]) };
  return null;
}

/**
 * Which order a numeric date can be read in: both when the two numbers are 12 or less (4/5/2026),
 * only one when a number above 12 can only be the day (1/15/2026 is month/day), none otherwise.
 */
export function dateOrdersPossible(text: string): DayMonthOrder[] | null {
  const shape = dateShape(text);
  if (shape === null || shape.kind !== 'numeric') return null;
  const out: DayMonthOrder[] = [];
  if (calendarDate(shape.year, shape.first, shape.second).ok) out.push('mdy');
  if (calendarDate(shape.year, shape.second, shape.first).ok) out.push('dmy');
  return out;
}

/**
 * Reads one date cell. Unambiguous forms (ISO, YYYYMMDD, month names, Excel serials) read the
 * same whatever `order` says; "4/5/26" reads by the column's `order`. A two-digit year is 20xx
 * below 70. A time of day after the date is ignored.
 */
export function parseDate(text: string, order: DayMonthOrder): Parsed<string> {
  const shape = dateShape(text);
  if (shape === null) return { ok: false, reason: 'not a date' };
  switch (shape.kind) {
    case 'iso':
    case 'named':
      return calendarDate(shape.year, shape.month, shape.day);
    case 'serial':
      if (shape.serial < serialRange.min || shape.serial > serialRange.max)
        return { ok: false, reason: 'not a date' };
      return { ok: true, value: excelSerialToIso(shape.serial) };
    case 'numeric': {
      const [month, day] = order === 'mdy' ? [shape.first, shape.second] : [shape.second, shape.first];
      const read = calendarDate(shape.year, month, day);
      if (read.ok) return read;
      const other = order === 'mdy' ? 'day/month' : 'month/day';
      const swapped =
        order === 'mdy'
          ? calendarDate(shape.year, shape.second, shape.first)
          : calendarDate(shape.year, shape.first, shape.second);
      return swapped.ok
        ? {
            ok: false,
            reason: `only reads as ${other}, but this column is read ${order === 'mdy' ? 'month/day' : 'day/month'}`,
          }
        : read;
    }
  }
}

export interface DateOrderDecision {
  order: DayMonthOrder;
  /** Values that could only be month/day, and only day/month. */
  onlyMonthDay: number;
  onlyDayMonth: number;
  /** An example that decided it, or null when every value fits both orders. */
  example: string | null;
  /** One sentence for the detection report. */
  explanation: string;
}

/**
 * Decides the day/month order of one date column from its values: the values that fit only one
 * reading decide; when none does, `fallback` (the mapping's or the carrier's convention) holds,
 * and when both kinds occur the majority wins and the others are left unreadable, not misread.
 */
export function decideDateOrder(
  label: string,
  values: readonly string[],
  fallback: DayMonthOrder,
): DateOrderDecision {
  let onlyMonthDay = 0;
  let onlyDayMonth = 0;
  let mdExample: string | null = null;
  let dmExample: string | null = null;
  let ambiguous = 0;
  for (const v of values) {
    const orders = dateOrdersPossible(v);
    if (orders === null || orders.length === 0) continue;
    if (orders.length === 2) ambiguous++;
    else if (orders[0] === 'mdy') {
      onlyMonthDay++;
      mdExample ??= v;
    } else {
      onlyDayMonth++;
      dmExample ??= v;
    }
  }
  const words = (o: DayMonthOrder) => (o === 'mdy' ? 'month/day' : 'day/month');
  if (onlyMonthDay === 0 && onlyDayMonth === 0) {
    return {
      order: fallback,
      onlyMonthDay,
      onlyDayMonth,
      example: null,
      explanation:
        ambiguous > 0
          ? `${label}: every numeric date (${ambiguous}) fits both orders; read as ${words(fallback)}, the layout's convention.`
          : `${label}: no date needs a day/month order.`,
    };
  }
  const order: DayMonthOrder = onlyDayMonth > onlyMonthDay ? 'dmy' : 'mdy';
  const example = order === 'mdy' ? mdExample : dmExample;
  const against = order === 'mdy' ? onlyDayMonth : onlyMonthDay;
  return {
    order,
    onlyMonthDay,
    onlyDayMonth,
    example,
    explanation:
      `${label}: read as ${words(order)}, because ${order === 'mdy' ? onlyMonthDay : onlyDayMonth} value(s) such as "${example}" fit no other order` +
      (against > 0
        ? `; ${against} value(s) that only fit ${words(order === 'mdy' ? 'dmy' : 'mdy')} are left unreadable.`
        : '.'),
  };
}

/**
 * Whether amounts are written with a decimal comma ("1.830,00"): some sampled amount ends in a
 * comma and two digits and none in a point and two digits. A US file never does both ways.
 */
export function usesDecimalComma(samples: readonly string[]): boolean {
  const tail = /(\d)([.,])(\d{2})\)?\s*(?:CR|DR|DB|-)?$/i;
  let comma = 0;
  for (const v of samples) {
    const m = tail.exec(v.trim());
    if (!m) continue;
    if (m[2] === '.') return false;
    comma++;
  }
  return comma > 0;
}
