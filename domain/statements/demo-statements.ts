// Realistic carrier commission statements for the demo agency, with the truth written down. For a
// carrier and a month, every transaction of the agency's policies with that carrier (direct bill by
// default) becomes a commission line at the carrier's new-business or renewal rate, in exact cents,
// laid out the way that carrier's preset reads. Optional mess reproduces what agencies actually
// fight with (insurance-domain.md §5.7): typos in names, policy numbers without leading zeros,
// punctuation, with a carrier prefix or with/without the term suffix, one commission paid over two
// lines, duplicated lines, renewal paid at the new-business rate, lines for another agency's
// policies, and lines that never come. The reconciliation engine is measured against `truth` and
// `omitted`, so both are exact: every line says what it really is.
import ExcelJS from 'exceljs';
import {
  addDays,
  type DemoAgency,
  type DemoCarrier,
  type DemoClient,
  type DemoPolicy,
  type DemoTransaction,
  generateAgency,
} from '../../connectors/kit/demo-agency.ts';
import { Random } from '../../connectors/kit/random.ts';
import { formatCents, Money } from '../money.ts';
import { normalizePolicyNumber } from '../normalize.ts';
import { type Al3CommissionRecord, writeAl3CommissionFile } from './al3.ts';
import { presetForCarrier, type StatementPreset } from './presets.ts';
import type { StatementField, StatementFormat, StatementTransactionType } from './types.ts';

/** Probabilities per expected commission (per line for typos), except foreignLines, a count. */
export interface StatementMess {
  nameTypos: number;
  policyNumberNoise: number;
  splitPayments: number;
  duplicates: number;
  wrongRates: number;
  foreignLines: number;
  missingLines: number;
  /** A renewal rewritten under a new number, printed under the prior term's number. */
  priorTermNumbers: number;
  /** New business coded as a renewal, or a renewal as new business. */
  typeSwaps: number;
  /** A person's policy printed under their family trust ("OKAFOR FAMILY TRUST"). */
  trustNames: number;
  /** Paid a few cents off (within the rounding tolerance). */
  centsOff: number;
}

export const cleanStatement: StatementMess = {
  nameTypos: 0,
  policyNumberNoise: 0,
  splitPayments: 0,
  duplicates: 0,
  wrongRates: 0,
  foreignLines: 0,
  missingLines: 0,
  priorTermNumbers: 0,
  typeSwaps: 0,
  trustNames: 0,
  centsOff: 0,
};

/** A plausible month from a carrier that is not careful. */
export const messyStatement: StatementMess = {
  nameTypos: 0.1,
  policyNumberNoise: 0.2,
  splitPayments: 0.06,
  duplicates: 0.04,
  wrongRates: 0.06,
  foreignLines: 2,
  missingLines: 0.06,
  priorTermNumbers: 0.5,
  typeSwaps: 0.03,
  trustNames: 0.03,
  centsOff: 0.03,
};

export interface DemoStatementOptions {
  carrierKey: string;
  /** YYYY-MM: the transactions effective in this month are on the statement. */
  month: string;
  /** Default: the carrier's preset format. 'al3' writes the hub's AL3-like download instead. */
  format?: StatementFormat;
  seed?: string;
  /** Which policies a carrier statement pays on; default direct bill only (agency bill retains commission). */
  billModes?: DemoPolicy['billMode'][];
  mess?: Partial<StatementMess>;
  /** How the statement is printed, over the carrier's own layout (titles, pages, sections, footers, value styles). */
  print?: StatementPrint;
  /** The other agency whose policies leak onto the statement; default a generated neighbour agency. */
  foreignAgency?: DemoAgency;
}

export type PolicyNumberMess =
  | 'leading-zeros'
  | 'punctuation'
  | 'carrier-prefix'
  | 'term-suffix-dropped'
  | 'term-suffix-added';
export type LineMess =
  | 'name-typo'
  | `policy-number:${PolicyNumberMess}`
  | 'wrong-rate'
  | 'split'
  | 'prior-term-number'
  | 'type-swapped'
  | 'trust-name'
  | 'cents-off';

/** One commission the agency should receive for the month (the rate that applies, in exact cents). */
export interface ExpectedStatementCommission {
  policyKey: string;
  transactionKey: string;
  transactionType: StatementTransactionType;
  policyNumber: string;
  insuredName: string;
  /** The policy term's effective date (what statements print as "effective"). */
  effectiveDate: string;
  transactionDate: string;
  premiumCents: number;
  /** The carrier's rate for the term: newRate for a first term, renewalRate after (decimal percent). */
  rate: string;
  /** round_half_even(premiumCents × rate / 100). */
  expectedCents: number;
}

export type StatementLineTruth =
  | {
      lineNo: number;
      kind: 'expected';
      policyKey: string;
      transactionKey: string;
      expectedCents: number;
      /** What this line pays (a part, when the commission was split). */
      paidCents: number;
      expectedRate: string;
      paidRate: string;
      part: { index: number; of: number } | null;
      mess: LineMess[];
    }
  | {
      lineNo: number;
      kind: 'duplicate';
      /** The line this one repeats, cell for cell. */
      duplicateOf: number;
      policyKey: string;
      transactionKey: string;
      paidCents: number;
    }
  | {
      lineNo: number;
      kind: 'foreign';
      /** Keys in the other agency's book: this agency has no such policy. */
      foreignPolicyKey: string;
      foreignTransactionKey: string;
      paidCents: number;
    };

export interface DemoStatement {
  carrierKey: string;
  month: string;
  format: StatementFormat;
  filename: string;
  bytes: Buffer;
  preset: StatementPreset;
  /** truth[i] describes statement line i + 1 (StatementLine.lineNo). */
  truth: StatementLineTruth[];
  /** Every commission the month should have paid, including the omitted ones. */
  expected: ExpectedStatementCommission[];
  /** Expected commissions deliberately left off the statement. */
  omitted: ExpectedStatementCommission[];
  totals: { premiumCents: number; commissionCents: number; count: number };
}

