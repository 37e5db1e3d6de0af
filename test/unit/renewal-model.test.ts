import { describe, expect, test } from 'vitest';
import {
  type DemoAgency,
  type DemoPolicy,
  generateAgency,
  renewalProbability,
} from '../../connectors/kit/demo-agency.ts';
import { Random } from '../../connectors/kit/random.ts';
import { isHeldOut, rocAuc, splitByTermId } from '../../domain/analytics/auc.ts';
import {
  coefficientsOnFeatureScale,
  contributions,
  logOdds,
  predict,
  train,
} from '../../domain/analytics/logistic.ts';
import { type InForceTerm, projectRenewalCommissions } from '../../domain/analytics/projections.ts';
import {
  buildRenewalHistories,
  deriveRenewalFeatures,
  type PolicyTermRecord,
  type RenewalTermHistory,
  renewalOutcomes,
} from '../../domain/analytics/renewal-features.ts';
import {
  type RenewalTrainingExample,
  scoreRenewals,
  trainRenewalModel,
} from '../../domain/analytics/renewal-model.ts';

/** A term of the hand-made book, with the defaults of a personal-lines home policy. */
function term(fields: Partial<PolicyTermRecord> & Pick<PolicyTermRecord, 'termId'>): PolicyTermRecord {
  return {
    clientId: 'C1',
    carrierId: 'TRAV',
    policyNumber: fields.termId,
    priorTermId: null,
    priorPolicyNumber: null,
    lineOfBusiness: 'HOME',
    businessType: 'personal',
    effectiveDate: '2024-01-01',
    expirationDate: '2025-01-01',
    originalInceptionDate: null,
    termPremiumCents: 100_000,
    status: 'expired',
    transactions: [],
    ...fields,
  };
}

// One client's history: a home chain renewed twice (+10% at each renewal), rewritten under a new
// policy number at the second renewal (linked only by the prior policy number), with two
// endorsements and a payment lapse in its third term; an auto policy lost before; an umbrella in
// force; a dwelling policy written after the home's renewal decision; and another client.
const handMadeBook: PolicyTermRecord[] = [
  term({
    termId: 'A1',
    policyNumber: 'HO-123',
    effectiveDate: '2022-03-01',
    expirationDate: '2023-03-01',
    originalInceptionDate: '2022-03-01',
    termPremiumCents: 100_000,
    transactions: [{ type: 'NEW', effectiveDate: '2022-03-01', premiumDeltaCents: 100_000 }],
  }),
  term({
    termId: 'A2',
    policyNumber: 'HO-123',
    priorTermId: 'A1',
    priorPolicyNumber: 'HO-123',
    effectiveDate: '2023-03-01',
    expirationDate: '2024-03-01',
    originalInceptionDate: '2022-03-01',
    termPremiumCents: 110_000,
    transactions: [{ type: 'RWL', effectiveDate: '2023-03-01', premiumDeltaCents: 110_000 }],
  }),
  term({
    termId: 'A3',
    policyNumber: 'HX 998877',
    priorPolicyNumber: 'ho 123', // as another system typed it
    effectiveDate: '2024-03-01',
    expirationDate: '2025-03-01',
    termPremiumCents: 122_500,
    transactions: [
      { type: 'RWL', effectiveDate: '2024-03-01', premiumDeltaCents: 121_000 },
      { type: 'END', effectiveDate: '2024-06-01', premiumDeltaCents: 2_000 },
      { type: 'CAN', effectiveDate: '2024-07-01', premiumDeltaCents: -80_000 },
      { type: 'REI', effectiveDate: '2024-07-15', premiumDeltaCents: 80_000 },
      { type: 'END', effectiveDate: '2024-09-01', premiumDeltaCents: -500 },
    ],
  }),
  term({
    termId: 'B1',
    lineOfBusiness: 'AUTOP',
    effectiveDate: '2023-01-01',
    expirationDate: '2024-01-01',
    status: 'lost',
  }),
  term({
    termId: 'C1',
    lineOfBusiness: 'UMBRP',
    effectiveDate: '2024-05-01',
    expirationDate: '2025-05-01',
    status: 'active',
  }),
  term({
    termId: 'D1',
    lineOfBusiness: 'DFIRE',
    effectiveDate: '2025-04-01',
    expirationDate: '2026-04-01',
    status: 'active',
  }),
  term({ termId: 'Z1', clientId: 'C2', effectiveDate: '2024-02-01', expirationDate: '2025-02-01' }),
];

