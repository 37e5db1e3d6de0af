// ACORD AL3 commission download, as far as public information allows (insurance-domain.md §4.1).
//
// What the public sources establish, and this module implements faithfully:
//   - a message is a 1MHG message header group, transactions, and a 3MTG message trailer group;
//   - a transaction is a 2TRG transaction header group, an optional 2TCG control group, then data
//     groups (2ACI agency, 5BIS insured, 9BIS address, 5BPI basic policy info, 5CVG coverage, …);
//   - every group starts with a 7-character tag: a 1-digit level, a 3-character code and the
//     group's 3-digit total length (e.g. "5BPI285"), followed by fixed-length fields;
//   - "?" fills missing data;
//   - the field ORDER of 2TRG (… TRCAT, RTGCD, LOBRC, TRFNC, …, CBPUR …) and 5BPI (POLNO, COCD,
//     LOBCD, LOBSC, PRDSC, OPIDT, RTERM, FPREM, CPREM, …), dates as YYYYMMDD (OPIDT), and the
//     business purpose codes NBS, RWL, PCH, XLC, STL.
//
// What is NOT public (the ACORD AL3 data dictionary is licensed), so this module ASSUMES it and says so:
//   - field offsets and widths inside every group (the sources give names and order, never widths;
//     the watercraft sample in the doc elides characters, so it cannot be measured either);
//   - where the policy term's effective date sits (not among the 5BPI fields the doc lists);
//   - the layout of the insured's name in 5BIS;
//   - how amounts are encoded (we assume 11 digits, 2 implied decimals and a trailing sign);
//   - the group and fields that carry the commission rate and amount in a carrier's commission
//     download: no public source names them (the "6COM" guess is unverified). We use an invented
//     group, 5XCM ("X" for extension), which no real carrier sends.
// So this reads the hub's own *AL3-like* files (which demo-statements.ts writes) and real AL3 only
// as far as its envelope. Reading real carrier files needs the ACORD dictionary (field positions)
// and the carrier's commission group; both then go into `hubAl3Layout` without code changes.
import type { ColumnMapping, ImportError, RawRow, StatementTransactionType } from './types.ts';
import { columnMappingSchema } from './types.ts';

export interface Al3Group {
  /** 1-digit level ("5" in 5BPI). */
  level: number;
  /** 3-character code ("BPI"). */
  code: string;
  /** Level + code ("5BPI"), how the sources name groups. */
  tag: string;
  /** Total length including the 7-character tag. */
  length: number;
  /** 1-based position of the group in the file. */
  ordinal: number;
  /** Byte offset of the group in the file. */
  offset: number;
  text: string;
}

export interface Al3Field {
  name: string;
  /** 0-based offset from the start of the group (the tag is 0–6). ASSUMED, see the file comment. */
  start: number;
  length: number;
  kind: 'text' | 'date' | 'amount' | 'rate';
}

/**
 * The hub's AL3-like layout. Field names are the public ACORD names where the doc gives them, kept
 * in the documented order; offsets and widths are assumptions. 5XCM is invented.
 */
