import { describe, expect, test } from 'vitest';
import { type DemoPolicy, generateAgency } from '../../connectors/kit/demo-agency.ts';
import {
  calculateExpected,
  calculateTermTransactions,
  InvalidTransactionError,
  unearnedPremiumOnCancellation,
} from '../../domain/commissions/calculate.ts';
import { daysBetween } from '../../domain/commissions/calendar.ts';
import { formatDollars } from '../../domain/commissions/explain.ts';
import { type ChainTermInput, linkRenewalChains } from '../../domain/commissions/renewal-chain.ts';
import {
  AmbiguousRuleError,
  commissionDateOf,
  InvalidRuleError,
  NoRuleError,
  selectRule,
  termKindOf,
} from '../../domain/commissions/rules.ts';
import { customaryShortRateTable, shortRateEarnedPercent } from '../../domain/commissions/short-rate.ts';
import {
  AmbiguousSplitPlanError,
  InvalidSplitPlanError,
  selectSplitPlan,
  splitCommission,
} from '../../domain/commissions/splits.ts';
import type {
  CommissionRule,
  CommissionTransaction,
  ExpectedCommission,
  PolicyTerm,
  SplitPlan,
  TransactionType,
} from '../../domain/commissions/types.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures: a Travelers homeowners policy in Texas, $1,234.50 a year, written by producer P1.

function term(over: Partial<PolicyTerm> = {}): PolicyTerm {
  return {
    id: 'T1',
    carrierId: 'TRAV',
    mgaId: null,
    producerId: 'P1',
    lineOfBusiness: 'HOME',
    state: 'TX',
    effectiveDate: '2026-01-01',
    expirationDate: '2027-01-01',
    originalInceptionDate: '2026-01-01',
    termPremiumCents: 123450,
    policyYear: 1,
    ...over,
  };
}

const renewalTerm = (over: Partial<PolicyTerm> = {}) =>
  term({ id: 'T2', originalInceptionDate: '2025-01-01', policyYear: 2, ...over });

function tx(type: TransactionType, over: Partial<CommissionTransaction> = {}): CommissionTransaction {
  return {
    id: `${type}-1`,
    type,
    effectiveDate: '2026-01-01',
    premiumDeltaCents: 0,
    taxesFeesCents: 0,
    cancelMethod: null,
    policy: term(),
    ...over,
  };
}

function rule(id: string, over: Partial<CommissionRule> = {}): CommissionRule {
  return {
    id,
    carrierId: null,
    mgaId: null,
    lineOfBusiness: null,
    state: null,
    termKind: 'any',
    effectiveFrom: '2000-01-01',
    effectiveTo: null,
    basis: { kind: 'percent', rate: '10' },
    priority: 0,
    ...over,
  };
}

const travelersNew = rule('R-NEW', {
  carrierId: 'TRAV',
  lineOfBusiness: 'HOME',
  termKind: 'new',
  basis: { kind: 'percent', rate: '15' },
});
const travelersRenewal = rule('R12', {
  carrierId: 'TRAV',
  lineOfBusiness: 'HOME',
  termKind: 'renewal',
  effectiveFrom: '2026-01-01',
  basis: { kind: 'percent', rate: '12' },
});
const travelersRules = [travelersNew, travelersRenewal];

/** P1 keeps 40% of new business and 25% of renewals; the house keeps the rest. */
const p1Plan: SplitPlan = {
  id: 'SP-P1',
  producerId: 'P1',
  policyId: null,
  effectiveFrom: '2020-01-01',
  effectiveTo: null,
  entries: [{ producerId: 'P1', role: 'writing', newPercent: '40', renewalPercent: '25' }],
};

function shareOf(result: ExpectedCommission, producerId: string): number {
  return result.splits.find((s) => s.producerId === producerId)!.cents;
}

function expectBalanced(result: ExpectedCommission): void {
  const shares = result.splits.reduce((sum, s) => sum + s.cents, 0);
  expect(shares + result.houseCents).toBe(result.agencyCents);
}

// ---------------------------------------------------------------------------------------------

