// The customary short-rate cancellation table: the percentage of an annual premium a carrier keeps
// (earns) when the insured cancels, by the number of days the policy was in force.
//
// Source and checks. This is the long-standing "customary" (old) short-rate table printed in
// carriers' manuals and used as the default in rating-bureau cancellation rules. From 55 days on
// it is identical to the example table in Wikipedia's "Short rate table" article, which prints
// every day of a 365-day term; that example applies a 25% minimum retained premium, so its first 54
// days read 25%, where the customary table starts at 5% for one day (hence `minimumEarnedPercent`).
// It also agrees with NCCI's Basic Manual figure quoted by the Insurors of Tennessee ("the short
// rate percentage for an annual policy cancelled at six months is 60%"). The domain research
// (insurance-domain.md §5.4, "Where public information is thin" item 6) notes that real short-rate
// factors are carrier-specific: this table is only used when the AMS reports no return premium.
//
// Terms other than a year are scaled: the days in force are converted to the equivalent days of a
// 365-day year (days × 365 / term days, rounded half-even to a whole day) and looked up there, the
// usual practice for the customary table when the policy period is not annual.
import { Money, type MoneyDecimal } from '../money.ts';

/** [last day in force of the band, percent of the annual premium earned], for a 365-day term. */
export const customaryShortRateTable: readonly (readonly [number, number])[] = [
  [1, 5],
  [2, 6],
  [4, 7],
  [6, 8],
  [8, 9],
  [10, 10],
  [12, 11],
  [14, 12],
  [16, 13],
  [18, 14],
  [20, 15],
  [22, 16],
  [25, 17],
  [29, 18],
  [32, 19],
  [36, 20],
  [40, 21],
  [43, 22],
  [47, 23],
  [51, 24],
  [54, 25],
  [58, 26],
  [62, 27],
  [65, 28],
  [69, 29],
  [73, 30],
  [76, 31],
  [80, 32],
  [83, 33],
  [87, 34],
  [91, 35],
  [94, 36],
  [98, 37],
  [102, 38],
  [105, 39],
  [109, 40],
  [113, 41],
  [116, 42],
  [120, 43],
  [124, 44],
  [127, 45],
  [131, 46],
  [135, 47],
  [138, 48],
  [142, 49],
  [146, 50],
  [149, 51],
  [153, 52],
  [156, 53],
  [160, 54],
  [164, 55],
  [167, 56],
  [171, 57],
  [175, 58],
  [178, 59],
  [182, 60],
  [187, 61],
  [191, 62],
  [196, 63],
  [200, 64],
  [205, 65],
  [209, 66],
  [214, 67],
  [218, 68],
  [223, 69],
  [228, 70],
  [232, 71],
  [237, 72],
  [241, 73],
  [246, 74],
  [250, 75],
  [255, 76],
  [260, 77],
  [264, 78],
  [269, 79],
  [273, 80],
  [278, 81],
  [282, 82],
  [287, 83],
  [291, 84],
  [296, 85],
  [301, 86],
  [305, 87],
  [310, 88],
  [314, 89],
  [319, 90],
  [323, 91],
  [328, 92],
  [332, 93],
  [337, 94],
  [342, 95],
  [346, 96],
  [351, 97],
  [355, 98],
  [360, 99],
  [365, 100],
];

export interface ShortRateFactor {
  /** Days the term was in force before the cancellation. */
  daysInForce: number;
  termDays: number;
  /** The day of a 365-day year the table was read at (equal to daysInForce for an annual term). */
  tableDay: number;
  /** Percent of the term premium the carrier keeps. */
  earnedPercent: MoneyDecimal;
}

/**
 * The short-rate earned percentage for a cancellation after `daysInForce` of a `termDays` term.
 * A cancellation on the first day reads the one-day row: the customary table has no zero row
 * because the carrier always keeps its minimum for having issued the policy. A cancellation at or
 * after expiration has earned everything.
 */
export function shortRateEarnedPercent(
  daysInForce: number,
  termDays: number,
  minimumEarnedPercent: string | null = null,
): ShortRateFactor {
  if (!Number.isInteger(daysInForce) || !Number.isInteger(termDays) || termDays <= 0) {
    throw new Error(`short rate needs whole days and a positive term: ${daysInForce}/${termDays}`);
  }
  const inForce = Math.max(0, daysInForce);
  let tableDay: number;
  if (inForce >= termDays) {
    tableDay = 365;
  } else {
    const scaled = new Money(inForce)
      .times(365)
      .dividedBy(termDays)
      .toDecimalPlaces(0, Money.ROUND_HALF_EVEN);
    tableDay = Math.min(365, Math.max(1, scaled.toNumber()));
  }
  const row = customaryShortRateTable.find(([lastDay]) => tableDay <= lastDay)!;
  let earnedPercent = new Money(row[1]);
  if (minimumEarnedPercent !== null) {
    const minimum = new Money(minimumEarnedPercent);
    if (minimum.isNegative() || minimum.greaterThan(100)) {
      throw new Error(`minimum earned percent must be 0–100: ${minimumEarnedPercent}`);
    }
    if (earnedPercent.lessThan(minimum)) earnedPercent = minimum;
  }
  return { daysInForce: inForce, termDays, tableDay, earnedPercent };
}
