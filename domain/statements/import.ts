// Carrier statement import: bytes in, validated statement lines (or every reason why not) out. The
// format is read from the content, not trusted from the filename; the mapping is detected from the
// header (detect.ts); rows stream through the validator one at a time; the sha256 of the exact
// bytes is computed on the way, so the caller can refuse a statement it has already imported.
//
// All or nothing: a statement with any bad row is rejected whole, because a partly imported
// statement would reconcile as "missing commission" for every line that was dropped.
import { createHash, type Hash } from 'node:crypto';
import { al3Header, al3Mapping, parseAl3CommissionRows } from './al3.ts';
import { describeField, detectStatementLayout, headerScanRows } from './detect.ts';
import { type CsvDialect, parseCsvRows, sniffCsvDialect } from './parse-csv.ts';
import { parseXlsxRows } from './parse-xlsx.ts';
import type {
  ColumnMapping,
  DetectionReport,
  ImportError,
  ImportResult,
  RawRow,
  SkippedRows,
  StatementFormat,
  StatementLine,
} from './types.ts';
import { createStatementValidator, parseStatementAmount, resolveColumns } from './validate.ts';

export interface ImportStatementInput {
  bytes: Buffer | Uint8Array | AsyncIterable<Buffer | Uint8Array>;
  filename: string;
  carrierKey?: string;
  savedMapping?: ColumnMapping;
  /**
   * Streams each valid line to the caller instead of collecting them (for large files): the result's
   * `lines` is then empty. Lines arrive before the verdict, so the caller must hold them as
   * provisional (a staging table, a transaction) and keep them only if the result is ok.
   */
  onLine?: (line: StatementLine) => void | Promise<void>;
  /** How many errors to list before only counting them (default 200). */
  maxErrors?: number;
}

const chunkSize = 64 * 1024;
const sniffBytes = 64 * 1024;

/**
 * The file's bytes as one pass of chunks, hashed as they go by, with a look-ahead for format
 * sniffing. Whatever a parser leaves unread is drained at the end so the hash covers every byte.
 */
class StatementBytes implements AsyncIterable<Buffer> {
  readonly hash: Hash = createHash('sha256');
  private readonly iterator: AsyncIterator<Buffer | Uint8Array> | Iterator<Buffer>;
  private readonly pending: Buffer[] = [];
  private ended = false;
  total = 0;

  constructor(bytes: ImportStatementInput['bytes']) {
    if (bytes instanceof Uint8Array) {
      const buf = Buffer.isBuffer(bytes)
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.iterator = (function* () {
        for (let at = 0; at < buf.length; at += chunkSize) yield buf.subarray(at, at + chunkSize);
      })();
    } else {
      this.iterator = bytes[Symbol.asyncIterator]();
    }
  }

  private async pull(): Promise<Buffer | null> {
    if (this.ended) return null;
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return null;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.hash.update(chunk);
    this.total += chunk.length;
    return chunk;
  }

  /** At least `min` bytes from the start (fewer if the file is shorter), without consuming them. */
  async peek(min: number): Promise<{ head: Buffer; complete: boolean }> {
    let have = this.pending.reduce((n, b) => n + b.length, 0);
    while (have < min) {
      const chunk = await this.pull();
      if (!chunk) break;
      this.pending.push(chunk);
      have += chunk.length;
    }
    return { head: Buffer.concat(this.pending).subarray(0, Math.max(min, 0)), complete: this.ended };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    while (this.pending.length > 0) yield this.pending.shift()!;
    for (;;) {
      const chunk = await this.pull();
      if (!chunk) return;
      yield chunk;
    }
  }

  async drain(): Promise<string> {
    this.pending.length = 0;
    while (await this.pull()) {}
    return this.hash.digest('hex');
  }
}

type Sniffed = { ok: true; format: StatementFormat; note: string } | { ok: false; reason: string };

