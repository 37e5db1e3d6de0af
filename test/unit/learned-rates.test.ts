// Proposed schedule lines from what carriers paid: grouped as schedules are, split by state only
// when states are paid differently, and left out where the book already expects that rate.
import { describe, expect, test } from 'vitest';
import { observedRate, proposeRates, type RateObservation } from '../../domain/commissions/learned-rates.ts';

let day = 0;
function paid(over: Partial<RateObservation> = {}): RateObservation {
  day++;
  return {
    carrierId: 'TRAV',
    carrierName: 'Travelers',
    lineOfBusiness: 'HOME',
    state: 'TX',
    termKind: 'new',
    effectiveDate: `2026-01-${String((day % 28) + 1).padStart(2, '0')}`,
    printedRate: null,
    commissionCents: 15_000,
    premiumCents: 100_000,
    expectedRate: null,
    rateSource: null,
    ...over,
  };
}

describe('the rate a statement line shows', () => {
  test('the printed rate, else commission over premium to two places; too small a premium tells nothing', () => {
    expect(observedRate(paid({ printedRate: '12.50' }))).toBe('12.5');
    expect(observedRate(paid({ commissionCents: 18_518, premiumCents: 123_450 }))).toBe('15');
    expect(observedRate(paid({ commissionCents: 150, premiumCents: 1_000 }))).toBeNull();
    expect(observedRate(paid({ commissionCents: -1_500, premiumCents: 10_000_00 }))).toBeNull();
  });
});

describe('proposals', () => {
  test('lines of one carrier, line and term kind propose their usual rate with its count and spread', () => {
    const [p, ...rest] = proposeRates([
      paid(),
      paid(),
      paid({ commissionCents: 14_000 }),
      paid({ termKind: 'renewal', commissionCents: 10_000 }),
    ]);
    expect(rest).toEqual([]); // one renewal line is a payment, not a pattern
    expect(p).toMatchObject({
      carrierId: 'TRAV',
      lineOfBusiness: 'HOME',
      state: null,
      termKind: 'new',
      rate: '15',
      observations: 3,
      agreeing: 2,
      spread: { min: '14', max: '15' },
      current: { rate: null, source: null },
    });
  });

  test('states paid differently get a line each; states paid alike share one', () => {
    const split = proposeRates([
      paid({ state: 'TX' }),
      paid({ state: 'TX' }),
      paid({ state: 'CA', commissionCents: 12_000 }),
      paid({ state: 'CA', commissionCents: 12_000 }),
    ]);
    expect(split.map((p) => [p.state, p.rate]).sort()).toEqual([
      ['CA', '12'],
      ['TX', '15'],
    ]);
    const alike = proposeRates([
      paid({ state: 'TX' }),
      paid({ state: 'TX' }),
      paid({ state: 'CA' }),
      paid({ state: 'CA' }),
    ]);
    expect(alike.map((p) => [p.state, p.rate])).toEqual([[null, '15']]);
  });

  test('nothing is proposed where the book already expects what was paid; a different expectation is shown beside it', () => {
    expect(
      proposeRates([
        paid({ expectedRate: '15', rateSource: 'ams' }),
        paid({ expectedRate: '15', rateSource: 'ams' }),
      ]),
    ).toEqual([]);
    const [p] = proposeRates([
      paid({ expectedRate: '17', rateSource: 'schedule' }),
      paid({ expectedRate: '17', rateSource: 'schedule' }),
    ]);
    expect(p!.current).toEqual({ rate: '17', source: 'schedule' });
  });
});
