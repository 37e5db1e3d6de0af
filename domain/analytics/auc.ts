// How well a score ranks outcomes (ROC AUC), and a train/held-out split that does not depend on
// the order terms arrive in, so a term stays on the same side of the split across syncs and
// re-trainings and a measured AUC can be reproduced.

export interface ScoredOutcome {
  score: number;
  positive: boolean;
}

/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random positive scores above a
 * random negative, counting ties as half. Tied scores share their average rank, so a constant
 * score gives exactly 0.5 whatever the input order.
 */
export function rocAuc(items: readonly ScoredOutcome[]): number {
  const positives = items.filter((i) => i.positive).length;
  const negatives = items.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error('ROC AUC needs at least one positive and one negative outcome');
  }
  const sorted = [...items].sort((a, b) => a.score - b.score);
  let positiveRankSum = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.score === sorted[i]!.score) j++;
    const averageRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let t = i; t <= j; t++) if (sorted[t]!.positive) positiveRankSum += averageRank;
    i = j + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** FNV-1a over the UTF-16 code units, finished with murmur3's avalanche so near-identical ids spread. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether a term belongs to the held-out set: decided by its id alone. */
export function isHeldOut(termId: string, heldOutFraction = 0.3): boolean {
  return stableHash(termId) / 4294967296 < heldOutFraction;
}

export function splitByTermId<T>(
  items: readonly T[],
  termIdOf: (item: T) => string,
  heldOutFraction = 0.3,
): { training: T[]; heldOut: T[] } {
  const training: T[] = [];
  const heldOut: T[] = [];
  for (const item of items) (isHeldOut(termIdOf(item), heldOutFraction) ? heldOut : training).push(item);
  return { training, heldOut };
}