describe('expected commission for every transaction type', () => {
  test('NEW: the written premium at the new-business rate; taxes are not commissionable', () => {
    // 15% of $1,234.50 = $185.175 → half-even → $185.18.
    // P1 40% of $185.18 = $74.072 → $74.07; house 60% = $111.108 → $111.11; 74.07 + 111.11 = 185.18.
    const r = calculateExpected(
      tx('NEW', { premiumDeltaCents: 123450, taxesFeesCents: 4500 }),
      travelersRules,
      [p1Plan],
    );
    expect(r).toMatchObject({
      agencyCents: 18518,
      basisCents: 123450,
      rate: '15',
      termKind: 'new',
      ruleId: 'R-NEW',
      splitPlanId: 'SP-P1',
      houseCents: 11111,
    });
    expect(r.splits).toEqual([{ producerId: 'P1', role: 'writing', percent: '40', cents: 7407 }]);
    expect(r.explanation).toContain('Taxes and fees $45.00 are not commissionable');
    expect(r.explanation).toContain(
      'Agency commission: 15% of $1,234.50 = $185.18 (rounded half-even from $185.175)',
    );
    expect(r.explanation).toContain('Writing producer P1: 40% = $74.07');
  });

  test('NEW without premium on the transaction falls back to the term premium', () => {
    const r = calculateExpected(tx('NEW'), travelersRules, []);
    expect(r.basisCents).toBe(123450);
    expect(r.agencyCents).toBe(18518);
    expect(r.houseCents).toBe(18518); // no split plan: all of it is the house's
  });

  test('RWL: the full renewal premium at the renewal rate and renewal split percent', () => {
    // 12% of $1,300.00 = $156.00; P1 25% = $39.00; house $117.00.
    const r = calculateExpected(
      tx('RWL', { premiumDeltaCents: 130000, policy: renewalTerm({ termPremiumCents: 130000 }) }),
      travelersRules,
      [p1Plan],
    );
    expect(r).toMatchObject({ agencyCents: 15600, rate: '12', termKind: 'renewal', ruleId: 'R12' });
    expect(shareOf(r, 'P1')).toBe(3900);
    expect(r.houseCents).toBe(11700);
    expect(r.explanation[1]).toBe(
      'Rule R12 (carrier TRAV, HOME, any state, renewal, 2026-01-01…): 12% of premium',
    );
  });

  test('END with additional premium earns at the term rate (new term: 15%)', () => {
    // +$250.00 × 15% = $37.50; P1 40% = $15.00; house $22.50.
    const r = calculateExpected(
      tx('END', { effectiveDate: '2026-05-01', premiumDeltaCents: 25000 }),
      travelersRules,
      [p1Plan],
    );
    expect(r).toMatchObject({ agencyCents: 3750, termKind: 'new', houseCents: 2250 });
    expect(shareOf(r, 'P1')).toBe(1500);
  });

  test('END with return premium gives negative commission at the term rate (renewal term: 12%)', () => {
    // −$100.00 × 12% = −$12.00; P1 renewal 25% = −$3.00; house −$9.00.
    const r = calculateExpected(
      tx('END', { effectiveDate: '2026-05-01', premiumDeltaCents: -10000, policy: renewalTerm() }),
      travelersRules,
      [p1Plan],
    );
    expect(r).toMatchObject({
      agencyCents: -1200,
      basisCents: -10000,
      termKind: 'renewal',
      houseCents: -900,
    });
    expect(shareOf(r, 'P1')).toBe(-300);
    expect(r.explanation).toContain('Return commission: −12% of $100.00 = −$12.00');
  });

  test('AUD: audit additional and return premium at the term rate', () => {
    const work = term({ id: 'W1', carrierId: 'HART', lineOfBusiness: 'WORK' });
    // +$500.00 × 10% = $50.00
    expect(
      calculateExpected(tx('AUD', { premiumDeltaCents: 50000, policy: work }), [rule('ANY')], []).agencyCents,
    ).toBe(5000);
    // −$123.45 × 10% = −$12.345 → half-even → −$12.34 (4 is even)
    expect(
      calculateExpected(tx('AUD', { premiumDeltaCents: -12345, policy: work }), [rule('ANY')], [])
        .agencyCents,
    ).toBe(-1234);
  });

  test('PMT: commission as earned on the amount collected', () => {
    // $102.87 collected × 15% = $15.4305 → $15.43
    const r = calculateExpected(
      tx('PMT', { effectiveDate: '2026-03-01', premiumDeltaCents: 10287 }),
      travelersRules,
      [],
    );
    expect(r.agencyCents).toBe(1543);
    expect(r.explanation).toContain('Premium collected (installment, commission as earned): $102.87');
  });

  test('ADJ: a premium adjustment at the term rate', () => {
    // −$10.00 × 15% = −$1.50
    expect(calculateExpected(tx('ADJ', { premiumDeltaCents: -1000 }), travelersRules, []).agencyCents).toBe(
      -150,
    );
  });

  test('REWRITE is new business even on a term the chain counts as year 3', () => {
    // $1,000.00 × 15% (new, not the 12% renewal rate) = $150.00; P1 at the new 40% = $60.00.
    const r = calculateExpected(
      tx('REWRITE', { premiumDeltaCents: 100000, policy: term({ policyYear: 3 }) }),
      travelersRules,
      [p1Plan],
    );
    expect(r).toMatchObject({ agencyCents: 15000, termKind: 'new', ruleId: 'R-NEW' });
    expect(shareOf(r, 'P1')).toBe(6000);
  });

  test('BOR: new business for the gaining agency on the rest of the term, read on the BOR date', () => {
    // Broker of record from 2026-07-02; no premium on the transaction, so the pro-rata premium
    // for the rest of the term: 183/365 × $1,234.50 = $618.941… → $618.94; × 15% = $92.841 → $92.84.
    const bor = tx('BOR', { effectiveDate: '2026-07-02', policy: renewalTerm() });
    expect(commissionDateOf(bor)).toBe('2026-07-02');
    const r = calculateExpected(bor, travelersRules, []);
    expect(r).toMatchObject({ basisCents: 61894, agencyCents: 9284, termKind: 'new', ruleId: 'R-NEW' });
    // With the premium on the transaction, that premium is used.
    expect(calculateExpected({ ...bor, premiumDeltaCents: 50000 }, travelersRules, []).agencyCents).toBe(
      7500,
    );
  });

  test('CAN with the return premium on the transaction: chargeback at the term rate', () => {
    // −$483.65 × 12% = −$58.038 → −$58.04; P1 25% = −$14.51; house −$43.53.
    const r = calculateExpected(
      tx('CAN', {
        effectiveDate: '2026-08-11',
        premiumDeltaCents: -48365,
        cancelMethod: 'pro_rata',
        policy: renewalTerm(),
      }),
      travelersRules,
      [p1Plan],
    );
    expect(r).toMatchObject({ agencyCents: -5804, basisCents: -48365, houseCents: -4353 });
    expect(shareOf(r, 'P1')).toBe(-1451);
    expect(r.explanation).toContain(
      'Chargeback: −12% of $483.65 = −$58.04 (rounded half-even from −$58.038)',
    );
  });

  test('CAN whose AMS reports the return premium as a positive number is still a chargeback', () => {
    const r = calculateExpected(
      tx('CAN', {
        effectiveDate: '2026-08-11',
        premiumDeltaCents: 48365,
        cancelMethod: 'pro_rata',
        policy: renewalTerm(),
      }),
      travelersRules,
      [],
    );
    expect(r.agencyCents).toBe(-5804);
  });

  test('REI restores the chargeback: with the cancellation given, its exact mirror', () => {
    const can = tx('CAN', {
      id: 'C1',
      effectiveDate: '2026-08-11',
      cancelMethod: 'pro_rata',
      policy: renewalTerm(),
    });
    const charged = calculateExpected(can, travelersRules, [p1Plan]);
    const restored = calculateExpected(
      tx('REI', { id: 'I1', effectiveDate: '2026-08-25', policy: renewalTerm() }),
      travelersRules,
      [p1Plan],
      { reinstatedCancellation: can },
    );
    expect(charged.agencyCents).toBe(-5804);
    expect(restored.agencyCents).toBe(5804);
    expect(restored.houseCents).toBe(-charged.houseCents);
    expect(shareOf(restored, 'P1')).toBe(-shareOf(charged, 'P1'));
    expect(restored.explanation).toContain('Restored commission: the chargeback reversed = $58.04');
  });

  test('REI without the cancellation: the reinstated premium at the term rate', () => {
    // +$483.65 × 12% = $58.038 → $58.04, the same as the chargeback it undoes.
    const r = calculateExpected(
      tx('REI', { premiumDeltaCents: 48365, policy: renewalTerm() }),
      travelersRules,
      [],
    );
    expect(r.agencyCents).toBe(5804);
    // A reinstatement that names nothing and carries no premium restores nothing.
    expect(calculateExpected(tx('REI', { policy: renewalTerm() }), travelersRules, []).agencyCents).toBe(0);
  });

  test('REI must reinstate a CAN of the same term', () => {
    const otherTerm = tx('CAN', { id: 'C9', cancelMethod: 'flat', policy: term({ id: 'OTHER' }) });
    expect(() =>
      calculateExpected(tx('REI'), travelersRules, [], { reinstatedCancellation: otherTerm }),
    ).toThrow(InvalidTransactionError);
  });
});

