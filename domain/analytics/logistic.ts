// Logistic regression for the renewal model: L2-regularised, fitted by Newton's method (IRLS) on
// standardised features. Newton rather than plain gradient descent because a handful of features
// converges in a few iterations to the exact optimum, so two trainings on the same data give the
// same coefficients bit for bit and the API's explanations never drift between runs. No
// randomness anywhere.

/** A named numeric feature vector, e.g. { tenureYears: 3.2, endorsements: 1 }. */
export type FeatureVector = Readonly<Record<string, number>>;

export interface LabelledSample {
  features: FeatureVector;
  outcome: boolean;
}

export interface TrainOptions {
  /** L2 penalty on the standardised coefficients (not the intercept), per sample. */
  l2?: number;
  maxIterations?: number;
  /** Stop when no parameter moves by more than this in one Newton step. */
  tolerance?: number;
  /** Which features, in which order; defaults to the keys of the first sample. */
  featureNames?: readonly string[];
}

export interface LogisticModel {
  featureNames: string[];
  /** Training mean and standard deviation per feature: standardised x = (x - mean) / scale. */
  means: number[];
  scales: number[];
  /** False for a feature that was constant in training: it can carry no weight. */
  informative: boolean[];
  /** Log-odds of the outcome for a sample at the training means. */
  intercept: number;
  /** Coefficients on the standardised scale (0 for uninformative features). */
  coefficients: number[];
  l2: number;
  iterations: number;
  converged: boolean;
  trainingSize: number;
}

export interface FeatureContribution {
  feature: string;
  value: number;
  standardised: number;
  /** coefficient × standardised value: the shift in log-odds away from the average sample. */
  contribution: number;
}

const defaultL2 = 1e-3;

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function featureValue(features: FeatureVector, name: string): number {
  const v = features[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`feature "${name}" is missing or not a finite number`);
  }
  return v;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and dense). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-300) throw new Error('singular system in logistic regression');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[col]! / p[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * x[c]!;
    x[r] = s / row[r]!;
  }
  return x;
}

/**
 * Fits P(outcome) = sigmoid(intercept + Σ coefficient × standardised feature), minimising the
 * mean log-loss plus l2/2 × Σ coefficient². Standardising first makes the penalty treat a
 * feature in years and one in percent alike, and makes coefficients comparable as "drivers".
 */
