// A generator of messy carrier statements with a known truth, for tests and the benchmark: a book
// of expected commissions in the demo carriers' policy-number formats, and a statement that pays
// part of it the way real statements do, with typos in names, lost leading zeros, carrier
// prefixes, dropped term suffixes and check letters, "Last, First" names, split payments,
// installments paid at once, duplicates, the new-business rate paid on renewals, renewals printed
// under the prior term's number, renewals coded as new business and the reverse, trusts, estates,
// trade names and care-of addresses as insureds, payments a few cents off, reversals of earlier
// payments, lines for other agencies' policies, and expectations nobody paid. Deterministic for a
// seed (Random, never Math.random); sized from a few hundred lines to 100k lines against 1M
// expectations.
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { Random } from '../../connectors/kit/random.ts';
import { Money } from '../money.ts';
import { normalizePolicyNumber } from '../normalize.ts';
import type { LineTruth } from './evaluate.ts';
import { dayNumber } from './match.ts';
import { policyNumberKeys, samePolicyNumber } from './normalize.ts';
import type { ExpectedItem, StatementItem, TransactionType } from './types.ts';

export type MessKind =
  | 'clean'
  | 'number_variant'
  | 'date_shift'
  | 'name_typo'
  | 'number_typo'
  | 'split_payment'
  | 'installments_at_once'
  | 'duplicate_in_statement'
  | 'duplicate_of_earlier'
  | 'rate_mismatch'
  | 'amount_variance'
  /** A renewal printed under the prior term's policy number (the policy was renumbered). */
  | 'renewal_prior_number'
  /** A renewal the carrier codes NEW, or new business it codes RWL. */
  | 'type_swapped'
  /** A trust, estate, trade-name or care-of insured, printed unlike the book, the number off. */
  | 'entity_name'
  /** A payment a cent or a few cents short or over: within the $1.00 tolerance. */
  | 'within_tolerance'
  /** A negative NEW/RWL line taking back a commission paid by an earlier statement. */
  | 'reversal'
  | 'foreign';

/** How often each kind of line is drawn (relative weights). */
export const defaultMessMix: Readonly<Record<MessKind, number>> = {
  clean: 48,
  number_variant: 18,
  date_shift: 4,
  name_typo: 6,
  number_typo: 4,
  split_payment: 3,
  installments_at_once: 2,
  duplicate_in_statement: 2,
  duplicate_of_earlier: 1,
  rate_mismatch: 3,
  amount_variance: 4,
  renewal_prior_number: 2,
  type_swapped: 2,
  entity_name: 3,
  within_tolerance: 3,
  reversal: 1,
  foreign: 5,
};

export interface MessyStatementOptions {
  seed?: string;
  /** Statement lines to produce (approximately: a split payment adds two at once). */
  lines: number;
  /** Expected items in the book; at least twice the lines is realistic. */
  expected: number;
  asOf?: string;
  mix?: Partial<Record<MessKind, number>>;
}

export interface MessyStatement {
  asOf: string;
  expected: ExpectedItem[];
  lines: StatementItem[];
  /** Line id → the expectation id(s) it pays, 'foreign' or 'duplicate'. */
  truth: Map<string, LineTruth>;
  /** Expectations past due + 15 days' grace that no line pays: they must come back missing. */
  missingIds: Set<string>;
  /** How many lines of each kind were written. */
  kinds: Record<MessKind, number>;
  /** Line id → the kind of mess it was written as. */
  lineKinds: Map<string, MessKind>;
}

const firstNames =
  'James|Mary|Robert|Patricia|John|Jennifer|Michael|Linda|David|Elizabeth|William|Barbara|Richard|Susan|Joseph|Jessica|Thomas|Sarah|Carlos|Karen|Adam|Lisa|Daniel|Nancy|Matthew|Sandra|Anthony|Ashley|Mark|Emily|Ana|Wei|Priya|Mohammed|Olga|Kenji|Fatima|Diego|Aisha|Liam'.split(
    '|',
  );
const lastNames =
  "Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Hernandez|Lopez|Gonzalez|Wilson|Anderson|Thomas|Taylor|Moore|Jackson|Martin|Lee|Perez|Thompson|White|Harris|Sanchez|Clark|Ramirez|Lewis|Robinson|Gomes|Gomez|O'Brien|Nguyen|Patel|Kowalski|Schmidt|Rossi|Yamamoto|Okafor|Dubois".split(
    '|',
  );
