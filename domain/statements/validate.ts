// Row-by-row validation of a carrier statement against its column mapping. A statement is money the
// agency books, so nothing is guessed: a date must be a real calendar date in the mapping's format,
// an amount must be exact cents, a chargeback may only sit on a line type that can carry one, and a
// file holds one currency. Each bad cell becomes one error with its row, so the user can fix the
// file (or the mapping) in one pass; the importer rejects the whole file if there is any.
import { Money, parseMoneyToCents } from '../money.ts';
import { normalizeName, normalizePolicyNumber } from '../normalize.ts';
import type {
  ColumnMapping,
  ImportError,
  RawRow,
  SignConvention,
  SkippedRows,
  StatementDateFormat,
  StatementField,
  StatementLine,
  StatementTransactionType,
} from './types.ts';

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/** How two header cells are compared for an exact (saved or preset) match: case and spacing aside. */
export function headerKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Header cells made unique and never blank, so a line's `raw` record keeps every cell. */
export function rawKeys(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h, i) => {
    const base = h.trim() === '' ? `Column ${i + 1}` : h.trim();
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

export interface ResolvedColumns {
  /** Column index per field; policyNumber may span several columns. */
  index: Partial<Record<StatementField, number[]>>;
  /** Mapped headers that are not in the file, by field. */
  missing: { field: StatementField; header: string }[];
  /** Required fields whose columns are missing: the file cannot be read with this mapping. */
  missingRequired: StatementField[];
}

/** Finds each mapped header in the file's header row. */
export function resolveColumns(mapping: ColumnMapping, header: string[]): ResolvedColumns {
  const positions = new Map<string, number>();
  header.forEach((h, i) => {
    const k = headerKey(h);
    if (k !== '' && !positions.has(k)) positions.set(k, i);
  });
  const index: ResolvedColumns['index'] = {};
  const missing: ResolvedColumns['missing'] = [];
  for (const [field, value] of Object.entries(mapping.columns) as [
    StatementField,
    string | string[] | undefined,
  ][]) {
    if (value === undefined) continue;
    const names = Array.isArray(value) ? value : [value];
    const found: number[] = [];
    for (const name of names) {
      const at = positions.get(headerKey(name));
      if (at === undefined) missing.push({ field, header: name });
      else found.push(at);
    }
    if (found.length === names.length) index[field] = found;
  }
  const missingRequired = requiredFieldsMissing(index);
  return { index, missing, missingRequired };
}

/** The fields a statement line cannot do without, given which columns were found. */
export function requiredFieldsMissing(index: Partial<Record<StatementField, unknown>>): StatementField[] {
  const out: StatementField[] = [];
  if (!index.policyNumber) out.push('policyNumber');
  if (!index.insuredName && !index.insuredLastName) out.push('insuredName');
  if (!index.effectiveDate) out.push('effectiveDate');
  if (!index.commission && !(index.commissionDebit && index.commissionCredit)) out.push('commission');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const monthAbbreviations = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const datePatterns: Record<StatementDateFormat, { re: RegExp; order: 'mdy' | 'dmy' | 'ymd' }> = {
  'MM/DD/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: 'mdy' },
  'DD/MM/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: 'dmy' },
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, order: 'ymd' },
  'MM/DD/YY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{2})$/, order: 'mdy' },
  YYYYMMDD: { re: /^(\d{4})(\d{2})(\d{2})$/, order: 'ymd' },
  'DD-MMM-YYYY': { re: /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/, order: 'dmy' },
  'MM-DD-YYYY': { re: /^(\d{1,2})-(\d{1,2})-(\d{4})$/, order: 'mdy' },
};

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A calendar date from its parts, or why it is not one. */
export function calendarDate(year: number, month: number, day: number): Parsed<string> {
  if (year < 1900 || year > 2099) return { ok: false, reason: `year ${year} is out of range` };
  if (month < 1 || month > 12)
    return { ok: false, reason: `not a calendar date: there is no month ${month}` };
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) {
    return {
      ok: false,
      reason: `not a calendar date: ${monthNames[month - 1]} ${year} has ${last} days, not ${day}`,
    };
  }
  return {
    ok: true,
    value: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
  };
}

/** Excel's 1900 date system: day 25569 is 1970-01-01 (the Lotus leap-year bug is before 1900-03-01). */
function excelSerialToIso(serial: number): string {
  return new Date(Math.round((serial - 25569) * 86_400_000)).toISOString().slice(0, 10);
}