export function train(samples: readonly LabelledSample[], options: TrainOptions = {}): LogisticModel {
  if (samples.length === 0) throw new Error('cannot train on no samples');
  const l2 = options.l2 ?? defaultL2;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const featureNames = [...(options.featureNames ?? Object.keys(samples[0]!.features))];
  const n = samples.length;
  const k = featureNames.length;

  const raw = samples.map((s) => featureNames.map((name) => featureValue(s.features, name)));
  const y = samples.map((s) => (s.outcome ? 1 : 0));
  const means = featureNames.map((_, j) => raw.reduce((sum, row) => sum + row[j]!, 0) / n);
  const scales = featureNames.map((_, j) => {
    const variance = raw.reduce((sum, row) => sum + (row[j]! - means[j]!) ** 2, 0) / n;
    return Math.sqrt(variance);
  });
  // A constant feature has no variation to learn from; keep it out of the system so the Hessian
  // stays well conditioned, and let it carry a zero coefficient.
  const informative = scales.map((s) => s > 1e-12);
  const active = featureNames.map((_, j) => j).filter((j) => informative[j]);
  const x = raw.map((row) => active.map((j) => (row[j]! - means[j]!) / scales[j]!));
  const d = active.length + 1; // parameter 0 is the intercept

  const objective = (theta: number[]): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let z = theta[0]!;
      const xi = x[i]!;
      for (let j = 1; j < d; j++) z += theta[j]! * xi[j - 1]!;
      loss += softplus(z) - y[i]! * z;
    }
    let penalty = 0;
    for (let j = 1; j < d; j++) penalty += theta[j]! ** 2;
    return loss / n + (l2 / 2) * penalty;
  };

  // Start from the base rate so the first step is already sensible.
  const positives = y.reduce<number>((a, b) => a + b, 0);
  const baseRate = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6);
  let theta = new Array<number>(d).fill(0);
  theta[0] = Math.log(baseRate / (1 - baseRate));
  let current = objective(theta);
  let iterations = 0;
  let converged = false;

  while (iterations < maxIterations) {
    iterations++;
    const gradient = new Array<number>(d).fill(0);
    const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      let z = theta[0]!;
      for (let j = 1; j < d; j++) z += theta[j]! * xi[j - 1]!;
      const p = sigmoid(z);
      const residual = p - y[i]!;
      const w = p * (1 - p);
      for (let a = 0; a < d; a++) {
        const xa = a === 0 ? 1 : xi[a - 1]!;
        gradient[a] = gradient[a]! + residual * xa;
        const row = hessian[a]!;
        for (let b = a; b < d; b++) row[b] = row[b]! + w * xa * (b === 0 ? 1 : xi[b - 1]!);
      }
    }
    for (let a = 0; a < d; a++) {
      gradient[a] = gradient[a]! / n + (a > 0 ? l2 * theta[a]! : 0);
      const row = hessian[a]!;
      for (let b = a; b < d; b++) {
        row[b] = row[b]! / n + (a === b && a > 0 ? l2 : 0);
        hessian[b]![a] = row[b]!;
      }
    }
    const step = solve(hessian, gradient);
    // Newton can overshoot far from the optimum; halve the step until the objective improves.
    let t = 1;
    let next = theta.map((v, j) => v - step[j]!);
    let value = objective(next);
    while (value > current && t > 1e-6) {
      t /= 2;
      next = theta.map((v, j) => v - t * step[j]!);
      value = objective(next);
    }
    const moved = Math.max(...step.map((s) => Math.abs(t * s)));
    theta = next;
    current = value;
    if (moved < tolerance) {
      converged = true;
      break;
    }
  }

  const coefficients = new Array<number>(k).fill(0);
  active.forEach((j, a) => {
    coefficients[j] = theta[a + 1]!;
  });
  return {
    featureNames,
    means,
    scales: scales.map((s, j) => (informative[j] ? s : 1)),
    informative,
    intercept: theta[0]!,
    coefficients,
    l2,
    iterations,
    converged,
    trainingSize: n,
  };
}

/** Each feature's shift in log-odds for this sample, largest effect first. */
export function contributions(model: LogisticModel, features: FeatureVector): FeatureContribution[] {
  return model.featureNames
    .map((feature, j) => {
      const value = featureValue(features, feature);
      const standardised = model.informative[j] ? (value - model.means[j]!) / model.scales[j]! : 0;
      return { feature, value, standardised, contribution: model.coefficients[j]! * standardised };
    })
    .sort(
      (a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature),
    );
}

export function logOdds(model: LogisticModel, features: FeatureVector): number {
  let z = model.intercept;
  model.featureNames.forEach((feature, j) => {
    if (!model.informative[j]) return;
    z += (model.coefficients[j]! * (featureValue(features, feature) - model.means[j]!)) / model.scales[j]!;
  });
  return z;
}

/** The probability of the positive outcome (for the renewal model: that the term renews). */
export function predict(model: LogisticModel, features: FeatureVector): number {
  return sigmoid(logOdds(model, features));
}

/**
 * The same model written on the features' own units (log-odds per year, per percent point…), for
 * comparing with a known truth or showing an underwriter a familiar number.
 */
export function coefficientsOnFeatureScale(model: LogisticModel): {
  intercept: number;
  coefficients: Record<string, number>;
} {
  const coefficients: Record<string, number> = {};
  let intercept = model.intercept;
  model.featureNames.forEach((feature, j) => {
    const perUnit = model.informative[j] ? model.coefficients[j]! / model.scales[j]! : 0;
    coefficients[feature] = perUnit;
    intercept -= perUnit * model.means[j]!;
  });
  return { intercept, coefficients };
}