/** The format by signature: ZIP is XLSX, "1MHG…" is AL3, text is CSV; other binaries are refused. */
export function sniffStatementFormat(head: Buffer, filename: string): Sniffed {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  const said = (format: string) =>
    ext === '' ||
    ext === format ||
    (format === 'csv' && ['txt', 'tsv'].includes(ext)) ||
    (format === 'al3' && ['txt', 'dat'].includes(ext))
      ? ''
      : ` (the filename says .${ext})`;
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return { ok: true, format: 'xlsx', note: `Format: XLSX, by its ZIP signature${said('xlsx')}.` };
  }
  if (head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
    return {
      ok: false,
      reason: 'a legacy Excel 97–2003 (.xls) workbook: save it as .xlsx or .csv and upload again',
    };
  }
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') {
    return {
      ok: false,
      reason: 'a PDF statement: PDF import is not supported; ask the carrier for CSV or Excel',
    };
  }
  const text = head
    .subarray(0, 1024)
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '');
  if (/^\s*1MHG\d{3}/.test(text))
    return { ok: true, format: 'al3', note: `Format: AL3, by its 1MHG message header${said('al3')}.` };
  if (head.subarray(0, 4096).includes(0))
    return { ok: false, reason: 'a binary file that is neither XLSX nor AL3' };
  return { ok: true, format: 'csv', note: `Format: CSV (text)${said('csv')}.` };
}

/** What one import accumulates: errors (capped), totals, the lines when they are kept, skips. */
class ImportRun {
  readonly errors: ImportError[] = [];
  moreErrors = 0;
  readonly lines: StatementLine[] = [];
  readonly totals = { premiumCents: 0, commissionCents: 0, count: 0 };
  readonly skipped: SkippedRows = {
    blank: 0,
    totals: 0,
    repeatedHeaders: 0,
    notes: 0,
    preamble: 0,
    withoutCommission: 0,
  };
  readonly warnings: string[] = [];
  private readonly input: ImportStatementInput;
  private keepLines: boolean;

  constructor(input: ImportStatementInput) {
    this.input = input;
    this.keepLines = !input.onLine;
  }

  get errorCount(): number {
    return this.errors.length + this.moreErrors;
  }

  error(e: ImportError) {
    if (this.errors.length < (this.input.maxErrors ?? 200)) this.errors.push(e);
    else this.moreErrors++;
    // The file will be rejected: stop holding lines nobody will receive.
    this.keepLines = false;
    this.lines.length = 0;
  }

  async line(line: StatementLine) {
    this.totals.count++;
    this.totals.commissionCents += line.commissionCents;
    if (line.premiumCents !== null) this.totals.premiumCents += line.premiumCents;
    if (this.input.onLine) await this.input.onLine(line);
    else if (this.keepLines) this.lines.push(line);
  }
}

function isBlank(row: RawRow): boolean {
  return row.cells.every((c) => c.trim() === '');
}

/** Imports one carrier statement file (CSV, XLSX or AL3). See ImportResult for the two outcomes. */
export async function importStatement(input: ImportStatementInput): Promise<ImportResult> {
  const bytes = new StatementBytes(input.bytes);
  const run = new ImportRun(input);
  const fail = async (detection: DetectionReport | null): Promise<ImportResult> => ({
    ok: false,
    errors: run.errors,
    moreErrors: run.moreErrors,
    contentHash: await bytes.drain(),
    detection,
  });

  const { head, complete } = await bytes.peek(sniffBytes);
  const blank =
    complete &&
    head
      .toString('latin1')
      .replace(/^\xEF\xBB\xBF/, '')
      .trim() === '';
  if (head.length === 0 || blank) {
    run.error({ row: null, field: 'file', value: null, reason: 'the file is empty' });
    return fail(null);
  }
  const sniffed = sniffStatementFormat(head, input.filename);
  if (!sniffed.ok) {
    run.error({
      row: null,
      field: 'format',
      value: input.filename,
      reason: `not a statement format we read: ${sniffed.reason}`,
    });
    return fail(null);
  }
  const detection: DetectionReport = {
    format: sniffed.format,
    headerRow: null,
    header: [],
    mappingSource: null,
    presetKey: null,
    preamble: [],
    explanation: [sniffed.note],
  };

  const mapping =
    sniffed.format === 'al3'
      ? await readAl3(bytes, run, detection)
      : await readTable(
          bytes,
          sniffed.format === 'csv' ? sniffCsvDialect(head, complete) : null,
          input,
          run,
          detection,
        );
  if (!mapping || run.errorCount > 0) return fail(detection);
  if (run.totals.count === 0) {
    run.error({
      row: sniffed.format === 'al3' ? null : detection.headerRow,
      field: 'file',
      value: null,
      reason:
        sniffed.format === 'al3'
          ? `no commission records: none of the ${run.skipped.withoutCommission} transaction(s) carries a 5XCM commission group. ` +
            'This looks like a policy download; the commission group real carriers use is not public (see al3.ts).'
          : 'the file has a header but no statement lines',
    });
    return fail(detection);
  }
  return {
    ok: true,
    format: sniffed.format,
    lines: run.lines,
    totals: run.totals,
    contentHash: await bytes.drain(),
    mappingUsed: mapping,
    detection,
    skipped: run.skipped,
    warnings: run.warnings,
  };
}