// ---------------------------------------------------------------------------------------------
// How each carrier's file looks beyond its columns
// ---------------------------------------------------------------------------------------------

interface TitleContext {
  carrier: DemoCarrier;
  agencyName: string;
  agencyCode: string;
  periodStart: string;
  periodEnd: string;
  commissionCents: number;
  lineCount: number;
}

interface DemoLayout {
  /** Short code some systems put in front of the policy number (the "carrier prefix" mess). */
  prefix: string;
  sortBy: 'insured' | 'policy' | 'date';
  titleRows?: (c: TitleContext) => string[][];
  /** Label of the grand total row, if the carrier prints one. */
  totalLabel?: string;
  /** Subtotal per producer code, labelled by this function. */
  subtotal?: (producerCode: string) => string;
  /** XLSX: dates and amounts as typed cells (otherwise text, as CSV). */
  typedCells?: boolean;
  sheet?: string;
  /** XLSX: a summary worksheet before the detail one. */
  summarySheet?: boolean;
  thousands?: boolean;
  upperCaseNames?: boolean;
  /** Dates without leading zeros ("3/5/2026"). */
  unpaddedDates?: boolean;
  percentSign?: boolean;
  lobNames?: Record<string, string>;
  lineEnding?: '\r\n' | '\n';
}

/**
 * How a statement is printed beyond its columns, the way carriers' report writers do it. Each
 * carrier's layout sets some of these; a test or benchmark can ask for any of them.
 */
export interface StatementPrint {
  /** The header repeated every this many lines (a printed page), after a "Page n of m" note. */
  pageLines?: number;
  /** A section header before each producer's lines ("Producer: P101"). */
  producerSections?: boolean;
  /** A subtotal after each producer's lines, in one of the wordings carriers use. */
  subtotals?: 'subtotal-agent' | 'code-total' | 'subtotal-month';
  /** The footer: its label, printed in the second column with the amount in the commission column ("offset"). */
  footer?: { label: string; offset?: boolean };
  /** A balance carried forward above the lines; the footer then states lines plus balance. */
  balanceForwardCents?: number;
  /** Negative amounts written "45.00 CR". */
  creditSuffix?: boolean;
  /** Text dates: two-digit years, month names, or mostly the layout's own with some of both. */
  dates?: 'two-digit-year' | 'month-names' | 'mixed';
  /** A note under the footer. */
  closingNote?: string;
  /** XLSX: each producer's lines on a worksheet of its own, headed like the first. */
  sheetsByProducer?: boolean;
}

