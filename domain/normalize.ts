// Normalised forms used to match the same thing across systems. Pure functions, no I/O.

/** Policy numbers compare without case, spaces, dashes, dots or slashes: "ab-123 45" → "AB12345". */
export function normalizePolicyNumber(raw: string): string {
  return raw.toUpperCase().replace(/[\s\-./_#]/g, '');
}

const businessSuffixes =
  /\b(incorporated|inc|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|lp|llp|pllc|pc)\b\.?/g;

/**
 * A person's or company's name reduced for comparison: lower case, "Last, First" turned into
 * "first last", punctuation and business suffixes removed, whitespace collapsed.
 */
export function normalizeName(raw: string): string {
  let name = raw.trim();
  const comma = name.indexOf(',');
  if (comma > 0 && !/,\s*(inc|llc|ltd|corp|co)\b/i.test(name)) {
    name = `${name.slice(comma + 1)} ${name.slice(0, comma)}`;
  }
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ')
    .replace(businessSuffixes, ' ')
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

// Words many unrelated parties share, which say nothing about being the same one.
const fillerWords = new Set([
  'and',
  'the',
  'of',
  'a',
  'an',
  'de',
  'la',
  'y',
  'insurance',
  'services',
  'service',
  'group',
  'family',
  'trust',
  'agency',
  'holdings',
  'enterprises',
  'partners',
  'associates',
  'international',
  'solutions',
  'management',
]);

/**
 * Whether two normalised names could be the same party: they share a word that is not filler
 * ("gomes landscaping" and "gomes lawn and garden" do; "acme bakery" and "adam gomes" do not).
 * Used to corroborate a key that is only unique inside one system, such as a client number.
 */
export function namesCouldMatch(a: string, b: string): boolean {
  const words = (s: string) => s.split(' ').filter((w) => w.length > 1 && !fillerWords.has(w));
  const mine = new Set(words(a));
  return words(b).some((w) => mine.has(w));
}
