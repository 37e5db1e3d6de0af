// The statement reconciliation matcher: links each carrier statement line to the expected
// commission(s) it pays, classifies the difference, and ages the expectations nobody paid.
//
// Tiers run as whole passes, strongest first, so a weak match can never take an expectation a
// stronger one needs, whatever the line order:
//   1. exact key: carrier + normalised policy number + effective date + transaction type;
//   2. learned aliases, then policy-number variants (prefixes, term suffixes, check letters, lost
//      zeros) within the date window, a NEW/RWL disagreement linked but flagged; then the renewal
//      chain: a renewal printed under its prior term's number;
//   3. fuzzy: insured name + date window + amount within tolerance + a policy number at most two
//      edits away (a typo), only among the same carrier's expectations near that date;
//   4. one-to-many (one line paying several installments), then per expectation: duplicates and
//      many-to-one (a split payment), and the amount/rate classification.
// Everything is indexed by carrier + policy-number key or carrier + type + date bucket; no pass
// compares all pairs, so 100k lines against 1M expectations take seconds. Output order depends
// only on the input (lines by lineNo then id; expectations in input order), never on timing.
import { formatCents, Money, type MoneyDecimal } from '../money.ts';
import {
  type InsuredNameTokens,
  insuredNameSimilarity,
  insuredNameTokens,
  type NumericPolicyNumberKeys,
  numericPolicyNumberKeys,
  type PolicyNumberAgreement,
  type PolicyNumberKeys,
  policyNumberAgreement,
  policyNumberDistance,
  policyNumberKeys,
} from './normalize.ts';
import {
  type DiscrepancyCode,
  defaultGraceDays,
  defaultTolerances,
  type ExpectedItem,
  type ExpectedResult,
  type LineResult,
  type LineStatus,
  type MatchMethod,
  type PolicyAlias,
  type ReconcileOptions,
  type ReconciliationResult,
  type StatementItem,
  type Tolerances,
} from './types.ts';

// --- dates -----------------------------------------------------------------------------------

const noDay = -1_000_000_000;