describe('cancellation chargebacks when the AMS reports no return premium', () => {
  // The renewal term 2026-01-01 → 2027-01-01 (365 days), $1,234.50, 12%, cancelled 2026-08-11:
  // in force 31+28+31+30+31+30+31+10 = 222 days, 143 days remaining.
  const cancelled = (method: 'flat' | 'pro_rata' | 'short_rate') =>
    tx('CAN', { effectiveDate: '2026-08-11', cancelMethod: method, policy: renewalTerm() });

  test('pro rata: 143/365 of the term premium', () => {
    // 143/365 × $1,234.50 = $483.6534… → $483.65; × 12% = $58.038 → −$58.04.
    // P1 25% = −$14.51, house −$43.53.
    const r = calculateExpected(cancelled('pro_rata'), travelersRules, [p1Plan]);
    expect(r).toMatchObject({ basisCents: -48365, agencyCents: -5804, houseCents: -4353 });
    expect(shareOf(r, 'P1')).toBe(-1451);
    expect(r.explanation).toContain(
      'Pro-rata unearned premium: 143/365 of $1,234.50 = $483.65 (rounded half-even from $483.6534…)',
    );
    expect(r.explanation).toContain('Writing producer P1: 25% = −$14.51');
  });

  test('short rate, customary table: 222 days in force earns 69%', () => {
    // Table row 219–223 days → 69% earned, 31% unearned: 31% × $1,234.50 = $382.695 → $382.70
    // (half-even: …9.5 → even 0). Chargeback 12% × $382.70 = $45.924 → −$45.92.
    const r = calculateExpected(cancelled('short_rate'), travelersRules, []);
    expect(r).toMatchObject({ basisCents: -38270, agencyCents: -4592 });
    expect(r.explanation).toContain(
      'Short rate: 222 of 365 days in force; the customary short-rate table earns 69%',
    );
  });

  test('short rate, "90% of pro rata" option', () => {
    // 90% × 143/365 × $1,234.50 = $435.288… → $435.29; × 12% = $52.2348 → −$52.23.
    const r = calculateExpected(cancelled('short_rate'), travelersRules, [], {
      shortRateMethod: 'ninety_percent_of_pro_rata',
    });
    expect(r).toMatchObject({ basisCents: -43529, agencyCents: -5223 });
  });

  test('short rate with the return premium on the transaction uses the carrier figure', () => {
    // The carrier returned $400.00: 12% = −$48.00, whatever our table says.
    const r = calculateExpected(
      { ...cancelled('short_rate'), premiumDeltaCents: -40000 },
      travelersRules,
      [],
    );
    expect(r.agencyCents).toBe(-4800);
  });

  test('flat: the whole term premium, reversing all the commission', () => {
    // New term: NEW earned 15% × $1,234.50 = $185.18; a flat cancel charges back −$185.18.
    const flat = tx('CAN', { effectiveDate: '2026-01-01', cancelMethod: 'flat' });
    const earned = calculateExpected(tx('NEW', { premiumDeltaCents: 123450 }), travelersRules, [p1Plan]);
    const back = calculateExpected(flat, travelersRules, [p1Plan]);
    expect(back.agencyCents).toBe(-earned.agencyCents);
    expect(shareOf(back, 'P1')).toBe(-shareOf(earned, 'P1'));
  });

  test('six-month term: short-rate days are scaled to a year', () => {
    // 2026-01-01 → 2026-07-01 is 181 days; cancelled 2026-03-02 after 60 days: 60 × 365 / 181 =
    // 120.99 → day 121 → row 121–124 → 44% earned. 56% × $600.00 = $336.00; × 10% = −$33.60.
    const auto = term({
      id: 'A1',
      carrierId: 'PROG',
      lineOfBusiness: 'AUTOP',
      expirationDate: '2026-07-01',
      termPremiumCents: 60000,
    });
    const r = calculateExpected(
      tx('CAN', { effectiveDate: '2026-03-02', cancelMethod: 'short_rate', policy: auto }),
      [rule('ANY')],
      [],
    );
    expect(r).toMatchObject({ basisCents: -33600, agencyCents: -3360 });
    expect(r.explanation).toContain(
      'Short rate: 60 of 181 days in force, read at day 121 of a 365-day year; the customary short-rate table earns 44%',
    );
  });

  test('a minimum earned percent raises early short-rate factors', () => {
    // 10 days in force: the table earns 10%; with a 25% minimum the carrier keeps 25%.
    expect(shortRateEarnedPercent(10, 365).earnedPercent.toFixed()).toBe('10');
    expect(shortRateEarnedPercent(10, 365, '25').earnedPercent.toFixed()).toBe('25');
    const u = unearnedPremiumOnCancellation(term({ termPremiumCents: 100000 }), '2026-01-11', 'short_rate', {
      shortRateMinimumEarnedPercent: '25',
    });
    expect(u.cents).toBe(75000);
  });

  test('a cancellation without return premium needs its method', () => {
    expect(() => calculateExpected(tx('CAN'), travelersRules, [])).toThrow(InvalidTransactionError);
  });

  test('a cancellation never charges back more than the term earned, when told what it earned', () => {
    // Earned $100.00 so far; a flat cancel would take $185.18 → limited to −$100.00.
    const r = calculateExpected(tx('CAN', { cancelMethod: 'flat' }), travelersRules, [], {
      termCommissionEarnedCents: 10000,
    });
    expect(r.agencyCents).toBe(-10000);
    expect(r.houseCents).toBe(-10000);
  });
});

describe('policy term days', () => {
  test('count whole UTC days, leap years included, and refuse dates that do not exist', () => {
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2026-08-11', '2027-01-01')).toBe(143);
    expect(() => daysBetween('2026-02-30', '2027-01-01')).toThrow(/not a calendar date/);
    expect(() => daysBetween('01/02/2026', '2027-01-01')).toThrow(/not an ISO date/);
  });
});

describe('the customary short-rate table', () => {
  test('has a row for every day of the year and never earns less as days pass', () => {
    let previous = 0;
    for (let day = 1; day <= 365; day++) {
      const earned = shortRateEarnedPercent(day, 365).earnedPercent.toNumber();
      expect(earned).toBeGreaterThanOrEqual(previous);
      // A short-rate penalty: the carrier always keeps at least the pro-rata share.
      expect(earned).toBeGreaterThanOrEqual((day / 365) * 100);
      previous = earned;
    }
    expect(customaryShortRateTable.at(-1)).toEqual([365, 100]);
  });

  test.each([
    [1, 5],
    [30, 19],
    [91, 35],
    [182, 60], // six months: 60%, the NCCI figure
    [273, 80],
    [365, 100],
  ])('%i days in force earns %i%%', (days, percent) => {
    expect(shortRateEarnedPercent(days, 365).earnedPercent.toNumber()).toBe(percent);
  });

  test('a cancellation on the first day reads the one-day row; after expiry everything is earned', () => {
    expect(shortRateEarnedPercent(0, 365).earnedPercent.toNumber()).toBe(5);
    expect(shortRateEarnedPercent(400, 365).earnedPercent.toNumber()).toBe(100);
  });
});

