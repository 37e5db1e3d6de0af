// The renewal model: which expiring terms are likely to be lost, why, and what the producer can do
// about it. It learns from the agency's own decided renewals (a logistic regression on the
// features in renewal-features.ts), so it needs no assumptions about carriers or lines; the
// explanation is the model's own arithmetic, not a separate heuristic.
import { contributions, type FeatureVector, type LogisticModel, predict, train } from './logistic.ts';
import { deriveRenewalFeatures, type RenewalFeatures, type RenewalTermHistory } from './renewal-features.ts';

export interface RenewalTrainingExample {
  history: RenewalTermHistory;
  renewed: boolean;
}

type NumericFeature =
  | 'tenureYears'
  | 'endorsements'
  | 'otherActivePolicies'
  | 'otherPoliciesEnded'
  | 'paymentLapse'
  | 'commercial';
type OptionalFeature = 'lastRenewalPremiumChangePct' | 'pendingPremiumChangePct' | 'daysSinceContact';
export type RenewalDriverFeature = NumericFeature | OptionalFeature;

const numericFeatures: readonly NumericFeature[] = [
  'tenureYears',
  'endorsements',
  'otherActivePolicies',
  'otherPoliciesEnded',
  'paymentLapse',
  'commercial',
];
const optionalFeatures: readonly OptionalFeature[] = [
  'lastRenewalPremiumChangePct',
  'pendingPremiumChangePct',
  'daysSinceContact',
];
const unknownSuffix = 'Unknown';

export interface RiskThresholds {
  /** Below this renewal probability a term is high risk. */
  high: number;
  /** Below this (and not high) it is medium risk; at or above, low. */
  medium: number;
}

export interface RenewalModel {
  logistic: LogisticModel;
  /** The value an unknown optional feature stands in with: the training mean of the known values. */
  imputation: Record<OptionalFeature, number>;
  /** Share of training terms that renewed. */
  baseRenewalRate: number;
  trainingSize: number;
  riskThresholds: RiskThresholds;
}

export type RiskLevel = 'high' | 'medium' | 'low';

export interface RenewalDriver {
  feature: RenewalDriverFeature;
  /** Shift in log-odds of renewing against the average term: negative means more risk. */
  contribution: number;
  reason: string;
}

export type RenewalActionCode = 'remarket' | 'review_call' | 'bundle' | 'check_billing';

export interface RecommendedAction {
  code: RenewalActionCode;
  text: string;
}

export interface RenewalScore {
  termId: string;
  policyNumber: string;
  expirationDate: string;
  probability: number;
  riskLevel: RiskLevel;
  drivers: RenewalDriver[];
  recommendedActions: RecommendedAction[];
  features: RenewalFeatures;
}

export interface RenewalModelOptions {
  l2?: number;
  riskThresholds?: RiskThresholds;
}

const defaultRiskThresholds: RiskThresholds = { high: 0.6, medium: 0.8 };
/** A premium rise at or above this, in percent, is worth shopping around. */
const remarketThresholdPct = 10;
/** Without a contact for this many days the client has not heard from the agency this term. */
const staleContactDays = 180;

function modelInputs(f: RenewalFeatures, imputation: Record<OptionalFeature, number>): FeatureVector {
  const inputs: Record<string, number> = {
    tenureYears: f.tenureYears,
    endorsements: f.endorsements,
    otherActivePolicies: f.otherActivePolicies,
    otherPoliciesEnded: f.otherPoliciesEnded,
    paymentLapse: f.paymentLapse ? 1 : 0,
    commercial: f.commercial ? 1 : 0,
  };
  // An unknown value stands in with the training mean (so it shifts nothing) and an indicator
  // that lets the model learn whether "unknown" itself matters (a first term has no last renewal).
  for (const name of optionalFeatures) {
    const value = f[name];
    inputs[name] = value ?? imputation[name];
    inputs[`${name}${unknownSuffix}`] = value === null ? 1 : 0;
  }
  return inputs;
}

function driverFeatureOf(input: string): RenewalDriverFeature {
  return (
    input.endsWith(unknownSuffix) ? input.slice(0, -unknownSuffix.length) : input
  ) as RenewalDriverFeature;
}

