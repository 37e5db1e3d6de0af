// Richer normalisation for statement matching, on top of domain/normalize.ts. Carriers print
// the same policy number many ways ("TRV-123-4567890A123-01", "1234567890123", "012345678" that
// Excel shortened to "12345678") and the same insured many ways ("Gomes, Adam", "GOMES ADAM J",
// "Adam Gomes Jr."). Pure functions, no I/O; they run once per expected item, so they avoid
// regular expressions on the hot path.
import { distance } from 'fastest-levenshtein';
import { normalizeName, normalizePolicyNumber } from '../normalize.ts';

/** Below this many digits a digits-only key would collide too often; the whole number is used. */
const minimumDigitKeyLength = 5;

export interface PolicyNumberKeys {
  /** normalizePolicyNumber: upper case, no spaces or punctuation ("TRV1234567890A12301"). */
  normalized: string;
  /**
   * The number reduced to what survives every way carriers print it: its digits without leading
   * zeros. Carrier prefixes ("TRV-", "OZ"), check letters ("A"), punctuation and lost leading
   * zeros all disappear. Falls back to "#" + normalized for numbers with too few digits.
   */
  key: string;
  /**
   * The key without a trailing term suffix ("-01", " 2"): a last group of one or two digits set
   * off by punctuation. Null when the number has no such group. Some numbers legitimately end in
   * such a group (Liberty Mutual "H37-123-123456-12"); both sides index and probe both keys, so
   * that only widens the candidates, which the effective date then separates.
   */
  keyWithoutTermSuffix: string | null;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAlphanumeric(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function digitKey(digits: string, normalized: string): string {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
  const stripped = start === 0 ? digits : digits.slice(start);
  return stripped.length >= minimumDigitKeyLength ? stripped : `#${normalized}`;
}

const nonDigits = /[^0-9]+/g;

/**
 * The index and probe keys of a policy number; see PolicyNumberKeys. `normalized` may be passed
 * when already stored (ExpectedItem.policyNumberNormalized), as it is for a million items.
 */
export function policyNumberKeys(raw: string, normalized = normalizePolicyNumber(raw)): PolicyNumberKeys {
  // Many carriers' numbers are digits only once normalised; then no new string is needed.
  let allDigits = normalized.length > 0;
  for (let i = 0; i < normalized.length && allDigits; i++) allDigits = isDigit(normalized.charCodeAt(i));
  const digits = allDigits ? normalized : raw.replace(nonDigits, '');
  const key = digitKey(digits, normalized);
  // A term suffix is the last alphanumeric group when it is one or two digits set off by
  // punctuation from an earlier group: "…-01", "… 2".
  let end = raw.length;
  while (end > 0 && !isAlphanumeric(raw.charCodeAt(end - 1))) end--;
  let start = end;
  while (start > 0 && isDigit(raw.charCodeAt(start - 1))) start--;
  const suffixLength = end - start;
  let keyWithoutTermSuffix: string | null = null;
  if (suffixLength >= 1 && suffixLength <= 2 && start > 0 && !isAlphanumeric(raw.charCodeAt(start - 1))) {
    let earlierGroup = false;
    for (let i = 0; i < start && !earlierGroup; i++) earlierGroup = isAlphanumeric(raw.charCodeAt(i));
    if (earlierGroup) {
      const shortened = digitKey(
        digits.slice(0, digits.length - suffixLength),
        normalized.slice(0, normalized.length - suffixLength),
      );
      if (shortened !== key) keyWithoutTermSuffix = shortened;
    }
  }
  return { normalized, key, keyWithoutTermSuffix };
}

/** Digit keys up to this long are exact as numbers (below 2^53). */
const maxNumericKeyLength = 15;

/**
 * policyNumberKeys' key and keyWithoutTermSuffix as numbers, for indexing a million expectations
 * without a million new strings: the digits without leading zeros read as a number are equal
 * exactly when the strings are. `key` is -1 and `keyWithoutTermSuffix` -2 where the key has too
 * few or too many digits to be a number (use policyNumberKeys' string then);
 * `keyWithoutTermSuffix` is -1 when the number has no term suffix.
 */
export interface NumericPolicyNumberKeys {
  key: number;
  keyWithoutTermSuffix: number;
}

export function numericPolicyNumberKeys(raw: string, out: NumericPolicyNumberKeys): NumericPolicyNumberKeys {
  let end = raw.length;
  while (end > 0 && !isAlphanumeric(raw.charCodeAt(end - 1))) end--;
  let start = end;
  while (start > 0 && isDigit(raw.charCodeAt(start - 1))) start--;
  const suffixLength = end - start;
  let hasSuffix =
    suffixLength >= 1 && suffixLength <= 2 && start > 0 && !isAlphanumeric(raw.charCodeAt(start - 1));
  let value = 0;
  let significant = 0;
  let valueBefore = 0;
  let significantBefore = 0;
  let earlierGroup = false;
  for (let i = 0; i < raw.length; i++) {
    if (i === start) {
      valueBefore = value;
      significantBefore = significant;
    }
    const code = raw.charCodeAt(i);
    if (i < start && !earlierGroup && isAlphanumeric(code)) earlierGroup = true;
    if (!isDigit(code)) continue;
    if (significant === 0 && code === 48) continue;
    significant++;
    if (significant <= maxNumericKeyLength) value = value * 10 + (code - 48);
  }
  hasSuffix = hasSuffix && earlierGroup;
  const numeric = (count: number) => count >= minimumDigitKeyLength && count <= maxNumericKeyLength;
  out.key = numeric(significant) ? value : -1;
  if (!hasSuffix) out.keyWithoutTermSuffix = -1;
  else out.keyWithoutTermSuffix = numeric(significantBefore) ? valueBefore : -2;
  return out;
}

/** Every key a policy number is indexed or probed under. */
export function policyNumberVariants(raw: string): string[] {
  const keys = policyNumberKeys(raw);
  return keys.keyWithoutTermSuffix === null ? [keys.key] : [keys.key, keys.keyWithoutTermSuffix];
}

/** How two keyed policy numbers relate, for the evidence a person reads. */
export type PolicyNumberAgreement =
  | 'identical'
  | 'same_digits'
  | 'statement_lacks_term_suffix'
  | 'statement_adds_term_suffix'
  | 'different_term_suffix'
  | 'none';

export function policyNumberAgreement(
  statement: PolicyNumberKeys,
  expected: PolicyNumberKeys,
): PolicyNumberAgreement {
  if (statement.normalized === expected.normalized) return 'identical';
  if (statement.key === expected.key) return 'same_digits';
  if (expected.keyWithoutTermSuffix !== null && statement.key === expected.keyWithoutTermSuffix) {
    return 'statement_lacks_term_suffix';
  }
  if (statement.keyWithoutTermSuffix !== null && statement.keyWithoutTermSuffix === expected.key) {
    return 'statement_adds_term_suffix';
  }
  if (
    statement.keyWithoutTermSuffix !== null &&
    statement.keyWithoutTermSuffix === expected.keyWithoutTermSuffix
  ) {
    return 'different_term_suffix';
  }
  return 'none';
}

export function samePolicyNumber(a: string, b: string): boolean {
  return policyNumberAgreement(policyNumberKeys(a), policyNumberKeys(b)) !== 'none';
}

/**
 * Edits between two policy numbers on their closest forms (normalized or digit key), counting a
 * swap of neighbouring characters as one edit: a typed statement's transposed, wrong or dropped
 * digit is one edit, another policy is many. Past `bound` the exact count does not matter, and
 * the answer is just bound + 1; the fuzzy tier asks "within two?" a great many times.
 */
export function policyNumberDistance(a: PolicyNumberKeys, b: PolicyNumberKeys, bound = 64): number {
  let best = transpositionDistance(a.key, b.key, bound);
  if (best > 0 && a.keyWithoutTermSuffix !== null) {
    best = Math.min(best, transpositionDistance(a.keyWithoutTermSuffix, b.key, bound));
  }
  if (best > 0 && b.keyWithoutTermSuffix !== null) {
    best = Math.min(best, transpositionDistance(a.key, b.keyWithoutTermSuffix, bound));
  }
  if (best > 0) best = Math.min(best, transpositionDistance(a.normalized, b.normalized, bound));
  return best;
}

// --- insured names ---------------------------------------------------------------------------

/**
 * Words that do not tell two insureds apart: generational and professional suffixes, honorifics,
 * and filler words of company names. Business suffixes (LLC, Inc., Co.) are already removed by
 * normalizeName.
 */
const ignoredNameWords = new Set([
  'jr',
  'sr',
  'ii',
  'iii',
  'iv',
  'md',
  'dds',
  'dmd',
  'dvm',
  'esq',
  'phd',
  'cpa',
  'mr',
  'mrs',
  'ms',
  'miss',
  'dr',
  'the',
  'and',
  'of',
  'dba',
  'aka',
  'etal',
  'et',
  'al',
]);

export interface InsuredNameTokens {
  /**
   * Words of two or more letters, in normalised order ("first last"). For a trust or an estate,
   * only its distinctive words: "The Okafor Family Trust dated 3/4/2011" is [okafor].
   */
  words: string[];
  /** Single letters: middle initials, abbreviated first names. */
  initials: string[];
  /** words joined without spaces, for names split differently ("Mary Ann" vs "Maryann"). */
  joined: string;
  /**
   * A trust, an estate or several parties ("et al"): its words name a family or people who may
   * be listed more fully on the other side ("Okafor, Chidi & Amara Trustees").
   */
  entity: boolean;
  /** The names either side of "DBA" (or AKA, FKA, T/A): either one identifies the insured. */
  alternatives: InsuredNameTokens[] | null;
}

/** Cheap test for the forms below, so plain names take the plain path. */
const entityHint =
  /\b(?:trusts?|trustees?|ttees?|estate|est\.?\s+of|et\s+(?:al|ux|vir)|dated|dtd|u\s*\/\s*a|d\s*\/\s*b\s*\/\s*a|d\.b\.a|dba|a\s*\/\s*k\s*\/\s*a|a\.k\.a|aka|f\s*\/\s*k\s*\/\s*a|f\.k\.a|fka|t\s*\/\s*a|trading\s+as|doing\s+business\s+as|c\s*\/\s*o|care\s+of|attn|attention)\b|%/i;

/** "c/o First Bank", "Attn: …", "% …": an address line, not the insured. */
const careOf = /[\s,]*(?:\bc\s*\/\s*o\b|\bcare\s+of\b|\battn\b|\battention\b|%)[\s:.]*/i;

/** "dated 3/4/2011", "u/a dtd …": when a trust was signed, not who it is. */
const datedClause = /[\s,]*\b(?:dated|dtd|u\s*\/\s*a|uad|u\s*\/\s*t\s*\/\s*a)\b.*$/i;

/** "Smith Holdings LLC DBA Smith Plumbing": two names for one insured. */
const aliasSeparator =
  /[\s,]+(?:d\s*\/\s*b\s*\/\s*a|d\.b\.a\.?|dba|a\s*\/\s*k\s*\/\s*a|a\.k\.a\.?|aka|f\s*\/\s*k\s*\/\s*a|f\.k\.a\.?|fka|t\s*\/\s*a|trading\s+as|doing\s+business\s+as)(?=[\s:,]|$)[\s:,]*/i;

/** Words that mark a trust, an estate or several parties. */
const entityMarkers = new Set([
  'trust',
  'trusts',
  'trustee',
  'trustees',
  'ttee',
  'ttees',
  'estate',
  'ux',
  'vir',
]);

/**
 * In a trust's or an estate's name, the words every such name has: "Okafor Family Trust" and
 * "Nguyen Family Trust" share "family trust" and nothing that tells them apart.
 */
const entityWords = new Set([
  'trust',
  'trusts',
  'trustee',
  'trustees',
  'ttee',
  'ttees',
  'tr',
  'trst',
  'family',
  'fam',
  'revocable',
  'revoc',
  'rev',
  'irrevocable',
  'irrev',
  'living',
  'liv',
  'estate',
  'est',
  'deceased',
  'decd',
  'heirs',
  'executor',
  'executrix',
  'administrator',
  'agreement',
  'declaration',
  'ux',
  'vir',
]);

/**
 * "Gomes, Adam", "Adam J. Gomes", "GOMES ADAM J" and "Adam Gomes Jr." all become the words
 * [adam, gomes] (order aside) with at most an initial "j". Trusts and estates keep only their
 * distinctive words, a care-of party is dropped, and a "DBA" name has both names as alternatives.
 */
export function insuredNameTokens(raw: string): InsuredNameTokens {
  if (!entityHint.test(raw)) return plainTokens(raw);
  let text = raw;
  const care = careOf.exec(text);
  if (care !== null) {
    const before = text.slice(0, care.index);
    // "c/o Jane Doe" alone: the care-of party is the only name there is.
    text = /[A-Za-z]/.test(before) ? before : text.slice(care.index + care[0].length);
  }
  text = text.replace(datedClause, '');
  const parts = text.split(aliasSeparator).filter((part) => /[A-Za-z]/.test(part));
  if (parts.length < 2) return entityTokens(text);
  const alternatives = parts.map(entityTokens);
  const words = alternatives.flatMap((t) => t.words);
  return {
    words,
    initials: alternatives.flatMap((t) => t.initials),
    joined: words.join(''),
    entity: alternatives.some((t) => t.entity),
    alternatives,
  };
}

function rawTokens(raw: string): string[] {
  // Apostrophes join rather than split: O'Brien is "obrien", never "o" + "brien".
  return normalizeName(raw.replace(/['\u2019`]/g, '')).split(' ');
}

function plainTokens(raw: string): InsuredNameTokens {
  const words: string[] = [];
  const initials: string[] = [];
  for (const token of rawTokens(raw)) {
    if (token === '' || ignoredNameWords.has(token)) continue;
    if (token.length === 1) initials.push(token);
    else words.push(token);
  }
  return { words, initials, joined: words.join(''), entity: false, alternatives: null };
}

function entityTokens(raw: string): InsuredNameTokens {
  const tokens = rawTokens(raw);
  let entity = false;
  for (let k = 0; k < tokens.length && !entity; k++) {
    const token = tokens[k]!;
    entity =
      entityMarkers.has(token) ||
      (token === 'et' && tokens[k + 1] === 'al') ||
      (token === 'est' && tokens[k + 1] === 'of');
  }
  if (!entity) return plainTokens(raw);
  const words: string[] = [];
  const initials: string[] = [];
  for (const token of tokens) {
    // Dates and entity words say when and what kind, not whose.
    if (token === '' || ignoredNameWords.has(token) || entityWords.has(token) || /^[0-9]+$/.test(token))
      continue;
    if (token.length === 1) initials.push(token);
    else words.push(token);
  }
  // "The Family Trust" has nothing distinctive: compare what there is rather than nothing.
  if (words.length === 0) return { ...plainTokens(raw), entity: true };
  return { words, initials, joined: words.join(''), entity: true, alternatives: null };
}

/**
 * Optimal string alignment distance: a swapped pair of letters ("Adma") costs one edit. Stops
 * early with bound + 1 once every alignment already costs more than `bound`.
 */
function transpositionDistance(a: string, b: string, bound = Number.MAX_SAFE_INTEGER): number {
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > bound) return bound + 1;
  if (n === 0) return m;
  if (m === 0) return n;
  let previous2 = new Array<number>(m + 1).fill(0);
  let previous = new Array<number>(m + 1);
  let current = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) previous[j] = j;
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    let rowMinimum = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (
        i > 1 &&
        j > 1 &&
        a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) {
        value = Math.min(value, previous2[j - 2]! + 1);
      }
      current[j] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    // A row's minimum never decreases further down (each cell builds on the row above, or on
    // the row two above plus one, which is no less), so past the bound it stays past it.
    if (rowMinimum > bound) return bound + 1;
    [previous2, previous, current] = [previous, current, previous2];
  }
  return Math.min(previous[m]!, bound + 1);
}

function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  return 1 - transpositionDistance(a, b) / Math.max(a.length, b.length);
}

/** Two words count as the same word with a typo only above this similarity. */
const minimumWordSimilarity = 0.6;
/** An initial standing for a word ("J" for "James") counts for this much of the word. */
const initialCredit = 0.8;

/**
 * How much two trusts' (or estates') names agree when one lists only part of the other ("Okafor
 * Family Trust" and "Okafor, Chidi & Amara Trustees"): similar enough to link, never identical.
 */
const entityContainmentCredit = 0.95;

/**
 * Similarity of two insured names, 0–1, insensitive to word order, case, punctuation, business
 * and generational suffixes and honorifics; typos cost in proportion to the letters they change;
 * an initial on one side counts for a matching word on the other; extra initials cost nothing,
 * because statements add and drop middle initials freely. Trusts and estates compare on their
 * distinctive words, and two of them agree when one's words are all in the other; a name with a
 * "DBA" agrees as well as either of its names does.
 */
export function insuredNameSimilarity(a: InsuredNameTokens | string, b: InsuredNameTokens | string): number {
  const left = typeof a === 'string' ? insuredNameTokens(a) : a;
  const right = typeof b === 'string' ? insuredNameTokens(b) : b;
  let best = tokenSimilarity(left, right);
  if (left.alternatives !== null || right.alternatives !== null) {
    for (const l of left.alternatives ?? [left]) {
      for (const r of right.alternatives ?? [right]) best = Math.max(best, tokenSimilarity(l, r));
    }
  }
  return best;
}

function tokenSimilarity(left: InsuredNameTokens, right: InsuredNameTokens): number {
  if (left.words.length === 0 || right.words.length === 0) return 0;
  if (left.joined === right.joined) return 1;

  // Pair words greedily, most similar first; ties broken by position so the result is stable.
  const pairs: { i: number; j: number; similarity: number }[] = [];
  for (let i = 0; i < left.words.length; i++) {
    for (let j = 0; j < right.words.length; j++) {
      const similarity = wordSimilarity(left.words[i]!, right.words[j]!);
      if (similarity >= minimumWordSimilarity) pairs.push({ i, j, similarity });
    }
  }
  pairs.sort((x, y) => y.similarity - x.similarity || x.i - y.i || x.j - y.j);
  const usedLeft = new Array<boolean>(left.words.length).fill(false);
  const usedRight = new Array<boolean>(right.words.length).fill(false);
  let totalLeft = 0;
  let totalRight = 0;
  for (const word of left.words) totalLeft += word.length;
  for (const word of right.words) totalRight += word.length;
  let agreed = 0;
  // The same agreement counted in each side's letters, for a trust contained in another.
  let agreedLeft = 0;
  let agreedRight = 0;
  for (const pair of pairs) {
    if (usedLeft[pair.i] || usedRight[pair.j]) continue;
    usedLeft[pair.i] = true;
    usedRight[pair.j] = true;
    const leftLength = left.words[pair.i]!.length;
    const rightLength = right.words[pair.j]!.length;
    agreed += pair.similarity * (leftLength + rightLength);
    agreedLeft += pair.similarity * leftLength;
    agreedRight += pair.similarity * rightLength;
  }
  const leftInitials = initialsCredit(left.words, usedLeft, right.initials);
  const rightInitials = initialsCredit(right.words, usedRight, left.initials);
  agreed += leftInitials;
  agreed += rightInitials;
  agreedLeft += leftInitials;
  agreedRight += rightInitials;
  let byWords = agreed / (totalLeft + totalRight);
  if (left.entity && right.entity) {
    const contained = Math.max(agreedLeft / totalLeft, agreedRight / totalRight);
    byWords = Math.max(byWords, entityContainmentCredit * contained);
  }

  // Names split into words differently ("Maryann" / "Mary Ann") agree as one string.
  const joinedLength = Math.max(left.joined.length, right.joined.length);
  const byJoined = 1 - distance(left.joined, right.joined) / joinedLength;
  return Math.max(0, Math.min(1, Math.max(byWords, byJoined)));
}

function initialsCredit(words: string[], used: boolean[], initials: string[]): number {
  if (initials.length === 0) return 0;
  const available = [...initials];
  let credit = 0;
  for (let i = 0; i < words.length; i++) {
    if (used[i]) continue;
    const at = available.indexOf(words[i]![0]!);
    if (at < 0) continue;
    available.splice(at, 1);
    credit += initialCredit * words[i]!.length;
  }
  return credit;
}

/** The same insured for matching purposes (default threshold as in defaultTolerances). */
export function sameInsured(a: string, b: string, threshold = 0.85): boolean {
  return insuredNameSimilarity(a, b) >= threshold;
}
