// The keys the statement matcher files policy numbers under and the insured-name similarity it
// trusts, on the forms carriers really print.
import { describe, expect, test } from 'vitest';
import {
  insuredNameSimilarity,
  numericPolicyNumberKeys,
  policyNumberAgreement,
  policyNumberDistance,
  policyNumberKeys,
  samePolicyNumber,
} from '../../domain/reconciliation/normalize.ts';

describe('policy-number keys', () => {
  test('prefixes, punctuation, check letters and lost leading zeros reduce to the same key', () => {
    const book = policyNumberKeys('0060123456');
    for (const printed of ['60123456', 'TRV-0060123456', '0060-123456', '60123456A', 'trv 60123456']) {
      expect(policyNumberKeys(printed).key, printed).toBe(book.key);
      expect(samePolicyNumber(printed, '0060123456'), printed).toBe(true);
    }
    expect(samePolicyNumber('60123457', '0060123456')).toBe(false);
  });

  test('a term suffix set off by punctuation is a second key; digits run together are not a suffix', () => {
    expect(policyNumberKeys('PHB-4471236-01')).toEqual({
      normalized: 'PHB447123601',
      key: '447123601',
      keyWithoutTermSuffix: '4471236',
    });
    expect(policyNumberKeys('PHB447123601').keyWithoutTermSuffix).toBeNull();
    expect(policyNumberAgreement(policyNumberKeys('PHB4471236'), policyNumberKeys('PHB-4471236-01'))).toBe(
      'statement_lacks_term_suffix',
    );
    expect(policyNumberAgreement(policyNumberKeys('PHB-4471236-02'), policyNumberKeys('PHB-4471236'))).toBe(
      'statement_adds_term_suffix',
    );
    expect(
      policyNumberAgreement(policyNumberKeys('PHB-4471236-02'), policyNumberKeys('PHB-4471236-01')),
    ).toBe('different_term_suffix');
  });

  test('numbers with too few digits keep their letters, so short numbers do not collide', () => {
    expect(policyNumberKeys('AB-1234').key).toBe('#AB1234');
    expect(samePolicyNumber('AB-1234', 'CD-1234')).toBe(false);
  });

  test('the numeric keys index exactly what the string keys do', () => {
    const out = { key: 0, keyWithoutTermSuffix: 0 };
    for (const raw of [
      'TRV-123-4567890A123-01',
      '0012345678',
      'PHB-4471236-01',
      'H37-123-123456-12',
      '6012345678A',
    ]) {
      const strings = policyNumberKeys(raw);
      numericPolicyNumberKeys(raw, out);
      expect(String(out.key), raw).toBe(strings.key);
      if (strings.keyWithoutTermSuffix === null) expect(out.keyWithoutTermSuffix, raw).toBe(-1);
      else expect(String(out.keyWithoutTermSuffix), raw).toBe(strings.keyWithoutTermSuffix);
    }
    // Too short to be a number key: the string keys take over (-1 / -2).
    expect(numericPolicyNumberKeys('AB 12', out)).toEqual({ key: -1, keyWithoutTermSuffix: -2 });
  });

  test('a typed number is one edit away (a swap counts once); another policy is several', () => {
    const book = policyNumberKeys('4455667788');
    expect(policyNumberDistance(policyNumberKeys('4455667878'), book)).toBe(1);
    expect(policyNumberDistance(policyNumberKeys('445566788'), book)).toBe(1);
    expect(policyNumberDistance(policyNumberKeys('4455612388'), book, 2)).toBe(3);
  });
});