/**
 * Reads a date cell in the mapping's format. An ISO date is accepted in any format (it cannot be
 * misread); with `excelSerials`, a bare day number is an Excel serial (an XLSX date cell whose
 * style did not mark it as a date). A time of day after the date is ignored.
 */
export function parseStatementDate(
  text: string,
  format: StatementDateFormat,
  opts: { excelSerials?: boolean } = {},
): Parsed<string> {
  let value = text.trim();
  if (value.includes(':'))
    value = value.replace(/[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[AaPp][Mm])?Z?$/, '');
  if (opts.excelSerials && /^\d{4,6}(\.\d+)?$/.test(value) && format !== 'YYYYMMDD') {
    const serial = Number(value);
    if (serial >= 1 && serial < 2_958_466) return { ok: true, value: excelSerialToIso(serial) };
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (iso && format !== 'YYYY-MM-DD') return calendarDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const { re, order } = datePatterns[format];
  const m = re.exec(value);
  if (!m) return { ok: false, reason: `not a date in the format ${format}` };
  const [a, b, c] = [m[1]!, m[2]!, m[3]!];
  let year: number;
  let month: number;
  let day: number;
  if (order === 'ymd') [year, month, day] = [Number(a), Number(b), Number(c)];
  else if (order === 'mdy') [month, day, year] = [Number(a), Number(b), Number(c)];
  else {
    day = Number(a);
    year = Number(c);
    const named = monthAbbreviations.indexOf(b.toLowerCase());
    month = /^\d+$/.test(b) ? Number(b) : named + 1;
    if (month === 0) return { ok: false, reason: `not a date: unknown month "${b}"` };
  }
  if (format === 'MM/DD/YY') year += 2000;
  return calendarDate(year, month, day);
}

/**
 * Reads an amount into exact cents (money.ts, half-even). Under 'trailing-minus' "12.00-" is -12.00;
 * an `unsigned` cell (a Debit or Credit column) must not carry a sign of its own.
 */
export function parseStatementAmount(
  text: string,
  convention: SignConvention,
  unsigned = false,
): Parsed<number | null> {
  let value = text.trim();
  if (value === '') return { ok: true, value: null };
  if (convention === 'trailing-minus') {
    const trailing = /^(.*\d)\s*-$/.exec(value);
    if (trailing) value = `-${trailing[1]}`;
  }
  let cents: number | null;
  try {
    cents = parseMoneyToCents(value);
  } catch {
    return { ok: false, reason: 'not an amount' };
  }
  if (unsigned && cents !== null && cents < 0) {
    return {
      ok: false,
      reason:
        'a negative amount in a Debit/Credit column: the column gives the sign, amounts must be unsigned',
    };
  }
  return { ok: true, value: cents };
}

/** A decimal as a plain string without exponent or trailing zeros: "12.50" → "12.5". */
function plainDecimal(d: InstanceType<typeof Money>): string {
  const s = d.toFixed();
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Reads a commission rate into a decimal percent string: "15%", "15.00" or (fraction) "0.15" → "15". */
export function parseCommissionRate(text: string, format: 'percent' | 'fraction'): Parsed<string | null> {
  const value = text.trim();
  if (value === '') return { ok: true, value: null };
  const percentSign = /%\s*$/.test(value);
  const digits = value.replace(/%\s*$/, '').trim();
  if (!/^[0-9]*\.?[0-9]+$/.test(digits)) return { ok: false, reason: 'not a rate' };
  let rate = new Money(digits);
  if (format === 'fraction' && !percentSign) rate = rate.times(100);
  if (rate.greaterThan(100)) return { ok: false, reason: `a rate of ${plainDecimal(rate)}% is over 100%` };
  return { ok: true, value: plainDecimal(rate) };
}

function codeKey(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * Transaction codes every layout may use, from the codes seen on statements and in statement tooling
 * (insurance-domain.md §4.4: NEW/NBS/NB, RWL/RENEW, END/PCH, CAN/XLC/XCL, STL/PMT, REI, AUD). Single
 * letters are left out on purpose: "R" is renewal to one carrier and reinstatement to another.
 */
const builtInTransactionCodes: Record<string, StatementTransactionType> = (() => {
  const table: [StatementTransactionType, string[]][] = [
    ['NEW', ['NEW', 'NB', 'NBS', 'NEW BUSINESS', 'NEWBUS', 'NWBUS']],
    ['RWL', ['RWL', 'RN', 'REN', 'RNW', 'RENEW', 'RENEWAL', 'RENEWED']],
    ['END', ['END', 'EN', 'ENDT', 'ENDORSE', 'ENDORSEMENT', 'PCH', 'POLICY CHANGE', 'CHG', 'CHANGE']],
    ['CAN', ['CAN', 'CN', 'CNL', 'CANC', 'CANCEL', 'CANCELLATION', 'CANCELLED', 'XLC', 'XCL', 'CXL']],
    ['REI', ['REI', 'RI', 'REIN', 'REINST', 'REINSTATE', 'REINSTATEMENT', 'RST']],
    ['AUD', ['AUD', 'AU', 'AUDIT', 'FINAL AUDIT']],
    ['PMT', ['PMT', 'PAY', 'PAYMENT', 'STL', 'SETTLEMENT', 'INST', 'INSTALLMENT', 'INSTALMENT']],
    ['ADJ', ['ADJ', 'AJ', 'ADJUST', 'ADJUSTMENT', 'ADJT', 'CORRECTION']],
  ];
  const out: Record<string, StatementTransactionType> = {};
  for (const [type, codes] of table) for (const c of codes) out[codeKey(c)] = type;
  return out;
})();

/** The canonical type for a carrier's code: the mapping's own codes first, then the common ones. */
export function resolveTransactionType(
  code: string,
  mapping: ColumnMapping,
): StatementTransactionType | null {
  const key = codeKey(code);
  for (const [carrierCode, type] of Object.entries(mapping.transactionTypeCodes)) {
    if (codeKey(carrierCode) === key) return type;
  }
  return builtInTransactionCodes[key] ?? null;
}

/** Line types that can carry a chargeback or return premium; NEW, RWL and REI never pay back. */
const mayBeNegative = new Set<StatementTransactionType | null>(['END', 'CAN', 'AUD', 'PMT', 'ADJ', null]);

const policyNumberShape = /^[A-Za-z0-9][A-Za-z0-9 \-./#_]*$/;

/** Why a policy number is not plausible, or null when it is. */
export function policyNumberProblem(policyNumber: string): string | null {
  if (policyNumber === '') return 'policy number is blank';
  if (!policyNumberShape.test(policyNumber)) return 'not a plausible policy number: unexpected characters';
  const normalized = normalizePolicyNumber(policyNumber);
  if (!/[0-9]/.test(normalized)) return 'not a plausible policy number: it has no digits';
  if (normalized.length < 4) return 'not a plausible policy number: too short';
  if (normalized.length > 30) return 'not a plausible policy number: too long';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Rows that are not statement lines
// ---------------------------------------------------------------------------------------------

/**
 * "Total", "Grand Total", "Subtotal - Agent 12", "TOTALS:", "Total Commission". The word must stand
 * as a label, so an insured called "Total Fitness LLC" is still a line.
 */
const totalLabel =
  /^(grand\s+|sub[-\s]?|report\s+|statement\s+|page\s+|agency\s+|producer\s+|carrier\s+|agent\s+)?totals?(\s+(commissions?|premiums?|due|paid|amount|this\s+statement))?\s*($|:|-|–|\(|\bfor\b|\bof\b|\bagent\b|\bproducer\b|\bagency\b|\bsub)/i;

export function isTotalLabel(text: string): boolean {
  return totalLabel.test(text.trim());
}

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

export type RowOutcome =
  | { kind: 'line'; line: StatementLine }
  | { kind: 'skip'; reason: keyof SkippedRows }
  | { kind: 'invalid'; errors: ImportError[] };

export interface StatementValidator {
  /** Classifies and validates one row after the header, in file order. */
  accept(row: RawRow): RowOutcome;
  readonly keys: string[];
}

export interface ValidatorOptions {
  /** XLSX typed cells: numeric date cells are Excel serials. */
  excelSerials?: boolean;
}

/**
 * Builds the validator for a file whose header row is `header`, read with `mapping`. It keeps the
 * file-level state a single row cannot check (the statement's currency, the line numbering).
 */
export function createStatementValidator(
  mapping: ColumnMapping,
  header: string[],
  opts: ValidatorOptions = {},
): StatementValidator {
  const resolved = resolveColumns(mapping, header);
  if (resolved.missingRequired.length > 0) {
    throw new Error(`mapping does not fit the header: missing ${resolved.missingRequired.join(', ')}`);
  }
  const index = resolved.index;
  const keys = rawKeys(header);
  const headerLower = header.map((h) => h.trim().toLowerCase());
  const headerCount = headerLower.filter((k) => k !== '').length;
  const fieldHeader = (field: StatementField): string => {
    const at = index[field];
    return at ? at.map((i) => keys[i]).join(' + ') : field;
  };
  let lineNo = 0;
  let fileCurrency: { code: string; row: number } | null = null;

  const cell = (cells: string[], field: StatementField): string => {
    const at = index[field];
    if (!at) return '';
    if (at.length === 1) return cells[at[0]!] ?? '';
    return at
      .map((i) => cells[i] ?? '')
      .filter((v) => v !== '')
      .join(mapping.policyNumberJoin);
  };

  function classify(cells: string[]): keyof SkippedRows | null {
    const filled = cells.filter((c) => c !== '');
    if (filled.length === 0) return 'blank';
    // A header repeated at a page break (an exact copy of the header row, case aside).
    let sameAsHeader = 0;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      if (c !== '' && c.length === headerLower[i]?.length && c.toLowerCase() === headerLower[i])
        sameAsHeader++;
    }
    if (sameAsHeader >= Math.max(2, Math.ceil(headerCount * 0.6))) return 'repeatedHeaders';
    const policy = cell(cells, 'policyNumber');
    if ((policy === '' || isTotalLabel(policy)) && filled.some(isTotalLabel)) return 'totals';
    const commission =
      cell(cells, 'commission') + cell(cells, 'commissionDebit') + cell(cells, 'commissionCredit');
    if (policy === '' && commission === '' && filled.length <= 2) return 'notes';
    if (filled.length === 1 && commission === '' && /\b[a-z]{2,}\b.*\b[a-z]{2,}\b/i.test(filled[0]!))
      return 'notes';
    return null;
  }

  function accept(row: RawRow): RowOutcome {
    const cells = row.cells.map((c) => c.trim());
    const skip = classify(cells);
    if (skip) return { kind: 'skip', reason: skip };
    lineNo++;
    const errors: ImportError[] = [];
    const fail = (field: StatementField, value: string, reason: string) => {
      errors.push({
        row: row.row,
        field,
        value: value === '' ? null : value,
        reason: `${fieldHeader(field)}: ${reason}`,
      });
    };

    const policyNumber = cell(cells, 'policyNumber');
    const policyProblem = policyNumberProblem(policyNumber);
    if (policyProblem) fail('policyNumber', policyNumber, policyProblem);

    let insuredName: string;
    if (index.insuredName) insuredName = cell(cells, 'insuredName');
    else {
      const last = cell(cells, 'insuredLastName');
      const first = cell(cells, 'insuredFirstName');
      insuredName = first === '' ? last : last === '' ? first : `${first} ${last}`;
    }
    const insuredNameNormalized = normalizeName(insuredName);
    if (insuredNameNormalized === '')
      fail(index.insuredName ? 'insuredName' : 'insuredLastName', insuredName, 'insured name is blank');

    const typeRaw = cell(cells, 'transactionType');
    let transactionType: StatementTransactionType | null = null;
    if (typeRaw !== '') {
      transactionType = resolveTransactionType(typeRaw, mapping);
      if (!transactionType) {
        fail(
          'transactionType',
          typeRaw,
          `unmapped transaction type code "${typeRaw}": add it to the mapping's codes`,
        );
      }
    }

    const dateOpts = { excelSerials: opts.excelSerials ?? false };
    const effectiveRaw = cell(cells, 'effectiveDate');
    let effectiveDate = '';
    if (effectiveRaw === '') fail('effectiveDate', effectiveRaw, 'effective date is blank');
    else {
      const d = parseStatementDate(effectiveRaw, mapping.dateFormat, dateOpts);
      if (d.ok) effectiveDate = d.value;
      else fail('effectiveDate', effectiveRaw, d.reason);
    }
    let transactionDate: string | null = null;
    const transactionRaw = cell(cells, 'transactionDate');
    if (transactionRaw !== '') {
      const d = parseStatementDate(transactionRaw, mapping.dateFormat, dateOpts);
      if (d.ok) transactionDate = d.value;
      else fail('transactionDate', transactionRaw, d.reason);
    }

    const premiumRaw = cell(cells, 'premium');
    let premiumCents: number | null = null;
    const premium = parseStatementAmount(
      premiumRaw,
      mapping.signConvention === 'debit-credit' ? 'minus' : mapping.signConvention,
    );
    if (premium.ok) premiumCents = premium.value;
    else fail('premium', premiumRaw, premium.reason);

    let commissionCents: number | null = null;
    let commissionRaw: string;
    let commissionField: StatementField = 'commission';
    if (index.commission) {
      commissionRaw = cell(cells, 'commission');
      const c = parseStatementAmount(commissionRaw, mapping.signConvention);
      if (!c.ok) fail('commission', commissionRaw, c.reason);
      else if (c.value === null) fail('commission', commissionRaw, 'commission amount is blank');
      else commissionCents = c.value;
    } else {
      const debitRaw = cell(cells, 'commissionDebit');
      const creditRaw = cell(cells, 'commissionCredit');
      const debit = parseStatementAmount(debitRaw, 'minus', true);
      const credit = parseStatementAmount(creditRaw, 'minus', true);
      commissionRaw = debitRaw || creditRaw;
      if (!debit.ok) fail('commissionDebit', debitRaw, debit.reason);
      if (!credit.ok) fail('commissionCredit', creditRaw, credit.reason);
      if (debit.ok && credit.ok) {
        const d = debit.value ?? 0;
        const c = credit.value ?? 0;
        if (debit.value === null && credit.value === null) {
          fail('commissionCredit', '', 'both Debit and Credit are blank');
        } else if (d !== 0 && c !== 0) {
          fail('commissionDebit', `${debitRaw} / ${creditRaw}`, 'both Debit and Credit hold an amount');
        } else {
          commissionCents = c - d;
          commissionField = d !== 0 ? 'commissionDebit' : 'commissionCredit';
          commissionRaw = d !== 0 ? debitRaw : creditRaw;
        }
      }
    }

    const rateRaw = cell(cells, 'commissionRate');
    let commissionRate: string | null = null;
    const rate = parseCommissionRate(rateRaw, mapping.rateFormat);
    if (rate.ok) commissionRate = rate.value;
    else fail('commissionRate', rateRaw, rate.reason);

    // Chargebacks and return premium only on line types that can carry them.
    const typeLabel = transactionType ?? 'this';
    const before = errors.length;
    if (!mayBeNegative.has(transactionType)) {
      if (commissionCents !== null && commissionCents < 0) {
        fail(
          commissionField,
          commissionRaw,
          `a negative commission on a ${typeLabel} line: only END, CAN, AUD, PMT and ADJ lines may be negative`,
        );
      }
      if (premiumCents !== null && premiumCents < 0) {
        fail(
          'premium',
          premiumRaw,
          `a negative premium on a ${typeLabel} line: only END, CAN, AUD, PMT and ADJ lines may be negative`,
        );
      }
    }
    if (
      errors.length === before &&
      commissionCents !== null &&
      premiumCents !== null &&
      commissionCents !== 0 &&
      premiumCents !== 0 &&
      commissionCents < 0 !== premiumCents < 0
    ) {
      fail(commissionField, commissionRaw, `commission and premium (${premiumRaw}) have opposite signs`);
    }

    let currency = mapping.defaultCurrency;
    const currencyRaw = cell(cells, 'currency');
    if (currencyRaw !== '') {
      const code = currencyRaw === '$' ? 'USD' : currencyRaw.toUpperCase();
      if (/^[A-Z]{3}$/.test(code)) currency = code;
      else fail('currency', currencyRaw, 'not an ISO currency code');
    }
    if (fileCurrency === null) fileCurrency = { code: currency, row: row.row };
    else if (fileCurrency.code !== currency) {
      fail(
        'currency',
        currencyRaw || currency,
        `mixed currencies: this line is ${currency}, the statement is ${fileCurrency.code} (from row ${fileCurrency.row}); a statement has one currency`,
      );
    }

    if (errors.length > 0) return { kind: 'invalid', errors };
    const raw: Record<string, string> = {};
    cells.forEach((c, i) => {
      if (i < keys.length) raw[keys[i]!] = c;
      else if (c !== '') raw[`Column ${i + 1}`] = c;
    });
    const producerCode = cell(cells, 'producerCode');
    const lineOfBusiness = cell(cells, 'lineOfBusiness');
    return {
      kind: 'line',
      line: {
        lineNo,
        sourceRow: row.row,
        raw,
        policyNumber,
        policyNumberNormalized: normalizePolicyNumber(policyNumber),
        insuredName,
        insuredNameNormalized,
        transactionType,
        transactionTypeRaw: typeRaw === '' ? null : typeRaw,
        effectiveDate,
        transactionDate,
        premiumCents,
        commissionRate,
        commissionCents: commissionCents!,
        producerCode: producerCode === '' ? null : producerCode,
        lineOfBusiness: lineOfBusiness === '' ? null : lineOfBusiness,
        currency,
      },
    };
  }

  return { accept, keys };
}
