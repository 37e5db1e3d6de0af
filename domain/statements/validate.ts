// Row by row: what each row of a statement is. A row is a statement line (a payment the agency can
// reconcile), a row that is part of the statement's structure (structure.ts: titles, repeated
// headers, sections, subtotals and totals, blanks, notes), or a line that cannot be read: kept with
// its cells and every reason, excluded from matching and listed for review. Nothing is guessed: a
// date must be a real calendar date, an amount exact cents, and a statement holds one currency;
// but one bad row never costs the rest of the file.
import { normalizeName, normalizePolicyNumber } from '../normalize.ts';
import { summaryLabel, textRowKind } from './structure.ts';
import type {
  ColumnMapping,
  ImportError,
  RawRow,
  StatementField,
  StatementLine,
  StatementRowRecord,
  StatementTransactionType,
} from './types.ts';
import { type DayMonthOrder, parseAmount, parseCommissionRate, parseDate } from './values.ts';

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
// Codes and policy numbers
// ---------------------------------------------------------------------------------------------

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
    ['NEW', ['NEW', 'NB', 'NBS', 'NEW BUSINESS', 'NEWBUS', 'NWBUS', 'NBUS']],
    ['RWL', ['RWL', 'RN', 'REN', 'RNW', 'RENEW', 'RENEWAL', 'RENEWED', 'RENL']],
    ['END', ['END', 'EN', 'ENDT', 'ENDORSE', 'ENDORSEMENT', 'PCH', 'POLICY CHANGE', 'CHG', 'CHANGE']],
    [
      'CAN',
      ['CAN', 'CN', 'CNL', 'CANC', 'CANCEL', 'CANCELLATION', 'CANCELLED', 'CANCELED', 'XLC', 'XCL', 'CXL'],
    ],
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
// Bounded cells: a row kept for review never carries a megabyte cell into an answer
// ---------------------------------------------------------------------------------------------

/** Longest cell text kept with a stored row. */
export const maxStoredCellChars = 1000;
/** Longest cell value quoted in a reason. */
export const maxQuotedChars = 120;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * A cell as a person sees it: Excel's text markers dropped (a leading apostrophe, and ="00123",
 * the formula exports use to keep leading zeros), outer spaces trimmed.
 */
export function cellText(raw: string): string {
  const text = raw.trim();
  const formula = /^="(.*)"$/.exec(text);
  if (formula) return formula[1]!.trim();
  return text.startsWith("'") && !text.endsWith("'") ? text.slice(1).trim() : text;
}

/** Placeholders statements print for "no value" in optional columns. */
const noValue = /^(?:n\/?a|none|--+|—|\*+)$/i;

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

export type RowOutcome = { kind: 'line'; line: StatementLine } | { kind: 'row'; row: StatementRowRecord };

export interface StatementValidator {
  /** Classifies one row after the header, in file order. */
  accept(row: RawRow): RowOutcome;
  /** Transaction codes neither the mapping nor the common codes know, with how many lines carried each. */
  readonly unknownCodes: ReadonlyMap<string, number>;
  readonly keys: string[];
}

export interface ValidatorOptions {
  /** The day/month order decided for each date column (values.ts decideDateOrder). */
  dateOrders?: Partial<Record<'effectiveDate' | 'transactionDate', DayMonthOrder>>;
}