const businessWords =
  'Summit|Riverside|Blue Ridge|Harbor|Pioneer|Cedar|Granite|Lakeside|Golden Gate|Red Oak|Northstar|Evergreen|Prairie|Coastal|Iron Bridge|Maple|Silver Creek|Heritage|Keystone|Sunrise'.split(
    '|',
  );
const businessKinds =
  'Plumbing|Dental Group|Bakery|Construction|Auto Repair|Landscaping|Law Office|Coffee Roasters|Electric|Veterinary Clinic|Brewing|Logistics|Roofing|Florist|Fitness|Accounting|Salon|Machine Shop|Catering|Realty'.split(
    '|',
  );
const businessSuffixes = ['LLC', 'Inc.', 'Co.', 'Corp', 'Ltd'] as const;
const careOfParties =
  'First National Bank|Wells Fargo Trust Dept|Harbor Property Management|Summit Law Group|Chase Home Lending'.split(
    '|',
  );

/** Prefixes some carriers' statements put before the policy number. */
const statementPrefixes: Record<string, string> = {
  TRAV: 'TRV-',
  HART: 'HIG ',
  PROG: 'PGR-',
  SAFE: 'SAF-',
  LIBM: 'LM-',
  NATW: 'NW-',
  CINC: 'CIC ',
  ERIE: 'EI-',
  AUTO: 'AO-',
  HANO: 'HAN-',
  AMWI: 'AMW/',
  BTIS: 'BT-',
};

interface Insured {
  first: string | null;
  middle: string | null;
  last: string | null;
  company: string | null;
  /**
   * Insureds that are not simply a person or a company: a family trust (`other` is the second
   * trustee), an estate, a company with a trade name (`other`), a person reached care of someone
   * (`other`, the care-of party).
   */
  form?: 'trust' | 'estate' | 'dba' | 'care_of';
  other?: string;
  /** How the book writes a trust or a care-of insured. */
  bookForm?: number;
}

interface BookCarrier {
  key: string;
  policyNumber: (r: Random) => string;
  termSuffix: boolean;
  newRate: string;
  renewalRate: string;
  newBasisPoints: number;
  renewalBasisPoints: number;
  /** Whether this carrier's statement prints premium and rate columns. */
  printsRates: boolean;
}

/** What the generator remembers about an expected item beyond the item itself. */
interface ItemFacts {
  insured: Insured;
  premiumCents: number;
  carrier: BookCarrier;
  /** Index of the first installment of the same term, or -1. */
  installmentGroup: number;
  installmentCount: number;
}