/** Days since 1970-01-01 for an ISO date, without Date objects (this runs a million times). */
export function dayNumber(iso: string): number {
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return noDay;
  const y = digitsAt(iso, 0, 4);
  const m = digitsAt(iso, 5, 2);
  const d = digitsAt(iso, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return noDay;
  // Howard Hinnant's days_from_civil.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yearOfEra = yy - era * 400;
  const dayOfYear = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

/** Width of the date buckets the fuzzy tier scans; a ±31-day window touches five of them. */
const fuzzyBucketDays = 16;

// --- money and rate wording ------------------------------------------------------------------

function dollars(cents: number): string {
  return cents < 0 ? `-$${formatCents(-cents)}` : `$${formatCents(cents)}`;
}

function percent(rate: MoneyDecimal): string {
  return rate.toDecimalPlaces(2).toString();
}

// --- the index over expected items -------------------------------------------------------------

const separator = '\u0001';

/** A near-miss from the key tiers, kept to explain a line that ends up unexpected. */
interface NearMiss {
  index: number;
  why: string;
}

/** One carrier + transaction type + date bucket of expectations, for the fuzzy tier. */
interface FuzzyBucket {
  indices: Int32Array;
  balances: Float64Array;
  days: Int32Array;
}

/**
 * An open-addressing hash table from (carrier, numeric policy-number key) to the expectations
 * filed under it, entirely in typed arrays: indexing a million expectations this way creates no
 * objects for the garbage collector to copy. Each expectation sits in up to two chains (its key
 * and its key without term suffix); a chain entry is expectation * 2 + which.
 */
class NumericKeyTable {
  private keys: Float64Array;
  private carriers: Int32Array;
  private heads: Int32Array;
  private mask: number;
  private size = 0;
  private readonly next: Int32Array;

  constructor(expectations: number) {
    let capacity = 16;
    while (capacity < expectations * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.carriers = new Int32Array(capacity);
    this.heads = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.next = new Int32Array(expectations * 2).fill(-1);
  }

  add(carrier: number, key: number, expectation: number, which: 0 | 1): void {
    if ((this.size + 1) * 2 > this.heads.length) this.grow();
    const slot = this.slot(carrier, key);
    const entry = expectation * 2 + which;
    if (this.heads[slot] === -1) {
      this.keys[slot] = key;
      this.carriers[slot] = carrier;
      this.size++;
    } else {
      this.next[entry] = this.heads[slot]!;
    }
    this.heads[slot] = entry;
  }

  forEach(carrier: number, key: number, visit: (expectation: number) => void): void {
    const slot = this.slot(carrier, key);
    for (let entry = this.heads[slot]!; entry !== -1; entry = this.next[entry]!) visit(entry >> 1);
  }

  /** The slot holding (carrier, key), or the empty slot where it would go. */
  private slot(carrier: number, key: number): number {
    const low = (key % 4294967296) | 0;
    const high = (key / 4294967296) | 0;
    let h = Math.imul(low ^ Math.imul(carrier + 1, 0x27d4eb2d), 0x9e3779b1) ^ Math.imul(high, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let slot = h & this.mask;
    while (this.heads[slot] !== -1 && (this.keys[slot] !== key || this.carriers[slot] !== carrier)) {
      slot = (slot + 1) & this.mask;
    }
    return slot;
  }

  private grow(): void {
    const { keys, carriers, heads } = this;
    const capacity = heads.length * 2;
    this.keys = new Float64Array(capacity);
    this.carriers = new Int32Array(capacity);
    this.heads = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let old = 0; old < heads.length; old++) {
      if (heads[old] === -1) continue;
      const slot = this.slot(carriers[old]!, keys[old]!);
      this.keys[slot] = keys[old]!;
      this.carriers[slot] = carriers[old]!;
      this.heads[slot] = heads[old]!;
    }
  }
}

class ExpectedIndex {
  readonly items: readonly ExpectedItem[];
  readonly days: Int32Array;
  /** balanceCents of each item, kept contiguous because sorting and searching read it a lot. */
  readonly balances: Float64Array;
  /** expectedCents of each item, for the same reason. */
  readonly expectedCents: Float64Array;
  /** What is still owed on each expectation as lines are applied during this run. */
  readonly remaining: Float64Array;
  /** How many lines of this run were applied to each expectation. */
  readonly lineCount: Int32Array;
  /** Policy-number keys that are numbers (nearly all): a typed-array hash table, no garbage. */
  private readonly numericKeys: NumericKeyTable;
  /** carrier → policy-number key → expectation index(es), for the keys that must stay strings. */
  private readonly stringKeys = new Map<string, Map<string, number | number[]>>();
  /** Small numbers for the statement's carriers, part of every numeric key. */
  private readonly carrierNumbers = new Map<string, number>();
  private readonly scratch: NumericPolicyNumberKeys = { key: -1, keyWithoutTermSuffix: -1 };
  private readonly names = new Map<number, InsuredNameTokens>();
  private readonly keys = new Map<number, PolicyNumberKeys>();
  private fuzzyBuckets: Map<number, FuzzyBucket> | null = null;
  /** Expectations a line of this run left partly paid, bucketed like fuzzyBuckets. */
  private readonly partlyPaid = new Map<number, number[]>();
  private readonly notedPartlyPaid: Uint8Array;
  private readonly types = new Set<string>();
  /** Per-probe deduplication without allocating a Set per line. */
  private readonly stamp: Int32Array;
  private stampValue = 0;

  /** Only the statement's carriers are indexed: no line can match another carrier's expectation. */
  constructor(items: readonly ExpectedItem[], statementCarriers: ReadonlySet<string>) {
    this.items = items;
    const n = items.length;
    this.days = new Int32Array(n);
    this.balances = new Float64Array(n);
    this.expectedCents = new Float64Array(n);
    this.remaining = new Float64Array(n);
    this.lineCount = new Int32Array(n);
    this.stamp = new Int32Array(n);
    this.notedPartlyPaid = new Uint8Array(n);
    for (const carrierId of [...statementCarriers].sort())
      this.carrierNumbers.set(carrierId, this.carrierNumbers.size);
    this.numericKeys = new NumericKeyTable(n);
    const scratch = this.scratch;
    let previous: ExpectedItem | undefined;
    let carrier = -1;
    for (let i = 0; i < n; i++) {
      const item = items[i]!;
      this.balances[i] = item.balanceCents;
      this.expectedCents[i] = item.expectedCents;
      this.remaining[i] = item.balanceCents;
      if (previous === undefined || previous.carrierId !== item.carrierId) {
        carrier = this.carrierNumbers.get(item.carrierId) ?? -1;
      }
      if (carrier < 0) {
        this.days[i] = noDay;
        previous = item;
        continue;
      }
      this.days[i] = dayNumber(item.effectiveDate);
      this.types.add(item.transactionType);
      // Noted while the item is at hand: a second pass over a million items costs cache misses.
      if (item.priorPolicyNumbers !== undefined && continuesPriorTerm(item)) this.chained.push(i);
      this.carriersWithItems.add(item.carrierId);
      // Books list a policy's transactions together; the keys of the previous item still apply.
      if (
        previous === undefined ||
        previous.policyNumber !== item.policyNumber ||
        previous.carrierId !== item.carrierId
      ) {
        numericPolicyNumberKeys(item.policyNumber, scratch);
      }
      previous = item;
      if (scratch.key >= 0) this.numericKeys.add(carrier, scratch.key, i, 0);
      if (scratch.keyWithoutTermSuffix >= 0)
        this.numericKeys.add(carrier, scratch.keyWithoutTermSuffix, i, 1);
      if (scratch.key === -1 || scratch.keyWithoutTermSuffix === -2) {
        const keys = policyNumberKeys(item.policyNumber, item.policyNumberNormalized);
        let carrierMap = this.stringKeys.get(item.carrierId);
        if (carrierMap === undefined) {
          carrierMap = new Map();
          this.stringKeys.set(item.carrierId, carrierMap);
        }
        if (scratch.key === -1) add(carrierMap, keys.key, i);
        if (scratch.keyWithoutTermSuffix === -2 && keys.keyWithoutTermSuffix !== null) {
          add(carrierMap, keys.keyWithoutTermSuffix, i);
        }
      }
    }
  }

  private readonly carriersWithItems = new Set<string>();

  hasCarrier(carrierId: string): boolean {
    return this.carriersWithItems.has(carrierId);
  }

  policyKeys(index: number): PolicyNumberKeys {
    let keys = this.keys.get(index);
    if (keys === undefined) {
      const item = this.items[index]!;
      keys = policyNumberKeys(item.policyNumber, item.policyNumberNormalized);
      this.keys.set(index, keys);
    }
    return keys;
  }

  nameTokens(index: number): InsuredNameTokens {
    let tokens = this.names.get(index);
    if (tokens === undefined) {
      tokens = insuredNameTokens(this.items[index]!.insuredName);
      this.names.set(index, tokens);
    }
    return tokens;
  }

  /** Expectations of the carrier whose policy number shares a key with this printed number. */
  probe(carrierId: string, policyNumber: string): number[] {
    return this.lookup(carrierId, policyNumber, this.numericKeys, this.stringKeys, null);
  }

  /**
   * The expectations filed under a printed number's keys in one key table: the numeric table
   * (whose entries are expectations, or chain entries mapped through `owners`), and for numbers
   * that are not numeric, the carrier's string keys. Each expectation once.
   */
  private lookup(
    carrierId: string,
    policyNumber: string,
    table: NumericKeyTable,
    stringKeys: ReadonlyMap<string, Map<string, number | number[]>>,
    owners: Int32Array | null,
  ): number[] {
    const found: number[] = [];
    const carrier = this.carrierNumbers.get(carrierId);
    if (carrier === undefined) return found;
    const mark = ++this.stampValue;
    const take = (i: number) => {
      if (this.stamp[i] === mark) return;
      this.stamp[i] = mark;
      found.push(i);
    };
    const visit = owners === null ? take : (entry: number) => take(owners[entry]!);
    const scratch = numericPolicyNumberKeys(policyNumber, this.scratch);
    const key = scratch.key;
    const withoutSuffix = scratch.keyWithoutTermSuffix;
    if (key >= 0) table.forEach(carrier, key, visit);
    if (withoutSuffix >= 0) table.forEach(carrier, withoutSuffix, visit);
    if (key === -1 || withoutSuffix === -2) {
      const carrierMap = stringKeys.get(carrierId);
      if (carrierMap === undefined) return found;
      const keys = policyNumberKeys(policyNumber);
      for (const stringKey of [
        key === -1 ? keys.key : null,
        withoutSuffix === -2 ? keys.keyWithoutTermSuffix : null,
      ]) {
        if (stringKey === null) continue;
        const hit = carrierMap.get(stringKey);
        if (hit === undefined) continue;
        if (typeof hit === 'number') take(hit);
        else for (const i of hit) take(i);
      }
    }
    return found;
  }

  /**
   * Renewal terms filed under their earlier terms' policy numbers (ExpectedItem.priorPolicyNumbers),
   * for a renewal the carrier still prints under last term's number. Built on first use, like the
   * fuzzy buckets, and only from renewals whose prior numbers differ from their own: a chain entry
   * p sits in `priorKeys` as p * 2 + which, and `priorOwners[p]` is its expectation.
   */
  private priorKeys: NumericKeyTable | null = null;
  /** Renewal expectations that carry prior numbers, in index order. */
  private readonly chained: number[] = [];
  private priorOwners: Int32Array = new Int32Array(0);
  private readonly priorStringKeys = new Map<string, Map<string, number | number[]>>();

  /** Renewal and rewrite expectations of the carrier whose earlier term's number shares a key with this one. */
  probePrior(carrierId: string, policyNumber: string): number[] {
    if (this.priorKeys === null) this.buildPriorIndex();
    return this.lookup(carrierId, policyNumber, this.priorKeys!, this.priorStringKeys, this.priorOwners);
  }

  private buildPriorIndex(): void {
    const items = this.items;
    // Counted first so the table is allocated once, at its final size.
    let count = 0;
    for (const i of this.chained) count += items[i]!.priorPolicyNumbers!.length;
    const table = new NumericKeyTable(count);
    const owners = new Int32Array(count);
    const own: NumericPolicyNumberKeys = { key: -1, keyWithoutTermSuffix: -1 };
    const prior: NumericPolicyNumberKeys = { key: -1, keyWithoutTermSuffix: -1 };
    let p = 0;
    for (const i of this.chained) {
      const item = items[i]!;
      const priors = item.priorPolicyNumbers!;
      const carrier = this.carrierNumbers.get(item.carrierId)!;
      let ownKnown = false;
      for (const number of priors) {
        if (number === item.policyNumber) continue;
        if (!ownKnown) {
          numericPolicyNumberKeys(item.policyNumber, own);
          ownKnown = true;
        }
        numericPolicyNumberKeys(number, prior);
        // The same number in every printed form, or the same but for its term suffix ("-01" then
        // "-02"): the ordinary index already reaches the renewal under it.
        if (
          (prior.key === own.key &&
            prior.keyWithoutTermSuffix === own.keyWithoutTermSuffix &&
            prior.key !== -1 &&
            prior.keyWithoutTermSuffix !== -2) ||
          (prior.keyWithoutTermSuffix >= 0 && prior.keyWithoutTermSuffix === own.keyWithoutTermSuffix)
        ) {
          continue;
        }
        owners[p] = i;
        if (prior.key >= 0) table.add(carrier, prior.key, p, 0);
        if (prior.keyWithoutTermSuffix >= 0) table.add(carrier, prior.keyWithoutTermSuffix, p, 1);
        p++;
        if (prior.key === -1 || prior.keyWithoutTermSuffix === -2) {
          const keys = policyNumberKeys(number);
          let carrierMap = this.priorStringKeys.get(item.carrierId);
          if (carrierMap === undefined) {
            carrierMap = new Map();
            this.priorStringKeys.set(item.carrierId, carrierMap);
          }
          if (prior.key === -1) add(carrierMap, keys.key, i);
          if (prior.keyWithoutTermSuffix === -2 && keys.keyWithoutTermSuffix !== null) {
            add(carrierMap, keys.keyWithoutTermSuffix, i);
          }
        }
      }
    }
    this.priorKeys = table;
    this.priorOwners = owners;
  }

  /**
   * The carrier's expectations of this type (any type for null) with an effective date within
   * `window` days of `day` and a balance within `amountReach` cents of `amount`: the only ones a
   * fuzzy match could take. Expectations partly paid earlier in this run owe something unlike
   * their balance; they come from their own small buckets.
   */
  nearby(
    carrierId: string,
    type: string | null,
    day: number,
    window: number,
    amount: number,
    amountReach: number,
  ): number[] {
    if (this.fuzzyBuckets === null) {
      this.fuzzyBuckets = this.buildFuzzyBuckets();
      for (const i of this.pendingPartlyPaid) this.filePartlyPaid(i);
      this.pendingPartlyPaid.length = 0;
    }
    const found: number[] = [];
    const mark = ++this.stampValue;
    const types = type === null ? [...this.types].sort() : [type];
    const first = Math.floor((day - window) / fuzzyBucketDays);
    const last = Math.floor((day + window) / fuzzyBucketDays);
    const low = amount - amountReach;
    const high = amount + amountReach;
    for (const t of types) {
      for (let bucket = first; bucket <= last; bucket++) {
        const key = this.bucketKey(carrierId, t, bucket);
        if (key < 0) continue;
        const bucketed: FuzzyBucket | undefined = this.fuzzyBuckets.get(key);
        if (bucketed !== undefined) {
          // A bucket holds a few hundred expectations with their balances and dates side by
          // side; reading them in order beats keeping a million sorted by amount.
          const indices: Int32Array = bucketed.indices;
          const balances: Float64Array = bucketed.balances;
          const days: Int32Array = bucketed.days;
          for (let k = 0; k < indices.length; k++) {
            const balance = balances[k]!;
            if (balance >= low && balance <= high && Math.abs(days[k]! - day) <= window) {
              const i = indices[k]!;
              this.stamp[i] = mark;
              found.push(i);
            }
          }
        }
        const partly = this.partlyPaid.get(key);
        if (partly === undefined) continue;
        for (const i of partly) {
          if (this.stamp[i] !== mark && Math.abs(this.days[i]! - day) <= window) {
            this.stamp[i] = mark;
            found.push(i);
          }
        }
      }
    }
    return found;
  }

  /** Called when a line leaves something owed: the expectation may still take a fuzzy match. */
  notePartlyPaid(i: number): void {
    if (this.notedPartlyPaid[i] === 1 || this.days[i] === noDay) return;
    this.notedPartlyPaid[i] = 1;
    // Until the fuzzy buckets exist their keys do not either; file the expectation later.
    if (this.fuzzyBuckets === null) this.pendingPartlyPaid.push(i);
    else this.filePartlyPaid(i);
  }

  private readonly pendingPartlyPaid: number[] = [];

  private filePartlyPaid(i: number): void {
    const item = this.items[i]!;
    const key = this.bucketKey(
      item.carrierId,
      item.transactionType,
      Math.floor(this.days[i]! / fuzzyBucketDays),
    );
    const list = this.partlyPaid.get(key);
    if (list === undefined) this.partlyPaid.set(key, [i]);
    else list.push(i);
  }

  /**
   * A number for carrier + transaction type + date bucket, so the million-entry bucket map is
   * keyed by numbers rather than by a million concatenated strings. -1 for a pair never seen.
   */
  private bucketKey(carrierId: string, type: string, bucket: number): number {
    const group = this.bucketGroups.get(carrierId)?.get(type);
    return group === undefined ? -1 : group * 2 ** 24 + bucket + 2 ** 23;
  }

  private readonly bucketGroups = new Map<string, Map<string, number>>();

  /** Built on first use: a statement with every line keyed never pays for it. */
  private buildFuzzyBuckets(): Map<number, FuzzyBucket> {
    const grouped = new Map<number, number[]>();
    let groups = 0;
    let previous: ExpectedItem | undefined;
    let group = 0;
    for (let i = 0; i < this.items.length; i++) {
      const day = this.days[i]!;
      if (day === noDay) continue;
      const item = this.items[i]!;
      if (
        previous === undefined ||
        previous.carrierId !== item.carrierId ||
        previous.transactionType !== item.transactionType
      ) {
        let types = this.bucketGroups.get(item.carrierId);
        if (types === undefined) {
          types = new Map();
          this.bucketGroups.set(item.carrierId, types);
        }
        let known = types.get(item.transactionType);
        if (known === undefined) {
          known = groups++;
          types.set(item.transactionType, known);
        }
        group = known;
      }
      previous = item;
      const key = group * 2 ** 24 + Math.floor(day / fuzzyBucketDays) + 2 ** 23;
      const bucket = grouped.get(key);
      if (bucket === undefined) grouped.set(key, [i]);
      else bucket.push(i);
    }
    const buckets = new Map<number, FuzzyBucket>();
    for (const [key, list] of grouped) {
      const indices = Int32Array.from(list);
      const balances = new Float64Array(indices.length);
      const days = new Int32Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        balances[k] = this.balances[indices[k]!]!;
        days[k] = this.days[indices[k]!]!;
      }
      buckets.set(key, { indices, balances, days });
    }
    return buckets;
  }
}

function add(map: Map<string, number | number[]>, key: string, index: number): void {
  const existing = map.get(key);
  if (existing === undefined) map.set(key, index);
  else if (typeof existing === 'number') map.set(key, [existing, index]);
  else existing.push(index);
}

// --- per-line working state -------------------------------------------------------------------

/** 'chain' is the renewal-chain pass of tier 2; it reports as method 'normalized'. */
type Tier = 'exact' | 'alias' | 'normalized' | 'chain' | 'fuzzy';

interface LineWork {
  line: StatementItem;
  keys: PolicyNumberKeys;
  day: number;
  name: InsuredNameTokens | null;
  /** Expectations this line pays, with the cents applied to each. */
  assigned: number[];
  applied: number[];
  tier: Tier | null;
  method: MatchMethod | null;
  confidence: number;
  keysMatched: string[];
  notes: string[];
  nameSimilarity: number | undefined;
  dateDeltaDays: number | undefined;
  nearMiss: NearMiss | null;
  status: LineStatus;
  differenceCents: number;
  discrepancies: DiscrepancyCode[];
  rateExpected: string | undefined;
  rateActual: string | undefined;
  /** The sentence about the amount, filled in by classification. */
  amountSentence: string;
  /** Sentences about the link itself (a renewal chain, a type disagreement), for the reason. */
  linkSentences: string[];
  /** For a duplicate: which payment it repeats. */
  duplicateOf: string | null;
}

interface Settings {
  tolerances: Tolerances;
  ratePoints: MoneyDecimal;
  reviewBasisPoints: number;
  graceDays: number;
  graceDaysByCarrier: ReadonlyMap<string, number>;
  asOfDay: number;
}

/** A loose policy-number variant (not the same normalised number) also needs the name to agree this much. */
const looseVariantNameFloor = 0.5;
/** A fuzzy match may differ from the statement's policy number by at most this many edits. */
const maxFuzzyPolicyEdits = 2;
/** One line settles at most this many installments; more is not a believable statement line. */
const maxInstallmentsPerLine = 36;

function idOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A rewrite (a new term under a new number replacing the old one) is not a type carriers print:
 * they call it new business or a renewal, so either pays it.
 */
function typeCompatible(line: StatementItem, item: ExpectedItem): boolean {
  const stated = line.transactionType;
  if (stated === null || stated === item.transactionType) return true;
  return item.transactionType === 'REWRITE' && (stated === 'NEW' || stated === 'RWL');
}

/** A term that continues a prior one, so a statement may still print the prior term's number. */
function continuesPriorTerm(item: ExpectedItem): boolean {
  return item.transactionType === 'RWL' || item.transactionType === 'REWRITE';
}

/**
 * New business and renewal are the one pair carriers confuse (a rewrite, a renewal booked as new
 * by the carrier): the policy number and date still identify the term, so the line is linked and
 * flagged rather than left unmatched. Any other disagreement (CAN for NEW) is another transaction.
 */
function newRenewalSwap(line: StatementItem, item: ExpectedItem): boolean {
  const stated = line.transactionType;
  return (
    (stated === 'NEW' && item.transactionType === 'RWL') ||
    (stated === 'RWL' && item.transactionType === 'NEW')
  );
}

/** Types a policy-number tier may link: the same (or none stated), or NEW and RWL confused. */
function typeLinkable(line: StatementItem, item: ExpectedItem): boolean {
  return typeCompatible(line, item) || newRenewalSwap(line, item);
}

/** Confidence a link loses when the statement calls the transaction by the other term kind. */
const typeMismatchPenalty = 10;

/** The tolerance for "minor variance": reviewPercent of the expected amount, at least amountCents. */
function reviewTolerance(
  settings: Pick<Settings, 'tolerances' | 'reviewBasisPoints'>,
  expectedCents: number,
): number {
  const scaled = Math.abs(expectedCents) * settings.reviewBasisPoints;
  return Math.max(settings.tolerances.amountCents, (scaled - (scaled % 10_000)) / 10_000);
}

function isOpen(settings: Settings, index: ExpectedIndex, i: number): boolean {
  const remaining = index.remaining[i]!;
  if (Math.abs(remaining) <= settings.tolerances.amountCents) return false;
  const expected = index.expectedCents[i]!;
  // A balance of the opposite sign to the expectation is an overpayment, not an open item.
  return expected === 0 || Math.sign(remaining) === Math.sign(expected);
}

function datePenalty(deltaDays: number): number {
  return Math.min(10, Math.ceil(Math.abs(deltaDays) / 4));
}

// --- candidate choice --------------------------------------------------------------------------

interface Candidate {
  index: number;
  /** False only for a NEW/RWL disagreement, which is taken only when nothing agrees. */
  typeAgrees: boolean;
  exactDate: boolean;
  typeExact: boolean;
  open: boolean;
  sameNumber: boolean;
  amountGap: number;
  dateGap: number;
}

/**
 * Among expectations that passed a tier's filters: a transaction type that does not contradict the
 * statement's, then the same date over a nearby one (so a repeated payment finds the expectation
 * it repeats), then a stated transaction type, then an expectation still open, then the identical
 * policy number, then the closest amount and date, then the id.
 */
function better(a: Candidate, b: Candidate, items: readonly ExpectedItem[]): boolean {
  if (a.typeAgrees !== b.typeAgrees) return a.typeAgrees;
  if (a.exactDate !== b.exactDate) return a.exactDate;
  if (a.typeExact !== b.typeExact) return a.typeExact;
  if (a.open !== b.open) return a.open;
  if (a.sameNumber !== b.sameNumber) return a.sameNumber;
  if (a.amountGap !== b.amountGap) return a.amountGap < b.amountGap;
  if (a.dateGap !== b.dateGap) return a.dateGap < b.dateGap;
  return idOrder(items[a.index]!.id, items[b.index]!.id) < 0;
}

function candidate(work: LineWork, index: ExpectedIndex, settings: Settings, i: number): Candidate {
  const item = index.items[i]!;
  const dateGap = work.day === noDay ? Number.MAX_SAFE_INTEGER : Math.abs(index.days[i]! - work.day);
  return {
    index: i,
    typeAgrees: typeCompatible(work.line, item),
    exactDate: dateGap === 0,
    typeExact: work.line.transactionType === item.transactionType,
    open: isOpen(settings, index, i),
    sameNumber: item.policyNumberNormalized === work.keys.normalized,
    amountGap: Math.abs(work.line.commissionCents - index.remaining[i]!),
    dateGap,
  };
}

function best(candidates: Candidate[], items: readonly ExpectedItem[]): Candidate | null {
  let chosen: Candidate | null = null;
  for (const c of candidates) if (chosen === null || better(c, chosen, items)) chosen = c;
  return chosen;
}

function lineName(work: LineWork): InsuredNameTokens {
  if (work.name === null) work.name = insuredNameTokens(work.line.insuredName);
  return work.name;
}

/** Only a payment that leaves something owed makes an expectation a fuzzy candidate off-index. */
function notePartlyPaid(index: ExpectedIndex, i: number): void {
  const remaining = index.remaining[i]!;
  if (remaining !== 0 && Math.sign(remaining) === Math.sign(index.items[i]!.expectedCents)) {
    index.notePartlyPaid(i);
  }
}

function assign(work: LineWork, index: ExpectedIndex, i: number, tier: Tier, confidence: number): void {
  work.assigned = [i];
  work.applied = [work.line.commissionCents];
  work.tier = tier;
  work.method = tier === 'chain' ? 'normalized' : tier;
  work.confidence = Math.max(0, Math.min(100, Math.round(confidence)));
  index.remaining[i] = index.remaining[i]! - work.line.commissionCents;
  index.lineCount[i] = index.lineCount[i]! + 1;
  notePartlyPaid(index, i);
  const delta = work.day === noDay ? undefined : work.day - index.days[i]!;
  work.dateDeltaDays = delta;
}

function dateKeys(_work: LineWork, delta: number | undefined): string[] {
  if (delta === 0) return ['effective_date'];
  if (delta !== undefined) return ['effective_date_window'];
  return [];
}

function typeKeysAndNotes(work: LineWork, item: ExpectedItem): string[] {
  if (work.line.transactionType === null) {
    work.notes.push('The statement gives no transaction type, so any type was accepted.');
    return [];
  }
  return work.line.transactionType === item.transactionType ? ['transaction_type'] : [];
}

const termKindWords: Partial<Record<string, string>> = { NEW: 'new business', RWL: 'a renewal' };

/** A link across NEW and RWL: flagged, explained in the reason, and trusted less. */
function noteTypeMismatch(work: LineWork, item: ExpectedItem): void {
  if (!newRenewalSwap(work.line, item)) return;
  const stated = work.line.transactionType!;
  work.discrepancies.push('TRANSACTION_TYPE_MISMATCH');
  work.confidence = Math.max(0, work.confidence - typeMismatchPenalty);
  const sentence = `The statement codes it ${stated} (${termKindWords[stated]}) but we have ${item.transactionType} (${termKindWords[item.transactionType]}); the policy number and date identify the term, so it is linked anyway (TRANSACTION_TYPE_MISMATCH).`;
  work.notes.push(sentence);
  work.linkSentences.push(sentence);
}

const agreementNotes: Record<PolicyNumberAgreement, string> = {
  identical: '',
  same_digits: 'matches once punctuation, carrier prefix, check letters and leading zeros are ignored',
  statement_lacks_term_suffix: 'matches once the term suffix the statement omits is ignored',
  statement_adds_term_suffix: "matches once the statement's term suffix is ignored",
  different_term_suffix: 'matches except for a different term suffix',
  none: '',
};

function describeExpected(item: ExpectedItem): string {
  return `expected commission ${item.id} (${item.carrierId} policy ${item.policyNumber}, ${item.insuredName}, ${item.transactionType} effective ${item.effectiveDate})`;
}

// --- tier 1: exact key --------------------------------------------------------------------------

function matchExact(work: LineWork, index: ExpectedIndex, settings: Settings): boolean {
  if (work.day === noDay) return false;
  const found = index.probe(work.line.carrierId, work.line.policyNumber);
  const candidates: Candidate[] = [];
  for (const i of found) {
    const item = index.items[i]!;
    if (item.policyNumberNormalized !== work.keys.normalized) continue;
    if (index.days[i] !== work.day || !typeCompatible(work.line, item)) continue;
    candidates.push(candidate(work, index, settings, i));
  }
  const chosen = best(candidates, index.items);
  if (chosen === null) return false;
  if (takeReversal(work, index, settings, found, chosen.index)) return true;
  const typeStated = work.line.transactionType !== null;
  assign(work, index, chosen.index, 'exact', typeStated ? 100 : 95);
  work.keysMatched = [
    'carrier',
    'policy_number',
    'effective_date',
    ...typeKeysAndNotes(work, index.items[chosen.index]!),
  ];
  return true;
}

/** How long after a term starts its cancellation can come: a term, and then some. */
const maxTermDays = 400;

/**
 * A negative new-business or renewal line is the carrier reversing that commission. When the
 * commission it names is already settled and the same policy has an open cancellation owing
 * back the same amount, the reversal is that chargeback (the carrier codes it by the business it
 * reverses; the AMS records the cancellation). Otherwise the line stays with the commission it
 * names, which it takes back.
 */
function takeReversal(
  work: LineWork,
  index: ExpectedIndex,
  settings: Settings,
  found: readonly number[],
  named: number,
): boolean {
  const paid = work.line.commissionCents;
  const type = work.line.transactionType;
  if (paid >= 0 || (type !== 'NEW' && type !== 'RWL') || isOpen(settings, index, named)) return false;
  const namedDay = index.days[named]!;
  let chosen = -1;
  for (const i of found) {
    const item = index.items[i]!;
    if (item.transactionType !== 'CAN' || !isOpen(settings, index, i)) continue;
    if (item.policyNumberNormalized !== work.keys.normalized) continue;
    const after = index.days[i]! - namedDay;
    if (after < 0 || after > maxTermDays) continue;
    if (Math.abs(index.remaining[i]! - paid) > settings.tolerances.amountCents) continue;
    const earlier =
      chosen < 0 ||
      index.days[i]! < index.days[chosen]! ||
      (index.days[i] === index.days[chosen] && idOrder(item.id, index.items[chosen]!.id) < 0);
    if (earlier) chosen = i;
  }
  if (chosen < 0) return false;
  const delta = work.day - index.days[chosen]!;
  assign(work, index, chosen, 'normalized', 88);
  work.dateDeltaDays = delta;
  work.keysMatched = ['carrier', 'policy_number', 'amount', 'reversal'];
  work.notes.push(
    `A negative ${type} line reverses a commission: ${describeExpected(index.items[named]!)} is already settled, so it pays the cancellation's chargeback ${index.items[chosen]!.id} (effective ${index.items[chosen]!.effectiveDate}), which owes back the same amount.`,
  );
  return true;
}

// --- tier 2: learned aliases, then policy-number variants ---------------------------------------

class AliasBook {
  private readonly targets = new Map<string, { alias: PolicyAlias; keys: PolicyNumberKeys }[]>();

  constructor(aliases: readonly PolicyAlias[]) {
    // Sorted so that two aliases for one statement number are always tried in the same order.
    const sorted = [...aliases].sort(
      (a, b) =>
        idOrder(a.carrierId, b.carrierId) ||
        idOrder(a.statementPolicyNumber, b.statementPolicyNumber) ||
        idOrder(a.policyNumber, b.policyNumber),
    );
    for (const alias of sorted) {
      const statementKeys = policyNumberKeys(alias.statementPolicyNumber);
      const entry = { alias, keys: policyNumberKeys(alias.policyNumber) };
      for (const key of new Set([`n:${statementKeys.normalized}`, `k:${statementKeys.key}`])) {
        const mapKey = alias.carrierId + separator + key;
        const list = this.targets.get(mapKey);
        if (list === undefined) this.targets.set(mapKey, [entry]);
        else if (!list.some((e) => e.alias === alias)) list.push(entry);
      }
    }
  }

  lookup(carrierId: string, keys: PolicyNumberKeys): { alias: PolicyAlias; keys: PolicyNumberKeys }[] {
    const byNumber = this.targets.get(`${carrierId}${separator}n:${keys.normalized}`) ?? [];
    const byKey = this.targets.get(`${carrierId}${separator}k:${keys.key}`) ?? [];
    const all = [...byNumber];
    for (const entry of byKey) if (!all.includes(entry)) all.push(entry);
    return all;
  }
}

function withinWindow(work: LineWork, index: ExpectedIndex, settings: Settings, i: number): boolean {
  return work.day !== noDay && Math.abs(index.days[i]! - work.day) <= settings.tolerances.dateWindowDays;
}

function matchAlias(work: LineWork, index: ExpectedIndex, settings: Settings, aliases: AliasBook): boolean {
  const entries = aliases.lookup(work.line.carrierId, work.keys);
  if (entries.length === 0) return false;
  const candidates: Candidate[] = [];
  const via = new Map<number, PolicyAlias>();
  for (const entry of entries) {
    const found = index.probe(work.line.carrierId, entry.alias.policyNumber);
    for (const i of found) {
      const item = index.items[i]!;
      if (!withinWindow(work, index, settings, i) || !typeLinkable(work.line, item)) continue;
      if (policyNumberAgreement(entry.keys, index.policyKeys(i)) === 'none') continue;
      if (!via.has(i)) {
        via.set(i, entry.alias);
        candidates.push(candidate(work, index, settings, i));
      }
    }
  }
  const chosen = best(candidates, index.items);
  if (chosen === null) return false;
  const alias = via.get(chosen.index)!;
  const delta = work.day - index.days[chosen.index]!;
  const typeStated = work.line.transactionType !== null;
  assign(work, index, chosen.index, 'alias', 95 - datePenalty(delta) - (typeStated ? 0 : 5));
  const item = index.items[chosen.index]!;
  work.keysMatched = ['carrier', 'policy_alias', ...dateKeys(work, delta), ...typeKeysAndNotes(work, item)];
  work.notes.push(
    `Statement policy number "${work.line.policyNumber}" is a learned alias of ${alias.policyNumber}.`,
  );
  noteTypeMismatch(work, item);
  return true;
}

function matchNormalized(work: LineWork, index: ExpectedIndex, settings: Settings): boolean {
  const found = index.probe(work.line.carrierId, work.line.policyNumber);
  if (found.length === 0) return false;
  const candidates: Candidate[] = [];
  const agreements = new Map<number, PolicyNumberAgreement>();
  const similarities = new Map<number, number>();
  let nearMiss: NearMiss | null = null;
  let nearGap = Number.MAX_SAFE_INTEGER;
  const noteNearMiss = (i: number, why: string) => {
    const gap = work.day === noDay ? 0 : Math.abs(index.days[i]! - work.day);
    if (
      nearMiss === null ||
      gap < nearGap ||
      (gap === nearGap && idOrder(index.items[i]!.id, index.items[nearMiss.index]!.id) < 0)
    ) {
      nearMiss = { index: i, why };
      nearGap = gap;
    }
  };
  for (const i of found) {
    const item = index.items[i]!;
    const agreement = policyNumberAgreement(work.keys, index.policyKeys(i));
    if (agreement === 'none') continue;
    if (!typeLinkable(work.line, item)) {
      noteNearMiss(
        i,
        `its transaction type is ${item.transactionType}, the statement says ${work.line.transactionType}`,
      );
      continue;
    }
    if (!withinWindow(work, index, settings, i)) {
      noteNearMiss(
        i,
        work.day === noDay
          ? 'the statement line has no effective date to compare'
          : `its effective date ${item.effectiveDate} is ${Math.abs(index.days[i]! - work.day)} days from the statement's ${work.line.effectiveDate} (window ${settings.tolerances.dateWindowDays})`,
      );
      continue;
    }
    if (agreement !== 'identical' && work.line.insuredName.trim() !== '') {
      // A number that only matches loosely must at least belong to a similar insured.
      const similarity = insuredNameSimilarity(lineName(work), index.nameTokens(i));
      similarities.set(i, similarity);
      if (similarity < looseVariantNameFloor) {
        noteNearMiss(
          i,
          `its policy number only matches loosely and the insured "${item.insuredName}" does not resemble "${work.line.insuredName}" (similarity ${similarity.toFixed(2)})`,
        );
        continue;
      }
    }
    agreements.set(i, agreement);
    candidates.push(candidate(work, index, settings, i));
  }
  const chosen = best(candidates, index.items);
  if (chosen === null) {
    work.nearMiss = nearMiss;
    return false;
  }
  const i = chosen.index;
  const agreement = agreements.get(i)!;
  const delta = work.day - index.days[i]!;
  const base =
    agreement === 'identical'
      ? 92
      : agreement === 'same_digits'
        ? 90
        : agreement === 'different_term_suffix'
          ? 80
          : 88;
  const similarity = similarities.get(i);
  const typeStated = work.line.transactionType !== null;
  let confidence = base - datePenalty(delta) - (typeStated ? 0 : 5);
  if (similarity !== undefined && similarity < settings.tolerances.nameSimilarity) confidence -= 5;
  assign(work, index, i, 'normalized', confidence);
  const keysMatched = [
    'carrier',
    agreement === 'identical' ? 'policy_number' : 'policy_number_variant',
    ...dateKeys(work, delta),
    ...typeKeysAndNotes(work, index.items[i]!),
  ];
  if (similarity !== undefined) {
    work.nameSimilarity = round2(similarity);
    if (similarity >= settings.tolerances.nameSimilarity) keysMatched.push('insured_name');
  }
  work.keysMatched = keysMatched;
  if (agreement !== 'identical') {
    work.notes.push(
      `Statement policy number "${work.line.policyNumber}" ${agreementNotes[agreement]} ("${index.items[i]!.policyNumber}").`,
    );
  }
  if (delta !== 0) {
    work.notes.push(
      `Effective dates differ by ${Math.abs(delta)} days (within the ${settings.tolerances.dateWindowDays}-day window).`,
    );
  }
  noteTypeMismatch(work, index.items[i]!);
  return true;
}

// --- tier 2, last: the renewal chain -------------------------------------------------------------

/**
 * A renewal the carrier still prints under the prior term's policy number (a policy renumbered at
 * renewal). Runs after every line had its chance at an expectation's own number, so it never
 * takes one from a line that prints that number; only renewal and rewrite expectations, and only
 * for a line whose type they accept (RWL or nothing; NEW too for a rewrite), are reached this way.
 */
function matchRenewalChain(work: LineWork, index: ExpectedIndex, settings: Settings): boolean {
  const stated = work.line.transactionType;
  if (work.day === noDay || (stated !== null && stated !== 'RWL' && stated !== 'NEW')) return false;
  const found = index.probePrior(work.line.carrierId, work.line.policyNumber);
  if (found.length === 0) return false;
  const candidates: Candidate[] = [];
  const priorOf = new Map<number, string>();
  const similarities = new Map<number, number>();
  for (const i of found) {
    const item = index.items[i]!;
    if (
      !continuesPriorTerm(item) ||
      !typeCompatible(work.line, item) ||
      !withinWindow(work, index, settings, i)
    )
      continue;
    const prior = agreeingPriorNumber(work.keys, item);
    if (prior === null) continue;
    if (work.line.insuredName.trim() !== '') {
      // The number is another term's: the insured must not contradict the link.
      const similarity = insuredNameSimilarity(lineName(work), index.nameTokens(i));
      if (similarity < looseVariantNameFloor) continue;
      similarities.set(i, similarity);
    }
    priorOf.set(i, prior);
    candidates.push(candidate(work, index, settings, i));
  }
  const chosen = best(candidates, index.items);
  if (chosen === null) return false;
  const i = chosen.index;
  const item = index.items[i]!;
  const prior = priorOf.get(i)!;
  const delta = work.day - index.days[i]!;
  const similarity = similarities.get(i);
  let confidence = 85 - datePenalty(delta) - (stated === null ? 5 : 0);
  if (similarity !== undefined && similarity < settings.tolerances.nameSimilarity) confidence -= 5;
  assign(work, index, i, 'chain', confidence);
  const keysMatched = ['carrier', 'renewal_chain', ...dateKeys(work, delta), ...typeKeysAndNotes(work, item)];
  if (similarity !== undefined) {
    work.nameSimilarity = round2(similarity);
    if (similarity >= settings.tolerances.nameSimilarity) keysMatched.push('insured_name');
  }
  work.keysMatched = keysMatched;
  const sentence = `The line is printed under the prior term's number ${prior}; policy ${item.policyNumber} renewed it.`;
  work.notes.push(sentence);
  work.linkSentences.push(sentence);
  if (delta !== 0) {
    work.notes.push(
      `Effective dates differ by ${Math.abs(delta)} days (within the ${settings.tolerances.dateWindowDays}-day window).`,
    );
  }
  return true;
}

/** The nearest earlier term's number that agrees with the printed one, or null. */
function agreeingPriorNumber(printed: PolicyNumberKeys, item: ExpectedItem): string | null {
  for (const prior of item.priorPolicyNumbers ?? []) {
    if (prior === item.policyNumber) continue;
    if (policyNumberAgreement(printed, policyNumberKeys(prior)) !== 'none') return prior;
  }
  return null;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

// --- tier 3: fuzzy -----------------------------------------------------------------------------

function matchFuzzy(work: LineWork, index: ExpectedIndex, settings: Settings): boolean {
  if (work.day === noDay || work.line.insuredName.trim() === '') return false;
  const tolerances = settings.tolerances;
  const paid = work.line.commissionCents;
  // |paid - owed| <= max(amountCents, rate * |owed|) implies |paid - owed| <= this reach; the
  // exact test against the remaining amount follows.
  const rate = settings.reviewBasisPoints / 10_000;
  const reach = Math.ceil((tolerances.amountCents + rate * Math.abs(paid)) / Math.max(0.01, 1 - rate)) + 1;
  const nearby = index.nearby(
    work.line.carrierId,
    work.line.transactionType,
    work.day,
    tolerances.dateWindowDays,
    paid,
    reach,
  );
  const hasNumber = work.keys.normalized !== '';
  let chosen: { i: number; similarity: number; edits: number; gap: number; amountGap: number } | null = null;
  for (const i of nearby) {
    if (!isOpen(settings, index, i)) continue;
    const remaining = index.remaining[i]!;
    const amountGap = Math.abs(work.line.commissionCents - remaining);
    if (amountGap > reviewTolerance(settings, remaining)) continue;
    let edits = 0;
    if (hasNumber) {
      const expectedKeys = index.policyKeys(i);
      const shortest = Math.min(work.keys.key.length, expectedKeys.key.length);
      // Two edits in a six-character number is a different number, not a typo.
      const allowed = Math.min(maxFuzzyPolicyEdits, Math.floor(shortest / 4));
      edits = policyNumberDistance(work.keys, expectedKeys, allowed);
      if (edits > allowed) continue;
    }
    const similarity = insuredNameSimilarity(lineName(work), index.nameTokens(i));
    if (similarity < tolerances.nameSimilarity) continue;
    const gap = Math.abs(index.days[i]! - work.day);
    const item = index.items[i]!;
    if (
      chosen === null ||
      similarity > chosen.similarity ||
      (similarity === chosen.similarity &&
        (edits < chosen.edits ||
          (edits === chosen.edits &&
            (gap < chosen.gap ||
              (gap === chosen.gap &&
                (amountGap < chosen.amountGap ||
                  (amountGap === chosen.amountGap && idOrder(item.id, index.items[chosen.i]!.id) < 0)))))))
    ) {
      chosen = { i, similarity, edits, gap, amountGap };
    }
  }
  if (chosen === null) return false;
  const delta = work.day - index.days[chosen.i]!;
  const strength =
    (chosen.similarity - tolerances.nameSimilarity) / Math.max(0.01, 1 - tolerances.nameSimilarity);
  const typeStated = work.line.transactionType !== null;
  const confidence =
    60 + 25 * strength - datePenalty(delta) - 5 * chosen.edits - (hasNumber ? 0 : 10) - (typeStated ? 0 : 5);
  assign(work, index, chosen.i, 'fuzzy', Math.max(30, Math.min(85, confidence)));
  work.nameSimilarity = round2(chosen.similarity);
  work.keysMatched = [
    'carrier',
    'insured_name',
    ...dateKeys(work, delta),
    'amount',
    ...typeKeysAndNotes(work, index.items[chosen.i]!),
    ...(hasNumber ? [chosen.edits === 0 ? 'policy_number_variant' : 'policy_number_near'] : []),
  ];
  const item = index.items[chosen.i]!;
  work.notes.push(
    hasNumber
      ? `Statement policy number "${work.line.policyNumber}" is ${chosen.edits} edit${chosen.edits === 1 ? '' : 's'} from "${item.policyNumber}", which looks like a typing error.`
      : 'The statement line has no policy number; matched on insured, date and amount alone.',
  );
  work.notes.push(
    `Insured "${work.line.insuredName}" resembles "${item.insuredName}" (similarity ${chosen.similarity.toFixed(2)}).`,
  );
  return true;
}

// --- tier 4a: one line paying several expectations -----------------------------------------------

function matchOneToMany(work: LineWork, index: ExpectedIndex, settings: Settings): void {
  // Installments are found under the printed number, which is not a renewal-chain match's own.
  if (work.tier === 'chain') return;
  const first = work.assigned[0]!;
  const firstItem = index.items[first]!;
  const paid = work.line.commissionCents;
  const owed = firstItem.balanceCents;
  const tolerance = settings.tolerances.amountCents;
  // Only a clear overpayment of an expectation nobody else paid suggests several installments.
  if (
    index.lineCount[first] !== 1 ||
    Math.sign(paid) !== Math.sign(owed) ||
    Math.abs(paid) - Math.abs(owed) <= tolerance
  ) {
    return;
  }
  const siblings = index
    .probe(work.line.carrierId, work.line.policyNumber)
    .filter((i) => {
      if (i === first) return true;
      const item = index.items[i]!;
      const offset = index.days[i]! - index.days[first]!;
      return (
        index.lineCount[i] === 0 &&
        item.transactionType === firstItem.transactionType &&
        item.balanceCents === index.remaining[i] &&
        isOpen(settings, index, i) &&
        Math.sign(item.balanceCents) === Math.sign(owed) &&
        offset >= -settings.tolerances.dateWindowDays &&
        offset <= 400 &&
        policyNumberAgreement(index.policyKeys(first), index.policyKeys(i)) !== 'none'
      );
    })
    .sort((a, b) => index.days[a]! - index.days[b]! || idOrder(index.items[a]!.id, index.items[b]!.id));
  if (siblings.length < 2) return;
  const at = siblings.indexOf(first);
  // Runs of consecutive installments that contain the one the line was keyed to, starting there.
  for (let start = at; start >= Math.max(0, at - maxInstallmentsPerLine); start--) {
    let sum = 0;
    for (let end = start; end < siblings.length && end - start < maxInstallmentsPerLine; end++) {
      sum += index.items[siblings[end]!]!.balanceCents;
      if (end < at || end === start) continue;
      if (Math.abs(paid - sum) <= tolerance) {
        applyOneToMany(work, index, siblings.slice(start, end + 1));
        return;
      }
      if (Math.abs(sum) > Math.abs(paid) + tolerance) break;
    }
  }
}

function applyOneToMany(work: LineWork, index: ExpectedIndex, run: number[]): void {
  const paid = work.line.commissionCents;
  // Undo the single application, then give each installment its balance and the last the rest.
  index.remaining[work.assigned[0]!] = index.remaining[work.assigned[0]!]! + paid;
  index.lineCount[work.assigned[0]!] = index.lineCount[work.assigned[0]!]! - 1;
  const applied: number[] = [];
  let left = paid;
  run.forEach((i, position) => {
    const cents = position === run.length - 1 ? left : index.items[i]!.balanceCents;
    applied.push(cents);
    left -= cents;
    index.remaining[i] = index.remaining[i]! - cents;
    index.lineCount[i] = index.lineCount[i]! + 1;
    notePartlyPaid(index, i);
  });
  work.assigned = run;
  work.applied = applied;
  work.method = 'one_to_many';
  work.confidence = Math.max(0, work.confidence - 5);
  work.notes.push(
    `One payment covers ${run.length} expectations of the same policy: ${run.map((i) => index.items[i]!.id).join(', ')}.`,
  );
}

// --- classification ----------------------------------------------------------------------------

function statusFor(settings: Settings, difference: number): LineStatus {
  if (Math.abs(difference) <= settings.tolerances.amountCents) return 'matched';
  return difference < 0 ? 'underpaid' : 'overpaid';
}

function amountSentence(
  settings: Settings,
  paid: number,
  owed: number,
  difference: number,
  what: string,
): string {
  const tolerance = settings.tolerances.amountCents;
  if (Math.abs(difference) <= tolerance) {
    return difference === 0
      ? `${what} ${dollars(paid)}, exactly as expected.`
      : `${what} ${dollars(paid)} against ${dollars(owed)} expected; the ${dollars(Math.abs(difference))} difference is within the ${dollars(tolerance)} tolerance.`;
  }
  const band = reviewTolerance(settings, owed);
  const direction = difference < 0 ? 'less' : 'more';
  const minor =
    Math.abs(difference) <= band
      ? `a minor variance (within ${settings.tolerances.reviewPercent}%) to review`
      : `beyond the ${settings.tolerances.reviewPercent}% review band`;
  return `${what} ${dollars(paid)} against ${dollars(owed)} expected: ${dollars(Math.abs(difference))} ${direction} than expected, ${minor}.`;
}

/**
 * Why the amount differs, when the rates tell: the rate paid against the rate expected (and the
 * new-business rate on a renewal or the reverse), or the right rate on a different premium.
 */
function explainRate(work: LineWork, item: ExpectedItem, settings: Settings): void {
  const line = work.line;
  const hundred = new Money(100);
  const premium = line.premiumCents !== null && line.premiumCents !== 0 ? new Money(line.premiumCents) : null;
  const actual =
    line.rate !== null && line.rate.trim() !== ''
      ? safeDecimal(line.rate)
      : premium !== null
        ? new Money(line.commissionCents).dividedBy(premium).times(hundred)
        : null;
  const expectedBasis =
    item.basisCents !== undefined && item.basisCents !== null && item.basisCents !== 0
      ? item.basisCents
      : null;
  const expected =
    item.rate !== undefined && item.rate !== null && item.rate.trim() !== ''
      ? safeDecimal(item.rate)
      : expectedBasis !== null
        ? new Money(item.expectedCents).dividedBy(expectedBasis).times(hundred)
        : premium !== null
          ? new Money(item.expectedCents).dividedBy(premium).times(hundred)
          : null;
  if (actual === null || expected === null) return;
  // Both derived from the statement's premium say nothing the amounts do not already say.
  const independent = (line.rate !== null && line.rate.trim() !== '') || item.rate || expectedBasis !== null;
  if (!independent) return;
  work.rateActual = percent(actual);
  work.rateExpected = percent(expected);
  const rateGap = actual.minus(expected).abs();
  if (rateGap.greaterThan(settings.ratePoints)) {
    work.discrepancies.push('RATE_MISMATCH');
    let sentence = `The rate paid, ${percent(actual)}%, differs from the ${percent(expected)}% expected`;
    const termRates = item.termRates;
    if (termRates) {
      const newRate = safeDecimal(termRates.newBusiness);
      const renewalRate = safeDecimal(termRates.renewal);
      if (newRate !== null && renewalRate !== null && !newRate.equals(renewalRate)) {
        if (
          item.transactionType === 'RWL' &&
          actual.minus(newRate).abs().lessThanOrEqualTo(settings.ratePoints)
        ) {
          sentence += ': it is the new-business rate paid on a renewal';
        } else if (
          item.transactionType === 'NEW' &&
          actual.minus(renewalRate).abs().lessThanOrEqualTo(settings.ratePoints)
        ) {
          sentence += ': it is the renewal rate paid on new business';
        }
      }
    }
    if (premium !== null) {
      const explained = premium.times(actual.minus(expected)).dividedBy(hundred).toDecimalPlaces(0);
      if (explained.minus(work.differenceCents).abs().lessThanOrEqualTo(settings.tolerances.amountCents)) {
        sentence += `, which accounts for the ${dollars(Math.abs(work.differenceCents))} difference`;
      }
    }
    work.notes.push(`${sentence} (RATE_MISMATCH).`);
  } else if (expectedBasis !== null && premium !== null) {
    const basisGap = Math.abs(line.premiumCents! - expectedBasis);
    if (basisGap > settings.tolerances.amountCents) {
      work.discrepancies.push('PREMIUM_BASIS_MISMATCH');
      work.notes.push(
        `The rate is as expected but the statement's premium ${dollars(line.premiumCents!)} differs from the expected basis ${dollars(expectedBasis)} (PREMIUM_BASIS_MISMATCH).`,
      );
    }
  }
}

function safeDecimal(text: string): MoneyDecimal | null {
  try {
    return new Money(text.trim().replace(/%$/, ''));
  } catch {
    return null;
  }
}

function sameAmountDateType(a: StatementItem, b: StatementItem): boolean {
  return (
    a.commissionCents === b.commissionCents &&
    a.effectiveDate === b.effectiveDate &&
    a.transactionType === b.transactionType
  );
}

function markDuplicate(work: LineWork, item: ExpectedItem, repeats: string): void {
  work.status = 'duplicate';
  work.differenceCents = work.line.commissionCents;
  work.applied = [0];
  work.discrepancies.push('DUPLICATE_PAYMENT');
  work.duplicateOf = repeats;
  work.amountSentence = `Duplicate payment: ${item.id} was already fully paid ${repeats} with the same amount ${dollars(work.line.commissionCents)} and effective date ${work.line.effectiveDate} (DUPLICATE_PAYMENT).`;
}

/**
 * Settle the lines applied to one expectation: duplicates, a split payment, or one payment.
 * Returns the expectation's variance (paid minus owed, duplicates aside).
 */
function classifyGroup(group: LineWork[], i: number, index: ExpectedIndex, settings: Settings): number {
  const item = index.items[i]!;
  const owed = item.balanceCents;
  const tolerance = settings.tolerances.amountCents;
  // Settled by earlier statements (a tiny expectation still owed in full is not "paid").
  const paidBefore = Math.abs(owed) <= tolerance && owed !== item.expectedCents;
  if (paidBefore) {
    let variance = 0;
    for (const work of group) {
      const sameAsExpected = Math.abs(work.line.commissionCents - item.expectedCents) <= tolerance;
      if (sameAsExpected && work.line.effectiveDate === item.effectiveDate && typeLinkable(work.line, item)) {
        markDuplicate(work, item, 'before this statement');
      } else {
        const difference = work.line.commissionCents - owed;
        work.status = statusFor(settings, difference);
        work.differenceCents = difference;
        work.amountSentence = amountSentence(settings, work.line.commissionCents, owed, difference, 'Paid');
        work.notes.push('The expectation was already fully paid before this statement.');
        if (work.status !== 'matched') work.discrepancies.push('AMOUNT_VARIANCE');
        variance += difference;
      }
    }
    return variance;
  }
  const kept: LineWork[] = [];
  let paid = 0;
  for (const work of group) {
    const settled = Math.abs(owed - paid) <= tolerance || Math.abs(paid) > Math.abs(owed);
    const original = settled ? kept.find((k) => sameAmountDateType(k.line, work.line)) : undefined;
    if (original !== undefined) {
      markDuplicate(work, item, `by line ${original.line.lineNo} of this statement`);
      continue;
    }
    kept.push(work);
    paid += work.line.commissionCents;
  }
  const difference = paid - owed;
  const status = statusFor(settings, difference);
  if (item.unpriced) {
    for (const work of kept) {
      work.status = status;
      work.differenceCents = difference;
      if (kept.length > 1) work.method = 'many_to_one';
      work.amountSentence = `Paid ${dollars(work.line.commissionCents)}; no rate is known for this transaction (no schedule line, nothing recorded in the AMS), so nothing was expected. The payment is kept, and the rate it shows is proposed as a schedule line.`;
      work.discrepancies.push('NO_EXPECTED_RATE');
    }
    return difference;
  }
  if (kept.length === 1) {
    const work = kept[0]!;
    work.status = status;
    work.differenceCents = difference;
    work.amountSentence = amountSentence(settings, paid, owed, difference, 'Paid');
    if (status !== 'matched') {
      work.discrepancies.push('AMOUNT_VARIANCE');
      explainRate(work, item, settings);
    }
    return difference;
  }
  const numbers = kept.map((k) => k.line.lineNo).join(', ');
  const confidence = Math.max(0, Math.min(...kept.map((k) => k.confidence)) - 5);
  for (const work of kept) {
    work.status = status;
    work.differenceCents = difference;
    work.method = 'many_to_one';
    work.confidence = confidence;
    work.notes.push(
      `Found by the ${work.tier === 'chain' ? 'renewal-chain' : work.tier} tier; lines ${numbers} together pay one expectation (a split payment).`,
    );
    work.amountSentence = amountSentence(settings, paid, owed, difference, `Lines ${numbers} together paid`);
    if (status !== 'matched') {
      work.discrepancies.push('AMOUNT_VARIANCE');
      if (work.line.rate !== null) explainRate(work, item, settings);
    }
  }
  return difference;
}

const methodWords: Record<Tier, string> = {
  exact: 'its exact policy number, effective date and transaction type',
  alias: 'a policy-number alias learned from an earlier decision',
  normalized: 'its policy number after normalisation',
  chain: 'the renewal chain',
  fuzzy: 'insured name, effective date and amount (the policy number differs)',
};

function finishReason(work: LineWork, index: ExpectedIndex, settings: Settings): string {
  if (work.status === 'unexpected') {
    const line = work.line;
    let why: string;
    if (!index.hasCarrier(line.carrierId)) {
      why = `there are no expected commissions for carrier ${line.carrierId} at all`;
    } else if (work.nearMiss !== null) {
      const item = index.items[work.nearMiss.index]!;
      why = `the policy number matches ${describeExpected(item)}, but ${work.nearMiss.why}; and no expectation within ${settings.tolerances.dateWindowDays} days has a similar insured, a policy number within ${maxFuzzyPolicyEdits} edits and an amount within tolerance`;
    } else {
      why = `no ${line.carrierId} expectation has this policy number in any printed form or a learned alias, and none within ${settings.tolerances.dateWindowDays} days has a similar insured, a policy number within ${maxFuzzyPolicyEdits} edits and an amount within tolerance`;
    }
    return `No expected commission for ${line.carrierId} policy "${line.policyNumber}" (${line.insuredName}, ${line.transactionType ?? 'no type'} effective ${line.effectiveDate || 'unknown'}, ${dollars(line.commissionCents)}): ${why}. It may be another agency's policy or one missing from the book (UNEXPECTED_COMMISSION).`;
  }
  const first = index.items[work.assigned[0]!]!;
  const how =
    work.method === 'one_to_many'
      ? `Paid ${work.assigned.length} expectations of ${first.carrierId} policy ${first.policyNumber} (${first.insuredName}) at once, found by ${methodWords[work.tier!]}.`
      : `Matched ${describeExpected(first)} by ${methodWords[work.tier!]}.`;
  if (work.linkSentences.length === 0) return `${how} ${work.amountSentence}`;
  return `${how} ${work.linkSentences.join(' ')} ${work.amountSentence}`;
}

// --- the entry point -----------------------------------------------------------------------------

function emptyCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  const counts = {} as Record<K, number>;
  for (const key of keys) counts[key] = 0;
  return counts;
}

const lineStatuses: readonly LineStatus[] = ['matched', 'underpaid', 'overpaid', 'unexpected', 'duplicate'];
const matchMethods: readonly MatchMethod[] = [
  'exact',
  'normalized',
  'alias',
  'fuzzy',
  'many_to_one',
  'one_to_many',
];

/**
 * Reconcile one run of statement lines against the expectations they may pay. `expected` should
 * hold what could be on these statements (the carriers' open and recently paid items); every
 * expectation with a balance that no line pays comes back as open or missing.
 */
export function reconcile(
  lines: readonly StatementItem[],
  expected: readonly ExpectedItem[],
  options: ReconcileOptions,
): ReconciliationResult {
  const tolerances: Tolerances = { ...defaultTolerances, ...options.tolerances };
  const asOfDay = dayNumber(options.asOf);
  if (asOfDay === noDay) throw new Error(`asOf must be an ISO date, got "${options.asOf}"`);
  const reviewBasisPoints = new Money(tolerances.reviewPercent).times(100).floor().toNumber();
  const settings: Settings = {
    tolerances,
    ratePoints: new Money(tolerances.ratePoints),
    reviewBasisPoints,
    graceDays: options.graceDays ?? defaultGraceDays,
    graceDaysByCarrier: new Map(Object.entries(options.graceDaysByCarrier ?? {})),
    asOfDay,
  };
  const index = new ExpectedIndex(expected, new Set(lines.map((line) => line.carrierId)));
  const aliases = new AliasBook(options.aliases ?? []);

  const ordered = [...lines].sort((a, b) => a.lineNo - b.lineNo || idOrder(a.id, b.id));
  const works: LineWork[] = ordered.map((line) => ({
    line,
    keys: policyNumberKeys(line.policyNumber),
    day: dayNumber(line.effectiveDate),
    name: null,
    assigned: [],
    applied: [],
    tier: null,
    method: null,
    confidence: 0,
    keysMatched: [],
    notes: [],
    nameSimilarity: undefined,
    dateDeltaDays: undefined,
    nearMiss: null,
    status: 'unexpected',
    differenceCents: line.commissionCents,
    discrepancies: [],
    rateExpected: undefined,
    rateActual: undefined,
    amountSentence: '',
    linkSentences: [],
    duplicateOf: null,
  }));

  for (const work of works) matchExact(work, index, settings);
  for (const work of works) {
    if (work.tier === null && !matchAlias(work, index, settings, aliases))
      matchNormalized(work, index, settings);
  }
  for (const work of works) if (work.tier === null) matchRenewalChain(work, index, settings);
  for (const work of works) if (work.tier === null) matchFuzzy(work, index, settings);
  for (const work of works) if (work.tier !== null) matchOneToMany(work, index, settings);

  // Settle each expectation's lines together, in the order their first line appears.
  const groups = new Map<number, LineWork[]>();
  for (const work of works) {
    if (work.tier === null) continue;
    if (work.method === 'one_to_many') {
      work.differenceCents =
        work.line.commissionCents - work.assigned.reduce((s, i) => s + index.items[i]!.balanceCents, 0);
      work.status = statusFor(settings, work.differenceCents);
      const owed = work.line.commissionCents - work.differenceCents;
      work.amountSentence = amountSentence(
        settings,
        work.line.commissionCents,
        owed,
        work.differenceCents,
        'Paid',
      );
      if (work.status !== 'matched') work.discrepancies.push('AMOUNT_VARIANCE');
      continue;
    }
    const i = work.assigned[0]!;
    const group = groups.get(i);
    if (group === undefined) groups.set(i, [work]);
    else group.push(work);
  }
  let varianceCents = 0;
  for (const [i, group] of groups) varianceCents += classifyGroup(group, i, index, settings);

  const summary = {
    lines: emptyCounts(lineStatuses),
    methods: emptyCounts(matchMethods),
    expected: { open: 0, missing: 0 },
    paidCents: 0,
    varianceCents: 0,
  };
  const results: LineResult[] = works.map((work) => {
    if (work.tier === null) work.discrepancies.push('UNEXPECTED_COMMISSION');
    else if (work.method === 'one_to_many') varianceCents += work.differenceCents;
    summary.lines[work.status]++;
    if (work.method !== null) summary.methods[work.method]++;
    summary.paidCents += work.line.commissionCents;
    const evidence: LineResult['evidence'] = { keysMatched: work.keysMatched, notes: work.notes };
    if (work.nameSimilarity !== undefined) evidence.nameSimilarity = work.nameSimilarity;
    if (work.dateDeltaDays !== undefined) evidence.dateDeltaDays = work.dateDeltaDays;
    if (work.rateExpected !== undefined) evidence.rateExpected = work.rateExpected;
    if (work.rateActual !== undefined) evidence.rateActual = work.rateActual;
    return {
      lineId: work.line.id,
      status: work.status,
      matches: work.assigned.map((i, k) => ({
        expectedId: index.items[i]!.id,
        appliedCents: work.applied[k]!,
      })),
      method: work.method,
      confidence: work.tier === null ? 0 : work.confidence,
      differenceCents: work.differenceCents,
      discrepancies: work.discrepancies,
      evidence,
      reason: finishReason(work, index, settings),
    };
  });
  summary.varianceCents = varianceCents;

  const unpaid = agedExpectations(index, settings);
  for (const result of unpaid) summary.expected[result.status]++;
  return { lines: results, expected: unpaid, summary };
}

/** Expectations with a balance that no line of this run touched: missing once past due + grace. */
function agedExpectations(index: ExpectedIndex, settings: Settings): ExpectedResult[] {
  const results: ExpectedResult[] = [];
  for (let i = 0; i < index.items.length; i++) {
    if (index.lineCount[i] !== 0) continue;
    const item = index.items[i]!;
    if (Math.abs(item.balanceCents) <= settings.tolerances.amountCents) continue;
    const grace = settings.graceDaysByCarrier.get(item.carrierId) ?? settings.graceDays;
    const payDay = dayNumber(item.expectedPayDate);
    const overdue = payDay === noDay ? 0 : settings.asOfDay - (payDay + grace);
    if (overdue > 0) {
      results.push({
        expectedId: item.id,
        status: 'missing',
        balanceCents: item.balanceCents,
        daysOverdue: overdue,
        discrepancies: ['MISSING_COMMISSION'],
        reason: `${dollars(item.balanceCents)} was due by ${item.expectedPayDate}; with ${grace} days' grace it is ${overdue} days overdue and not on this statement (MISSING_COMMISSION).`,
      });
    } else {
      results.push({
        expectedId: item.id,
        status: 'open',
        balanceCents: item.balanceCents,
        daysOverdue: 0,
        discrepancies: [],
        reason: `${dollars(item.balanceCents)} is not on this statement but not yet overdue (due ${item.expectedPayDate}, ${grace} days' grace).`,
      });
    }
  }
  return results;
}

/** The alias to remember when a person links a statement line to an expectation by hand. */
export function aliasFromDecision(line: StatementItem, item: ExpectedItem): PolicyAlias {
  return {
    carrierId: line.carrierId,
    statementPolicyNumber: line.policyNumber,
    policyNumber: item.policyNumber,
  };
}

// --- the debug view ------------------------------------------------------------------------------

export interface CandidateCheck {
  ok: boolean;
  detail: string;
}

export interface CandidateExplanation {
  expectedId: string;
  checks: {
    policyNumber: CandidateCheck;
    effectiveDate: CandidateCheck;
    transactionType: CandidateCheck;
    insuredName: CandidateCheck;
    amount: CandidateCheck;
  };
  /** The checks that failed, in words: why this expectation did not take the line. */
  summary: string;
}

/**
 * For the "why did this not match" view: the carrier's expectations closest to a statement line,
 * each with every check the tiers apply and whether it passed. Scans the whole carrier, so it is
 * for one line on demand, not for a statement run.
 */
export function explainLine(
  line: StatementItem,
  expected: readonly ExpectedItem[],
  options: { tolerances?: Partial<Tolerances>; limit?: number } = {},
): CandidateExplanation[] {
  const tolerances: Tolerances = { ...defaultTolerances, ...options.tolerances };
  const reviewBasisPoints = new Money(tolerances.reviewPercent).times(100).floor().toNumber();
  const settings = { tolerances, reviewBasisPoints };
  const keys = policyNumberKeys(line.policyNumber);
  const name = insuredNameTokens(line.insuredName);
  const day = dayNumber(line.effectiveDate);
  const scored: { item: ExpectedItem; score: number; checks: CandidateExplanation['checks'] }[] = [];
  for (const item of expected) {
    if (item.carrierId !== line.carrierId) continue;
    const itemKeys = policyNumberKeys(item.policyNumber);
    const agreement = policyNumberAgreement(keys, itemKeys);
    const prior =
      agreement === 'none' && continuesPriorTerm(item) && typeCompatible(line, item)
        ? agreeingPriorNumber(keys, item)
        : null;
    const edits = agreement === 'none' && prior === null ? policyNumberDistance(keys, itemKeys) : 0;
    const similarity = insuredNameSimilarity(name, item.insuredName);
    const itemDay = dayNumber(item.effectiveDate);
    const gap = day === noDay || itemDay === noDay ? null : Math.abs(day - itemDay);
    const amountGap = Math.abs(line.commissionCents - item.balanceCents);
    const amountOk = amountGap <= reviewTolerance(settings, item.balanceCents);
    const checks: CandidateExplanation['checks'] = {
      policyNumber: {
        ok: agreement !== 'none' || prior !== null,
        detail:
          prior !== null
            ? `"${line.policyNumber}" is the prior term's number ${prior}; policy ${item.policyNumber} renewed it`
            : agreement === 'none'
              ? `"${line.policyNumber}" vs "${item.policyNumber}": ${edits} edits apart, no printed form agrees`
              : agreement === 'identical'
                ? 'identical'
                : `"${line.policyNumber}" ${agreementNotes[agreement]} ("${item.policyNumber}")`,
      },
      effectiveDate: {
        ok: gap !== null && gap <= tolerances.dateWindowDays,
        detail:
          gap === null
            ? 'a date is missing'
            : gap === 0
              ? 'identical'
              : `${gap} days apart (window ${tolerances.dateWindowDays})`,
      },
      transactionType: {
        ok: typeLinkable(line, item),
        detail: newRenewalSwap(line, item)
          ? `statement ${line.transactionType}, expected ${item.transactionType}: new business and renewal confused, linkable with TRANSACTION_TYPE_MISMATCH`
          : `statement ${line.transactionType ?? 'none'}, expected ${item.transactionType}`,
      },
      insuredName: {
        ok: similarity >= tolerances.nameSimilarity,
        detail: `"${line.insuredName}" vs "${item.insuredName}": similarity ${similarity.toFixed(2)} (needs ${tolerances.nameSimilarity})`,
      },
      amount: {
        ok: amountOk,
        detail: `paid ${dollars(line.commissionCents)}, balance ${dollars(item.balanceCents)}`,
      },
    };
    // Closeness for ranking only: agreeing keys first, then the name, the date and the amount.
    const score =
      (agreement !== 'none' || prior !== null ? 4 : Math.max(0, 2 - edits / 2)) +
      2 * similarity +
      (gap === null ? 0 : Math.max(0, 1 - gap / (4 * tolerances.dateWindowDays))) +
      (amountOk ? 1 : 0) +
      (checks.transactionType.ok ? 0.5 : 0);
    scored.push({ item, score, checks });
  }
  scored.sort((a, b) => b.score - a.score || idOrder(a.item.id, b.item.id));
  return scored.slice(0, options.limit ?? 5).map(({ item, checks }) => {
    const failed = (Object.entries(checks) as [string, CandidateCheck][])
      .filter(([, check]) => !check.ok)
      .map(([what, check]) => `${what}: ${check.detail}`);
    return {
      expectedId: item.id,
      checks,
      summary:
        failed.length === 0
          ? `${item.id} passes every check; it was probably taken by a stronger match or is already paid.`
          : `${item.id} fails ${failed.join('; ')}.`,
    };
  });
}