function historyOf(histories: RenewalTermHistory[], termId: string): RenewalTermHistory {
  return histories.find((h) => h.term.termId === termId)!;
}

describe('renewal features from the hub’s own history', () => {
  const histories = buildRenewalHistories(handMadeBook, {
    lastContactByClient: new Map([['C1', '2024-12-01']]),
    pendingRenewalPremiumByTerm: new Map([['A3', 147_000]]),
  });

  test('a chain whose policy number changed is linked through the prior policy number', () => {
    const a3 = historyOf(histories, 'A3');
    expect(a3.priorTerms.map((t) => t.termId)).toEqual(['A2', 'A1']);
    expect(a3.otherChains.map((c) => c.map((t) => t.termId))).toEqual([['B1'], ['C1'], ['D1']]);
  });

  test('the third home term: lapse, endorsements, a +10% renewal, a +20% offer, other policies', () => {
    const f = deriveRenewalFeatures(historyOf(histories, 'A3'));
    expect(f.asOf).toBe('2025-02-28'); // decided on the term's last day
    // The original inception comes from the chain (A3 carries none): 2022-03-01 to 2025-03-01.
    expect(f.tenureYears).toBeCloseTo(1096 / 365, 12);
    expect(f.lastRenewalPremiumChangePct).toBeCloseTo(10, 12); // 121,000 written on 110,000 expiring
    expect(f.pendingPremiumChangePct).toBeCloseTo(20, 12); // 147,000 offered on 122,500
    expect(f.endorsements).toBe(2);
    expect(f.paymentLapse).toBe(true);
    expect(f.otherActivePolicies).toBe(1); // the umbrella; the dwelling starts after the decision
    expect(f.otherPoliciesEnded).toBe(1); // the auto policy lost in 2024
    expect(f.commercial).toBe(false);
    expect(f.daysSinceContact).toBe(89);
  });

  test('an earlier term sees only what had happened by its own decision', () => {
    const f = deriveRenewalFeatures(historyOf(histories, 'A2'));
    expect(f.tenureYears).toBeCloseTo(2, 2);
    expect(f.lastRenewalPremiumChangePct).toBeCloseTo(10, 12);
    expect(f.pendingPremiumChangePct).toBeNull();
    expect(f.endorsements).toBe(0);
    expect(f.paymentLapse).toBe(false); // the lapse came in the next term
    expect(f.otherActivePolicies).toBe(0);
    expect(f.otherPoliciesEnded).toBe(1);
    expect(f.daysSinceContact).toBeNull(); // the contact on file is later than this decision
    const first = deriveRenewalFeatures(historyOf(histories, 'A1'));
    expect(first.lastRenewalPremiumChangePct).toBeNull();
    expect(first.otherActivePolicies).toBe(1); // the auto policy was in force then
  });

  test('scored ahead of expiration, only the transactions so far count', () => {
    const f = deriveRenewalFeatures(historyOf(histories, 'A3'), '2024-07-10');
    expect(f.asOf).toBe('2024-07-10');
    expect(f.endorsements).toBe(1);
    expect(f.paymentLapse).toBe(false); // cancelled, not yet reinstated
  });

  test('renewal outcomes come from the chain links and statuses', () => {
    const outcomes = renewalOutcomes(handMadeBook, '2025-04-15');
    expect(Object.fromEntries(outcomes)).toEqual({
      A1: true,
      A2: true,
      A3: false, // expired with no successor
      B1: false,
      C1: null,
      D1: null,
      Z1: false,
    });
  });
});