const usDate = (iso: string) => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
const money = (cents: number) => {
  const s = formatCents(Math.abs(cents));
  const [whole, frac] = s.split('.');
  return `${cents < 0 ? '-' : ''}$${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
};

const lobWords: Record<string, string> = {
  AUTOP: 'Personal Auto',
  HOME: 'Homeowners',
  UMBRP: 'Personal Umbrella',
  DFIRE: 'Dwelling Fire',
  BOP: 'Businessowners',
  CGL: 'General Liability',
  WORK: "Workers' Compensation",
  AUTOB: 'Commercial Auto',
  PROPC: 'Commercial Property',
  PROFL: 'Professional Liability',
};

const layouts: Record<string, DemoLayout> = {
  TRAV: {
    prefix: 'TRV',
    sortBy: 'insured',
    typedCells: true,
    sheet: 'Commission Statement',
    titleRows: (c) => [
      ['Travelers Agency Commission Statement'],
      [`Agency: ${c.agencyName}`, '', `Agency Code: ${c.agencyCode}`],
      [`Statement Period: ${usDate(c.periodStart)} - ${usDate(c.periodEnd)}`],
      [],
    ],
    totalLabel: 'Grand Total',
    lobNames: lobWords,
  },
  HART: { prefix: 'HIG', sortBy: 'policy', lineEnding: '\n' },
  PROG: {
    prefix: 'PGR',
    sortBy: 'date',
    thousands: true,
    titleRows: (c) => [
      ['Progressive Agency Commission Statement'],
      [`Statement Period: ${usDate(c.periodStart)} - ${usDate(c.periodEnd)}`],
      [],
    ],
    totalLabel: 'Total',
  },
  SAFE: {
    prefix: 'SAF',
    sortBy: 'insured',
    sheet: 'Detail',
    subtotal: (code) => `Subtotal Agent ${code}`,
    totalLabel: 'Grand Total',
    percentSign: true,
  },
  LIBM: {
    prefix: 'LM',
    sortBy: 'policy',
    titleRows: (c) => [
      [`Liberty Mutual Insurance - Agency Commission Detail - ${c.periodEnd.slice(0, 7)}`],
      [`Producer Agency: ${c.agencyName} (${c.agencyCode})`],
    ],
    totalLabel: 'Totals',
  },
  NATW: { prefix: 'NW', sortBy: 'policy', upperCaseNames: true, unpaddedDates: true },
  CINC: {
    prefix: 'CIC',
    sortBy: 'insured',
    typedCells: true,
    sheet: 'Statement',
    titleRows: (c) => [
      ['The Cincinnati Insurance Company'],
      ['Agency Direct Bill Commission Statement'],
      [`Statement Date: ${usDate(c.periodEnd)}`],
      ['Total Commission This Statement:', money(c.commissionCents)],
      ['Number of Items:', String(c.lineCount)],
      [],
    ],
    subtotal: (code) => `Subtotal Agency Sub-Code ${code}`,
    totalLabel: 'Grand Total',
    lobNames: lobWords,
  },
  ERIE: { prefix: 'EIE', sortBy: 'insured' },
  AUTO: {
    prefix: 'AO',
    sortBy: 'policy',
    upperCaseNames: true,
    titleRows: (c) => [['AUTO-OWNERS INSURANCE'], [`AGENCY ${c.agencyCode} COMMISSION STATEMENT`]],
    totalLabel: 'TOTALS',
  },
  HANO: {
    prefix: 'HAN',
    sortBy: 'insured',
    typedCells: true,
    sheet: 'Commissions',
    titleRows: (c) => [[`The Hanover Insurance Group - Commission Statement for ${c.agencyName}`], []],
    lobNames: lobWords,
  },
  AMWI: {
    prefix: 'AWB',
    sortBy: 'insured',
    sheet: 'Detail',
    summarySheet: true,
    totalLabel: 'Total',
    lobNames: lobWords,
  },
  BTIS: { prefix: 'BT', sortBy: 'date', lineEnding: '\n' },
};

// ---------------------------------------------------------------------------------------------
// The statement's lines before they are written
// ---------------------------------------------------------------------------------------------

/** A line's truth before its line number is known (Omit spread over each kind of the union). */
type DraftTruth = StatementLineTruth extends infer T
  ? T extends unknown
    ? Omit<T, 'lineNo'>
    : never
  : never;

interface DraftLine {
  truth: DraftTruth;
  /** For a duplicate: the line it repeats. */
  original: DraftLine | null;
  policyNumber: string;
  insuredKind: 'person' | 'business';
  firstName: string;
  lastName: string;
  companyName: string;
  type: StatementTransactionType;
  effectiveDate: string;
  expirationDate: string;
  originalInceptionDate: string;
  transactionDate: string;
  premiumCents: number;
  termPremiumCents: number;
  rate: string;
  commissionCents: number;
  producerCode: string;
  lineOfBusiness: string;
  state: string;
}

/** round_half_even(premium × rate%) in cents, through decimal arithmetic. */
export function commissionFor(premiumCents: number, rate: string): number {
  const cents = new Money(premiumCents)
    .times(rate)
    .dividedBy(100)
    .toDecimalPlaces(0, Money.ROUND_HALF_EVEN)
    .toNumber();
  return cents === 0 ? 0 : cents;
}

/** The carrier's rate for a transaction: endorsements, cancellations and reinstatements follow their term. */
function rateFor(carrier: DemoCarrier, policy: DemoPolicy, txn: DemoTransaction): string {
  if (txn.type === 'NEW') return carrier.newRate;
  if (txn.type === 'RWL') return carrier.renewalRate;
  return policy.termNumber === 1 ? carrier.newRate : carrier.renewalRate;
}

/** The rate a careless carrier pays instead: NEW for RWL (and back), or two points off when they are equal. */
function wrongRateFor(carrier: DemoCarrier, expected: string): string {
  const other = expected === carrier.newRate ? carrier.renewalRate : carrier.newRate;
  if (other !== expected) return other;
  const lower = new Money(expected).minus(2);
  return (lower.greaterThan(0) ? lower : new Money(expected).plus(2)).toString();
}

function typo(r: Random, word: string): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const letters = [...word];
    const at = r.int(1, letters.length - 2);
    const op = r.int(0, 2);
    if (op === 0) [letters[at], letters[at + 1]] = [letters[at + 1]!, letters[at]!];
    else if (op === 1) letters.splice(at, 1);
    else letters.splice(at, 0, letters[at]!);
    const out = letters.join('');
    if (out.toLowerCase() !== word.toLowerCase()) return out;
  }
  return `${word}e`;
}

function policyNumberMess(
  r: Random,
  carrier: DemoCarrier,
  layout: DemoLayout,
  policy: DemoPolicy,
): { number: string; kind: PolicyNumberMess } | null {
  const n = policy.policyNumber;
  const options: { kind: PolicyNumberMess; number: string }[] = [];
  const zeros = /^([A-Z]*)0+(\d)/;
  if (zeros.test(n)) options.push({ kind: 'leading-zeros', number: n.replace(zeros, '$1$2') });
  if (/[\s\-.]/.test(n)) options.push({ kind: 'punctuation', number: n.replace(/[\s\-.]/g, '') });
  options.push({ kind: 'carrier-prefix', number: `${layout.prefix}-${n}` });
  if (carrier.termSuffix && /-\d{2}$/.test(n))
    options.push({ kind: 'term-suffix-dropped', number: n.replace(/-\d{2}$/, '') });
  if (!carrier.termSuffix) {
    options.push({ kind: 'term-suffix-added', number: `${n}-${String(policy.termNumber).padStart(2, '0')}` });
  }
  return options.length === 0 ? null : r.pick(options);
}

function monthBounds(month: string): { start: string; end: string } {
  if (!/^\d{4}-\d{2}$/.test(month)) throw new Error(`month must be YYYY-MM, not "${month}"`);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { start: `${month}-01`, end: `${month}-${String(last).padStart(2, '0')}` };
}

function agencyCodeOf(agency: DemoAgency, carrier: DemoCarrier): string {
  const r = new Random(`${agency.seed}:agency-code:${carrier.key}`);
  return r.digits(7);
}

/** The month's expected commissions for one carrier and agency. */
export function expectedStatementCommissions(
  agency: DemoAgency,
  carrierKey: string,
  month: string,
  billModes: DemoPolicy['billMode'][] = ['direct'],
): ExpectedStatementCommission[] {
  const carrier = agency.carriers.find((c) => c.key === carrierKey);
  if (!carrier) throw new Error(`no carrier ${carrierKey} in the demo agency`);
  const clients = new Map(agency.clients.map((c) => [c.key, c]));
  const out: ExpectedStatementCommission[] = [];
  for (const policy of agency.policies) {
    if (policy.carrierKey !== carrierKey || !billModes.includes(policy.billMode)) continue;
    for (const txn of policy.transactions) {
      if (txn.effectiveDate.slice(0, 7) !== month || txn.premiumDeltaCents === 0) continue;
      const rate = rateFor(carrier, policy, txn);
      out.push({
        policyKey: policy.key,
        transactionKey: txn.key,
        transactionType: txn.type,
        policyNumber: policy.policyNumber,
        insuredName: clients.get(policy.clientKey)!.displayName,
        effectiveDate: policy.effectiveDate,
        transactionDate: txn.effectiveDate,
        premiumCents: txn.premiumDeltaCents,
        rate,
        expectedCents: commissionFor(txn.premiumDeltaCents, rate),
      });
    }
  }
  return out;
}

function draftFor(
  policy: DemoPolicy,
  client: DemoClient,
  txn: DemoTransaction,
  producerCode: string,
  rate: string,
): Omit<DraftLine, 'truth' | 'original'> {
  return {
    policyNumber: policy.policyNumber,
    insuredKind: client.kind,
    firstName: client.firstName ?? '',
    lastName: client.lastName ?? '',
    companyName: client.companyName ?? '',
    type: txn.type,
    effectiveDate: policy.effectiveDate,
    expirationDate: policy.expirationDate,
    originalInceptionDate: policy.originalInceptionDate,
    transactionDate: txn.effectiveDate,
    premiumCents: txn.premiumDeltaCents,
    termPremiumCents: policy.termPremiumCents,
    rate,
    commissionCents: commissionFor(txn.premiumDeltaCents, rate),
    producerCode,
    lineOfBusiness: policy.lineOfBusiness,
    state: policy.state,
  };
}

/** A policy number without its term suffix ("-02"): renewals of one number differ only there. */
function withoutTermSuffix(number: string): string {
  return normalizePolicyNumber(number.replace(/[-\s]\d{1,2}$/, ''));
}

/** Splits an amount in two integer parts with the same sign: k% (truncated) and the rest. */
function splitCents(cents: number, k: number): [number, number] {
  const first = Number((BigInt(cents) * BigInt(k)) / 100n);
  return [first, cents - first];
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/** Generates one carrier's commission statement for a month of the demo agency. */
export async function generateDemoStatement(
  agency: DemoAgency,
  opts: DemoStatementOptions,
): Promise<DemoStatement> {
  const carrier = agency.carriers.find((c) => c.key === opts.carrierKey);
  if (!carrier) throw new Error(`no carrier ${opts.carrierKey} in the demo agency`);
  const preset = presetForCarrier(carrier.key);
  const layout = layouts[carrier.key];
  if (!preset || !layout) throw new Error(`no statement layout for carrier ${carrier.key}`);
  const mess: StatementMess = { ...cleanStatement, ...opts.mess };
  const format = opts.format ?? preset.nativeFormat;
  const bounds = monthBounds(opts.month);
  const r = new Random(`${agency.seed}:statement:${carrier.key}:${opts.month}:${opts.seed ?? ''}`);
  const extra = new Random(`${agency.seed}:statement-mess:${carrier.key}:${opts.month}:${opts.seed ?? ''}`);
  const billModes = opts.billModes ?? ['direct'];
  const clients = new Map(agency.clients.map((c) => [c.key, c]));
  const producerCodes = new Map(agency.producers.map((p) => [p.key, p.code]));

  const expected = expectedStatementCommissions(agency, carrier.key, opts.month, billModes);
  const policies = new Map(agency.policies.map((p) => [p.key, p]));
  const omitted: ExpectedStatementCommission[] = [];
  let drafts: DraftLine[] = [];

  for (const e of expected) {
    if (r.chance(mess.missingLines)) {
      omitted.push(e);
      continue;
    }
    const policy = policies.get(e.policyKey)!;
    const txn = policy.transactions.find((t) => t.key === e.transactionKey)!;
    const client = clients.get(policy.clientKey)!;
    const lineMess: LineMess[] = [];
    let paidRate = e.rate;
    if (r.chance(mess.wrongRates)) {
      paidRate = wrongRateFor(carrier, e.rate);
      lineMess.push('wrong-rate');
    }
    const base = draftFor(policy, client, txn, producerCodes.get(policy.producerKey) ?? '', paidRate);
    if (r.chance(mess.nameTypos)) {
      if (client.kind === 'person') base.lastName = typo(r, base.lastName);
      else {
        const words = base.companyName.split(' ');
        const at = words.findIndex((w) => w.length >= 4);
        words[at] = typo(r, words[at]!);
        base.companyName = words.join(' ');
      }
      lineMess.push('name-typo');
    }
    if (r.chance(mess.policyNumberNoise)) {
      const noisy = policyNumberMess(r, carrier, layout, policy);
      if (noisy) {
        base.policyNumber = noisy.number;
        lineMess.push(`policy-number:${noisy.kind}`);
      }
    }
    // The mess found in a year of real statements, drawn from a stream of its own so the kinds
    // above come out as they always did.
    const renumbered =
      txn.type === 'RWL' &&
      policy.priorPolicyNumber !== null &&
      withoutTermSuffix(policy.priorPolicyNumber) !== withoutTermSuffix(policy.policyNumber);
    if (renumbered && extra.chance(mess.priorTermNumbers)) {
      base.policyNumber = policy.priorPolicyNumber!;
      lineMess.push('prior-term-number');
    }
    if ((base.type === 'NEW' || base.type === 'RWL') && extra.chance(mess.typeSwaps)) {
      base.type = base.type === 'NEW' ? 'RWL' : 'NEW';
      lineMess.push('type-swapped');
    }
    if (client.kind === 'person' && extra.chance(mess.trustNames)) {
      base.insuredKind = 'business';
      base.companyName = `${base.lastName.toUpperCase()} FAMILY TRUST`;
      lineMess.push('trust-name');
    }
    if (Math.abs(base.commissionCents) > 500 && extra.chance(mess.centsOff)) {
      base.commissionCents += Math.sign(base.commissionCents) * extra.pick([-3, -2, -1, 1, 2, 3]);
      lineMess.push('cents-off');
    }
    const split =
      r.chance(mess.splitPayments) && Math.abs(base.commissionCents) >= 2 && Math.abs(base.premiumCents) >= 2;
    if (!split) {
      drafts.push({
        ...base,
        original: null,
        truth: {
          kind: 'expected',
          policyKey: policy.key,
          transactionKey: txn.key,
          expectedCents: e.expectedCents,
          paidCents: base.commissionCents,
          expectedRate: e.rate,
          paidRate,
          part: null,
          mess: lineMess,
        },
      });
      continue;
    }
    // One commission paid over two lines, as an installment carrier does.
    const k = r.int(30, 70);
    const [c1, c2] = splitCents(base.commissionCents, k);
    const [p1, p2] = splitCents(base.premiumCents, k);
    const secondDate = addDays(base.transactionDate, r.int(10, 20));
    const parts = [
      { commissionCents: c1, premiumCents: p1, transactionDate: base.transactionDate },
      {
        commissionCents: c2,
        premiumCents: p2,
        // Still within the statement month.
        transactionDate: [secondDate, bounds.end].sort()[0]!,
      },
    ];
    parts.forEach((part, i) => {
      drafts.push({
        ...base,
        ...part,
        original: null,
        truth: {
          kind: 'expected',
          policyKey: policy.key,
          transactionKey: txn.key,
          expectedCents: e.expectedCents,
          paidCents: part.commissionCents,
          expectedRate: e.rate,
          paidRate,
          part: { index: i + 1, of: 2 },
          mess: [...lineMess, 'split'],
        },
      });
    });
  }

  if (mess.foreignLines > 0) {
    const foreign =
      opts.foreignAgency ??
      generateAgency({ seed: `${agency.seed}:neighbour-agency`, clients: 1500, asOf: agency.asOf });
    const ours = new Set(agency.policies.map((p) => normalizePolicyNumber(p.policyNumber)));
    const foreignClients = new Map(foreign.clients.map((c) => [c.key, c]));
    const foreignProducers = new Map(foreign.producers.map((p) => [p.key, p.code]));
    const pool: { policy: DemoPolicy; txn: DemoTransaction }[] = [];
    const others: typeof pool = [];
    for (const policy of foreign.policies) {
      if (policy.carrierKey !== carrier.key || ours.has(normalizePolicyNumber(policy.policyNumber))) continue;
      for (const txn of policy.transactions) {
        if (txn.premiumDeltaCents === 0) continue;
        (txn.effectiveDate.slice(0, 7) === opts.month ? pool : others).push({ policy, txn });
      }
    }
    for (let i = 0; i < mess.foreignLines; i++) {
      const source = pool.length > 0 ? pool : others;
      if (source.length === 0) break;
      const [{ policy, txn }] = source.splice(r.int(0, source.length - 1), 1) as [(typeof pool)[number]];
      const rate = rateFor(carrier, policy, txn);
      const base = draftFor(
        policy,
        foreignClients.get(policy.clientKey)!,
        txn,
        foreignProducers.get(policy.producerKey) ?? '',
        rate,
      );
      drafts.push({
        ...base,
        original: null,
        truth: {
          kind: 'foreign',
          foreignPolicyKey: policy.key,
          foreignTransactionKey: txn.key,
          paidCents: base.commissionCents,
        },
      });
    }
  }

  // The carrier's order, then subtotal groups, then duplicates dropped in at later positions.
  const sortKey = (d: DraftLine): string =>
    layout.sortBy === 'insured'
      ? `${(d.insuredKind === 'person' ? `${d.lastName} ${d.firstName}` : d.companyName).toLowerCase()}|${d.policyNumber}|${d.transactionDate}`
      : layout.sortBy === 'policy'
        ? `${d.policyNumber}|${d.transactionDate}`
        : `${d.transactionDate}|${d.policyNumber}`;
  const print: StatementPrint = opts.print ?? {};
  const byProducer = Boolean(
    layout.subtotal || print.producerSections || print.subtotals || print.sheetsByProducer,
  );
  drafts.sort((a, b) => {
    if (byProducer && a.producerCode !== b.producerCode) return a.producerCode.localeCompare(b.producerCode);
    const ka = sortKey(a);
    const kb = sortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const originals = drafts.filter((d) => d.truth.kind === 'expected');
  for (const original of originals) {
    if (!r.chance(mess.duplicates)) continue;
    const from = drafts.indexOf(original);
    const at = r.int(from + 1, drafts.length);
    const t = original.truth as Extract<StatementLineTruth, { kind: 'expected' }>;
    const copy: DraftLine = {
      ...original,
      original,
      truth: {
        kind: 'duplicate',
        duplicateOf: 0,
        policyKey: t.policyKey,
        transactionKey: t.transactionKey,
        paidCents: t.paidCents,
      },
    };
    drafts = [...drafts.slice(0, at), copy, ...drafts.slice(at)];
  }
  if (byProducer) {
    // A duplicate placed into another producer's group is moved to the end of its own group.
    const order = [...new Set(drafts.map((d) => d.producerCode))].sort();
    drafts = order.flatMap((code) => drafts.filter((d) => d.producerCode === code));
  }

  const lineNoOf = new Map(drafts.map((d, i) => [d, i + 1]));
  const truth: StatementLineTruth[] = drafts.map((d, i) => {
    const lineNo = i + 1;
    if (d.truth.kind === 'duplicate') return { ...d.truth, lineNo, duplicateOf: lineNoOf.get(d.original!)! };
    return { ...d.truth, lineNo };
  });
  const totals = {
    premiumCents: drafts.reduce((s, d) => s + d.premiumCents, 0),
    commissionCents: drafts.reduce((s, d) => s + d.commissionCents, 0),
    count: drafts.length,
  };

  const ext = format;
  const filename = `${carrier.key.toLowerCase()}-commission-${opts.month}.${ext}`;
  let bytes: Buffer;
  if (format === 'al3') bytes = writeAl3CommissionFile(drafts.map((d) => al3Record(d, carrier)));
  else {
    const title: TitleContext = {
      carrier,
      agencyName: agency.name,
      agencyCode: agencyCodeOf(agency, carrier),
      periodStart: bounds.start,
      periodEnd: bounds.end,
      commissionCents: totals.commissionCents,
      lineCount: totals.count,
    };
    const typed = format === 'xlsx' && layout.typedCells === true;
    const sheet = renderSheet(drafts, preset, layout, print, title, typed, extra);
    bytes = format === 'csv' ? renderCsv(sheet, layout) : await renderXlsx(sheet, layout, title);
  }
  return {
    carrierKey: carrier.key,
    month: opts.month,
    format,
    filename,
    bytes,
    preset,
    truth,
    expected,
    omitted,
    totals,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing the file in the carrier's layout
// ---------------------------------------------------------------------------------------------

type Cell = string | number | Date | null;
interface Sheet {
  /** Worksheets in order (a CSV is the rows of all of them). */
  pages: { name: string | null; rows: Cell[][] }[];
  /** Column formats for typed XLSX cells. */
  formats: Map<number, string>;
}

const purposeCode: Record<StatementTransactionType, Al3CommissionRecord['purpose']> = {
  NEW: 'NBS',
  RWL: 'RWL',
  END: 'PCH',
  CAN: 'XLC',
  REI: 'REI',
  AUD: 'AUD',
  PMT: 'STL',
  ADJ: 'ADJ',
};

function displayName(d: DraftLine, order: 'last-first' | 'first-last'): string {
  if (d.insuredKind === 'business') return d.companyName;
  return order === 'last-first' ? `${d.lastName}, ${d.firstName}` : `${d.firstName} ${d.lastName}`;
}

function al3Record(d: DraftLine, carrier: DemoCarrier): Al3CommissionRecord {
  return {
    policyNumber: d.policyNumber,
    companyCode: carrier.naicCode,
    insuredName: displayName(d, 'first-last').toUpperCase(),
    insuredKind: d.insuredKind === 'person' ? 'P' : 'C',
    purpose: purposeCode[d.type],
    lineOfBusiness: d.lineOfBusiness,
    producerSubCode: d.producerCode,
    originalInceptionDate: d.originalInceptionDate,
    transactionDate: d.transactionDate,
    policyEffectiveDate: d.effectiveDate,
    policyExpirationDate: d.expirationDate,
    termPremiumCents: d.termPremiumCents,
    changePremiumCents: d.premiumCents,
    commissionRate: d.rate,
    commissionCents: d.commissionCents,
    currency: 'USD',
  };
}

function formatDate(iso: string, format: string, unpadded: boolean): string {
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const mm = unpadded ? String(Number(m)) : m;
  const dd = unpadded ? String(Number(d)) : d;
  switch (format) {
    case 'MM/DD/YYYY':
      return `${mm}/${dd}/${y}`;
    case 'DD/MM/YYYY':
      return `${dd}/${mm}/${y}`;
    case 'MM/DD/YY':
      return `${mm}/${dd}/${y.slice(2)}`;
    case 'YYYYMMDD':
      return `${y}${m}${d}`;
    case 'DD-MMM-YYYY':
      return `${d}-${['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][Number(m) - 1]}-${y}`;
    case 'MM-DD-YYYY':
      return `${mm}-${dd}-${y}`;
    default:
      return iso;
  }
}

function formatAmount(cents: number, convention: string, thousands: boolean): string {
  let abs = formatCents(Math.abs(cents));
  if (thousands) {
    const [whole, frac] = abs.split('.');
    abs = `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
  }
  if (cents >= 0) return abs;
  if (convention === 'parentheses') return `(${abs})`;
  if (convention === 'trailing-minus') return `${abs}-`;
  return `-${abs}`;
}

function formatRate(rate: string, fraction: boolean, percentSign: boolean): string {
  if (fraction) return new Money(rate).dividedBy(100).toFixed(4);
  return `${new Money(rate).toFixed(2)}${percentSign ? '%' : ''}`;
}

/** Exact decimal text of cents as an XLSX number (XLSX stores doubles; no arithmetic happens here). */
const xlsxNumber = (cents: number) => Number(formatCents(cents));

const monthAbbreviations = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

/** A date as a report writer prints it, in the print's date style. */
function printedDate(
  iso: string,
  format: string,
  unpadded: boolean,
  style: StatementPrint['dates'],
  r: Random,
) {
  const [y, m, d] = [iso.slice(0, 4), Number(iso.slice(5, 7)), Number(iso.slice(8, 10))];
  const twoDigit = `${m}/${d}/${y.slice(2)}`;
  const named = `${monthAbbreviations[m - 1]} ${d}, ${y}`;
  if (style === 'two-digit-year') return twoDigit;
  if (style === 'month-names') return named;
  if (style === 'mixed') {
    const roll = r.int(0, 9);
    if (roll === 0) return twoDigit;
    if (roll === 1) return named;
    if (roll === 2) return `${String(d).padStart(2, '0')}-${monthAbbreviations[m - 1]}-${y.slice(2)}`;
  }
  return formatDate(iso, format, unpadded);
}

function renderSheet(
  drafts: DraftLine[],
  preset: StatementPreset,
  layout: DemoLayout,
  print: StatementPrint,
  title: TitleContext,
  typed: boolean,
  r: Random,
): Sheet {
  const m = preset.mapping;
  const headers = preset.headers;
  const col = new Map(headers.map((h, i) => [h, i]));
  const fieldColumn = (field: StatementField): number | undefined => {
    const h = m.columns[field];
    return typeof h === 'string' ? col.get(h) : undefined;
  };
  const formats = new Map<number, string>();
  const dateFormat = 'mm/dd/yyyy';
  const moneyFormat = m.signConvention === 'minus' ? '#,##0.00;-#,##0.00' : '#,##0.00;(#,##0.00)';
  const codeFor = (type: StatementTransactionType) =>
    Object.entries(m.transactionTypeCodes).find(([, t]) => t === type)?.[0] ?? type;
  const creditSuffix = print.creditSuffix === true && m.signConvention !== 'debit-credit';
  const amount = (cents: number): Cell =>
    typed
      ? xlsxNumber(cents)
      : creditSuffix && cents < 0
        ? `${formatAmount(-cents, 'minus', layout.thousands ?? false)} CR`
        : formatAmount(cents, m.signConvention, layout.thousands ?? false);
  const date = (iso: string): Cell =>
    typed
      ? new Date(`${iso}T00:00:00Z`)
      : printedDate(iso, m.dateFormat, layout.unpaddedDates ?? false, print.dates, r);
  if (typed) {
    for (const f of ['effectiveDate', 'transactionDate'] as const) {
      const c = fieldColumn(f);
      if (c !== undefined) formats.set(c, dateFormat);
    }
    for (const f of ['premium', 'commission', 'commissionDebit', 'commissionCredit'] as const) {
      const c = fieldColumn(f);
      if (c !== undefined) formats.set(c, moneyFormat);
    }
  }

  const put = (row: Cell[], field: StatementField, value: Cell) => {
    const c = fieldColumn(field);
    if (c !== undefined) row[c] = value;
  };
  const labelColumn = Array.isArray(m.columns.policyNumber) ? col.get(m.columns.policyNumber[0]!)! : 0;
  const summaryRow = (label: string, commission: number, premium: number | null, offset = false): Cell[] => {
    const row: Cell[] = headers.map(() => null);
    row[offset ? Math.min(1, headers.length - 1) : labelColumn] = label;
    if (premium !== null) put(row, 'premium', amount(premium));
    if (m.columns.commission) put(row, 'commission', amount(commission));
    else {
      put(row, 'commissionDebit', amount(Math.max(0, -commission)));
      put(row, 'commissionCredit', amount(Math.max(0, commission)));
    }
    return row;
  };
  const totalRow = (label: string, lines: DraftLine[]): Cell[] => {
    if (m.columns.commission) {
      return summaryRow(
        label,
        lines.reduce((s, d) => s + d.commissionCents, 0),
        lines.reduce((s, d) => s + d.premiumCents, 0),
      );
    }
    // Debit/Credit layouts total each column.
    const row: Cell[] = headers.map(() => null);
    row[labelColumn] = label;
    put(row, 'premium', amount(lines.reduce((s, d) => s + d.premiumCents, 0)));
    put(row, 'commissionDebit', amount(lines.reduce((s, d) => s + Math.max(0, -d.commissionCents), 0)));
    put(row, 'commissionCredit', amount(lines.reduce((s, d) => s + Math.max(0, d.commissionCents), 0)));
    return row;
  };
  const lineRow = (d: DraftLine): Cell[] => {
    const row: Cell[] = headers.map(() => null);
    let name = displayName(d, m.nameOrder);
    if (layout.upperCaseNames) name = name.toUpperCase();
    if (Array.isArray(m.columns.policyNumber)) {
      const [prefixHeader, numberHeader] = m.columns.policyNumber as [string, string];
      const split = /^([A-Z]+)[\s-]*(.*)$/.exec(d.policyNumber);
      row[col.get(prefixHeader)!] = split ? split[1]! : '';
      row[col.get(numberHeader)!] = split ? split[2]! : d.policyNumber;
    } else put(row, 'policyNumber', d.policyNumber);
    if (m.columns.insuredName) put(row, 'insuredName', name);
    else {
      const upper = (s: string) => (layout.upperCaseNames ? s.toUpperCase() : s);
      put(row, 'insuredLastName', upper(d.insuredKind === 'person' ? d.lastName : d.companyName));
      put(row, 'insuredFirstName', upper(d.insuredKind === 'person' ? d.firstName : ''));
    }
    put(row, 'transactionType', codeFor(d.type));
    put(row, 'effectiveDate', date(d.effectiveDate));
    put(row, 'transactionDate', date(d.transactionDate));
    put(row, 'lineOfBusiness', layout.lobNames?.[d.lineOfBusiness] ?? d.lineOfBusiness);
    put(row, 'premium', amount(d.premiumCents));
    put(
      row,
      'commissionRate',
      typed
        ? Number(m.rateFormat === 'fraction' ? new Money(d.rate).dividedBy(100).toString() : d.rate)
        : formatRate(d.rate, m.rateFormat === 'fraction', layout.percentSign ?? false),
    );
    if (m.columns.commission) put(row, 'commission', amount(d.commissionCents));
    else {
      put(row, 'commissionDebit', d.commissionCents < 0 ? amount(-d.commissionCents) : null);
      put(row, 'commissionCredit', d.commissionCents >= 0 ? amount(d.commissionCents) : null);
    }
    put(row, 'producerCode', d.producerCode);
    put(row, 'currency', 'USD');
    const extraCell = (h: string, v: Cell) => {
      const c = col.get(h);
      if (c !== undefined && row[c] === null) row[c] = v;
    };
    extraCell('State', d.state);
    extraCell('Agency Code', title.agencyCode);
    return row;
  };
  const subtotalLabel = (code: string): string | null => {
    const month = title.periodEnd;
    switch (print.subtotals) {
      case 'subtotal-agent':
        return `Subtotal Agent ${code}`;
      case 'code-total':
        return `${code} Total`;
      case 'subtotal-month':
        return `Subtotal ${code} ${monthAbbreviations[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
      default:
        return layout.subtotal ? layout.subtotal(code) : null;
    }
  };

  // Producer groups (one group when the statement is not grouped), each a worksheet when asked.
  const grouped = layout.subtotal || print.producerSections || print.subtotals || print.sheetsByProducer;
  const groups: DraftLine[][] = [];
  for (const d of drafts) {
    const last = groups[groups.length - 1];
    if (grouped && last && last[0]!.producerCode === d.producerCode) last.push(d);
    else if (!grouped && last) last.push(d);
    else groups.push([d]);
  }
  const pages: Sheet['pages'] = [];
  let rows: Cell[][] = [];
  const startSheet = (name: string | null) => {
    rows = [];
    pages.push({ name, rows });
  };
  startSheet(layout.sheet ?? 'Statement');
  if (layout.titleRows) rows.push(...layout.titleRows(title));
  rows.push([...headers]);
  if (print.balanceForwardCents) rows.push(summaryRow('Balance Forward', print.balanceForwardCents, null));
  const pageLines = print.pageLines ?? 0;
  const pageCount = pageLines > 0 ? Math.max(1, Math.ceil(drafts.length / pageLines)) : 1;
  let onPage = 0;
  let page = 1;
  groups.forEach((group, g) => {
    if (print.sheetsByProducer && g > 0) {
      startSheet(`Agent ${group[0]!.producerCode}`);
      rows.push([...headers]);
      onPage = 0;
    }
    if (print.producerSections) rows.push([`Producer: ${group[0]!.producerCode}`]);
    for (const d of group) {
      if (pageLines > 0 && onPage === pageLines) {
        rows.push([`Page ${page} of ${pageCount}`]);
        page++;
        rows.push([...headers]);
        onPage = 0;
      }
      rows.push(lineRow(d));
      onPage++;
    }
    const label = grouped ? subtotalLabel(group[0]!.producerCode) : null;
    if (label) rows.push(totalRow(label, group));
  });
  if (pageLines > 0) rows.push([`Page ${page} of ${pageCount}`]);
  const footer = print.footer ?? (layout.totalLabel ? { label: layout.totalLabel } : null);
  if (footer) {
    if (print.balanceForwardCents || footer.offset) {
      const commission =
        drafts.reduce((sum, d) => sum + d.commissionCents, 0) + (print.balanceForwardCents ?? 0);
      rows.push(summaryRow(footer.label, commission, null, footer.offset));
    } else rows.push(totalRow(footer.label, drafts));
  }
  if (print.closingNote) rows.push([], [print.closingNote]);
  return { pages, formats };
}

function csvCell(value: Cell): string {
  if (value === null) return '';
  const s = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function renderCsv(sheet: Sheet, layout: DemoLayout): Buffer {
  const eol = layout.lineEnding ?? '\r\n';
  const text = sheet.pages
    .flatMap((p) => p.rows)
    .map((r) => r.map(csvCell).join(','))
    .join(eol);
  return Buffer.from(`${text}${eol}`, 'utf8');
}

async function renderXlsx(sheet: Sheet, layout: DemoLayout, title: TitleContext): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = title.carrier.name;
  // Fixed timestamps keep the bytes (and so the content hash) the same for the same statement.
  workbook.created = new Date(`${title.periodEnd}T12:00:00Z`);
  workbook.modified = workbook.created;
  if (layout.summarySheet) {
    const summary = workbook.addWorksheet('Summary');
    summary.addRow([`${title.carrier.name} - Commission Summary`]);
    summary.addRow(['Period', `${title.periodStart} to ${title.periodEnd}`]);
    summary.addRow(['Agency', title.agencyName]);
    summary.addRow(['Total commission', formatCents(title.commissionCents)]);
  }
  for (const page of sheet.pages) {
    const ws = workbook.addWorksheet(page.name ?? layout.sheet ?? 'Statement');
    for (const cells of page.rows) {
      const row = ws.addRow(cells.map((c) => (c === null ? null : c)));
      for (const [index, numFmt] of sheet.formats) {
        const cell = row.getCell(index + 1);
        if (cell.value instanceof Date || typeof cell.value === 'number') cell.numFmt = numFmt;
      }
    }
  }
  return stampZipEntries(Buffer.from(await workbook.xlsx.writeBuffer()), title.periodEnd);
}

/**
 * Sets every ZIP entry's DOS modification time to the statement date. The zip writer stamps entries
 * with the wall clock, which would give the same statement a different content hash each second.
 * Walks the central directory (never scans for signatures, which can occur inside compressed data).
 */
function stampZipEntries(zip: Buffer, isoDate: string): Buffer {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const dosDate = ((y - 1980) << 9) | (m << 5) | d;
  const dosTime = 12 << 11; // 12:00:00
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 65_557); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) return zip;
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries && zip.readUInt32LE(at) === 0x02014b50; i++) {
    zip.writeUInt16LE(dosTime, at + 12);
    zip.writeUInt16LE(dosDate, at + 14);
    const local = zip.readUInt32LE(at + 42);
    if (zip.readUInt32LE(local) === 0x04034b50) {
      zip.writeUInt16LE(dosTime, local + 10);
      zip.writeUInt16LE(dosDate, local + 12);
    }
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return zip;
}
