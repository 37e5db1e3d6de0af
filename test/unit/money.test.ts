import { describe, expect, test } from 'vitest';
import { formatCents, parseMoneyToCents } from '../../domain/money.ts';

describe('money is parsed into exact integer cents', () => {
  test.each([
    ['1234.50', 123450],
    ['1,234.50', 123450],
    ['$99', 9900],
    ['(12.00)', -1200],
    ['-0.5', -50],
    ['.07', 7],
    ['0.1', 10],
    [0.1 + 0.2, 30], // a float that is not 0.3 in binary still rounds to 30 cents
    ['  42 ', 4200],
  ])('%s → %i cents', (input, cents) => {
    expect(parseMoneyToCents(input)).toBe(cents);
  });

  test('rounds half to even at the cent', () => {
    expect(parseMoneyToCents('0.125')).toBe(12);
    expect(parseMoneyToCents('0.135')).toBe(14);
    expect(parseMoneyToCents('-0.125')).toBe(-12);
  });

  test('blank is no amount, garbage is an error', () => {
    expect(parseMoneyToCents('')).toBeNull();
    expect(parseMoneyToCents(null)).toBeNull();
    expect(() => parseMoneyToCents('12,34.5x')).toThrow(/not an amount/);
    expect(() => parseMoneyToCents('TBD')).toThrow(/not an amount/);
  });

  test('formats cents without floating point', () => {
    expect(formatCents(123450)).toBe('1234.50');
    expect(formatCents(-7)).toBe('-0.07');
    expect(formatCents(900719925474099)).toBe('9007199254740.99');
  });
});