/** The order a mapping's date format implies for ambiguous dates. */
export function mappingDateOrder(mapping: ColumnMapping): DayMonthOrder {
  // Only a numeric day-first layout says so: "05-APR-2026" names its month and says nothing.
  return mapping.dateFormat === 'DD/MM/YYYY' ? 'dmy' : 'mdy';
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
  const fallbackOrder = mappingDateOrder(mapping);
  const orders = {
    effectiveDate: opts.dateOrders?.effectiveDate ?? fallbackOrder,
    transactionDate: opts.dateOrders?.transactionDate ?? fallbackOrder,
  };
  const amountColumns = new Set(
    (['commission', 'commissionDebit', 'commissionCredit', 'premium'] as const).flatMap(
      (f) => index[f] ?? [],
    ),
  );
  const fieldHeader = (field: StatementField): string => {
    const at = index[field];
    return at ? at.map((i) => keys[i]).join(' + ') : field;
  };
  const unknownCodes = new Map<string, number>();
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
  const optional = (cells: string[], field: StatementField): string => {
    const v = cell(cells, field);
    return noValue.test(v) ? '' : v;
  };

  const amountOptions = {
    creditSuffix: mapping.creditSuffix,
    decimalComma: mapping.decimalSeparator === ',',
  };

  /**
   * The commission a row states: its commission column (Credit − Debit), or for a footer that
   * prints it elsewhere (`anywhere`), the row's last amount.
   */
  function rowCommission(cells: string[], anywhere: boolean): number | null {
    if (index.commission) {
      const c = parseAmount(cell(cells, 'commission'), amountOptions);
      if (c.ok && c.value !== null) return c.value;
    } else {
      const d = parseAmount(cell(cells, 'commissionDebit'), amountOptions);
      const c = parseAmount(cell(cells, 'commissionCredit'), amountOptions);
      if (d.ok && c.ok && (d.value !== null || c.value !== null))
        return Math.abs(c.value ?? 0) - Math.abs(d.value ?? 0);
    }
    if (!anywhere) return null;
    // A footer may print its amount outside the commission column; the last amount is the total.
    for (let i = cells.length - 1; i >= 0; i--) {
      const text = cells[i]!;
      if (!/\d/.test(text) || (!amountColumns.has(i) && !/[.,$()]/.test(text))) continue;
      const parsed = parseAmount(text, amountOptions);
      if (parsed.ok && parsed.value !== null) return parsed.value;
    }
    return null;
  }

  function record(
    row: RawRow,
    kind: StatementRowRecord['kind'],
    reason: string,
    extra: Partial<StatementRowRecord> = {},
  ) {
    return {
      kind: 'row' as const,
      row: {
        kind,
        sourceRow: row.row,
        sheet: row.sheet ?? null,
        cells: row.cells.map((c) => clip(c, maxStoredCellChars)),
        reason,
        errors: [],
        amountCents: null,
        ...extra,
      } satisfies StatementRowRecord,
    };
  }

  /** A row that is part of the statement's structure, or null when it should be read as a line. */
  function structure(row: RawRow, cells: string[]): RowOutcome | null {
    const filled = cells.filter((c) => c !== '');
    if (filled.length === 0) return record(row, 'blank', 'blank row');
    // A header repeated at a page break (the header row again, case aside).
    let sameAsHeader = 0;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      if (c !== '' && c.length === headerLower[i]?.length && c.toLowerCase() === headerLower[i])
        sameAsHeader++;
    }
    if (sameAsHeader >= Math.max(2, Math.ceil(headerCount * 0.6)))
      return record(row, 'repeated_header', 'the header row repeated (a new page)');
    const policy = cell(cells, 'policyNumber');
    const policyPlausible = policyNumberProblem(policy) === null;
    // A summary label, where no policy number is (or the policy column holds the label itself).
    for (const text of filled) {
      if (text.length > 80 || !/[a-z]/i.test(text)) continue;
      const kind = summaryLabel(text);
      if (kind === null) continue;
      if (policyPlausible && text !== policy) break;
      const amount = rowCommission(cells, true);
      return record(row, kind, `"${clip(text, maxQuotedChars)}"`, { amountCents: amount });
    }
    const commission =
      cell(cells, 'commission') + cell(cells, 'commissionDebit') + cell(cells, 'commissionCredit');
    const hasAmount = filled.some(
      (c) => /\d/.test(c) && /[.,$()]/.test(c) && parseAmount(c, amountOptions).ok,
    );
    // Without a single digit a row carries no amount and no policy number: words only (a units
    // row under the header, a block title), never a payment.
    if (!filled.some((c) => /\d/.test(c))) {
      return record(row, textRowKind(filled) ?? 'note', `"${clip(filled.join(' '), maxQuotedChars)}"`);
    }
    if (commission !== '' || hasAmount || filled.length > 3) return null;
    // Text alone: a section header or a note by its words ("Producer: P101", "Page 2 of 3"), and
    // any other text where no policy number stands; a policy number alone is a line missing its amount.
    const kind = textRowKind(filled) ?? (policyPlausible ? null : 'note');
    return kind === null ? null : record(row, kind, `"${clip(filled.join(' '), maxQuotedChars)}"`);
  }

  function accept(row: RawRow): RowOutcome {
    const cells = row.cells.map(cellText);
    const shaped = structure(row, cells);
    if (shaped) return shaped;
    const errors: ImportError[] = [];
    const fail = (field: StatementField, value: string, reason: string) => {
      errors.push({
        row: row.row,
        field,
        value: value === '' ? null : clip(value, maxQuotedChars),
        reason: `${fieldHeader(field)}: ${reason}`,
      });
    };
    if (row.problem) errors.push({ row: row.row, field: 'row', value: null, reason: row.problem });

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

    const typeRaw = optional(cells, 'transactionType');
    let transactionType: StatementTransactionType | null = null;
    if (typeRaw !== '') {
      transactionType = resolveTransactionType(typeRaw, mapping);
      // An unknown code costs the line its type, not the line: it is still a payment.
      if (!transactionType) unknownCodes.set(typeRaw, (unknownCodes.get(typeRaw) ?? 0) + 1);
    }

    const date = (field: 'effectiveDate' | 'transactionDate'): string | null => {
      const text = optional(cells, field);
      if (text === '') return null;
      const d = parseDate(text, orders[field]);
      if (d.ok) return d.value;
      fail(field, text, d.reason);
      return null;
    };
    const effectiveDate = date('effectiveDate');
    const transactionDate = date('transactionDate');

    const premiumRaw = optional(cells, 'premium');
    const premium = parseAmount(premiumRaw, amountOptions);
    if (!premium.ok) fail('premium', premiumRaw, premium.reason);

    let commissionCents: number | null = null;
    if (index.commission) {
      const raw = cell(cells, 'commission');
      const c = parseAmount(raw, amountOptions);
      if (!c.ok) fail('commission', raw, c.reason);
      else if (c.value === null) fail('commission', raw, 'commission amount is blank');
      else commissionCents = c.value;
    } else {
      const debitRaw = cell(cells, 'commissionDebit');
      const creditRaw = cell(cells, 'commissionCredit');
      const debit = parseAmount(debitRaw, { ...amountOptions, unsigned: true });
      const credit = parseAmount(creditRaw, { ...amountOptions, unsigned: true });
      if (!debit.ok) fail('commissionDebit', debitRaw, debit.reason);
      if (!credit.ok) fail('commissionCredit', creditRaw, credit.reason);
      if (debit.ok && credit.ok) {
        const d = debit.value ?? 0;
        const c = credit.value ?? 0;
        if (debit.value === null && credit.value === null)
          fail('commissionCredit', '', 'both Debit and Credit are blank');
        else if (d !== 0 && c !== 0)
          fail('commissionDebit', `${debitRaw} / ${creditRaw}`, 'both Debit and Credit hold an amount');
        else commissionCents = c - d;
      }
    }

    const rateRaw = optional(cells, 'commissionRate');
    const rate = parseCommissionRate(rateRaw, mapping.rateFormat, amountOptions.decimalComma);
    if (!rate.ok) fail('commissionRate', rateRaw, rate.reason);

    let currency = mapping.defaultCurrency;
    const currencyRaw = optional(cells, 'currency');
    if (currencyRaw !== '') {
      const code = currencyRaw === '$' ? 'USD' : currencyRaw.toUpperCase();
      if (/^[A-Z]{3}$/.test(code)) currency = code;
      else fail('currency', currencyRaw, 'not an ISO currency code');
    }
    // A line's text is stored and matched as it is: a megabyte name is not a name.
    const producerCode = optional(cells, 'producerCode');
    const lineOfBusiness = optional(cells, 'lineOfBusiness');
    const texts: [StatementField, string][] = [
      ['policyNumber', policyNumber],
      [index.insuredName ? 'insuredName' : 'insuredLastName', insuredName],
      ['transactionType', typeRaw],
      ['producerCode', producerCode],
      ['lineOfBusiness', lineOfBusiness],
    ];
    for (const [field, text] of texts)
      if (text.length > maxStoredCellChars)
        fail(field, text, `longer than ${maxStoredCellChars.toLocaleString('en-US')} characters`);
    if (errors.length === 0) {
      if (fileCurrency === null) fileCurrency = { code: currency, row: row.row };
      else if (fileCurrency.code !== currency) {
        fail(
          'currency',
          currencyRaw || currency,
          `mixed currencies: this line is ${currency}, the statement is ${fileCurrency.code} (from row ${fileCurrency.row}); a statement has one currency`,
        );
      }
    }

    if (errors.length > 0) {
      return record(row, 'unreadable', errors.map((e) => e.reason).join('; '), {
        errors,
        amountCents: rowCommission(cells, false),
      });
    }
    const raw: Record<string, string> = {};
    cells.forEach((c, i) => {
      if (i < keys.length) raw[keys[i]!] = clip(c, maxStoredCellChars);
      else if (c !== '') raw[`Column ${i + 1}`] = clip(c, maxStoredCellChars);
    });
    return {
      kind: 'line',
      line: {
        // The importer numbers lines across the whole file (several worksheets may hold them).
        lineNo: 0,
        sourceRow: row.row,
        sheet: row.sheet ?? null,
        raw,
        policyNumber,
        policyNumberNormalized: normalizePolicyNumber(policyNumber),
        insuredName,
        insuredNameNormalized: normalizeName(insuredName),
        transactionType,
        transactionTypeRaw: typeRaw === '' ? null : typeRaw,
        effectiveDate: effectiveDate ?? transactionDate,
        transactionDate,
        premiumCents: premium.ok ? premium.value : null,
        commissionRate: rate.ok ? rate.value : null,
        commissionCents: commissionCents!,
        producerCode: producerCode === '' ? null : producerCode,
        lineOfBusiness: lineOfBusiness === '' ? null : lineOfBusiness,
        currency,
      },
    };
  }

  return { accept, unknownCodes, keys };
}
