// return_to: only a path on this site, however it is written. Each notation below has sent
// browsers to another host somewhere (WHATWG parsing, a proxy's decode, a backslash read as a
// slash); the property at the end throws random mixes of the same characters at it.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { returnPath } from '../../api/return-path.ts';

const offSite = [
  '/.//evil.example/phish',
  '//evil.example',
  '///evil.example',
  '////evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  '/./\\evil.example',
  '/..//evil.example',
  '/a/../..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/.%2e//evil.example',
  '/%2F%2Fevil.example',
  '/%2f/evil.example',
  '/%5cevil.example',
  '/%5C%5Cevil.example',
  '/%252F%252Fevil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/ /evil.example',
  '/\u0000/evil.example',
  '/%09/evil.example',
  '/%0d%0aSet-Cookie:%20x=1',
  '/／／evil.example',
  '/\u3002/evil.example',
  'https://evil.example/',
  'http:evil.example',
  'http:/evil.example',
  '//evil.example@hub.example/',
  'evil.example',
  'javascript:alert(1)',
  'data:text/html,x',
  '',
  `/${'a'.repeat(600)}`,
];

describe('returnPath', () => {
  test.each(offSite)('refuses %j', (raw) => {
    expect(returnPath(raw)).toBeNull();
  });

  test.each([
    ['/console/connections', '/console/connections'],
    ['/console/connections?tab=hubspot&x=1', '/console/connections?tab=hubspot&x=1'],
    ['/console/./settings/../connections', '/console/connections'],
    ['/console/connections#top', '/console/connections'],
    ['/a%20b', '/a%20b'],
    ['/', '/'],
  ])('keeps %j as %j', (raw, normalised) => {
    expect(returnPath(raw)).toBe(normalised);
  });

  test('whatever it keeps, a browser resolves on this site, and keeping it again changes nothing', () => {
    const tricky = fc.constantFrom(
      '/',
      '\\',
      '.',
      '%',
      '2',
      'e',
      'f',
      '5',
      'c',
      ':',
      '@',
      '?',
      '#',
      'a',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(tricky, { maxLength: 24 }), (chars) => {
        const kept = returnPath(`/${chars.join('')}`);
        if (kept === null) return;
        const resolved = new URL(kept, 'https://hub.example/console/');
        expect(resolved.origin).toBe('https://hub.example');
        expect(kept.startsWith('//')).toBe(false);
        expect(returnPath(kept)).toBe(kept);
      }),
      { numRuns: 5_000 },
    );
  });
});
