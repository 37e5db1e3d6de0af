// Money has one representation: integer minor units (cents) in a safe integer, with the ISO
// currency beside it. Parsing and rounding go through decimal.js so no binary float ever
// touches an amount; rounding is banker's (half-even) and always explicit.
import { Decimal } from 'decimal.js';

export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type MoneyDecimal = InstanceType<typeof Money>;

/** The largest amount the hub accepts anywhere, either way: a billion dollars, in cents. */
export const MAX_CENTS = 100_000_000_000;

const amountPattern = /^\(?-?\$?\s*-?[0-9][0-9,]*(\.[0-9]+)?\)?$|^\(?-?\$?\s*-?\.[0-9]+\)?$/;

/**
 * Parses a money amount as vendors and statements write it ("1,234.50", "$99", "(12.00)" for a
 * negative, "-0.5") into cents, rounding half-even to the cent. Returns null for blank input and
 * throws on anything that is not an amount.
 */
export function parseMoneyToCents(input: unknown): number | null {
  if (input === null || input === undefined) return null;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(`not a finite amount: ${input}`);
    return decimalToCents(new Money(input.toString()));
  }
  if (typeof input !== 'string') throw new Error(`not an amount: ${JSON.stringify(input)}`);
  const text = input.trim();
  if (text === '') return null;
  if (!amountPattern.test(text)) throw new Error(`not an amount: "${input}"`);
  const negative = text.startsWith('(') && text.endsWith(')');
  const digits = text.replace(/[()$,\s]/g, '');
  const value = new Money(digits);
  return decimalToCents(negative ? value.negated() : value);
}

export function decimalToCents(value: MoneyDecimal): number {
  const cents = value.times(100).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
  const n = cents.toNumber();
  if (!Number.isSafeInteger(n)) throw new Error(`amount out of range: ${value.toString()}`);
  return n === 0 ? 0 : n; // no negative zero
}

/** "1234.50" for 123450 cents: the string form used on the wire. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`cents must be a safe integer: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function centsToDecimal(cents: number): MoneyDecimal {
  return new Money(cents).dividedBy(100);
}