describe('logistic regression', () => {
  // Synthetic data from a known model: log-odds = -1 + 0.3·years - 1.2·lapse + 0.05·pct.
  const truth = { intercept: -1, years: 0.3, lapse: -1.2, pct: 0.05 };
  const r = new Random('logistic-recovery');
  const samples = Array.from({ length: 20_000 }, () => {
    const features = { years: r.next() * 10, lapse: r.chance(0.3) ? 1 : 0, pct: r.int(-10, 30), constant: 7 };
    const z =
      truth.intercept +
      truth.years * features.years +
      truth.lapse * features.lapse +
      truth.pct * features.pct;
    return { features, outcome: r.next() < 1 / (1 + Math.exp(-z)) };
  });
  const model = train(samples, { l2: 1e-6 });

  test('recovers the coefficients it was generated from', () => {
    expect(model.converged).toBe(true);
    const fitted = coefficientsOnFeatureScale(model);
    expect(fitted.intercept).toBeCloseTo(truth.intercept, 1);
    expect(fitted.coefficients.years).toBeCloseTo(truth.years, 1);
    expect(fitted.coefficients.lapse).toBeCloseTo(truth.lapse, 1);
    expect(fitted.coefficients.pct).toBeCloseTo(truth.pct, 1);
    expect(Math.abs(fitted.coefficients.years! - truth.years)).toBeLessThan(0.03);
    expect(Math.abs(fitted.coefficients.lapse! - truth.lapse)).toBeLessThan(0.1);
    expect(Math.abs(fitted.coefficients.pct! - truth.pct)).toBeLessThan(0.01);
    expect(fitted.coefficients.constant).toBe(0); // nothing to learn from a constant
  });

  test('is deterministic, and the contributions add up to the prediction', () => {
    expect(train(samples, { l2: 1e-6 })).toEqual(model);
    const x = { years: 5.5, lapse: 1, pct: 12, constant: 7 };
    const parts = contributions(model, x);
    expect(parts[0]!.feature).toBe('lapse'); // the largest effect comes first
    const z = model.intercept + parts.reduce((s, p) => s + p.contribution, 0);
    expect(z).toBeCloseTo(logOdds(model, x), 12);
    expect(predict(model, x)).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
  });

  test('a stronger penalty shrinks the coefficients', () => {
    const shrunk = train(samples, { l2: 1 });
    expect(Math.abs(shrunk.coefficients[0]!)).toBeLessThan(Math.abs(model.coefficients[0]!));
  });
});

describe('ROC AUC and the held-out split', () => {
  const outcomes = (scores: number[], labels: number[]) =>
    scores.map((score, i) => ({ score, positive: labels[i] === 1 }));

  test('perfect ranking is 1, reversed is 0, all tied is 0.5', () => {
    expect(rocAuc(outcomes([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]))).toBe(1);
    expect(rocAuc(outcomes([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]))).toBe(0);
    expect(rocAuc(outcomes([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]))).toBe(0.5);
  });

  test('partial ranking and a tie counted as half', () => {
    expect(rocAuc(outcomes([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]))).toBe(0.75);
    // Pairs: 0.5~0.5 tie (½), 0.5>0.2, 0.7>0.5, 0.7>0.2 → 3.5 of 4.
    expect(rocAuc(outcomes([0.5, 0.7, 0.5, 0.2], [1, 1, 0, 0]))).toBe(0.875);
    expect(() => rocAuc(outcomes([0.1, 0.2], [1, 1]))).toThrow();
  });

  test('the split depends on the term id alone', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `TERM-${i}`);
    const { training, heldOut } = splitByTermId(ids, (id) => id, 0.3);
    expect(heldOut.length / ids.length).toBeGreaterThan(0.28);
    expect(heldOut.length / ids.length).toBeLessThan(0.32);
    expect(training.length + heldOut.length).toBe(ids.length);
    const again = splitByTermId([...ids].reverse(), (id) => id, 0.3);
    expect(new Set(again.heldOut)).toEqual(new Set(heldOut));
    expect(heldOut.every((id) => isHeldOut(id, 0.3))).toBe(true);
  });
});

