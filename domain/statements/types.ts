// The vocabulary of carrier commission statement import: a statement line as the reconciliation
// engine consumes it, the column mapping that turns one carrier's layout into statement lines, and
// the import result, which accounts for every row of the file. Money is integer cents, rates are decimal percent strings
// ("12.5" is 12.5%), dates are ISO YYYY-MM-DD (see the canonical model, insurance-domain.md (a)).
import { z } from 'zod';
import type { StatementPeriod } from './structure.ts';

/** Statement transaction types (the canonical list minus REWRITE/BOR, which carriers do not print). */
export const statementTransactionTypes = ['NEW', 'RWL', 'END', 'CAN', 'REI', 'AUD', 'PMT', 'ADJ'] as const;
export type StatementTransactionType = (typeof statementTransactionTypes)[number];

/**
 * The canonical fields a statement column can feed. A policy number can be built from several
 * columns (prefix + number); an insured can be one column or last/first columns; the commission can
 * be one signed column or a Debit/Credit pair.
 */
export const statementFields = [
  'policyNumber',
  'insuredName',
  'insuredLastName',
  'insuredFirstName',
  'transactionType',
  'effectiveDate',
  'transactionDate',
  'premium',
  'commissionRate',
  'commission',
  'commissionDebit',
  'commissionCredit',
  'producerCode',
  'lineOfBusiness',
  'currency',
] as const;
export type StatementField = (typeof statementFields)[number];

/**
 * Date formats carriers use. Month and day tokens accept one or two digits (exports drop leading
 * zeros freely); YY is 20YY. An ISO date is accepted in any date column because it cannot be
 * misread, and XLSX typed date cells arrive as ISO.
 */
export const statementDateFormats = [
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'YYYY-MM-DD',
  'MM/DD/YY',
  'YYYYMMDD',
  'DD-MMM-YYYY',
  'MM-DD-YYYY',
] as const;
export type StatementDateFormat = (typeof statementDateFormats)[number];

/**
 * How a negative amount is written. 'minus' ("-12.00") and 'parentheses' ("(12.00)") are both read
 * either way, since money.ts parses both; 'trailing-minus' adds the mainframe "12.00-";
 * 'debit-credit' means unsigned amounts in separate Debit (chargeback) and Credit (paid) columns, so
 * a signed value in either column is an error.
 */
export const signConventions = ['minus', 'parentheses', 'trailing-minus', 'debit-credit'] as const;
export type SignConvention = (typeof signConventions)[number];

/** "Smith, John" (comma-separated, last name first) or "John Smith". */
export const nameOrders = ['last-first', 'first-last'] as const;
export type NameOrder = (typeof nameOrders)[number];

const header = z.string().min(1);

export const statementColumnsSchema = z
  .object({
    policyNumber: z.union([header, z.array(header).min(1)]),
    insuredName: header.optional(),
    insuredLastName: header.optional(),
    insuredFirstName: header.optional(),
    transactionType: header.optional(),
    effectiveDate: header,
    transactionDate: header.optional(),
    premium: header.optional(),
    commissionRate: header.optional(),
    commission: header.optional(),
    commissionDebit: header.optional(),
    commissionCredit: header.optional(),
    producerCode: header.optional(),
    lineOfBusiness: header.optional(),
    currency: header.optional(),
  })
  .refine((c) => c.insuredName !== undefined || c.insuredLastName !== undefined, {
    message: 'an insured name column (or a last-name column) is required',
  })
  .refine(
    (c) =>
      c.commission !== undefined || (c.commissionDebit !== undefined && c.commissionCredit !== undefined),
    {
      message: 'a commission column (or a Debit and a Credit column) is required',
    },
  );

/**
 * A saved statement mapping for one carrier (StatementMapping in the canonical model): which header
 * feeds which field, plus the layout's conventions. Validated with zod because saved mappings come
 * back from the database and the API as JSON.
 */