/** ISO date of a day number (days since 1970-01-01), the inverse of dayNumber, without Date. */
export function isoFromDay(day: number): string {
  // Howard Hinnant's civil_from_days.
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const d = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yearOfEra + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

function bookName(insured: Insured): string {
  const { first, last, other } = insured;
  switch (insured.form) {
    case 'trust':
      return [
        `${last} Family Trust`,
        `The ${last} Family Trust dated 3/4/2011`,
        `${last}, ${first} & ${other} Trustees`,
      ][insured.bookForm!]!;
    case 'estate':
      return `Estate of ${first} ${last}`;
    case 'dba':
      return `${insured.company} DBA ${other}`;
    case 'care_of':
      return insured.bookForm === 0 ? `${first} ${last} c/o ${other}` : `${first} ${last}`;
  }
  if (insured.company !== null) return insured.company;
  return insured.middle !== null
    ? `${insured.first} ${insured.middle}. ${insured.last}`
    : `${insured.first} ${insured.last}`;
}

/** A trust, an estate, a trade name or a care-of insured as statements print them, else null. */
function formStatementName(r: Random, insured: Insured): string | null {
  const first = insured.first ?? '';
  const last = insured.last ?? '';
  const other = insured.other ?? '';
  switch (insured.form) {
    case 'trust':
      return r.pick([
        `${last.toUpperCase()} FAMILY TRUST`,
        `The ${last} Family Trust`,
        `${last}, ${first} & ${other} Trustees`,
        `${last.toUpperCase()} ${first.toUpperCase()} TTEE`,
        `${last} Family Trust dtd 03/04/2011`,
        `${first} ${last} Trustee`,
      ]);
    case 'estate':
      return r.pick([
        `ESTATE OF ${first.toUpperCase()} ${last.toUpperCase()}`,
        `${last}, ${first} Estate`,
        `Est of ${first} ${last}`,
        `${first} ${last}`,
      ]);
    case 'dba': {
      const company = insured.company!;
      return r.pick([
        `${company} DBA ${other}`,
        `${company} D/B/A ${other}`.toUpperCase(),
        other,
        other.toUpperCase(),
        company,
      ]);
    }
    case 'care_of':
      return r.pick([
        `${first} ${last} c/o ${other}`,
        `${last.toUpperCase()}, ${first.toUpperCase()} C/O ${other.toUpperCase()}`,
        `${last}, ${first}`,
        `${first} ${last}`,
        `${first} ${last} Attn: ${other}`,
      ]);
  }
  return null;
}

/** The insured as a statement prints it: order, case, initials and suffixes vary by carrier. */
function statementName(r: Random, insured: Insured): string {
  if (insured.form !== undefined) return formStatementName(r, insured)!;
  if (insured.company !== null) {
    const bare = insured.company.replace(/\s+(LLC|Inc\.|Co\.|Corp|Ltd)$/, '');
    return r.pick([
      insured.company,
      insured.company.toUpperCase(),
      bare,
      `${bare}, ${r.pick(businessSuffixes)}`,
      bare.toUpperCase(),
    ]);
  }
  const first = insured.first!;
  const last = insured.last!;
  const middle = insured.middle;
  const forms = [
    `${first} ${last}`,
    `${last}, ${first}`,
    `${last.toUpperCase()} ${first.toUpperCase()}${middle ? ` ${middle}` : ''}`,
    `${last}, ${first}${middle ? ` ${middle}.` : ''}`,
    `${first}${middle ? ` ${middle}.` : ''} ${last}`,
    `${first} ${last} Jr.`,
    `${last.toUpperCase()}, ${first.toUpperCase()}`,
  ];
  return r.pick(forms);
}

/** One slip of the keyboard in a word of four or more letters. */
function typo(r: Random, text: string): string {
  const words = text.split(' ');
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => /^[A-Za-z']{4,}$/.test(w));
  if (candidates.length === 0) return text;
  const [word, at] = r.pick(candidates);
  const p = r.int(1, word.length - 2);
  let changed: string;
  switch (r.int(0, 2)) {
    case 0: // adjacent letters swapped
      changed = word.slice(0, p) + word[p + 1] + word[p] + word.slice(p + 2);
      break;
    case 1: // a letter dropped
      changed = word.slice(0, p) + word.slice(p + 1);
      break;
    default: {
      const letter = String.fromCharCode(97 + r.int(0, 25));
      changed = word.slice(0, p) + letter + word.slice(p + 1);
    }
  }
  words[at] = changed;
  return words.join(' ');
}

/** The policy number as some statement prints it, still the same number. */
function numberVariant(r: Random, number: string, carrier: BookCarrier): string {
  const options: (() => string)[] = [
    () => number.replace(/[^A-Za-z0-9]/g, ''),
    () => number.replace(/-/g, ' '),
    () => `${statementPrefixes[carrier.key] ?? ''}${number}`,
    () => number.toLowerCase(),
  ];
  if (carrier.termSuffix) options.push(() => number.replace(/-\d{2}$/, ''));
  else options.push(() => `${number}-01`);
  if (carrier.key === 'TRAV') options.push(() => number.replace('A', ''));
  if (/^0/.test(number.replace(/[^A-Za-z0-9]/g, ''))) {
    // Excel read the number as a number: the leading zeros are gone, and often the punctuation.
    const lost = () => number.replace(/[^0-9]/g, '').replace(/^0+/, '');
    options.push(lost, lost, lost);
  }
  return r.pick(options)();
}

/** One mistyped digit: swapped neighbours or a wrong digit. */
function numberTypo(r: Random, number: string): string {
  const digits = [...number].map((c, i) => [c, i] as const).filter(([c]) => c >= '0' && c <= '9');
  if (digits.length < 6) return number;
  const chars = [...number];
  const pick = r.int(1, digits.length - 2);
  const at = digits[pick]![1];
  const next = digits[pick + 1]![1];
  if (r.chance(0.5) && chars[at] !== chars[next] && next === at + 1) {
    [chars[at], chars[next]] = [chars[next]!, chars[at]!];
  } else {
    chars[at] = String((Number(chars[at]) + r.int(1, 9)) % 10);
  }
  return chars.join('');
}

/** A percent string as integer basis points ("12.5" → 1250), parsed exactly once per carrier. */
function basisPoints(rate: string): number {
  return new Money(rate).times(100).toNumber();
}

/**
 * Premium × rate in exact integer arithmetic, rounded half-even to the cent like decimalToCents
 * (a million of these through decimal.js would dominate the benchmark's set-up).
 */
function commission(premiumCents: number, rateBasisPoints: number): number {
  const product = premiumCents * rateBasisPoints;
  const remainder = product % 10_000;
  let cents = (product - remainder) / 10_000;
  const twice = 2 * Math.abs(remainder);
  if (twice > 10_000 || (twice === 10_000 && cents % 2 !== 0)) cents += Math.sign(product);
  return cents === 0 ? 0 : cents;
}

/** A person (mostly), a company, or one of the forms statements print unlike the book. */
function newInsured(r: Random): Insured {
  const person = (): Insured => ({
    first: r.pick(firstNames),
    middle: r.chance(0.3) ? String.fromCharCode(65 + r.int(0, 25)) : null,
    last: r.pick(lastNames),
    company: null,
  });
  const company = () => `${r.pick(businessWords)} ${r.pick(businessKinds)} ${r.pick(businessSuffixes)}`;
  const draw = r.next();
  if (draw < 0.64) return person();
  if (draw < 0.9) return { first: null, middle: null, last: null, company: company() };
  if (draw < 0.94) {
    const trustee = person();
    let other = r.pick(firstNames);
    while (other === trustee.first) other = r.pick(firstNames);
    return { ...trustee, middle: null, form: 'trust', other, bookForm: r.int(0, 2) };
  }
  if (draw < 0.96) return { ...person(), middle: null, form: 'estate' };
  if (draw < 0.98) {
    const owner = r.pick(lastNames);
    return {
      first: null,
      middle: null,
      last: null,
      company: `${owner} Holdings LLC`,
      form: 'dba',
      other: `${r.pick(businessWords)} ${r.pick(businessKinds)}`,
    };
  }
  return { ...person(), middle: null, form: 'care_of', other: r.pick(careOfParties), bookForm: r.int(0, 1) };
}

export function generateMessyStatement(options: MessyStatementOptions): MessyStatement {
  const seed = options.seed ?? 'messy';
  const asOf = options.asOf ?? '2025-06-30';
  const asOfDay = dayNumber(asOf);
  const r = new Random(`${seed}:statement`);
  const carriers: BookCarrier[] = generateAgency({ seed, clients: 1, asOf }).carriers.map((c, i) => ({
    key: c.key,
    policyNumber: c.policyNumber,
    termSuffix: c.termSuffix,
    newRate: c.newRate,
    renewalRate: c.renewalRate,
    newBasisPoints: basisPoints(c.newRate),
    renewalBasisPoints: basisPoints(c.renewalRate),
    printsRates: i % 3 !== 2,
  }));

  // --- the book: policies over one to three terms, some paid in installments ---
  const expected: ExpectedItem[] = [];
  const facts: ItemFacts[] = [];
  // Every key a book number is indexed under, per carrier: new numbers (and typos, and other
  // agencies' numbers) must not collide with them, or the truth would be ambiguous.
  const usedKeys = new Map<string, Set<string>>(carriers.map((c) => [c.key, new Set<string>()]));
  const keyTaken = (carrier: string, number: string) => {
    const keys = policyNumberKeys(number);
    const used = usedKeys.get(carrier)!;
    return used.has(keys.key) || (keys.keyWithoutTermSuffix !== null && used.has(keys.keyWithoutTermSuffix));
  };
  const takeKeys = (carrier: string, number: string) => {
    const keys = policyNumberKeys(number);
    const used = usedKeys.get(carrier)!;
    used.add(keys.key);
    if (keys.keyWithoutTermSuffix !== null) used.add(keys.keyWithoutTermSuffix);
  };
  const push = (item: Omit<ExpectedItem, 'id' | 'policyNumberNormalized'>, fact: ItemFacts) => {
    expected.push({
      id: `EXP${String(expected.length + 1).padStart(7, '0')}`,
      policyNumberNormalized: normalizePolicyNumber(item.policyNumber),
      ...item,
    });
    facts.push(fact);
  };
  while (expected.length < options.expected) {
    const carrier = r.pick(carriers);
    let base = carrier.policyNumber(r);
    for (let attempt = 0; attempt < 20 && keyTaken(carrier.key, base); attempt++)
      base = carrier.policyNumber(r);
    if (keyTaken(carrier.key, base)) continue;
    takeKeys(carrier.key, base);
    const insured = newInsured(r);
    const terms = r.int(1, 3);
    // Some policies are rewritten under a new number at renewal; carriers keep printing the old.
    const renumbered = terms > 1 && r.chance(0.25);
    const chain: string[] = [];
    let effective = asOfDay - r.int(20, 3 * 365);
    for (let term = 1; term <= terms && effective <= asOfDay - 10; term++) {
      if (renumbered && term > 1) {
        let fresh = carrier.policyNumber(r);
        for (let attempt = 0; attempt < 20 && keyTaken(carrier.key, fresh); attempt++)
          fresh = carrier.policyNumber(r);
        if (!keyTaken(carrier.key, fresh)) {
          base = fresh;
          takeKeys(carrier.key, base);
        }
      }
      const number = carrier.termSuffix ? `${base}-${String(term).padStart(2, '0')}` : base;
      if (carrier.termSuffix) takeKeys(carrier.key, number);
      // As the store loads them: the earlier terms' numbers, nearest first, when one differs.
      const priorPolicyNumbers = chain.some((n) => n !== number) ? [...chain].reverse() : undefined;
      chain.push(number);
      const type: TransactionType = term === 1 ? 'NEW' : 'RWL';
      const rate = term === 1 ? carrier.newRate : carrier.renewalRate;
      const rateBasisPoints = term === 1 ? carrier.newBasisPoints : carrier.renewalBasisPoints;
      const premium = r.int(40, 600) * 1000;
      const common = {
        carrierId: carrier.key,
        policyNumber: number,
        insuredName: bookName(insured),
        rate,
        termRates: { newBusiness: carrier.newRate, renewal: carrier.renewalRate },
        // Always present, even undefined: a million items of one shape keep the matcher's
        // property reads monomorphic.
        priorPolicyNumbers,
      };
      if (r.chance(0.12)) {
        // Paid as earned: one expectation per monthly installment.
        const count = r.int(3, 6);
        const first = expected.length;
        const share = Math.floor(premium / count / 100) * 100;
        for (let k = 0; k < count; k++) {
          const basis = k === count - 1 ? premium - share * (count - 1) : share;
          const day = effective + k * 30;
          const cents = commission(basis, rateBasisPoints);
          push(
            {
              ...common,
              effectiveDate: isoFromDay(day),
              transactionType: 'PMT',
              expectedCents: cents,
              balanceCents: cents,
              expectedPayDate: isoFromDay(day + 45),
              basisCents: basis,
            },
            { insured, premiumCents: basis, carrier, installmentGroup: first, installmentCount: count },
          );
        }
      } else {
        const cents = commission(premium, rateBasisPoints);
        push(
          {
            ...common,
            effectiveDate: isoFromDay(effective),
            transactionType: type,
            expectedCents: cents,
            balanceCents: cents,
            expectedPayDate: isoFromDay(effective + 45),
            basisCents: premium,
          },
          { insured, premiumCents: premium, carrier, installmentGroup: -1, installmentCount: 0 },
        );
        if (r.chance(0.1)) {
          const endorsementDay = Math.min(effective + r.int(40, 300), asOfDay - 10);
          const delta = r.int(-20, 60) * 1000 || 5000;
          const endorsementCents = commission(delta, rateBasisPoints);
          push(
            {
              ...common,
              effectiveDate: isoFromDay(endorsementDay),
              transactionType: 'END',
              expectedCents: endorsementCents,
              balanceCents: endorsementCents,
              expectedPayDate: isoFromDay(endorsementDay + 45),
              basisCents: delta,
            },
            { insured, premiumCents: delta, carrier, installmentGroup: -1, installmentCount: 0 },
          );
        }
      }
      effective += 365;
    }
  }
  expected.length = Math.min(expected.length, options.expected);
  facts.length = expected.length;

  // --- the statement ---
  const mix = { ...defaultMessMix, ...options.mix };
  const weights = Object.entries(mix) as [MessKind, number][];
  const used = new Uint8Array(expected.length);
  const paidEarlier = new Uint8Array(expected.length);
  const drafts: { line: Omit<StatementItem, 'id' | 'lineNo'>; truth: LineTruth; pairOf?: number }[] = [];
  const kinds = Object.fromEntries(weights.map(([k]) => [k, 0])) as Record<MessKind, number>;
  const draftKinds: MessKind[] = [];

  const pickItem = (accept: (i: number) => boolean): number => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const i = r.int(0, expected.length - 1);
      if (used[i] === 0 && accept(i)) return i;
    }
    return -1;
  };
  const single = (i: number) => facts[i]!.installmentGroup < 0 && expected[i]!.expectedCents > 0;
  const lineFor = (
    i: number,
    overrides: Partial<StatementItem> = {},
  ): Omit<StatementItem, 'id' | 'lineNo'> => {
    const item = expected[i]!;
    const fact = facts[i]!;
    return {
      carrierId: item.carrierId,
      policyNumber: item.policyNumber,
      insuredName: statementName(r, fact.insured),
      effectiveDate: item.effectiveDate,
      transactionType: r.chance(0.04) ? null : item.transactionType,
      commissionCents: item.expectedCents,
      premiumCents: fact.carrier.printsRates ? fact.premiumCents : null,
      rate: fact.carrier.printsRates ? item.rate! : null,
      ...overrides,
    };
  };

  while (drafts.length < options.lines) {
    const kind = r.weighted(weights);
    let i: number;
    switch (kind) {
      case 'clean':
      case 'name_typo':
      case 'number_variant':
      case 'number_typo': {
        i = pickItem((k) => expected[k]!.expectedCents !== 0);
        if (i < 0) continue;
        const item = expected[i]!;
        const line = lineFor(i);
        if (kind === 'name_typo') line.insuredName = typo(r, line.insuredName);
        if (kind === 'number_variant')
          line.policyNumber = numberVariant(r, item.policyNumber, facts[i]!.carrier);
        if (kind === 'number_typo') {
          const typed = numberTypo(r, item.policyNumber);
          if (typed === item.policyNumber || keyTaken(item.carrierId, typed)) continue;
          line.policyNumber = typed;
          // A typed statement keeps the type column: a fuzzy match needs something to stand on.
          line.transactionType = item.transactionType;
        }
        used[i] = 1;
        drafts.push({ line, truth: [item.id] });
        break;
      }
      case 'date_shift': {
        i = pickItem(single);
        if (i < 0) continue;
        const shift = r.int(1, 20) * (r.chance(0.5) ? 1 : -1);
        used[i] = 1;
        drafts.push({
          line: lineFor(i, { effectiveDate: isoFromDay(dayNumber(expected[i]!.effectiveDate) + shift) }),
          truth: [expected[i]!.id],
        });
        break;
      }
      case 'split_payment': {
        i = pickItem((k) => single(k) && expected[k]!.expectedCents >= 2000);
        if (i < 0) continue;
        const total = expected[i]!.expectedCents;
        const first = Math.floor((total * r.int(30, 70)) / 100);
        const base = lineFor(i);
        used[i] = 1;
        drafts.push({
          line: { ...base, commissionCents: first, premiumCents: null, rate: null },
          truth: [expected[i]!.id],
        });
        drafts.push({
          line: { ...base, commissionCents: total - first, premiumCents: null, rate: null },
          truth: [expected[i]!.id],
        });
        break;
      }
      case 'installments_at_once': {
        i = pickItem((k) => facts[k]!.installmentGroup === k && facts[k]!.installmentCount >= 3);
        if (i < 0) continue;
        const count = r.int(2, facts[i]!.installmentCount);
        const run = Array.from({ length: count }, (_, k) => i + k);
        if (run.some((k) => k >= expected.length || used[k] !== 0)) continue;
        for (const k of run) used[k] = 1;
        const total = run.reduce((s, k) => s + expected[k]!.expectedCents, 0);
        drafts.push({
          line: lineFor(i, {
            commissionCents: total,
            premiumCents: null,
            rate: null,
            transactionType: 'PMT',
          }),
          truth: run.map((k) => expected[k]!.id),
        });
        break;
      }
      case 'duplicate_in_statement': {
        i = pickItem(single);
        if (i < 0) continue;
        used[i] = 1;
        const line = lineFor(i);
        const at = drafts.length;
        drafts.push({ line, truth: [expected[i]!.id] });
        drafts.push({ line: { ...line }, truth: 'duplicate', pairOf: at });
        break;
      }
      case 'duplicate_of_earlier': {
        i = pickItem(single);
        if (i < 0) continue;
        used[i] = 1;
        paidEarlier[i] = 1;
        drafts.push({ line: lineFor(i), truth: 'duplicate' });
        break;
      }
      case 'rate_mismatch': {
        i = pickItem((k) => {
          const f = facts[k]!;
          return (
            single(k) && expected[k]!.transactionType === 'RWL' && f.carrier.newRate !== f.carrier.renewalRate
          );
        });
        if (i < 0) continue;
        const fact = facts[i]!;
        used[i] = 1;
        drafts.push({
          line: lineFor(i, {
            commissionCents: commission(fact.premiumCents, fact.carrier.newBasisPoints),
            premiumCents: fact.premiumCents,
            rate: fact.carrier.newRate,
            transactionType: 'RWL',
          }),
          truth: [expected[i]!.id],
        });
        break;
      }
      case 'amount_variance': {
        i = pickItem((k) => single(k) && expected[k]!.expectedCents >= 2000);
        if (i < 0) continue;
        used[i] = 1;
        const factor = r.chance(0.6) ? r.int(50, 95) : r.int(105, 130);
        drafts.push({
          line: lineFor(i, {
            commissionCents: Math.floor((expected[i]!.expectedCents * factor) / 100),
            premiumCents: null,
            rate: null,
          }),
          truth: [expected[i]!.id],
        });
        break;
      }
      case 'renewal_prior_number': {
        // Only a renumbered renewal: a prior number that agrees with its own is no test at all.
        i = pickItem((k) => {
          const item = expected[k]!;
          const prior = item.priorPolicyNumbers?.[0];
          return (
            single(k) &&
            item.transactionType === 'RWL' &&
            prior !== undefined &&
            !samePolicyNumber(prior, item.policyNumber)
          );
        });
        if (i < 0) continue;
        const item = expected[i]!;
        const priors = item.priorPolicyNumbers!;
        // A third term may still be printed under the first term's number.
        const prior = priors.length > 1 && r.chance(0.25) ? priors[1]! : priors[0]!;
        if (samePolicyNumber(prior, item.policyNumber)) continue;
        used[i] = 1;
        drafts.push({
          line: lineFor(i, {
            policyNumber: r.chance(0.3) ? numberVariant(r, prior, facts[i]!.carrier) : prior,
            transactionType: r.chance(0.15) ? null : 'RWL',
          }),
          truth: [item.id],
        });
        break;
      }
      case 'type_swapped': {
        i = pickItem((k) => {
          const type = expected[k]!.transactionType;
          return single(k) && (type === 'NEW' || type === 'RWL');
        });
        if (i < 0) continue;
        const item = expected[i]!;
        const fact = facts[i]!;
        const stated = item.transactionType === 'NEW' ? 'RWL' : 'NEW';
        const line = lineFor(i, { transactionType: stated });
        if (r.chance(0.3)) line.policyNumber = numberVariant(r, item.policyNumber, fact.carrier);
        if (r.chance(0.3)) {
          // Paid at the rate of the kind the carrier thinks it is.
          const basisPoints =
            stated === 'NEW' ? fact.carrier.newBasisPoints : fact.carrier.renewalBasisPoints;
          line.commissionCents = commission(fact.premiumCents, basisPoints);
          line.premiumCents = fact.premiumCents;
          line.rate = stated === 'NEW' ? fact.carrier.newRate : fact.carrier.renewalRate;
        }
        used[i] = 1;
        drafts.push({ line, truth: [item.id] });
        break;
      }
      case 'entity_name': {
        // Not a token amount: a fuzzy match needs a balance above the rounding tolerance.
        i = pickItem(
          (k) => facts[k]!.insured.form !== undefined && Math.abs(expected[k]!.expectedCents) > 200,
        );
        if (i < 0) continue;
        const item = expected[i]!;
        const line = lineFor(i, { transactionType: item.transactionType });
        // Make the name count: a typed number (the fuzzy tier) or a loosely printed one.
        if (r.chance(0.5)) {
          const typed = numberTypo(r, item.policyNumber);
          if (typed === item.policyNumber || keyTaken(item.carrierId, typed)) continue;
          line.policyNumber = typed;
        } else {
          line.policyNumber = numberVariant(r, item.policyNumber, facts[i]!.carrier);
        }
        used[i] = 1;
        drafts.push({ line, truth: [item.id] });
        break;
      }
      case 'within_tolerance': {
        i = pickItem((k) => single(k) && expected[k]!.expectedCents >= 1000);
        if (i < 0) continue;
        const off = r.pick([1, 1, 1, 2, 3, 5, r.int(6, 99)]) * (r.chance(0.7) ? -1 : 1);
        used[i] = 1;
        drafts.push({
          line: lineFor(i, { commissionCents: expected[i]!.expectedCents + off }),
          truth: [expected[i]!.id],
        });
        break;
      }
      case 'reversal': {
        i = pickItem((k) => {
          const type = expected[k]!.transactionType;
          return single(k) && (type === 'NEW' || type === 'RWL');
        });
        if (i < 0) continue;
        const item = expected[i]!;
        const fact = facts[i]!;
        // Paid by an earlier statement; this one takes it back under the original transaction.
        used[i] = 1;
        paidEarlier[i] = 1;
        drafts.push({
          line: lineFor(i, {
            transactionType: item.transactionType,
            commissionCents: -item.expectedCents,
            premiumCents: fact.carrier.printsRates ? -fact.premiumCents : null,
          }),
          truth: [item.id],
        });
        break;
      }
      case 'foreign': {
        const carrier = r.pick(carriers);
        let number = carrier.policyNumber(r);
        if (carrier.termSuffix) number += '-01';
        if (keyTaken(carrier.key, number)) continue;
        const insured: Insured = {
          first: r.pick(firstNames),
          middle: null,
          last: r.pick(lastNames),
          company: null,
        };
        const premium = r.int(40, 600) * 1000;
        drafts.push({
          line: {
            carrierId: carrier.key,
            policyNumber: number,
            insuredName: statementName(r, insured),
            effectiveDate: isoFromDay(asOfDay - r.int(20, 200)),
            transactionType: r.pick(['NEW', 'RWL'] as const),
            commissionCents: commission(premium, carrier.newBasisPoints),
            premiumCents: carrier.printsRates ? premium : null,
            rate: carrier.printsRates ? carrier.newRate : null,
          },
          truth: 'foreign',
        });
        break;
      }
    }
    kinds[kind]++;
    while (draftKinds.length < drafts.length) draftKinds.push(kind);
  }

  // Statements list lines in their own order (by insured, by agent code): shuffle deterministically.
  const order = drafts.map((_, k) => k);
  for (let k = order.length - 1; k > 0; k--) {
    const j = r.int(0, k);
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  const positionOf = new Int32Array(drafts.length);
  order.forEach((draft, position) => {
    positionOf[draft] = position;
  });
  const repeatOf = new Int32Array(drafts.length).fill(-1);
  drafts.forEach((draft, k) => {
    if (draft.pairOf !== undefined) repeatOf[draft.pairOf] = k;
  });
  const lines: StatementItem[] = [];
  const truth = new Map<string, LineTruth>();
  const lineKinds = new Map<string, MessKind>();
  order.forEach((draftIndex, position) => {
    const draft = drafts[draftIndex]!;
    const id = `L${String(position + 1).padStart(6, '0')}`;
    lines.push({ id, lineNo: position + 1, ...draft.line });
    lineKinds.set(id, draftKinds[draftIndex]!);
    let lineTruth = draft.truth;
    // Of two identical lines, the later one on the statement is the repeat.
    const repeat = repeatOf[draftIndex]!;
    if (draft.pairOf !== undefined && positionOf[draft.pairOf]! > position)
      lineTruth = drafts[draft.pairOf]!.truth;
    else if (repeat >= 0 && positionOf[repeat]! < position) lineTruth = 'duplicate';
    truth.set(id, lineTruth);
  });

  // Expectations not on this statement: old ones were mostly paid by earlier statements; the rest
  // are open or, once past due and grace, missing.
  const missingIds = new Set<string>();
  for (let i = 0; i < expected.length; i++) {
    const item = expected[i]!;
    if (paidEarlier[i] === 1) {
      item.balanceCents = 0;
      continue;
    }
    if (used[i] === 1) continue;
    const payDay = dayNumber(item.expectedPayDate);
    if (payDay < asOfDay - 60 && r.chance(0.9)) {
      item.balanceCents = 0;
    } else if (payDay + 15 < asOfDay && item.balanceCents !== 0 && Math.abs(item.balanceCents) > 100) {
      missingIds.add(item.id);
    }
  }
  return { asOf, expected, lines, truth, missingIds, kinds, lineKinds };
}