async function readAl3(
  bytes: AsyncIterable<Buffer>,
  run: ImportRun,
  detection: DetectionReport,
): Promise<ColumnMapping> {
  detection.mappingSource = 'al3';
  detection.header = [...al3Header];
  const validator = createStatementValidator(al3Mapping, [...al3Header]);
  for await (const event of parseAl3CommissionRows(bytes)) {
    if (event.kind === 'error') run.error(event.error);
    else if (event.kind === 'withoutCommission') run.skipped.withoutCommission++;
    else if (event.kind === 'stats') {
      detection.explanation.push(
        `AL3: ${event.groups} groups, ${event.transactions} transactions; commission read from the hub's AL3-like ` +
          '5XCM group with assumed field positions (the ACORD layout is licensed; see al3.ts).',
      );
      if (event.unknownGroups.length > 0)
        detection.explanation.push(`Groups not read: ${event.unknownGroups.join(', ')}.`);
      if (run.skipped.withoutCommission > 0) {
        detection.explanation.push(
          `${run.skipped.withoutCommission} transaction(s) carry no commission group and were not read.`,
        );
      }
    } else {
      const outcome = validator.accept(event.row);
      if (outcome.kind === 'line') await run.line(outcome.line);
      else if (outcome.kind === 'invalid') for (const e of outcome.errors) run.error(e);
    }
  }
  return al3Mapping;
}

type NextRow = () => Promise<RawRow | null>;

type TableSearch =
  | {
      kind: 'found';
      buffer: RawRow[];
      headerRow: RawRow;
      mapping: ColumnMapping;
      sheet: string | undefined;
      carry: RawRow | null;
    }
  | {
      kind: 'missing';
      headerRow: number | null;
      detection: Extract<ReturnType<typeof detectStatementLayout>, { ok: false }>;
    }
  | { kind: 'empty' };

/**
 * Reads the top of each worksheet (the one table of a CSV) until a header and a mapping fit. A
 * workbook often opens with a summary sheet; the statement is on the first sheet that has a header.
 * Returns the rows read so far (they are replayed), and the first row of the next sheet if any.
 */
async function locateTable(
  next: NextRow,
  input: ImportStatementInput,
  excelSerials: boolean,
  detection: DetectionReport,
): Promise<TableSearch> {
  let carry = await next();
  let firstFailure: Extract<TableSearch, { kind: 'missing' }> | null = null;
  while (carry) {
    const sheet = carry.sheet;
    const buffer: RawRow[] = [];
    let filled = 0;
    let row: RawRow | null = carry;
    carry = null;
    while (row && row.sheet === sheet) {
      buffer.push(row);
      if (!isBlank(row)) filled++;
      if (filled >= headerScanRows + 20) break;
      row = await next();
    }
    if (row && row.sheet !== sheet) carry = row;
    const candidates = buffer.filter((r) => !isBlank(r));
    if (candidates.length === 0) continue;
    const found = detectStatementLayout(candidates, {
      carrierKey: input.carrierKey,
      savedMapping: input.savedMapping,
      excelSerials,
    });
    if (found.ok) {
      const headerRow = candidates[found.headerIndex]!;
      detection.headerRow = headerRow.row;
      detection.header = found.header;
      detection.mappingSource = found.source;
      detection.presetKey = found.presetKey;
      if (sheet !== undefined) {
        detection.sheet = sheet;
        detection.explanation.push(`Worksheet: "${sheet}".`);
      }
      detection.explanation.push(...found.explanation);
      detection.preamble = candidates
        .slice(0, found.headerIndex)
        .map((r) => r.cells.filter((c) => c !== '').join(' '))
        .slice(0, 10);
      return { kind: 'found', buffer, headerRow, mapping: found.mapping, sheet, carry };
    }
    firstFailure ??= {
      kind: 'missing',
      headerRow: found.headerIndex === null ? null : candidates[found.headerIndex]!.row,
      detection: found,
    };
    if (sheet !== undefined) detection.explanation.push(`Worksheet "${sheet}": no statement header found.`);
    if (!carry && row) {
      // The scan stopped inside this worksheet: skip to the next one.
      for (let r = await next(); r; r = await next()) {
        if (r.sheet !== sheet) {
          carry = r;
          break;
        }
      }
    }
  }
  return firstFailure ?? { kind: 'empty' };
}