export const columnMappingSchema = z.object({
  /** Human label, e.g. "Travelers agency statement (preset)". */
  name: z.string().min(1),
  carrierKey: z.string().nullable().default(null),
  version: z.number().int().positive().default(1),
  columns: statementColumnsSchema,
  /** Joins the parts when the policy number spans several columns. */
  policyNumberJoin: z.string().default(' '),
  /**
   * How the carrier writes dates. Every unambiguous form is read whatever this says (ISO, month
   * names, Excel serials); for "4/5/26" the values of each column decide the day/month order, and
   * this format's order holds only when no value does.
   */
  dateFormat: z.enum(statementDateFormats).default('MM/DD/YYYY'),
  signConvention: z.enum(signConventions).default('minus'),
  /** What a trailing CR on an amount means (values.ts CreditSuffix); DR is the opposite. */
  creditSuffix: z.enum(['negative', 'positive']).default('negative'),
  /** ',' for "1.830,00" (semicolon-separated exports from European locales); decided from the values when not saved. */
  decimalSeparator: z.enum(['.', ',']).default('.'),
  nameOrder: z.enum(nameOrders).default('first-last'),
  /** 'percent': "15" or "15%" is 15%; 'fraction': "0.15" is 15%. */
  rateFormat: z.enum(['percent', 'fraction']).default('percent'),
  /**
   * The carrier's transaction codes (case-insensitive) → canonical type. Consulted before the
   * built-in synonyms; a code found in neither blocks the import, as pstabell's tool does.
   */
  transactionTypeCodes: z.record(z.string(), z.enum(statementTransactionTypes)).default({}),
  /** The currency of every line when the layout has no currency column. */
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('USD'),
});
export type ColumnMapping = z.output<typeof columnMappingSchema>;
export type ColumnMappingInput = z.input<typeof columnMappingSchema>;
export type StatementColumns = ColumnMapping['columns'];

/** Reads a saved mapping (JSON from the database or API); throws a ZodError naming bad fields. */
export function parseColumnMapping(json: unknown): ColumnMapping {
  return columnMappingSchema.parse(json);
}

export type StatementFormat = 'csv' | 'xlsx' | 'al3';

export interface StatementLine {
  /** 1-based number of the statement line among the file's data rows (title, header, blank and total rows do not count). */
  lineNo: number;
  /** The row in the file as a spreadsheet shows it (CSV record number, XLSX row number, AL3 group number). */
  sourceRow: number;
  /** XLSX: the worksheet the line is on. */
  sheet: string | null;
  /** The cells by header, exactly as read (trimmed; a cell over 1,000 characters is clipped). */
  raw: Record<string, string>;
  policyNumber: string;
  policyNumberNormalized: string;
  /** As written ("Smith, John"); split name columns are joined "First Last". */
  insuredName: string;
  insuredNameNormalized: string;
  /** Null when the layout has no transaction type column or the cell is blank. */
  transactionType: StatementTransactionType | null;
  transactionTypeRaw: string | null;
  /** The term's effective date; the transaction date when the statement prints only that; null when neither. */
  effectiveDate: string | null;
  transactionDate: string | null;
  premiumCents: number | null;
  /** Decimal percent string ("12.5"), whatever the file's rate format was. */
  commissionRate: string | null;
  commissionCents: number;
  producerCode: string | null;
  lineOfBusiness: string | null;
  currency: string;
}

export interface ImportError {
  /** The file row (as in StatementLine.sourceRow); null for a problem with the file as a whole. */
  row: number | null;
  /** A StatementField, or 'file' / 'columns' / 'header' / 'format' for file-level problems. */
  field: string;
  value: string | null;
  reason: string;
}

export interface StatementTotals {
  premiumCents: number;
  commissionCents: number;
  count: number;
}

/**
 * Rows that are part of a statement but not lines: what a person reading it skips. `other_sheet`
 * is a row on a worksheet without a statement table (a summary sheet); `al3_group` an AL3 group
 * that is not a commission record (headers, trailers, policy download data).
 */
export const nonDataRowKinds = [
  'preamble',
  'header',
  'repeated_header',
  'section',
  'subtotal',
  'total',
  'balance_forward',
  'blank',
  'note',
  'other_sheet',
  'al3_group',
] as const;
export type NonDataRowKind = (typeof nonDataRowKinds)[number];