export function trainRenewalModel(
  examples: readonly RenewalTrainingExample[],
  options: RenewalModelOptions = {},
): RenewalModel {
  if (examples.length === 0) throw new Error('no decided renewals to learn from');
  const features = examples.map((e) => deriveRenewalFeatures(e.history));
  const imputation = {} as Record<OptionalFeature, number>;
  for (const name of optionalFeatures) {
    const known = features.map((f) => f[name]).filter((v): v is number => v !== null);
    imputation[name] = known.length === 0 ? 0 : known.reduce((a, b) => a + b, 0) / known.length;
  }
  const featureNames = [
    ...numericFeatures,
    ...optionalFeatures.flatMap((name) => [name, `${name}${unknownSuffix}`]),
  ];
  const logistic = train(
    features.map((f, i) => ({ features: modelInputs(f, imputation), outcome: examples[i]!.renewed })),
    { featureNames, l2: options.l2 },
  );
  return {
    logistic,
    imputation,
    baseRenewalRate: examples.filter((e) => e.renewed).length / examples.length,
    trainingSize: examples.length,
    riskThresholds: options.riskThresholds ?? defaultRiskThresholds,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function otherPolicies(n: number): string {
  return `${n} other ${n === 1 ? 'policy' : 'policies'}`;
}

function signedPercent(pct: number): string {
  const rounded = Math.round(pct * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded}%`;
}

/** What the feature says about this term, in the words a producer would use. */
function describe(feature: RenewalDriverFeature, f: RenewalFeatures): string {
  switch (feature) {
    case 'tenureYears':
      return `client for ${Math.round(f.tenureYears * 10) / 10} years`;
    case 'endorsements':
      return f.endorsements === 0
        ? 'no endorsements this term'
        : `${plural(f.endorsements, 'endorsement')} this term`;
    case 'otherActivePolicies':
      return f.otherActivePolicies === 0
        ? 'no other policies with the agency'
        : `${otherPolicies(f.otherActivePolicies)} with the agency`;
    case 'otherPoliciesEnded':
      return f.otherPoliciesEnded === 0
        ? 'no other policy lost or cancelled'
        : `${otherPolicies(f.otherPoliciesEnded)} lost or cancelled before`;
    case 'paymentLapse':
      return f.paymentLapse ? 'a payment lapse (cancelled, then reinstated)' : 'no payment lapse';
    case 'commercial':
      return f.commercial ? 'a commercial account' : 'a personal-lines account';
    case 'lastRenewalPremiumChangePct':
      return f.lastRenewalPremiumChangePct === null
        ? 'first term, no renewal yet'
        : `premium changed ${signedPercent(f.lastRenewalPremiumChangePct)} at the last renewal`;
    case 'pendingPremiumChangePct':
      return f.pendingPremiumChangePct === null
        ? 'no renewal offer on file'
        : `renewal offer ${signedPercent(f.pendingPremiumChangePct)} on the expiring premium`;
    case 'daysSinceContact':
      return f.daysSinceContact === null
        ? 'no contact history'
        : `last contact ${f.daysSinceContact} days ago`;
  }
}

function riskLevelOf(probability: number, thresholds: RiskThresholds): RiskLevel {
  if (probability < thresholds.high) return 'high';
  if (probability < thresholds.medium) return 'medium';
  return 'low';
}

/**
 * Actions follow the facts behind the risk: each fires when its fact holds and either the term is
 * at risk or the model names that fact as a reason against renewing. A big premium rise is
 * actionable even when the model could not weigh it (offers are often missing from history).
 */
function recommendedActionsFor(
  f: RenewalFeatures,
  riskLevel: RiskLevel,
  drivers: readonly RenewalDriver[],
): RecommendedAction[] {
  const atRisk = riskLevel !== 'low';
  const against = (feature: RenewalDriverFeature) =>
    drivers.some((d) => d.feature === feature && d.contribution < 0);
  const actions: RecommendedAction[] = [];
  const premiumRise = f.pendingPremiumChangePct ?? f.lastRenewalPremiumChangePct;
  if (
    premiumRise !== null &&
    premiumRise >= remarketThresholdPct &&
    (atRisk || against('pendingPremiumChangePct') || against('lastRenewalPremiumChangePct'))
  ) {
    const which = f.pendingPremiumChangePct !== null ? 'the renewal offer is' : 'the premium rose';
    actions.push({
      code: 'remarket',
      text: `Remarket with another carrier: ${which} ${signedPercent(premiumRise)}`,
    });
  }
  if (f.paymentLapse && (atRisk || against('paymentLapse'))) {
    actions.push({ code: 'check_billing', text: 'Check billing: a payment lapse is on record' });
  }
  if (f.otherActivePolicies === 0 && (atRisk || against('otherActivePolicies'))) {
    actions.push({
      code: 'bundle',
      text: "Bundle: quote the client's other lines (no other policy with the agency)",
    });
  }
  const staleContact = f.daysSinceContact !== null && f.daysSinceContact >= staleContactDays;
  if ((staleContact && (atRisk || against('daysSinceContact'))) || (riskLevel === 'high' && !staleContact)) {
    actions.push({
      code: 'review_call',
      text: staleContact
        ? `Schedule a review call: last contact ${f.daysSinceContact} days ago`
        : 'Schedule a review call before the renewal',
    });
  }
  return actions;
}

/** Scores expiring terms as of a date (default: each term's last day), riskiest first. */
export function scoreRenewals(
  model: RenewalModel,
  expiringTerms: readonly RenewalTermHistory[],
  options: { asOf?: string } = {},
): RenewalScore[] {
  return expiringTerms
    .map((history) => {
      const features = deriveRenewalFeatures(history, options.asOf);
      const inputs = modelInputs(features, model.imputation);
      const probability = predict(model.logistic, inputs);
      // A feature and its "unknown" indicator are one fact to the reader: add them up.
      const byFeature = new Map<RenewalDriverFeature, number>();
      for (const c of contributions(model.logistic, inputs)) {
        const feature = driverFeatureOf(c.feature);
        byFeature.set(feature, (byFeature.get(feature) ?? 0) + c.contribution);
      }
      const drivers = [...byFeature]
        .filter(([, contribution]) => contribution !== 0)
        .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([feature, contribution]) => ({
          feature,
          contribution,
          reason: `${describe(feature, features)}: ${contribution > 0 ? 'makes renewal likelier' : 'makes renewal less likely'}`,
        }));
      const riskLevel = riskLevelOf(probability, model.riskThresholds);
      return {
        termId: history.term.termId,
        policyNumber: history.term.policyNumber,
        expirationDate: history.term.expirationDate,
        probability,
        riskLevel,
        drivers,
        recommendedActions: recommendedActionsFor(features, riskLevel, drivers),
        features,
      };
    })
    .sort((a, b) => a.probability - b.probability || a.termId.localeCompare(b.termId));
}