export const hubAl3Layout: Record<string, { length: number; fields: Al3Field[] }> = {
  '1MHG': { length: 176, fields: [{ name: 'NOTE', start: 7, length: 60, kind: 'text' }] },
  '2TRG': {
    length: 212,
    fields: [
      { name: 'VERNO', start: 7, length: 3, kind: 'text' },
      { name: 'SFTLV', start: 10, length: 2, kind: 'text' },
      { name: 'TRIMG', start: 12, length: 1, kind: 'text' },
      { name: 'ATMLV', start: 13, length: 1, kind: 'text' },
      { name: 'TRCAT', start: 14, length: 1, kind: 'text' },
      { name: 'RTGCD', start: 15, length: 1, kind: 'text' },
      { name: 'LOBRC', start: 16, length: 5, kind: 'text' },
      { name: 'TRFNC', start: 21, length: 3, kind: 'text' },
      // 24–119: PCYCL, IMODE, SPLRO, ERPOP, FTADD/ITADD, SPHDL, ORGRF, TRSEQ, RESAL (not read).
      { name: 'CBPUR', start: 120, length: 3, kind: 'text' },
    ],
  },
  '5BIS': {
    length: 172,
    fields: [
      // 7–29: group reference header (assumed to mirror 5BPI's H_TLV … H_ACT).
      { name: 'NAMTY', start: 30, length: 1, kind: 'text' },
      { name: 'INSNM', start: 31, length: 60, kind: 'text' },
    ],
  },
  '5BPI': {
    length: 285,
    fields: [
      // 7–29: H_TLV, H_TIN, H_RGP, H_RLV, H_RIN, H_ACT.
      { name: 'POLNO', start: 30, length: 25, kind: 'text' },
      { name: 'COCD', start: 55, length: 6, kind: 'text' },
      { name: 'LOBCD', start: 61, length: 5, kind: 'text' },
      { name: 'LOBSC', start: 66, length: 3, kind: 'text' },
      { name: 'PRDSC', start: 69, length: 6, kind: 'text' },
      { name: 'OPIDT', start: 75, length: 8, kind: 'date' },
      { name: 'RTERM', start: 83, length: 3, kind: 'text' },
      { name: 'FPREM', start: 86, length: 12, kind: 'amount' },
      { name: 'CPREM', start: 98, length: 12, kind: 'amount' },
    ],
  },
  '5XCM': {
    length: 100,
    fields: [
      { name: 'TRNDT', start: 7, length: 8, kind: 'date' },
      { name: 'POLEF', start: 15, length: 8, kind: 'date' },
      { name: 'POLEX', start: 23, length: 8, kind: 'date' },
      { name: 'CMBAS', start: 31, length: 12, kind: 'amount' },
      { name: 'CMRAT', start: 43, length: 7, kind: 'rate' },
      { name: 'CMAMT', start: 50, length: 12, kind: 'amount' },
      { name: 'CURCD', start: 62, length: 3, kind: 'text' },
    ],
  },
  '2TCG': { length: 135, fields: [] },
  '3MTG': { length: 40, fields: [] },
};

export const al3CommissionGroup = '5XCM';

const groupTag = /^(\d)([A-Z0-9]{3})(\d{3})$/;
const betweenGroups = new Set([0x0d, 0x0a, 0x1a, 0x00]);

export type Al3GroupEvent = { kind: 'group'; group: Al3Group } | { kind: 'error'; error: ImportError };

/**
 * Splits an AL3 stream into groups by their declared lengths. Bytes are read as Latin-1 so one
 * character is one byte and fixed positions hold. Line breaks between groups are tolerated (many
 * mailboxes deliver one group per line); anything else that is not a group tag stops the read.
 */