describe('commission projections', () => {
  const asOf = '2026-11-01';
  const inForce = (fields: Partial<InForceTerm> & Pick<InForceTerm, 'termId'>): InForceTerm => ({
    policyNumber: fields.termId,
    clientId: 'C1',
    carrierId: 'TRAV',
    lineOfBusiness: 'HOME',
    effectiveDate: '2026-03-15',
    expirationDate: '2027-03-15',
    termPremiumCents: 100_000,
    status: 'active',
    ...fields,
  });
  const book: InForceTerm[] = [
    inForce({ termId: 'HOME-1', termPremiumCents: 123_456 }),
    inForce({
      termId: 'AUTO-6M',
      carrierId: 'PROG',
      lineOfBusiness: 'AUTOP',
      effectiveDate: '2026-08-20',
      expirationDate: '2027-02-20',
      termPremiumCents: 60_050,
    }),
    inForce({ termId: 'OUTSIDE', effectiveDate: '2025-11-01', expirationDate: '2027-11-01' }),
    inForce({ termId: 'CANCELLED', status: 'cancelled' }),
    inForce({
      termId: 'CGL-OFFER',
      carrierId: 'HART',
      lineOfBusiness: 'CGL',
      effectiveDate: '2025-12-01',
      expirationDate: '2026-12-01',
      termPremiumCents: 250_000,
      pendingRenewalPremiumCents: 262_500,
    }),
    inForce({
      termId: 'PROFL-TIE',
      carrierId: 'CINC',
      lineOfBusiness: 'PROFL',
      effectiveDate: '2025-11-20',
      expirationDate: '2026-11-20',
      termPremiumCents: 100_010,
    }),
  ];
  const rates: Record<string, string> = { HOME: '12', AUTOP: '10', CGL: '15', PROFL: '10' };
  const projection = projectRenewalCommissions(book, {
    asOf,
    rateFor: (t) => rates[t.lineOfBusiness!]!,
    renewalProbabilities: new Map([
      ['HOME-1', 0.8],
      ['PROFL-TIE', 0.5],
    ]),
    retentionByLine: { AUTOP: 0.9 },
    defaultRetention: 0.85,
    expectedPremiumChangePct: (t) =>
      t.lineOfBusiness === 'HOME' ? '5' : t.lineOfBusiness === 'AUTOP' ? '10' : '0',
  });
  const cents = (termId: string, renewalNumber = 1) =>
    projection.renewals.find((r) => r.termId === termId && r.renewalNumber === renewalNumber)!;

  test('each renewal: expected premium × rate × probability, half-even to the cent', () => {
    // 1,234.56 × 1.05 = 1,296.288 → 1,296.29; × 12% × 0.8 = 124.44384 → 124.44
    expect(cents('HOME-1')).toMatchObject({
      renewalDate: '2027-03-15',
      expectedPremiumCents: 129_629,
      expectedCommissionCents: 12_444,
      probabilitySource: 'model',
    });
    // A six-month auto term renews twice: 600.50 → 660.55 (× 10% × 0.9 = 59.4495 → 59.45), then
    // 726.605 → 726.60 (half-even) with 0.9² = 0.81: 72.66 × 0.81 = 58.8546 → 58.85.
    expect(cents('AUTO-6M', 1)).toMatchObject({
      renewalDate: '2027-02-20',
      expectedPremiumCents: 66_055,
      expectedCommissionCents: 5_945,
      probabilitySource: 'line_retention',
    });
    expect(cents('AUTO-6M', 2)).toMatchObject({
      renewalDate: '2027-08-20',
      expectedPremiumCents: 72_660,
      probability: 0.81,
      expectedCommissionCents: 5_885,
    });
    // The carrier's offer replaces the expected change: 2,625.00 × 15% × 0.85 = 334.6875 → 334.69.
    expect(cents('CGL-OFFER')).toMatchObject({
      expectedPremiumCents: 262_500,
      expectedCommissionCents: 33_469,
      probabilitySource: 'default_retention',
    });
    // 1,000.10 × 10% × 0.5 = 50.005: half-even keeps 50.00 where half-up would give 50.01.
    expect(cents('PROFL-TIE').expectedCommissionCents).toBe(5_000);
    expect(projection.renewals.map((r) => r.termId)).not.toContain('OUTSIDE');
    expect(projection.renewals.map((r) => r.termId)).not.toContain('CANCELLED');
  });

  test('totals by month, carrier and line add up to the same cents', () => {
    expect(projection.windowEnd).toBe('2027-11-01');
    expect(projection.byMonth.map((m) => m.key)).toEqual([
      '2026-11',
      '2026-12',
      '2027-01',
      '2027-02',
      '2027-03',
      '2027-04',
      '2027-05',
      '2027-06',
      '2027-07',
      '2027-08',
      '2027-09',
      '2027-10',
    ]);
    const month = (key: string) => projection.byMonth.find((m) => m.key === key)!.expectedCommissionCents;
    expect([
      month('2026-11'),
      month('2026-12'),
      month('2027-02'),
      month('2027-03'),
      month('2027-08'),
    ]).toEqual([5_000, 33_469, 5_945, 12_444, 5_885]);
    expect(projection.totalExpectedCommissionCents).toBe(62_743);
    expect(projection.byCarrier.map((c) => [c.key, c.expectedCommissionCents])).toEqual([
      ['CINC', 5_000],
      ['HART', 33_469],
      ['PROG', 11_830],
      ['TRAV', 12_444],
    ]);
    expect(projection.byLine.map((l) => [l.key, l.expectedCommissionCents])).toEqual([
      ['AUTOP', 11_830],
      ['CGL', 33_469],
      ['HOME', 12_444],
      ['PROFL', 5_000],
    ]);
  });

  test('a term with no probability source is an error, not a guess', () => {
    expect(() => projectRenewalCommissions(book, { asOf, rateFor: () => '10' })).toThrow(
      /no renewal probability/,
    );
  });
});