describe('tiers, flat amounts, fees and taxes', () => {
  const premiumTiers = rule('TIER-P', {
    basis: {
      kind: 'tiered',
      by: 'premium',
      tiers: [
        { upTo: null, rate: '10' },
        { upTo: 100000, rate: '15' },
        { upTo: 500000, rate: '12.5' },
      ],
    },
  });
  const yearTiers = rule('TIER-Y', {
    basis: {
      kind: 'tiered',
      by: 'policy_year',
      tiers: [
        { upTo: 1, rate: '15' },
        { upTo: 3, rate: '12' },
        { upTo: null, rate: '10' },
      ],
    },
  });

  test('premium bands: the band holding the term premium sets the rate for the whole term', () => {
    // $1,234.50 lies in the $1,000.01–$5,000.00 band → 12.5%; 12.5% × $1,234.50 = $154.3125 → $154.31.
    const r = calculateExpected(tx('NEW', { premiumDeltaCents: 123450 }), [premiumTiers], []);
    expect(r).toMatchObject({ rate: '12.5', agencyCents: 15431 });
    // $900.00 → first band 15% → $135.00; $6,000.00 → open top band 10% → $600.00.
    const small = tx('NEW', { premiumDeltaCents: 90000, policy: term({ termPremiumCents: 90000 }) });
    expect(calculateExpected(small, [premiumTiers], []).agencyCents).toBe(13500);
    const large = tx('NEW', { premiumDeltaCents: 600000, policy: term({ termPremiumCents: 600000 }) });
    expect(calculateExpected(large, [premiumTiers], []).agencyCents).toBe(60000);
    // An endorsement on the $1,234.50 term uses that term's band: +$100.00 × 12.5% = $12.50.
    expect(calculateExpected(tx('END', { premiumDeltaCents: 10000 }), [premiumTiers], []).agencyCents).toBe(
      1250,
    );
  });

  test('policy-year bands', () => {
    // Year 2: 12% × $1,300.00 = $156.00; year 5: 10% × $1,300.00 = $130.00.
    const year = (policyYear: number) =>
      tx('RWL', { premiumDeltaCents: 130000, policy: term({ policyYear }) });
    expect(calculateExpected(year(2), [yearTiers], []).agencyCents).toBe(15600);
    expect(calculateExpected(year(5), [yearTiers], []).agencyCents).toBe(13000);
    expect(calculateExpected(year(1), [yearTiers], []).rate).toBe('15');
  });

  test('a premium no tier covers is a rule error', () => {
    const capped = rule('CAPPED', {
      basis: { kind: 'tiered', by: 'premium', tiers: [{ upTo: 1000, rate: '10' }] },
    });
    expect(() => calculateExpected(tx('NEW', { premiumDeltaCents: 123450 }), [capped], [])).toThrow(
      InvalidRuleError,
    );
  });

  test('flat per policy: paid on NEW/RWL, nothing on endorsements, back only on a flat cancel', () => {
    const flat = rule('FLAT', { basis: { kind: 'flat', amountCents: 5000 } });
    const at = (type: TransactionType, over: Partial<CommissionTransaction> = {}) =>
      calculateExpected(tx(type, { premiumDeltaCents: 123450, ...over }), [flat], []);
    expect(at('NEW')).toMatchObject({ agencyCents: 5000, rate: null });
    expect(at('RWL', { policy: renewalTerm() }).agencyCents).toBe(5000);
    expect(at('END', { premiumDeltaCents: 20000 }).agencyCents).toBe(0);
    expect(at('AUD', { premiumDeltaCents: 20000 }).agencyCents).toBe(0);
    expect(
      at('CAN', { premiumDeltaCents: 0, cancelMethod: 'pro_rata', effectiveDate: '2026-06-01' }).agencyCents,
    ).toBe(0);
    const flatCancel = tx('CAN', { cancelMethod: 'flat' });
    expect(calculateExpected(flatCancel, [flat], []).agencyCents).toBe(-5000);
    expect(
      calculateExpected(tx('REI', { effectiveDate: '2026-01-10' }), [flat], [], {
        reinstatedCancellation: flatCancel,
      }).agencyCents,
    ).toBe(5000);
  });

  test('broker fees are commissionable only under a rule that says so; taxes never', () => {
    // $1,000.00 premium + $150.00 broker fee + $75.00 taxes.
    const written = tx('NEW', { premiumDeltaCents: 100000, brokerFeeCents: 15000, taxesFeesCents: 7500 });
    // Without commissionOnFees: 10% × $1,000.00 = $100.00.
    expect(calculateExpected(written, [rule('PLAIN')], [])).toMatchObject({
      agencyCents: 10000,
      basisCents: 100000,
    });
    // With it: 10% × ($1,000.00 + $150.00) = $115.00; the taxes still are not.
    const onFees = calculateExpected(written, [rule('FEES', { commissionOnFees: true })], []);
    expect(onFees).toMatchObject({ agencyCents: 11500, basisCents: 115000 });
    // A flat cancellation returns the fee with the premium: −10% × ($1,234.50 + $150.00) = −$138.45.
    const cancel = tx('CAN', { cancelMethod: 'flat', brokerFeeCents: 15000 });
    expect(calculateExpected(cancel, [rule('FEES', { commissionOnFees: true })], []).agencyCents).toBe(
      -13845,
    );
  });
});

