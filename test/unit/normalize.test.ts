import { describe, expect, test } from 'vitest';
import { namesCouldMatch, normalizeName, normalizePolicyNumber } from '../../domain/normalize.ts';

describe('normalised forms match the same thing across systems', () => {
  test('policy numbers ignore case and punctuation', () => {
    expect(normalizePolicyNumber('h37-354 538859.37')).toBe('H3735453885937');
    expect(normalizePolicyNumber('ACP 1234 567890')).toBe(normalizePolicyNumber('acp-1234-567890'));
  });

  test('"Last, First" and "First Last" normalise alike', () => {
    expect(normalizeName('Gomes, Adam')).toBe('adam gomes');
    expect(normalizeName('Adam Gomes')).toBe('adam gomes');
    expect(normalizeName("O'Brien, Mary")).toBe('mary o brien');
  });

  test('business suffixes and punctuation do not matter', () => {
    expect(normalizeName('Summit Plumbing, LLC')).toBe(normalizeName('Summit Plumbing'));
    expect(normalizeName('Harbor Bakery Inc.')).toBe('harbor bakery');
    expect(normalizeName('Smith & Sons Co.')).toBe('smith and sons');
  });
});

describe('namesCouldMatch', () => {
  test.each([
    ['Gomes, Adam', 'Adam J. Gomes', true],
    ['Gomes Landscaping LLC', 'Gomes Lawn & Garden', true],
    ['Acme Bakery Inc', 'Adam Gomes', false],
    ['The Bank of Austin', 'The House of Pancakes', false],
    ['Li Wei', 'Wei, Li', true],
    ['Acme Services Group', 'Beta Services Group', false],
  ])('%s / %s → %s', (a, b, expected) => {
    expect(namesCouldMatch(normalizeName(a), normalizeName(b))).toBe(expected);
  });
});