/** The demo agency as the hub sees it: terms, transactions and chain links, never the generator's hidden draws. */
function hubBook(agency: DemoAgency): PolicyTermRecord[] {
  return agency.policies.map((p) => ({
    termId: p.key,
    clientId: p.clientKey,
    carrierId: p.carrierKey,
    policyNumber: p.policyNumber,
    priorTermId: p.priorPolicyKey,
    priorPolicyNumber: p.priorPolicyNumber,
    lineOfBusiness: p.lineOfBusiness,
    businessType: p.businessType,
    effectiveDate: p.effectiveDate,
    expirationDate: p.expirationDate,
    originalInceptionDate: p.originalInceptionDate,
    termPremiumCents: p.termPremiumCents,
    status: p.status,
    transactions: p.transactions.map((t) => ({
      type: t.type,
      effectiveDate: t.effectiveDate,
      premiumDeltaCents: t.premiumDeltaCents,
    })),
  }));
}

describe('the renewal model on the demo agency', () => {
  const agency = generateAgency({ seed: 'renewals', clients: 3000, asOf: '2026-11-01' });
  const book = hubBook(agency);
  const policyByKey = new Map<string, DemoPolicy>(agency.policies.map((p) => [p.key, p]));
  const decided = (histories: RenewalTermHistory[]): RenewalTrainingExample[] =>
    histories
      .filter((h) => policyByKey.get(h.term.termId)!.renewed !== null)
      .map((h) => ({ history: h, renewed: policyByKey.get(h.term.termId)!.renewed! }));
  const examples = decided(buildRenewalHistories(book));
  const { training, heldOut } = splitByTermId(examples, (e) => e.history.term.termId);
  const model = trainRenewalModel(training);
  const aucOf = (scoreOf: (e: RenewalTrainingExample) => number) =>
    rocAuc(heldOut.map((e) => ({ score: scoreOf(e), positive: e.renewed })));

  test('the hub derives the same renewal outcomes the generator drew', () => {
    const outcomes = renewalOutcomes(book, agency.asOf);
    for (const p of agency.policies) expect(outcomes.get(p.key)).toBe(p.renewed);
  });

  test('held-out AUC from hub-visible data, against the generator’s own probabilities', () => {
    const scores = new Map(
      scoreRenewals(
        model,
        heldOut.map((e) => e.history),
      ).map((s) => [s.termId, s]),
    );
    const modelAuc = aucOf((e) => scores.get(e.history.term.termId)!.probability);
    // The ceiling: the true probability each outcome was drawn from, using the hidden draws.
    const hidden = (e: RenewalTrainingExample) => policyByKey.get(e.history.term.termId)!.renewalFeatures!;
    const ceilingAuc = aucOf((e) => renewalProbability(hidden(e)));
    // The generator's own formula restricted to what the hub can see: the next premium change is
    // unknown (at its average), and the lapse and policy count are the ones the history shows.
    const meanChange = heldOut.reduce((s, e) => s + hidden(e).premiumChangePct, 0) / heldOut.length;
    const visibleReferenceAuc = aucOf((e) => {
      const f = deriveRenewalFeatures(e.history);
      return renewalProbability({
        ...hidden(e),
        premiumChangePct: meanChange,
        paymentLapse: f.paymentLapse,
        otherPolicies: f.otherActivePolicies + f.otherPoliciesEnded,
      });
    });
    console.info(
      `renewal model: ${training.length} training / ${heldOut.length} held-out terms; ` +
        `held-out AUC model ${modelAuc.toFixed(4)}, generator formula on hub-visible data ` +
        `${visibleReferenceAuc.toFixed(4)}, ceiling (true probabilities) ${ceilingAuc.toFixed(4)}`,
    );
    expect(heldOut.length).toBeGreaterThan(2000);
    // The brief asked for 0.70; the hub cannot see the renewal offer of a lost term, which is the
    // generator's strongest driver, so no model on this data gets there (see the reference).
    expect(modelAuc).toBeGreaterThanOrEqual(0.65);
    expect(modelAuc).toBeGreaterThanOrEqual(visibleReferenceAuc - 0.01);
    expect(ceilingAuc).toBeGreaterThan(modelAuc);
  });

  test('the learned directions match the generator’s', () => {
    const fitted = coefficientsOnFeatureScale(model.logistic).coefficients;
    expect(fitted.tenureYears).toBeGreaterThan(0);
    expect(fitted.otherActivePolicies).toBeGreaterThan(0);
    expect(fitted.endorsements).toBeLessThan(0);
    expect(fitted.paymentLapse).toBeLessThan(0);
  });

  test('with renewal offers on file (a what-if, from the generator’s draws) the offer is learned', () => {
    // Not the hub-visible measurement: this stands in for an AMS that records the carrier's
    // renewal offer before the decision, for lost terms too.
    const offers = new Map<string, number>();
    for (const p of agency.policies) {
      if (p.renewalFeatures) {
        offers.set(
          p.key,
          Math.round((p.termPremiumCents * (100 + p.renewalFeatures.premiumChangePct)) / 100),
        );
      }
    }
    const withOffers = decided(buildRenewalHistories(book, { pendingRenewalPremiumByTerm: offers }));
    const split = splitByTermId(withOffers, (e) => e.history.term.termId);
    const offerModel = trainRenewalModel(split.training);
    const scores = new Map(
      scoreRenewals(
        offerModel,
        split.heldOut.map((e) => e.history),
      ).map((s) => [s.termId, s]),
    );
    const auc = rocAuc(
      split.heldOut.map((e) => ({
        score: scores.get(e.history.term.termId)!.probability,
        positive: e.renewed,
      })),
    );
    console.info(`renewal model with renewal offers on file: held-out AUC ${auc.toFixed(4)}`);
    expect(auc).toBeGreaterThanOrEqual(0.7);
    expect(coefficientsOnFeatureScale(offerModel.logistic).coefficients.pendingPremiumChangePct).toBeLessThan(
      0,
    );
    const risky = [...scores.values()]
      .filter((s) => s.riskLevel !== 'low')
      .sort((a, b) => b.features.pendingPremiumChangePct! - a.features.pendingPremiumChangePct!)[0]!;
    expect(risky.drivers.map((d) => d.feature)).toContain('pendingPremiumChangePct');
    expect(risky.recommendedActions.map((a) => a.code)).toContain('remarket');
  });

  test('scores explain themselves: three drivers, a risk level and actions', () => {
    const [a3] = scoreRenewals(model, [
      historyOf(
        buildRenewalHistories(handMadeBook, {
          lastContactByClient: new Map([['C1', '2024-06-01']]),
          pendingRenewalPremiumByTerm: new Map([['A3', 147_000]]),
        }),
        'A3',
      ),
    ]);
    expect(a3!.probability).toBeGreaterThan(0);
    expect(a3!.probability).toBeLessThan(1);
    expect(a3!.drivers).toHaveLength(3);
    expect(a3!.drivers[0]).toMatchObject({ feature: 'paymentLapse' });
    expect(a3!.drivers[0]!.contribution).toBeLessThan(0);
    expect(a3!.drivers[0]!.reason).toMatch(/payment lapse.*less likely/);
    expect(a3!.riskLevel).not.toBe('low');
    expect(a3!.recommendedActions.map((a) => a.code)).toEqual(
      expect.arrayContaining(['check_billing', 'remarket', 'review_call']),
    );

    const upcoming = scoreRenewals(
      model,
      buildRenewalHistories(book).filter(
        (h) => h.term.status === 'active' && h.term.expirationDate <= '2027-01-01',
      ),
      { asOf: agency.asOf },
    );
    expect(upcoming.length).toBeGreaterThan(100);
    for (let i = 1; i < upcoming.length; i++) {
      expect(upcoming[i]!.probability).toBeGreaterThanOrEqual(upcoming[i - 1]!.probability);
    }
    const levels = new Set(upcoming.map((s) => s.riskLevel));
    expect(levels).toEqual(new Set(['high', 'medium', 'low']));
  });

  test('a year of renewal commission projected from the in-force book', () => {
    const inForce = book.filter((t) => t.status === 'active');
    const scores = scoreRenewals(
      model,
      buildRenewalHistories(book).filter((h) => h.term.status === 'active'),
      { asOf: agency.asOf },
    );
    const carrierRate = new Map(agency.carriers.map((c) => [c.key, c.renewalRate]));
    const projection = projectRenewalCommissions(inForce, {
      asOf: agency.asOf,
      rateFor: (t) => carrierRate.get(t.carrierId!)!,
      renewalProbabilities: new Map(scores.map((s) => [s.termId, s.probability])),
    });
    expect(projection.byMonth).toHaveLength(12);
    expect(projection.renewals.every((r) => r.probabilitySource === 'model')).toBe(true);
    const sum = (totals: { expectedCommissionCents: number }[]) =>
      totals.reduce((s, t) => s + t.expectedCommissionCents, 0);
    expect(projection.totalExpectedCommissionCents).toBeGreaterThan(0);
    expect(sum(projection.byMonth)).toBe(projection.totalExpectedCommissionCents);
    expect(sum(projection.byCarrier)).toBe(projection.totalExpectedCommissionCents);
    expect(sum(projection.byLine)).toBe(projection.totalExpectedCommissionCents);
  });
});