describe('rule selection', () => {
  const anyRule = rule('ANY', { basis: { kind: 'percent', rate: '10' } });

  test('a catch-all applies when nothing more specific does', () => {
    const hartfordBop = tx('NEW', { policy: term({ carrierId: 'HART', lineOfBusiness: 'BOP' }) });
    expect(selectRule([anyRule, ...travelersRules], hartfordBop).id).toBe('ANY');
    expect(selectRule([anyRule, ...travelersRules], tx('NEW')).id).toBe('R-NEW');
  });

  test('carrier beats MGA beats any; carrier-through-MGA beats both', () => {
    const policy = term({ carrierId: 'LLOYDS', mgaId: 'AMWI', lineOfBusiness: 'CGL' });
    const viaMga = rule('MGA', { mgaId: 'AMWI', lineOfBusiness: 'CGL' });
    const carrier = rule('CARRIER', { carrierId: 'LLOYDS' });
    const both = rule('BOTH', { carrierId: 'LLOYDS', mgaId: 'AMWI' });
    expect(selectRule([anyRule, viaMga], tx('NEW', { policy })).id).toBe('MGA');
    // The carrier rule wins although the MGA rule names the line: who pays is compared first.
    expect(selectRule([anyRule, viaMga, carrier], tx('NEW', { policy })).id).toBe('CARRIER');
    expect(selectRule([anyRule, viaMga, carrier, both], tx('NEW', { policy })).id).toBe('BOTH');
    // The MGA rule does not apply to a policy placed without that MGA.
    expect(selectRule([anyRule, viaMga], tx('NEW', { policy: term({ lineOfBusiness: 'CGL' }) })).id).toBe(
      'ANY',
    );
  });

  test('line beats state, state beats any, new/renewal beats any', () => {
    const lineRule = rule('LINE', { carrierId: 'TRAV', lineOfBusiness: 'HOME' });
    const stateRule = rule('STATE', { carrierId: 'TRAV', state: 'TX' });
    const texasHome = rule('TX-HOME', { carrierId: 'TRAV', lineOfBusiness: 'HOME', state: 'TX' });
    const texasHomeNew = rule('TX-HOME-NEW', {
      carrierId: 'TRAV',
      lineOfBusiness: 'home',
      state: 'tx',
      termKind: 'new',
    });
    expect(selectRule([stateRule, lineRule], tx('NEW')).id).toBe('LINE');
    expect(selectRule([stateRule, lineRule, texasHome], tx('NEW')).id).toBe('TX-HOME');
    expect(selectRule([lineRule, texasHome], tx('NEW', { policy: term({ state: 'FL' }) })).id).toBe('LINE');
    // Codes compare without case.
    expect(selectRule([texasHome, texasHomeNew], tx('NEW')).id).toBe('TX-HOME-NEW');
    expect(selectRule([texasHome, texasHomeNew], tx('RWL', { policy: renewalTerm() })).id).toBe('TX-HOME');
  });

  test('new vs renewal: the transaction type for NEW/RWL, the policy year for mid-term transactions', () => {
    expect(termKindOf({ policyYear: 1 })).toBe('new');
    expect(termKindOf({ policyYear: 2 })).toBe('renewal');
    expect(termKindOf({ policyYear: 4 }, 'REWRITE')).toBe('new');
    expect(termKindOf({ policyYear: 4 }, 'BOR')).toBe('new');
    expect(termKindOf({ policyYear: 1 }, 'RWL')).toBe('renewal');
    expect(termKindOf({ policyYear: 2 }, 'END')).toBe('renewal');
    expect(selectRule(travelersRules, tx('CAN', { cancelMethod: 'flat', policy: renewalTerm() })).id).toBe(
      'R12',
    );
  });

  test('effective dating: end-dated rules, read on the term effective date', () => {
    const old = rule('OLD', {
      carrierId: 'TRAV',
      effectiveTo: '2026-01-01',
      basis: { kind: 'percent', rate: '15' },
    });
    const current = rule('CUR', {
      carrierId: 'TRAV',
      effectiveFrom: '2026-01-01',
      basis: { kind: 'percent', rate: '13' },
    });
    const at = (effectiveDate: string) =>
      tx('NEW', { effectiveDate, policy: term({ effectiveDate, expirationDate: '2027-06-01' }) });
    expect(selectRule([old, current], at('2025-12-31')).id).toBe('OLD');
    expect(selectRule([old, current], at('2026-01-01')).id).toBe('CUR');
    // An endorsement in 2026 on a term that began in 2025 keeps the term's (old) rate.
    const end = tx('END', {
      effectiveDate: '2026-03-01',
      premiumDeltaCents: 10000,
      policy: term({ effectiveDate: '2025-06-01', expirationDate: '2026-06-01' }),
    });
    expect(calculateExpected(end, [old, current], []).agencyCents).toBe(1500);
  });

  test('equally specific rules: the higher priority wins; a true tie names the rules', () => {
    const a = rule('A', { carrierId: 'TRAV', priority: 1 });
    const b = rule('B', { carrierId: 'TRAV', priority: 5 });
    const c = rule('C', { carrierId: 'TRAV', priority: 5 });
    expect(selectRule([a, b], tx('NEW')).id).toBe('B');
    let error: unknown;
    try {
      selectRule([a, c, b], tx('NEW'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AmbiguousRuleError);
    expect((error as AmbiguousRuleError).ruleIds).toEqual(['B', 'C']);
    expect((error as Error).message).toContain('B, C');
  });

  test('no matching rule is a NoRuleError carrying what was looked for', () => {
    let error: unknown;
    try {
      selectRule(travelersRules, tx('NEW', { policy: term({ carrierId: 'SAFE', lineOfBusiness: 'AUTOP' }) }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoRuleError);
    expect((error as NoRuleError).criteria).toMatchObject({
      carrierId: 'SAFE',
      lineOfBusiness: 'AUTOP',
      termKind: 'new',
    });
    // A rule not yet in force does not match either.
    expect(() =>
      selectRule([travelersRenewal], tx('RWL', { policy: renewalTerm({ effectiveDate: '2025-12-01' }) })),
    ).toThrow(NoRuleError);
  });
});

describe('producer splits', () => {
  const plan = (percents: string[], over: Partial<SplitPlan> = {}): SplitPlan => ({
    id: 'SP',
    producerId: 'P1',
    policyId: null,
    effectiveFrom: '2020-01-01',
    effectiveTo: null,
    entries: percents.map((p, i) => ({
      producerId: `P${i + 1}`,
      role: i === 0 ? 'writing' : 'servicing',
      newPercent: p,
      renewalPercent: p,
    })),
    ...over,
  });
  const cents = (r: { splits: { cents: number }[]; houseCents: number }) => [
    ...r.splits.map((s) => s.cents),
    r.houseCents,
  ];

  test('3 producers at 33.33% of $100.00: $33.33 each, the house keeps the 0.01%', () => {
    expect(cents(splitCommission(10000, plan(['33.33', '33.33', '33.33']), 'new'))).toEqual([
      3333, 3333, 3333, 1,
    ]);
  });

  test('3 producers at 33.33% of $1.00: the missing cent goes to the first-listed producer', () => {
    // Exact: 33.33, 33.33, 33.33, house 0.01 → rounded 33, 33, 33, 0 = 99; one cent short, the
    // largest remainders (.33) tie, so the earliest in the plan gets it.
    expect(cents(splitCommission(100, plan(['33.33', '33.33', '33.33']), 'new'))).toEqual([34, 33, 33, 0]);
  });

  test('negative (chargeback) amounts split as the mirror image', () => {
    expect(cents(splitCommission(-100, plan(['33.33', '33.33', '33.33']), 'new'))).toEqual([
      -34, -33, -33, 0,
    ]);
    expect(cents(splitCommission(-5804, p1Plan, 'renewal'))).toEqual([-1451, -4353]);
  });

  test('half cents round half-even, then the remainder goes by largest remainder', () => {
    // 50/50 of $1.85: exact 92.5 each → half-even 92 and 92 = 184; one cent short, tie → first.
    expect(cents(splitCommission(185, plan(['50', '50']), 'new'))).toEqual([93, 92, 0]);
    // 37.5/37.5 of 4¢ (house 25%): exact 1.5, 1.5, 1 → half-even 2, 2, 1 = 5; one cent over, taken
    // from the most over-rounded (tie → first): 1, 2, 1.
    expect(cents(splitCommission(4, plan(['37.5', '37.5']), 'new'))).toEqual([1, 2, 1]);
    expect(cents(splitCommission(-4, plan(['37.5', '37.5']), 'new'))).toEqual([-1, -2, -1]);
  });

  test('shares plus house always add up to the agency commission', () => {
    const plans = [
      plan(['33.33', '33.33', '33.33']),
      plan(['12.5', '7.25', '0.01']),
      plan(['100']),
      plan(['0', '66.6667', '33.3333']),
      plan(['49.99', '50']),
    ];
    for (const p of plans) {
      for (let amount = -1013; amount <= 1013; amount += 7) {
        const r = splitCommission(amount, p, 'new');
        expect(r.splits.reduce((s, x) => s + x.cents, 0) + r.houseCents).toBe(amount);
        for (const share of r.splits) expect(Number.isSafeInteger(share.cents)).toBe(true);
      }
    }
  });

  test('new vs renewal percent; no plan = all house; over 100% is an error', () => {
    expect(cents(splitCommission(10000, p1Plan, 'new'))).toEqual([4000, 6000]);
    expect(cents(splitCommission(10000, p1Plan, 'renewal'))).toEqual([2500, 7500]);
    expect(splitCommission(10000, null, 'new')).toEqual({ splits: [], houseCents: 10000 });
    expect(() => splitCommission(100, plan(['60', '50']), 'new')).toThrow(InvalidSplitPlanError);
  });

  test('plan selection: policy override beats the producer plan; effective dating; none → house', () => {
    const producerOld = plan(['50'], { id: 'OLD', effectiveTo: '2026-01-01' });
    const producerNew = plan(['40'], { id: 'NEW', effectiveFrom: '2026-01-01' });
    const override = plan(['30', '30'], { id: 'OVR', producerId: null, policyId: 'T1' });
    const agencyWide = plan(['10'], { id: 'AGENCY', producerId: null });
    const policy = { id: 'T1', producerId: 'P1' };
    expect(selectSplitPlan([producerOld, producerNew], policy, '2025-06-01')?.id).toBe('OLD');
    expect(selectSplitPlan([producerOld, producerNew], policy, '2026-01-01')?.id).toBe('NEW');
    expect(selectSplitPlan([producerOld, producerNew, override], policy, '2026-01-01')?.id).toBe('OVR');
    expect(selectSplitPlan([producerNew, agencyWide], { id: 'T9', producerId: 'P7' }, '2026-01-01')?.id).toBe(
      'AGENCY',
    );
    expect(selectSplitPlan([producerNew], { id: 'T9', producerId: 'P7' }, '2026-01-01')).toBeNull();
    expect(() =>
      selectSplitPlan(
        [producerNew, plan(['45'], { id: 'DUP', effectiveFrom: '2026-01-01' })],
        policy,
        '2026-02-01',
      ),
    ).toThrow(AmbiguousSplitPlanError);
  });

  test('an override plan in the calculation: three payees at 33.33% of a commission', () => {
    // NEW $1,000.00 at 15% = $150.00. Each 33.33% = 4,999.5¢ → half-even 5,000¢; the house's
    // 0.01% = 1.5¢ → 2¢. That is 15,002¢, 2¢ over. Every party was rounded up by 0.5¢ (a tie),
    // so the earliest in the plan give the cents back: P1 and P2 → 4,999¢, 4,999¢, 5,000¢, house 2¢.
    const override = plan(['33.33', '33.33', '33.33'], { id: 'OVR', producerId: null, policyId: 'T1' });
    const r = calculateExpected(tx('NEW', { premiumDeltaCents: 100000 }), travelersRules, [p1Plan, override]);
    expect(r.splitPlanId).toBe('OVR');
    expect(cents(r)).toEqual([4999, 4999, 5000, 2]);
    expectBalanced(r);
  });
});

describe('renewal chains', () => {
  const chainTerm = (over: Partial<ChainTermInput> & { id: string }): ChainTermInput => ({
    policyNumber: 'HO-123 45',
    priorPolicyNumber: null,
    carrierId: 'TRAV',
    lineOfBusiness: 'HOME',
    clientId: 'C1',
    effectiveDate: '2024-01-01',
    expirationDate: '2025-01-01',
    ...over,
  });

  test('follows a policy number that changed at renewal, keeping the original inception date', () => {
    const chained = linkRenewalChains([
      chainTerm({
        id: 'T3',
        policyNumber: 'NEW-999',
        priorPolicyNumber: 'ho12345',
        effectiveDate: '2026-01-01',
        expirationDate: '2027-01-01',
      }),
      chainTerm({ id: 'T1' }),
      chainTerm({
        id: 'T2',
        priorPolicyNumber: 'HO-123 45',
        effectiveDate: '2025-01-01',
        expirationDate: '2026-01-01',
      }),
    ]);
    expect(
      chained.map((c) => [c.id, c.priorTermId, c.linkedBy, c.policyYear, c.originalInceptionDate]),
    ).toEqual([
      ['T3', 'T2', 'prior_policy_number', 3, '2024-01-01'],
      ['T1', null, null, 1, '2024-01-01'],
      ['T2', 'T1', 'prior_policy_number', 2, '2024-01-01'],
    ]);
    expect(new Set(chained.map((c) => c.chainId))).toEqual(new Set(['T1']));
  });

  test('without a prior number: the same number, else same client + carrier + line + dates meeting', () => {
    const chained = linkRenewalChains([
      chainTerm({ id: 'T1' }),
      chainTerm({ id: 'T2', effectiveDate: '2025-01-01', expirationDate: '2026-01-01' }),
      chainTerm({
        id: 'T3',
        policyNumber: 'HO-777',
        effectiveDate: '2026-01-01',
        expirationDate: '2027-01-01',
      }),
    ]);
    expect(chained.map((c) => [c.linkedBy, c.policyYear])).toEqual([
      [null, 1],
      ['same_policy_number', 2],
      ['continuity', 3],
    ]);
  });

  test('continuity never guesses between two candidates', () => {
    const chained = linkRenewalChains([
      chainTerm({ id: 'A', policyNumber: 'H1' }),
      chainTerm({ id: 'B', policyNumber: 'H2' }),
      chainTerm({ id: 'C', policyNumber: 'H3', effectiveDate: '2025-01-01', expirationDate: '2026-01-01' }),
    ]);
    expect(chained.find((c) => c.id === 'C')).toMatchObject({ priorTermId: null, policyYear: 1 });
  });

  test('a first term with an earlier reported inception, or an unknown prior number, is a renewal', () => {
    const [reported, unknownPrior] = linkRenewalChains([
      chainTerm({ id: 'R', originalInceptionDate: '2021-01-01' }),
      chainTerm({ id: 'U', policyNumber: 'X1', clientId: 'C2', priorPolicyNumber: 'GONE-1' }),
    ]);
    expect(reported).toMatchObject({ policyYear: 4, originalInceptionDate: '2021-01-01' }); // 3 terms before
    expect(unknownPrior).toMatchObject({ policyYear: 2, priorTermId: null });
  });
});

// ---------------------------------------------------------------------------------------------
// Invariants over the whole demo agency.

describe('the demo agency: invariants over every transaction', () => {
  const agency = generateAgency({ seed: 'engine', clients: 300, asOf: '2026-11-01' });
  const mgas = new Set(agency.carriers.filter((c) => c.kind === 'mga').map((c) => c.key));
  const rules: CommissionRule[] = agency.carriers.flatMap((c) =>
    (['new', 'renewal'] as const).map((termKind) =>
      rule(`${c.key}-${termKind}`, {
        carrierId: c.kind === 'carrier' ? c.key : null,
        mgaId: c.kind === 'mga' ? c.key : null,
        termKind,
        basis: { kind: 'percent', rate: termKind === 'new' ? c.newRate : c.renewalRate },
      }),
    ),
  );
  const producers = agency.producers.filter((p) => p.role === 'producer');
  const csrs = agency.producers.filter((p) => p.role === 'csr');
  // Book plans with awkward percents, and three-way overrides on every fifth chain.
  const splitPlans: SplitPlan[] = producers.map((p, i) => ({
    id: `BOOK-${p.key}`,
    producerId: p.key,
    policyId: null,
    effectiveFrom: '2000-01-01',
    effectiveTo: null,
    entries:
      i % 3 === 0
        ? [{ producerId: p.key, role: 'writing', newPercent: '40', renewalPercent: '25' }]
        : i % 3 === 1
          ? [
              { producerId: p.key, role: 'writing', newPercent: '33.33', renewalPercent: '27.5' },
              { producerId: producers[0]!.key, role: 'override', newPercent: '3.33', renewalPercent: '1.67' },
            ]
          : [
              { producerId: p.key, role: 'writing', newPercent: '50', renewalPercent: '30' },
              {
                producerId: csrs[i % csrs.length]!.key,
                role: 'servicing',
                newPercent: '7.5',
                renewalPercent: '7.5',
              },
            ],
  }));
  agency.policies.forEach((p, i) => {
    if (i % 5 !== 0) return;
    splitPlans.push({
      id: `OVR-${p.key}`,
      producerId: null,
      policyId: p.key,
      effectiveFrom: '2000-01-01',
      effectiveTo: null,
      entries: [
        { producerId: p.producerKey, role: 'writing', newPercent: '33.33', renewalPercent: '33.33' },
        { producerId: csrs[0]!.key, role: 'servicing', newPercent: '33.33', renewalPercent: '33.33' },
        { producerId: 'REFERRAL-1', role: 'referral', newPercent: '33.33', renewalPercent: '33.33' },
      ],
    });
  });

  const chainInput = (p: DemoPolicy, withPriorNumber: boolean): ChainTermInput => ({
    id: p.key,
    policyNumber: p.policyNumber,
    priorPolicyNumber: withPriorNumber ? p.priorPolicyNumber : null,
    carrierId: p.carrierKey,
    lineOfBusiness: p.lineOfBusiness,
    clientId: p.clientKey,
    effectiveDate: p.effectiveDate,
    expirationDate: p.expirationDate,
  });
  const chains = new Map(
    linkRenewalChains(agency.policies.map((p) => chainInput(p, true))).map((c) => [c.id, c]),
  );

  const termOf = (p: DemoPolicy): PolicyTerm => {
    const chained = chains.get(p.key)!;
    return {
      id: p.key,
      carrierId: mgas.has(p.carrierKey) ? null : p.carrierKey,
      mgaId: mgas.has(p.carrierKey) ? p.carrierKey : null,
      producerId: p.producerKey,
      lineOfBusiness: p.lineOfBusiness,
      state: p.state,
      effectiveDate: p.effectiveDate,
      expirationDate: p.expirationDate,
      originalInceptionDate: chained.originalInceptionDate,
      termPremiumCents: p.termPremiumCents,
      policyYear: chained.policyYear,
    };
  };
  const transactionsOf = (p: DemoPolicy): CommissionTransaction[] => {
    const policy = termOf(p);
    return p.transactions.map((t) => ({
      id: t.key,
      type: t.type,
      effectiveDate: t.effectiveDate,
      premiumDeltaCents: t.premiumDeltaCents,
      taxesFeesCents: 0,
      cancelMethod: t.cancelMethod ?? null,
      policy,
    }));
  };
  const results = agency.policies.map((p) => ({
    policy: p,
    transactions: transactionsOf(p),
    results: calculateTermTransactions(transactionsOf(p), rules, splitPlans),
  }));
  const all = results.flatMap((r) => r.results);
  const typesSeen = new Set(results.flatMap((r) => r.transactions.map((t) => t.type)));

  test('the book is big enough to mean something', () => {
    expect(agency.policies.length).toBeGreaterThan(500);
    expect([...typesSeen].sort()).toEqual(['CAN', 'END', 'NEW', 'REI', 'RWL']);
    const methods = new Set(
      results.flatMap((r) => r.transactions.map((t) => t.cancelMethod)).filter(Boolean),
    );
    expect(methods).toEqual(new Set(['flat', 'pro_rata', 'short_rate']));
  });

  test('renewal chains rebuild every term number and inception date, with or without prior numbers', () => {
    const withoutPriorNumbers = linkRenewalChains(agency.policies.map((p) => chainInput(p, false)));
    const renumbered = agency.policies.filter(
      (p) => p.priorPolicyNumber !== null && p.priorPolicyNumber !== p.policyNumber,
    );
    expect(renumbered.length).toBeGreaterThan(10); // term suffixes and rewrites under a new number
    agency.policies.forEach((p, i) => {
      expect(chains.get(p.key)).toMatchObject({
        policyYear: p.termNumber,
        originalInceptionDate: p.originalInceptionDate,
        priorTermId: p.priorPolicyKey,
      });
      expect(withoutPriorNumbers[i]).toMatchObject({
        policyYear: p.termNumber,
        priorTermId: p.priorPolicyKey,
      });
    });
  });

  test('every amount is whole cents and shares + house == agency commission', () => {
    for (const r of all) {
      for (const cents of [r.agencyCents, r.basisCents, r.houseCents, ...r.splits.map((s) => s.cents)]) {
        expect(Number.isSafeInteger(cents)).toBe(true);
      }
      expectBalanced(r);
      expect(r.explanation.length).toBeGreaterThan(2);
    }
  });

  test('NEW and RWL earn the carrier new/renewal rate on the written premium', () => {
    for (const { policy, transactions, results: rs } of results) {
      const carrier = agency.carriers.find((c) => c.key === policy.carrierKey)!;
      const first = rs[0]!;
      expect(first.rate).toBe(policy.termNumber === 1 ? carrier.newRate : carrier.renewalRate);
      expect(first.termKind).toBe(policy.termNumber === 1 ? 'new' : 'renewal');
      expect(first.basisCents).toBe(transactions[0]!.premiumDeltaCents);
      expect(first.agencyCents).toBeGreaterThan(0);
    }
  });

  test('a chargeback never exceeds the commission earned on the term before it', () => {
    let cancellations = 0;
    for (const { transactions, results: rs } of results) {
      let earned = 0;
      rs.forEach((r, i) => {
        const t = transactions[i]!;
        if (t.type === 'CAN') {
          cancellations++;
          expect(r.agencyCents).toBeLessThanOrEqual(0);
          expect(-r.agencyCents).toBeLessThanOrEqual(earned);
          // Without the limit the chargeback differs by rounding cents at most.
          const unlimited = calculateExpected(t, rules, splitPlans);
          expect(unlimited.agencyCents).toBeLessThanOrEqual(r.agencyCents);
          expect(r.agencyCents - unlimited.agencyCents).toBeLessThanOrEqual(i);
        }
        earned += r.agencyCents;
      });
    }
    expect(cancellations).toBeGreaterThan(5);
  });

  test('a reinstatement after a cancellation nets to the original, for the agency and every payee', () => {
    let reinstated = 0;
    for (const { transactions, results: rs } of results) {
      const can = rs.findIndex((_, i) => transactions[i]!.type === 'CAN');
      const rei = rs.findIndex((_, i) => transactions[i]!.type === 'REI');
      if (can < 0 || rei < 0) continue;
      reinstated++;
      const [c, r] = [rs[can]!, rs[rei]!];
      expect(c.agencyCents + r.agencyCents).toBe(0);
      expect(c.houseCents + r.houseCents).toBe(0);
      for (const [k, share] of c.splits.entries()) expect(share.cents + r.splits[k]!.cents).toBe(0);
      // The term then ends where it stood before the cancellation.
      const before = rs.slice(0, can).reduce((sum, x) => sum + x.agencyCents, 0);
      expect(rs.slice(0, rei + 1).reduce((sum, x) => sum + x.agencyCents, 0)).toBe(before);
      // And without the cancellation named, the reinstated premium gives the same amount.
      expect(calculateExpected(transactions[rei]!, rules, splitPlans).agencyCents).toBe(r.agencyCents);
    }
    expect(reinstated).toBeGreaterThan(0);
  });

  test('computing the unearned premium ourselves agrees with the return premium the demo AMS reports', () => {
    for (const { transactions } of results) {
      for (const t of transactions) {
        if (t.type !== 'CAN') continue;
        const reported = calculateExpected(t, rules, splitPlans);
        const computedFromTerm = { ...t, premiumDeltaCents: 0 };
        // The demo AMS returns 90% of pro rata for short rate; pro rata and flat are exact.
        const ours = calculateExpected(computedFromTerm, rules, splitPlans, {
          shortRateMethod: 'ninety_percent_of_pro_rata',
        });
        expect(Math.abs(ours.basisCents - reported.basisCents)).toBeLessThanOrEqual(1);
        expect(Math.abs(ours.agencyCents - reported.agencyCents)).toBeLessThanOrEqual(1);
        // The customary table keeps at least the pro-rata share, so it returns no more than pro rata.
        const table = calculateExpected(
          { ...computedFromTerm, cancelMethod: 'short_rate' },
          rules,
          splitPlans,
        );
        const proRata = calculateExpected(
          { ...computedFromTerm, cancelMethod: 'pro_rata' },
          rules,
          splitPlans,
        );
        expect(table.agencyCents).toBeGreaterThanOrEqual(proRata.agencyCents);
      }
    }
  });

  test('explanations show the numbers used', () => {
    const can = results.find((r) => r.transactions.some((t) => t.cancelMethod === 'pro_rata'))!;
    const i = can.transactions.findIndex((t) => t.type === 'CAN');
    const r = can.results[i]!;
    expect(
      r.explanation.some((s) => s.startsWith('Chargeback: −') && s.includes(formatDollars(r.agencyCents))),
    ).toBe(true);
  });
});

describe('without a schedule, the commission a system of record states is the expectation', () => {
  const epicLine = { rate: '12.5', cents: null, system: 'applied-epic' };

  test("the AMS's rate for the policy line is applied to the premium, and the source is ams", () => {
    const expected = calculateExpected(
      tx('NEW', { premiumDeltaCents: 123450, policy: term({ recorded: epicLine }) }),
      [],
      [],
    );
    expect(expected).toMatchObject({
      agencyCents: 15431, // 12.5% of $1,234.50 = $154.3125, half-even
      rate: '12.5',
      ruleId: null,
      rateSource: 'ams',
      recordedRate: '12.5',
      recordedSystem: 'applied-epic',
    });
    expect(expected.explanation.join('\n')).toMatch(
      /No schedule line applies; Applied Epic records 12\.5% for the policy line/,
    );
  });

  test('an amount the AMS records on the transaction is taken as it is, and a chargeback keeps its sign', () => {
    const expected = calculateExpected(
      tx('CAN', {
        premiumDeltaCents: -40000,
        cancelMethod: 'pro_rata',
        recorded: { rate: '10', cents: -4000, system: 'applied-epic' },
      }),
      [],
      [],
    );
    expect(expected).toMatchObject({ agencyCents: -4000, rateSource: 'ams', ruleId: null });
    expect(expected.explanation.join('\n')).toMatch(
      /records the commission on this transaction: −\$40\.00 \(10%\)/,
    );
  });

  test('a rate sent through the API is a manual source', () => {
    const expected = calculateExpected(
      tx('NEW', { premiumDeltaCents: 100000, recorded: { rate: '15', cents: null, system: 'api' } }),
      [],
      [],
    );
    expect(expected).toMatchObject({ agencyCents: 15000, rateSource: 'manual' });
  });

  test("a schedule wins over the AMS's rate, which is kept beside it for the disagreement list", () => {
    const expected = calculateExpected(
      tx('NEW', { premiumDeltaCents: 100000, policy: term({ recorded: epicLine }) }),
      [rule('R1', { carrierId: 'TRAV', basis: { kind: 'percent', rate: '10' } })],
      [],
    );
    expect(expected).toMatchObject({
      agencyCents: 10000,
      ruleId: 'R1',
      rateSource: 'schedule',
      recordedRate: '12.5',
    });
    const learned = calculateExpected(
      tx('NEW', { premiumDeltaCents: 100000 }),
      [rule('R2', { carrierId: 'TRAV', basis: { kind: 'percent', rate: '11' }, source: 'learned' })],
      [],
    );
    expect(learned.rateSource).toBe('learned');
  });

  test('with neither a schedule nor a stated commission, the transaction has no rule', () => {
    expect(() => calculateExpected(tx('NEW', { premiumDeltaCents: 100000 }), [], [])).toThrow(NoRuleError);
  });
});