export async function* readAl3Groups(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<Al3GroupEvent> {
  let buffer = '';
  let consumed = 0; // bytes before `buffer`
  let ordinal = 0;
  let ended = false;
  const iterator: AsyncIterator<Buffer> | Iterator<Buffer> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  for (;;) {
    // Line breaks between groups, and the DOS end-of-file and NUL padding some mailboxes leave.
    let skip = 0;
    while (skip < buffer.length && betweenGroups.has(buffer.charCodeAt(skip))) skip++;
    if (skip > 0) {
      buffer = buffer.slice(skip);
      consumed += skip;
    }
    if (buffer.length < 7 && !ended) {
      const next = await iterator.next();
      if (next.done) ended = true;
      else buffer += Buffer.from(next.value).toString('latin1');
      continue;
    }
    if (buffer.length === 0) return;
    const tag = groupTag.exec(buffer.slice(0, 7));
    if (!tag) {
      yield {
        kind: 'error',
        error: {
          row: ordinal + 1,
          field: 'format',
          value: buffer.slice(0, 20),
          reason: `not an AL3 group tag at byte ${consumed} (expected level, code and length such as "5BPI285")`,
        },
      };
      return;
    }
    const length = Number(tag[3]);
    if (length < 7) {
      yield {
        kind: 'error',
        error: {
          row: ordinal + 1,
          field: 'format',
          value: buffer.slice(0, 7),
          reason: `group length ${length} is shorter than its tag`,
        },
      };
      return;
    }
    if (buffer.length < length) {
      if (ended) {
        yield {
          kind: 'error',
          error: {
            row: ordinal + 1,
            field: 'format',
            value: buffer.slice(0, 7),
            reason: `the ${tag[1]}${tag[2]} group at byte ${consumed} declares ${length} characters but the file ends after ${buffer.length}: truncated`,
          },
        };
        return;
      }
      const next = await iterator.next();
      if (next.done) ended = true;
      else buffer += Buffer.from(next.value).toString('latin1');
      continue;
    }
    ordinal++;
    yield {
      kind: 'group',
      group: {
        level: Number(tag[1]),
        code: tag[2]!,
        tag: `${tag[1]}${tag[2]}`,
        length,
        ordinal,
        offset: consumed,
        text: buffer.slice(0, length),
      },
    };
    buffer = buffer.slice(length);
    consumed += length;
  }
}

/** A field's text, or null when blank or "?"-filled (the AL3 convention for missing data). */
export function al3FieldText(group: Al3Group, field: Al3Field): string | null {
  const raw = group.text.slice(field.start, field.start + field.length);
  if (raw.trim() === '' || /^\?+$/.test(raw.trim())) return null;
  return raw.trim();
}

/** "00000012345-" → "-123.45" (assumed encoding: 11 digits, 2 implied decimals, trailing sign). */
export function decodeAl3Amount(text: string): string {
  const m = /^(\d{3,11})([+-])?$/.exec(text);
  if (!m) return text; // left as written: the validator reports "not an amount"
  const digits = m[1]!.replace(/^0+(?=\d{3})/, '');
  return `${m[2] === '-' ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** "0150000" → "15.0000" (assumed encoding: percent with 4 implied decimals). */
export function decodeAl3Rate(text: string): string {
  if (!/^\d{5,7}$/.test(text)) return text;
  const digits = text.padStart(7, '0');
  return `${Number(digits.slice(0, 3))}.${digits.slice(3)}`;
}

function fieldsOf(group: Al3Group): Record<string, string | null> {
  const layout = hubAl3Layout[group.tag];
  const out: Record<string, string | null> = {};
  for (const f of layout?.fields ?? []) {
    const text = al3FieldText(group, f);
    out[f.name] =
      text === null
        ? null
        : f.kind === 'amount'
          ? decodeAl3Amount(text)
          : f.kind === 'rate'
            ? decodeAl3Rate(text)
            : text;
  }
  return out;
}

/** The columns an AL3 commission record becomes, read with `al3Mapping` by the common validator. */
export const al3Header = [
  'POLNO',
  'COCD',
  'INSNM',
  'CBPUR',
  'LOBCD',
  'POLEF',
  'TRNDT',
  'PREMIUM',
  'CMRAT',
  'CMAMT',
  'PRDSC',
  'CURCD',
] as const;

/** Business purpose codes (CBPUR): NBS, RWL, PCH, XLC, STL are in the doc; REI, AUD, ADJ are assumed. */
export const al3PurposeCodes: Record<string, StatementTransactionType> = {
  NBS: 'NEW',
  RWL: 'RWL',
  PCH: 'END',
  XLC: 'CAN',
  REI: 'REI',
  AUD: 'AUD',
  STL: 'PMT',
  ADJ: 'ADJ',
};

export const al3Mapping: ColumnMapping = columnMappingSchema.parse({
  name: 'AL3-like commission download (hub layout)',
  carrierKey: null,
  columns: {
    policyNumber: 'POLNO',
    insuredName: 'INSNM',
    transactionType: 'CBPUR',
    effectiveDate: 'POLEF',
    transactionDate: 'TRNDT',
    lineOfBusiness: 'LOBCD',
    premium: 'PREMIUM',
    commissionRate: 'CMRAT',
    commission: 'CMAMT',
    producerCode: 'PRDSC',
    currency: 'CURCD',
  },
  dateFormat: 'YYYYMMDD',
  signConvention: 'minus',
  nameOrder: 'first-last',
  rateFormat: 'percent',
  transactionTypeCodes: al3PurposeCodes,
});

export type Al3RowEvent =
  | { kind: 'row'; row: RawRow }
  | { kind: 'error'; error: ImportError }
  | { kind: 'withoutCommission' }
  | { kind: 'stats'; groups: number; transactions: number; unknownGroups: string[] };

/**
 * Reads an AL3 commission download into rows of `al3Header`, one per commission group (a
 * transaction may carry several, e.g. one per installment). Transactions without a commission group
 * are policy download data and are counted, not read. The row number is the commission group's
 * position in the file.
 */
export async function* parseAl3CommissionRows(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<Al3RowEvent> {
  let groups = 0;
  let transactions = 0;
  let last: Al3Group | null = null;
  const unknown = new Set<string>();
  let txn: {
    trg: Record<string, string | null>;
    bis: Record<string, string | null> | null;
    bpi: Record<string, string | null> | null;
    commissions: Al3Group[];
    start: Al3Group;
  } | null = null;

  function* flush(): Generator<Al3RowEvent> {
    if (!txn) return;
    if (txn.commissions.length === 0) yield { kind: 'withoutCommission' };
    for (const c of txn.commissions) {
      if (!txn.bpi) {
        yield {
          kind: 'error',
          error: {
            row: c.ordinal,
            field: 'policyNumber',
            value: null,
            reason: `the commission group at byte ${c.offset} belongs to a transaction without a 5BPI policy group`,
          },
        };
        continue;
      }
      const cm = fieldsOf(c);
      const values: Record<(typeof al3Header)[number], string | null> = {
        POLNO: txn.bpi.POLNO ?? null,
        COCD: txn.bpi.COCD ?? null,
        INSNM: txn.bis?.INSNM ?? null,
        CBPUR: txn.trg.CBPUR ?? null,
        LOBCD: txn.bpi.LOBCD ?? txn.trg.LOBRC ?? null,
        POLEF: cm.POLEF ?? null,
        TRNDT: cm.TRNDT ?? null,
        PREMIUM: cm.CMBAS ?? txn.bpi.CPREM ?? null,
        CMRAT: cm.CMRAT ?? null,
        CMAMT: cm.CMAMT ?? null,
        PRDSC: txn.bpi.PRDSC ?? null,
        CURCD: cm.CURCD ?? null,
      };
      yield { kind: 'row', row: { row: c.ordinal, cells: al3Header.map((h) => values[h] ?? '') } };
    }
    txn = null;
  }

  for await (const event of readAl3Groups(source)) {
    if (event.kind === 'error') {
      // What was read whole stands; the error says where reading stopped.
      yield* flush();
      yield event;
      return;
    }
    const g = event.group;
    groups++;
    if (groups === 1 && g.tag !== '1MHG') {
      yield {
        kind: 'error',
        error: {
          row: g.ordinal,
          field: 'format',
          value: g.tag,
          reason: 'an AL3 message starts with a 1MHG message header group',
        },
      };
      return;
    }
    last = g;
    if (
      !hubAl3Layout[g.tag] &&
      ![
        '2TAG',
        '2ACI',
        '9BIS',
        '5ISI',
        '5SNG',
        '5PIG',
        '5CVG',
        '5VEH',
        '5DRV',
        '6CVA',
        '6CVH',
        '5AOI',
      ].includes(g.tag)
    ) {
      unknown.add(g.tag);
    }
    if (g.tag === '2TRG' || g.tag === '3MTG') {
      yield* flush();
      if (g.tag === '2TRG') {
        transactions++;
        txn = { trg: fieldsOf(g), bis: null, bpi: null, commissions: [], start: g };
      }
      continue;
    }
    if (g.level >= 5 && !txn) {
      yield {
        kind: 'error',
        error: {
          row: g.ordinal,
          field: 'format',
          value: g.tag,
          reason: `a ${g.tag} data group before any 2TRG transaction header`,
        },
      };
      continue;
    }
    if (!txn) continue;
    if (g.tag === '5BIS' && !txn.bis) txn.bis = fieldsOf(g);
    else if (g.tag === '5BPI' && !txn.bpi) txn.bpi = fieldsOf(g);
    else if (g.tag === al3CommissionGroup) txn.commissions.push(g);
  }
  yield* flush();
  const ended = last as Al3Group | null;
  if (ended && ended.tag !== '3MTG') {
    yield {
      kind: 'error',
      error: {
        row: null,
        field: 'format',
        value: ended.tag,
        reason: 'no 3MTG message trailer at the end: the file may be truncated',
      },
    };
  }
  yield { kind: 'stats', groups, transactions, unknownGroups: [...unknown] };
}

// ---------------------------------------------------------------------------------------------
// Writing (the simulator's AL3-like files)
// ---------------------------------------------------------------------------------------------

export interface Al3CommissionRecord {
  policyNumber: string;
  companyCode: string | null;
  insuredName: string;
  /** 'P' person or 'C' company. */
  insuredKind: 'P' | 'C';
  purpose: keyof typeof al3PurposeCodes;
  lineOfBusiness: string;
  producerSubCode: string | null;
  originalInceptionDate: string | null;
  transactionDate: string;
  policyEffectiveDate: string;
  policyExpirationDate: string | null;
  termPremiumCents: number | null;
  changePremiumCents: number;
  commissionRate: string | null;
  commissionCents: number;
  currency: string;
}

function encodeAmount(cents: number | null, width = 12): string {
  if (cents === null) return '?'.repeat(width);
  return `${String(Math.abs(cents)).padStart(width - 1, '0')}${cents < 0 ? '-' : '+'}`;
}

function encodeRate(rate: string | null): string {
  if (rate === null) return '???????';
  const [whole, frac = ''] = rate.split('.');
  return `${whole!.padStart(3, '0')}${frac.padEnd(4, '0').slice(0, 4)}`;
}

function isoToAl3Date(iso: string | null): string {
  return iso === null ? '????????' : iso.replaceAll('-', '');
}

/** One group in the hub layout: the tag and length, then each field padded to its width ("?" when absent). */
export function formatAl3Group(tag: string, values: Record<string, string>): string {
  const layout = hubAl3Layout[tag]!;
  const chars = Array.from(`${tag}${String(layout.length).padStart(3, '0')}`.padEnd(layout.length, ' '));
  for (const f of layout.fields) {
    const v = (values[f.name] ?? '?'.repeat(f.length)).padEnd(f.length, ' ').slice(0, f.length);
    for (let i = 0; i < f.length; i++) chars[f.start + i] = v[i]!;
  }
  return chars.join('');
}

/**
 * Writes the hub's AL3-like commission download: one transaction (2TRG, 2TCG, 5BIS, 5BPI, 5XCM) per
 * record, one group per line. The 1MHG says in plain text that this is not an ACORD-certified file.
 */
export function writeAl3CommissionFile(records: Al3CommissionRecord[]): Buffer {
  const lines: string[] = [
    formatAl3Group('1MHG', { NOTE: 'AL3-LIKE COMMISSION DOWNLOAD (COMMISSION HUB SIMULATOR)' }),
  ];
  for (const r of records) {
    lines.push(
      formatAl3Group('2TRG', {
        VERNO: '170',
        SFTLV: '01',
        TRIMG: '1',
        ATMLV: '3',
        TRCAT: 'P',
        RTGCD: r.insuredKind === 'C' ? 'C' : 'P',
        LOBRC: r.lineOfBusiness,
        TRFNC: 'FMG',
        CBPUR: r.purpose,
      }),
      formatAl3Group('2TCG', {}),
      formatAl3Group('5BIS', { NAMTY: r.insuredKind, INSNM: r.insuredName }),
      formatAl3Group('5BPI', {
        POLNO: r.policyNumber,
        COCD: r.companyCode ?? '??????',
        LOBCD: r.lineOfBusiness,
        PRDSC: r.producerSubCode ?? '??????',
        OPIDT: isoToAl3Date(r.originalInceptionDate),
        FPREM: encodeAmount(r.termPremiumCents),
        CPREM: encodeAmount(r.changePremiumCents),
      }),
      formatAl3Group(al3CommissionGroup, {
        TRNDT: isoToAl3Date(r.transactionDate),
        POLEF: isoToAl3Date(r.policyEffectiveDate),
        POLEX: isoToAl3Date(r.policyExpirationDate),
        CMBAS: encodeAmount(r.changePremiumCents),
        CMRAT: encodeRate(r.commissionRate),
        CMAMT: encodeAmount(r.commissionCents),
        CURCD: r.currency,
      }),
    );
  }
  lines.push(formatAl3Group('3MTG', {}));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}