/** The commission a grand total row states (not a subtotal), to check the lines against it. */
function declaredCommission(row: RawRow, mapping: ColumnMapping, header: string[]): number | null {
  const grandTotal = /^(grand\s+total|totals?\b|statement\s+total|report\s+total|total\s+(commission|this))/i;
  if (!row.cells.some((c) => grandTotal.test(c.trim()) && !/sub/i.test(c))) return null;
  const index = resolveColumns(mapping, header).index;
  const amount = (field: 'commission' | 'commissionDebit' | 'commissionCredit') => {
    const at = index[field]?.[0];
    if (at === undefined) return 0;
    const parsed = parseStatementAmount(
      row.cells[at] ?? '',
      field === 'commission' ? mapping.signConvention : 'minus',
    );
    return parsed.ok ? (parsed.value ?? 0) : 0;
  };
  return index.commission ? amount('commission') : amount('commissionCredit') - amount('commissionDebit');
}

async function readTable(
  bytes: AsyncIterable<Buffer>,
  dialect: CsvDialect | null,
  input: ImportStatementInput,
  run: ImportRun,
  detection: DetectionReport,
): Promise<ColumnMapping | null> {
  const format = dialect ? 'CSV' : 'XLSX';
  if (dialect) {
    detection.delimiter = dialect.delimiter;
    detection.encoding = dialect.encoding;
    const names: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
    detection.explanation.push(
      `CSV: ${names[dialect.delimiter]}-separated, ${dialect.encoding === 'utf8' ? 'UTF-8' : 'Latin-1 (not valid UTF-8)'}.`,
    );
  }
  const rows = (dialect ? parseCsvRows(bytes, dialect) : parseXlsxRows(bytes))[Symbol.asyncIterator]();
  const next: NextRow = async () => {
    try {
      const r = await rows.next();
      return r.done ? null : r.value;
    } catch (err) {
      run.error({
        row: null,
        field: 'file',
        value: null,
        reason: `unreadable ${format} (damaged or truncated file): ${(err as Error).message}`,
      });
      return null;
    }
  };

  const table = await locateTable(next, input, !dialect, detection);
  if (run.errorCount > 0) return null;
  if (table.kind === 'empty') {
    run.error({ row: null, field: 'file', value: null, reason: 'the file is empty (no rows with text)' });
    return null;
  }
  if (table.kind === 'missing') {
    const f = table.detection;
    detection.explanation.push(...f.explanation);
    detection.header = f.header;
    detection.headerRow = table.headerRow;
    const named = f.missing.map(
      (m) =>
        `${describeField(m.field)}${m.examples.length > 0 ? ` (e.g. ${m.examples.map((e) => `"${e}"`).join(', ')})` : ''}`,
    );
    run.error({
      row: table.headerRow,
      field: 'columns',
      value: f.header.filter((h) => h !== '').join(' | '),
      reason: `missing required columns: ${named.join('; ')}`,
    });
    return null;
  }

  const { mapping } = table;
  const validator = createStatementValidator(mapping, detection.header, { excelSerials: !dialect });
  let declared: number | null = null;
  const handle = async (row: RawRow) => {
    const outcome = validator.accept(row);
    if (outcome.kind === 'line') await run.line(outcome.line);
    else if (outcome.kind === 'invalid') for (const e of outcome.errors) run.error(e);
    else {
      run.skipped[outcome.reason]++;
      if (outcome.reason === 'totals')
        declared = declaredCommission(row, mapping, detection.header) ?? declared;
    }
  };
  let afterHeader = false;
  for (const row of table.buffer) {
    if (row === table.headerRow) afterHeader = true;
    else if (afterHeader) await handle(row);
    else if (isBlank(row)) run.skipped.blank++;
    else run.skipped.preamble++;
  }
  let otherSheets = 0;
  for (let row = table.carry ?? (await next()); row; row = await next()) {
    if (row.sheet === table.sheet) await handle(row);
    else otherSheets++;
  }
  if (otherSheets > 0) detection.explanation.push(`${otherSheets} row(s) on other worksheets were not read.`);
  if (declared !== null && declared !== run.totals.commissionCents) {
    run.warnings.push(
      `The statement's own total commission (${declared} cents) differs from the sum of its lines (${run.totals.commissionCents} cents).`,
    );
  }
  return mapping;
}
