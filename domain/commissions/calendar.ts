// Whole-day arithmetic on ISO dates (YYYY-MM-DD) for policy terms. Days are counted in UTC so a
// term's length never depends on the server's time zone or a daylight-saving change.

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const millisecondsPerDay = 86_400_000;

/** The day number (days since 1970-01-01) of an ISO date; throws on anything that is not a real date. */
export function dayNumber(date: string): number {
  const m = isoDatePattern.exec(date);
  if (!m) throw new Error(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over into March; a date that does not round-trip does not exist.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    throw new Error(`not a calendar date: ${date}`);
  }
  return ms / millisecondsPerDay;
}

/** Days from `from` to `to` (negative when `to` is earlier): 2026-01-01 → 2027-01-01 is 365. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}