/** A row of the file that is not a statement line: structure, or a line that cannot be read. */
export interface StatementRowRecord {
  kind: NonDataRowKind | 'unreadable';
  sourceRow: number;
  sheet: string | null;
  /** The cells as read (a cell over 1,000 characters is clipped). */
  cells: string[];
  /** The label recognised ("TOTAL COMMISSION DUE:"), or for an unreadable line every reason. */
  reason: string;
  /** Unreadable lines: each cell that could not be read, with why. */
  errors: ImportError[];
  /** Totals and subtotals: the commission they state; unreadable lines: the commission they seem to carry. */
  amountCents: number | null;
}

/**
 * Every row of the file is a line, a non-data row or an unreadable line; the three counts add up
 * to the rows the file has (AL3: its groups).
 */
export interface RowCounts {
  lines: number;
  nonData: number;
  unreadable: number;
  byKind: Partial<Record<NonDataRowKind, number>>;
}

/** A total or subtotal the statement prints, checked against the lines it sums. */
export interface ControlCheck {
  sourceRow: number | null;
  sheet: string | null;
  kind: 'total' | 'subtotal';
  label: string;
  statedCents: number;
  /** What the lines it covers add up to (with any balance brought forward, for a total). */
  computedCents: number;
  lines: number;
  ok: boolean;
  /** Unreadable lines among those it covers, and the commission they seem to carry. */
  unreadableLines: number;
  unreadableCents: number;
  explanation: string;
}

export type MappingSource = 'saved' | 'preset' | 'generic' | 'fuzzy' | 'al3';

/** Why the importer read the file the way it did; shown to the user next to the result. */
export interface DetectionReport {
  format: StatementFormat;
  /** CSV only. */
  delimiter?: string;
  /** CSV only: 'utf8' or 'latin1' (Windows exports that are not valid UTF-8). */
  encoding?: string;
  /** XLSX only: the worksheets the statement was read from. */
  sheet?: string;
  sheets?: string[];
  headerRow: number | null;
  header: string[];
  mappingSource: MappingSource | null;
  /** The preset key when a preset was used or was the base of a fuzzy mapping. */
  presetKey: string | null;
  /** Text of the rows above the header (statement title, period, agency code). */
  preamble: string[];
  /** Per date column: the day/month order chosen and why. */
  dateOrders: Partial<Record<'effectiveDate' | 'transactionDate', 'mdy' | 'dmy'>>;
  explanation: string[];
}

export type ImportResult =
  | {
      ok: true;
      format: StatementFormat;
      /** Empty when the caller streamed lines through `onLine` (see importStatement). */
      lines: StatementLine[];
      /** Non-data rows and unreadable lines; empty when streamed through `onRow`. */
      rows: StatementRowRecord[];
      totals: StatementTotals;
      counts: RowCounts;
      /** sha256 (hex) of the file's bytes: the same file always hashes the same. */
      contentHash: string;
      mappingUsed: ColumnMapping;
      detection: DetectionReport;
      period: StatementPeriod;
      controlChecks: ControlCheck[];
      /** Unreadable lines or a control total that does not add up: a person should look. */
      needsReview: boolean;
      /** Things worth a look that do not stop the import (unknown transaction codes, totals that differ). */
      warnings: string[];
    }
  | {
      ok: false;
      /** Why the file is not a statement at all (empty, not CSV/XLSX/AL3, no header, unreadable archive). */
      errors: ImportError[];
      /** The HTTP answer it deserves: 413 for a file over a size bound, else 422. */
      status: 413 | 422;
      contentHash: string | null;
      detection: DetectionReport | null;
    };

/** A row as a parser yields it: its number in the file and its cells as text. */
export interface RawRow {
  row: number;
  cells: string[];
  /** XLSX: the worksheet name. */
  sheet?: string;
  /** Set by a reader that could not read the row whole (a cell past Excel's own size limit). */
  problem?: string;
}