describe('insured-name similarity', () => {
  const same: [string, string][] = [
    ['Gomes, Adam', 'Adam J. Gomes'],
    ['GOMES ADAM J', 'Adam Gomes Jr.'],
    ['Maryann Smith', 'Mary Ann Smith'],
    ["O'Brien, Mary", 'Mary OBrien'],
    ['Summit Plumbing, LLC', 'Summit Plumbing Inc.'],
    ['Dr. Priya Patel MD', 'Patel, Priya'],
  ];
  for (const [a, b] of same) {
    test(`"${a}" and "${b}" are the same insured`, () => {
      expect(insuredNameSimilarity(a, b)).toBe(1);
      expect(insuredNameSimilarity(b, a)).toBe(1);
    });
  }

  test('a typo costs in proportion; an initial counts for the name; another person is far', () => {
    expect(insuredNameSimilarity('Adam Gomes', 'Adam Gomez')).toBeCloseTo(0.889, 3);
    expect(insuredNameSimilarity('J. Smith', 'John Smith')).toBeGreaterThan(0.9);
    expect(insuredNameSimilarity('Adam Gomes', 'Alan Gomes')).toBeLessThan(0.85);
    expect(insuredNameSimilarity('Adam Gomes', 'Maria Lopez')).toBeLessThan(0.5);
    expect(insuredNameSimilarity('', 'Adam Gomes')).toBe(0);
  });
});

describe('insured names of trusts, estates, trade names and care-of addresses', () => {
  test('"OKAFOR FAMILY TRUST", "The Okafor Family Trust dated 3/4/2011" and "Okafor, Chidi & Amara Trustees" are one insured', () => {
    const forms = [
      'OKAFOR FAMILY TRUST',
      'The Okafor Family Trust dated 3/4/2011',
      'Okafor, Chidi & Amara Trustees',
    ];
    for (const a of forms) {
      for (const b of forms) expect(insuredNameSimilarity(a, b), `${a} / ${b}`).toBeGreaterThanOrEqual(0.85);
    }
    // The dated form is the same trust word for word; trustees listed by name are close, not equal.
    expect(insuredNameSimilarity(forms[0]!, forms[1]!)).toBe(1);
    expect(insuredNameSimilarity(forms[0]!, forms[2]!)).toBeLessThan(1);
  });

  test('two families\' trusts are not alike for sharing the words "family trust"', () => {
    expect(insuredNameSimilarity('Okafor Family Trust', 'Nguyen Family Trust')).toBeLessThan(0.5);
    expect(insuredNameSimilarity('OKAFOR FAMILY TRUST', 'Nguyen, Wei & Ana Trustees')).toBeLessThan(0.5);
    // Nor are two spouses' own trusts, or a trust and a person who merely shares the surname.
    expect(insuredNameSimilarity('Chidi Okafor Revocable Trust', 'Amara Okafor Living Trust')).toBeLessThan(
      0.85,
    );
    expect(insuredNameSimilarity('Okafor Family Trust', 'Chidi Okafor')).toBeLessThan(0.85);
  });

  test('an estate is compared on its decedent', () => {
    expect(insuredNameSimilarity('ESTATE OF JOHN SMITH', 'Smith, John')).toBe(1);
    expect(insuredNameSimilarity('Est of John Smith', 'John Smith Estate')).toBe(1);
    expect(insuredNameSimilarity('Estate of John Smith', 'Estate of Mary Jones')).toBeLessThan(0.5);
  });

  test('"Smith Holdings LLC DBA Smith Plumbing" matches either name, and neither matches another business', () => {
    const dba = 'Smith Holdings LLC DBA Smith Plumbing';
    expect(insuredNameSimilarity(dba, 'SMITH PLUMBING')).toBe(1);
    expect(insuredNameSimilarity(dba, 'Smith Holdings, LLC')).toBe(1);
    expect(insuredNameSimilarity('SMITH HOLDINGS LLC D/B/A SMITH PLUMBING', 'Smith Plumbing')).toBe(1);
    expect(insuredNameSimilarity(dba, 'Jones Roofing')).toBeLessThan(0.5);
  });

  test('the part after c/o is a care-of address, not the insured', () => {
    expect(insuredNameSimilarity('Jane Doe c/o First National Bank', 'Doe, Jane')).toBe(1);
    expect(insuredNameSimilarity('DOE, JANE C/O HARBOR PROPERTY MGMT', 'Jane Doe')).toBe(1);
    expect(insuredNameSimilarity('Jane Doe c/o First National Bank', 'First National Bank')).toBeLessThan(
      0.5,
    );
    expect(insuredNameSimilarity('Jane Doe Attn: Mark Lee', 'Mark Lee')).toBeLessThan(0.5);
  });
});
