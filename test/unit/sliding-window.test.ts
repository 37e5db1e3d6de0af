// The wait both limits announce in Retry-After: a client that comes back exactly then gets in,
// one that comes back a second earlier does not. Checked by moving the clock over many windows'
// states rather than against hand-computed figures.
import { describe, expect, test } from 'vitest';
import { secondsUntilAdmitted, windowAt, withinLimit } from '../../api/sliding-window.ts';

const WINDOW_MS = 15 * 60_000;
const LIMIT = 10;

/** Would one more hit at `at` be admitted, given the counts stood at `now` with nothing since? */
function admittedAt(counts: { previous: number; current: number }, now: number, at: number): boolean {
  const then = windowAt(at, WINDOW_MS);
  const nowStart = windowAt(now, WINDOW_MS).start;
  const shifted =
    then.start === nowStart
      ? { previous: counts.previous, current: counts.current + 1 }
      : then.start === nowStart + WINDOW_MS
        ? { previous: counts.current, current: 1 }
        : { previous: 0, current: 1 };
  return withinLimit(shifted, then.intoMs, LIMIT, WINDOW_MS);
}

describe('secondsUntilAdmitted', () => {
  const base = Date.UTC(2026, 0, 1);
  const cases: Array<{ previous: number; current: number; elapsed: number }> = [];
  for (const previous of [0, 1, 5, 10, 11, 30])
    for (const current of [1, 5, 9, 10, 11, 25])
      for (const elapsed of [0, 0.01, 0.3, 0.5, 0.93, 0.999, 0.99999])
        cases.push({ previous, current, elapsed });

  test.each(cases)('previous $previous, current $current, $elapsed into the window', (c) => {
    const now = base + Math.round(c.elapsed * WINDOW_MS);
    const counts = { previous: c.previous, current: c.current };
    const wait = secondsUntilAdmitted(counts, windowAt(now, WINDOW_MS).intoMs, LIMIT, WINDOW_MS);
    expect(admittedAt(counts, now, now + wait * 1000)).toBe(true);
    if (wait > 0) expect(admittedAt(counts, now, now + (wait - 1) * 1000)).toBe(false);
    // Never longer than the rest of this window and all of the next.
    expect(wait * 1000).toBeLessThanOrEqual(2 * WINDOW_MS);
  });
});
