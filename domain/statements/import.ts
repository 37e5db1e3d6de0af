// Carrier statement import: bytes in, statement lines out, and every other row of the file
// accounted for. The format is read from the content, not trusted from the filename; the header and
// mapping are detected (detect.ts); rows stream through the validator one at a time; the sha256 of
// the exact bytes is computed on the way, so the caller can refuse a statement it has already
// imported.
//
// A person reading a statement skips the title, the page headers, the subtotals and the footer
// without thinking, and reads past a smudged line; so does the importer. Only a file that is not a
// statement at all (empty, not CSV/XLSX/AL3, no header row, an archive that cannot be opened) is
// refused. A row that cannot be read is kept as an unreadable line for review, and every total the
// statement prints is checked against the lines it sums.
import { createHash, type Hash } from 'node:crypto';
import { al3Header, al3Mapping, parseAl3CommissionRows } from './al3.ts';
import { describeField, detectStatementLayout, headerScanRows, namesStatementColumns } from './detect.ts';
import { type CsvDialect, parseCsvRows, sniffCsvDialect } from './parse-csv.ts';
import { parseXlsxRows, XlsxLimitError, xlsxLimits } from './parse-xlsx.ts';
import { type StatementPeriod, statementPeriod, summaryLabel } from './structure.ts';
import type {
  ColumnMapping,
  ControlCheck,
  DetectionReport,
  ImportError,
  ImportResult,
  NonDataRowKind,
  RawRow,
  RowCounts,
  StatementFormat,
  StatementLine,
  StatementRowRecord,
} from './types.ts';
import {
  clip,
  createStatementValidator,
  mappingDateOrder,
  maxQuotedChars,
  maxStoredCellChars,
  resolveColumns,
  type StatementValidator,
} from './validate.ts';
import { type DayMonthOrder, decideDateOrder, lastAmountIn, usesDecimalComma } from './values.ts';

export interface ImportStatementInput {
  bytes: Buffer | Uint8Array | AsyncIterable<Buffer | Uint8Array>;
  filename: string;
  carrierKey?: string;
  savedMapping?: ColumnMapping;
  /**
   * Streams each line to the caller instead of collecting them (for large files): the result's
   * `lines` is then empty. Lines arrive before the verdict, so the caller must hold them as
   * provisional (a transaction) and keep them only if the result is ok.
   */
  onLine?: (line: StatementLine) => void | Promise<void>;
  /** Streams every other row (non-data rows and unreadable lines) the same way; `rows` is then empty. */
  onRow?: (row: StatementRowRecord) => void | Promise<void>;
}

const chunkSize = 64 * 1024;
const sniffBytes = 64 * 1024;
const MB = 1024 * 1024;

/**
 * The largest file of each format, counted as it streams in. A CSV or AL3 is read a row at a time,
 * so it may be large; a workbook is held whole (a zip is read from its end).
 */
export const statementSizeLimits: Readonly<Record<StatementFormat, number>> = Object.freeze({
  csv: 200 * MB,
  al3: 200 * MB,
  xlsx: xlsxLimits.maxFileBytes,
});

/** The most any statement upload may be, before its format is known. */
export const maxStatementBytes = Math.max(...Object.values(statementSizeLimits));

const zipSignature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The bound for a file that starts with these bytes, before the rest is seen: a zip is a workbook. */
export function statementSizeLimitFor(head: Buffer): number {
  return head.subarray(0, 4).equals(zipSignature) ? statementSizeLimits.xlsx : maxStatementBytes;
}

const formatNames: Record<StatementFormat, string> = { csv: 'a CSV', al3: 'an AL3', xlsx: 'an XLSX' };

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
  /** Past this many bytes the file is refused (413); narrowed to the format's bound once it is known. */
  private limit = maxStatementBytes;
  private format: StatementFormat | null = null;

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
    let next: IteratorResult<Buffer | Uint8Array>;
    try {
      next = await this.iterator.next();
    } catch (err) {
      // The upload broke off (or its sender refused it): not a fault of the file's content.
      throw new SourceFailure(err);
    }
    if (next.done) {
      this.ended = true;
      return null;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.hash.update(chunk);
    this.total += chunk.length;
    if (this.total > this.limit) throw this.tooLarge();
    return chunk;
  }

  /** The format is known: from now on its own bound applies (to what was read already, too). */
  bound(format: StatementFormat): void {
    this.format = format;
    this.limit = statementSizeLimits[format];
    if (this.total > this.limit) throw this.tooLarge();
  }

  private tooLarge(): NotAStatement {
    const what = this.format ? `${formatNames[this.format]} statement` : 'a statement';
    return new NotAStatement(
      {
        row: null,
        field: 'file',
        value: null,
        reason: `too large: the file is larger than ${this.limit / MB} MB, the most ${what} may be`,
      },
      413,
    );
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
  if (head.subarray(0, 4).equals(zipSignature)) {
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

/** Lines (and unreadable lines) a total or subtotal may cover. */
class Tally {
  cents = 0;
  lines = 0;
  unreadable = 0;
  unreadableCents = 0;

  reset() {
    this.cents = 0;
    this.lines = 0;
    this.unreadable = 0;
    this.unreadableCents = 0;
  }
}

const dollars = (cents: number) =>
  `${cents < 0 ? '-' : ''}$${(Math.abs(cents) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;

/** What one import accumulates: the lines and rows (when kept), their counts, the control checks. */
class ImportRun {
  readonly lines: StatementLine[] = [];
  readonly rows: StatementRowRecord[] = [];
  readonly totals = { premiumCents: 0, commissionCents: 0, count: 0 };
  readonly counts: RowCounts = { lines: 0, nonData: 0, unreadable: 0, byKind: {} };
  readonly controlChecks: ControlCheck[] = [];
  readonly warnings: string[] = [];
  /** Totals stated above the header ("Total Commission This Statement: $1,234.56"), checked at the end. */
  readonly statedAbove: { row: RawRow; label: string; cents: number }[] = [];
  private readonly input: ImportStatementInput;
  // Running sums for the control totals: since the last subtotal, section, total, and overall.
  private readonly sinceSubtotal = new Tally();
  private readonly sinceSection = new Tally();
  private readonly sinceTotal = new Tally();
  private readonly all = new Tally();
  private broughtForward = 0;

  constructor(input: ImportStatementInput) {
    this.input = input;
  }

  private tallies(): Tally[] {
    return [this.sinceSubtotal, this.sinceSection, this.sinceTotal, this.all];
  }

  async line(line: StatementLine) {
    // Numbered here, across every worksheet of the statement.
    line.lineNo = this.counts.lines + 1;
    this.totals.count++;
    this.counts.lines++;
    this.totals.commissionCents += line.commissionCents;
    if (line.premiumCents !== null) this.totals.premiumCents += line.premiumCents;
    for (const t of this.tallies()) {
      t.cents += line.commissionCents;
      t.lines++;
    }
    if (this.input.onLine) await this.input.onLine(line);
    else this.lines.push(line);
  }

  async row(row: StatementRowRecord) {
    if (row.kind === 'unreadable') {
      this.counts.unreadable++;
      for (const t of this.tallies()) {
        t.unreadable++;
        t.unreadableCents += row.amountCents ?? 0;
      }
    } else {
      this.counts.nonData++;
      this.counts.byKind[row.kind] = (this.counts.byKind[row.kind] ?? 0) + 1;
      this.checkControl(row);
    }
    if (this.input.onRow) await this.input.onRow(row);
    else this.rows.push(row);
  }

  /** A structure row with nothing kept but its count (AL3 groups that are not commission records). */
  countOnly(kind: NonDataRowKind, n = 1) {
    this.counts.nonData += n;
    this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + n;
  }

  private checkControl(row: StatementRowRecord) {
    if (row.kind === 'section') {
      this.sinceSection.reset();
      this.sinceSubtotal.reset();
      return;
    }
    if (row.kind === 'balance_forward') {
      this.broughtForward += row.amountCents ?? 0;
      return;
    }
    if (row.kind !== 'subtotal' && row.kind !== 'total') return;
    const label = row.reason.replace(/^"|"$/g, '');
    if (row.amountCents !== null) {
      const stated = row.amountCents;
      // A subtotal sums its group; a second-level subtotal its section. A total sums everything
      // (with any balance brought forward), or everything since an earlier total.
      const options: [Tally, number, string][] =
        row.kind === 'subtotal'
          ? [
              [this.sinceSubtotal, 0, 'since the previous subtotal'],
              [this.sinceSection, 0, 'of its section'],
            ]
          : [
              [this.all, 0, 'of the statement'],
              [this.all, this.broughtForward, 'of the statement plus the balance brought forward'],
              [this.sinceTotal, 0, 'since the previous total'],
            ];
      const fits = options.find(([t, extra]) => t.cents + extra === stated);
      const [tally, extra, what] = fits ?? options[0]!;
      this.controlChecks.push(
        this.check(row.kind, row, label, stated, tally, extra, what, fits !== undefined),
      );
    }
    if (row.kind === 'subtotal') this.sinceSubtotal.reset();
    else {
      this.sinceSubtotal.reset();
      this.sinceSection.reset();
      this.sinceTotal.reset();
    }
  }

  private check(
    kind: ControlCheck['kind'],
    row: { sourceRow: number | null; sheet: string | null },
    label: string,
    stated: number,
    tally: Tally,
    extra: number,
    what: string,
    ok: boolean,
  ): ControlCheck {
    const computed = tally.cents + extra;
    const unreadable =
      tally.unreadable > 0
        ? ` ${tally.unreadable} unreadable line(s) among them seem to carry ${dollars(tally.unreadableCents)}${computed + tally.unreadableCents === stated ? ', which accounts for the difference' : ''}.`
        : '';
    return {
      sourceRow: row.sourceRow,
      sheet: row.sheet,
      kind,
      label: clip(label, maxQuotedChars),
      statedCents: stated,
      computedCents: computed,
      lines: tally.lines,
      ok,
      unreadableLines: tally.unreadable,
      unreadableCents: tally.unreadableCents,
      explanation: ok
        ? `"${clip(label, 60)}" ${dollars(stated)} equals the ${tally.lines} line(s) ${what}.`
        : `"${clip(label, 60)}" states ${dollars(stated)}, but the ${tally.lines} line(s) ${what} add up to ${dollars(computed)}: ${dollars(Math.abs(stated - computed))} apart.${unreadable}`,
    };
  }

  /** Totals stated above the header are checked once every line is in. */
  finish() {
    for (const s of this.statedAbove) {
      const options: [number, string][] = [
        [this.all.cents, 'of the statement'],
        [this.all.cents + this.broughtForward, 'of the statement plus the balance brought forward'],
      ];
      const fit = options.find(([cents]) => cents === s.cents);
      const check = this.check(
        'total',
        { sourceRow: s.row.row, sheet: s.row.sheet ?? null },
        s.label,
        s.cents,
        this.all,
        fit?.[1].includes('forward') ? this.broughtForward : 0,
        (fit ?? options[0]!)[1],
        fit !== undefined,
      );
      this.controlChecks.push(check);
    }
    for (const c of this.controlChecks) if (!c.ok) this.warnings.push(c.explanation);
  }
}

function isBlank(row: RawRow): boolean {
  return row.cells.every((c) => c.trim() === '');
}

/** The bytes stopped coming: the import fails with the source's error, nothing is kept. */
class SourceFailure extends Error {
  constructor(cause: unknown) {
    super('the file could not be read to its end', { cause });
  }
}

/** An error that refuses the whole file: it is not a statement we can read. */
class NotAStatement extends Error {
  readonly error: ImportError;
  readonly status: 413 | 422;
  constructor(error: ImportError, status: 413 | 422 = 422) {
    super(error.reason);
    this.error = error;
    this.status = status;
  }
}

const fileError = (reason: string, value: string | null = null, field = 'file', row: number | null = null) =>
  new NotAStatement({ row, field, value, reason });

/** Imports one carrier statement file (CSV, XLSX or AL3). See ImportResult for the two outcomes. */
export async function importStatement(input: ImportStatementInput): Promise<ImportResult> {
  const bytes = new StatementBytes(input.bytes);
  const run = new ImportRun(input);
  let detection: DetectionReport | null = null;
  try {
    const { head, complete } = await bytes.peek(sniffBytes);
    const blank =
      complete &&
      head
        .toString('latin1')
        .replace(/^\xEF\xBB\xBF/, '')
        .trim() === '';
    if (head.length === 0 || blank) throw fileError('the file is empty');
    const sniffed = sniffStatementFormat(head, input.filename);
    if (!sniffed.ok)
      throw fileError(
        `not a statement format we read: ${sniffed.reason}`,
        clip(input.filename, 255),
        'format',
      );
    bytes.bound(sniffed.format);
    detection = {
      format: sniffed.format,
      headerRow: null,
      header: [],
      mappingSource: null,
      presetKey: null,
      preamble: [],
      dateOrders: {},
      explanation: [sniffed.note],
    };
    const read =
      sniffed.format === 'al3'
        ? await readAl3(bytes, run, detection)
        : await readTable(
            bytes,
            sniffed.format === 'csv' ? sniffCsvDialect(head, complete) : null,
            input,
            run,
            detection,
          );
    if (run.counts.lines === 0 && run.counts.unreadable === 0) {
      throw sniffed.format === 'al3'
        ? fileError(
            `no commission records: none of the ${read.al3Transactions ?? 0} transaction(s) carries a 5XCM commission group. ` +
              'This looks like a policy download; the commission group real carriers use is not public (see al3.ts).',
          )
        : fileError('the file has a header but no statement lines', null, 'file', detection.headerRow);
    }
    run.finish();
    const unknown = [...(read.unknownCodes ?? new Map<string, number>())];
    if (unknown.length > 0) {
      run.warnings.push(
        `Transaction codes this layout does not know: ${unknown.map(([code, n]) => `"${clip(code, 20)}" (${n} line${n === 1 ? '' : 's'})`).join(', ')}. ` +
          "Those lines were read without a transaction type; add the codes to the carrier's saved mapping to type them.",
      );
    }
    const period = read.period ?? { start: null, end: null, statementDate: null, evidence: [] };
    if (period.evidence.length > 0)
      detection.explanation.push(`Period: read from "${clip(period.evidence[0]!, 80)}".`);
    return {
      ok: true,
      format: sniffed.format,
      lines: run.lines,
      rows: run.rows,
      totals: run.totals,
      counts: run.counts,
      contentHash: await bytes.drain(),
      mappingUsed: read.mapping,
      detection,
      period,
      controlChecks: run.controlChecks,
      needsReview: run.counts.unreadable > 0 || run.controlChecks.some((c) => !c.ok),
      warnings: run.warnings,
    };
  } catch (err) {
    if (err instanceof SourceFailure) throw err.cause;
    if (!(err instanceof NotAStatement)) throw err;
    let refusal = err;
    let contentHash: string | null = null;
    // A file refused for its size is not read further; another is hashed to its end (within the bound).
    if (err.status !== 413) {
      try {
        contentHash = await bytes.drain();
      } catch (tooLarge) {
        if (tooLarge instanceof SourceFailure) throw tooLarge.cause;
        if (!(tooLarge instanceof NotAStatement)) throw tooLarge;
        refusal = tooLarge;
      }
    }
    return { ok: false, errors: [refusal.error], status: refusal.status, contentHash, detection };
  }
}

interface TableRead {
  mapping: ColumnMapping;
  period?: StatementPeriod;
  unknownCodes?: ReadonlyMap<string, number>;
  al3Transactions?: number;
}

async function readAl3(
  bytes: AsyncIterable<Buffer>,
  run: ImportRun,
  detection: DetectionReport,
): Promise<TableRead> {
  detection.mappingSource = 'al3';
  detection.header = [...al3Header];
  const validator = createStatementValidator(al3Mapping, [...al3Header]);
  const unreadable = (error: ImportError, value: string | null) =>
    run.row({
      kind: 'unreadable',
      sourceRow: error.row ?? 0,
      sheet: null,
      cells: value === null ? [] : [clip(value, maxStoredCellChars)],
      reason: error.reason,
      errors: [error],
      amountCents: null,
    });
  let commissionGroups = 0;
  let transactions = 0;
  for await (const event of parseAl3CommissionRows(bytes)) {
    if (event.kind === 'error') {
      // Nothing read yet: not an AL3 statement at all. Later: what was read stands, the rest is kept for review.
      if (commissionGroups === 0 && event.error.field === 'format' && (event.error.row ?? 0) <= 1)
        throw fileError(`not a readable AL3 file: ${event.error.reason}`, event.error.value, 'format');
      await unreadable(
        event.error.field === 'format'
          ? { ...event.error, reason: `${event.error.reason}; the rest of the file could not be read` }
          : event.error,
        event.error.value,
      );
    } else if (event.kind === 'withoutCommission') run.countOnly('al3_group');
    else if (event.kind === 'stats') {
      transactions = event.transactions;
      // Groups that are not commission records (headers, trailers, policy data) are the file's structure.
      run.countOnly(
        'al3_group',
        Math.max(0, event.groups - commissionGroups - (run.counts.byKind.al3_group ?? 0)),
      );
      detection.explanation.push(
        `AL3: ${event.groups} groups, ${event.transactions} transactions; commission read from the hub's AL3-like ` +
          '5XCM group with assumed field positions (the ACORD layout is licensed; see al3.ts).',
      );
      if (event.unknownGroups.length > 0)
        detection.explanation.push(`Groups not read: ${event.unknownGroups.join(', ')}.`);
    } else {
      commissionGroups++;
      const outcome = validator.accept(event.row);
      if (outcome.kind === 'line') await run.line(outcome.line);
      else await run.row(outcome.row);
    }
  }
  return { mapping: al3Mapping, unknownCodes: validator.unknownCodes, al3Transactions: transactions };
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
 * workbook often opens with a summary sheet; the statement is on the first sheet that has a
 * header. The rows of sheets passed over are handed to `passedOver` (they are part of the file).
 * Returns the rows read so far of the statement's sheet (they are replayed), and the first row of
 * the next sheet if any.
 */
async function locateTable(
  next: NextRow,
  input: ImportStatementInput,
  detection: DetectionReport,
  passedOver: (rows: RawRow[]) => Promise<void>,
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
    const found =
      candidates.length === 0
        ? null
        : detectStatementLayout(candidates, {
            carrierKey: input.carrierKey,
            savedMapping: input.savedMapping,
          });
    if (found?.ok) {
      const headerRow = candidates[found.headerIndex]!;
      detection.headerRow = headerRow.row;
      detection.header = found.header;
      detection.mappingSource = found.source;
      detection.presetKey = found.presetKey;
      if (sheet !== undefined) {
        detection.sheet = sheet;
        detection.sheets = [sheet];
        detection.explanation.push(`Worksheet: "${sheet}".`);
      }
      detection.explanation.push(...found.explanation);
      detection.preamble = candidates
        .slice(0, found.headerIndex)
        .map((r) => clip(r.cells.filter((c) => c !== '').join(' '), 200))
        .slice(0, 20);
      return { kind: 'found', buffer, headerRow, mapping: found.mapping, sheet, carry };
    }
    if (found) {
      firstFailure ??= {
        kind: 'missing',
        headerRow: found.headerIndex === null ? null : candidates[found.headerIndex]!.row,
        detection: found,
      };
    }
    if (sheet === undefined) return firstFailure ?? { kind: 'empty' };
    detection.explanation.push(`Worksheet "${sheet}": no statement header found.`);
    await passedOver(buffer);
    if (!carry && row) {
      // The scan stopped inside this worksheet: the rest of it is passed over too.
      for (let r = await next(); r; r = await next()) {
        if (r.sheet !== sheet) {
          carry = r;
          break;
        }
        await passedOver([r]);
      }
    }
  }
  return firstFailure ?? { kind: 'empty' };
}

/** A row of the statement's frame: above a header (title, preamble) or the header itself. */
function structureRow(
  r: RawRow,
  reason: string,
  kind: 'preamble' | 'header' = 'preamble',
): StatementRowRecord {
  const blank = kind === 'preamble' && isBlank(r);
  return {
    kind: blank ? 'blank' : kind,
    sourceRow: r.row,
    sheet: r.sheet ?? null,
    cells: r.cells.map((c) => clip(c, maxStoredCellChars)),
    reason: blank ? 'blank row' : reason,
    errors: [],
    amountCents: null,
  };
}

/** Rows after the header read before the date columns' day/month order is decided. */
const dateSampleRows = 500;

/** Decides each date column's day/month order from the sampled rows (values.ts decideDateOrder). */
function decideDateOrders(
  mapping: ColumnMapping,
  header: string[],
  samples: RawRow[],
  detection: DetectionReport,
): Partial<Record<'effectiveDate' | 'transactionDate', DayMonthOrder>> {
  const index = resolveColumns(mapping, header).index;
  const fallback = mappingDateOrder(mapping);
  const out: Partial<Record<'effectiveDate' | 'transactionDate', DayMonthOrder>> = {};
  for (const field of ['effectiveDate', 'transactionDate'] as const) {
    const at = index[field]?.[0];
    if (at === undefined) continue;
    const values = samples.map((r) => (r.cells[at] ?? '').trim()).filter((v) => v !== '');
    const decision = decideDateOrder(`Dates in "${header[at]}"`, values, fallback);
    out[field] = decision.order;
    detection.explanation.push(decision.explanation);
  }
  detection.dateOrders = out;
  return out;
}

async function readTable(
  bytes: AsyncIterable<Buffer>,
  dialect: CsvDialect | null,
  input: ImportStatementInput,
  run: ImportRun,
  detection: DetectionReport,
): Promise<TableRead> {
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
  let lastRow = 0;
  let readFailure: string | null = null;
  let linesSeen = false;
  const next: NextRow = async () => {
    if (readFailure !== null) return null;
    try {
      const r = await rows.next();
      if (r.done) return null;
      lastRow = r.value.row;
      return r.value;
    } catch (err) {
      // Past the upload's size bound, or the upload itself failed: not a fault of the rows.
      if (err instanceof NotAStatement || err instanceof SourceFailure) throw err;
      const message = (err as Error).message;
      // An archive that cannot be opened, or one past a size bound, is not read at all.
      if (!dialect || !linesSeen) {
        // A workbook past a size bound is refused for its size; anything else could not be opened.
        if (err instanceof XlsxLimitError)
          throw new NotAStatement(
            { row: null, field: 'file', value: null, reason: `too large: ${clip(message, 300)}` },
            413,
          );
        throw new NotAStatement({
          row: null,
          field: 'file',
          value: null,
          reason: `unreadable ${format} (damaged or truncated): ${clip(message, 300)}`,
        });
      }
      readFailure = message;
      return null;
    }
  };
  const passedOver = async (passed: RawRow[]) => {
    for (const r of passed) {
      await run.row({
        kind: isBlank(r) ? 'blank' : 'other_sheet',
        sourceRow: r.row,
        sheet: r.sheet ?? null,
        cells: r.cells.map((c) => clip(c, maxStoredCellChars)),
        reason: `worksheet "${r.sheet}" has no statement table`,
        errors: [],
        amountCents: null,
      });
    }
  };

  const table = await locateTable(next, input, detection, passedOver);
  if (table.kind === 'empty') throw fileError('the file is empty (no rows with text)');
  if (table.kind === 'missing') {
    const f = table.detection;
    detection.explanation.push(...f.explanation);
    detection.header = f.header;
    detection.headerRow = table.headerRow;
    const named = f.missing.map(
      (m) =>
        `${describeField(m.field)}${m.examples.length > 0 ? ` (e.g. ${m.examples.map((e) => `"${e}"`).join(', ')})` : ''}`,
    );
    throw fileError(
      `no statement header found: missing required columns: ${named.join('; ')}`,
      clip(f.header.filter((h) => h !== '').join(' | '), 500),
      'columns',
      table.headerRow,
    );
  }

  const { mapping } = table;
  // Read ahead within the sheet so each date column's day/month order is decided by its values.
  const buffer = [...table.buffer];
  let carry = table.carry;
  const afterHeader = () => buffer.length - buffer.indexOf(table.headerRow) - 1;
  if (!carry) {
    for (let r = await next(); r; r = await next()) {
      if (r.sheet !== table.sheet) {
        carry = r;
        break;
      }
      buffer.push(r);
      if (afterHeader() >= dateSampleRows) break;
    }
  }
  const samples = buffer.slice(buffer.indexOf(table.headerRow) + 1);
  const dateOrders = decideDateOrders(mapping, detection.header, samples, detection);
  if (mapping.decimalSeparator === '.') {
    const index = resolveColumns(mapping, detection.header).index;
    const amountColumns = (['commission', 'commissionDebit', 'commissionCredit', 'premium'] as const).flatMap(
      (f) => index[f] ?? [],
    );
    const amounts = samples.flatMap((r) => amountColumns.map((i) => r.cells[i] ?? ''));
    if (usesDecimalComma(amounts)) {
      mapping.decimalSeparator = ',';
      detection.explanation.push(
        `Amounts: written with a decimal comma (e.g. "${amounts.find((a) => /,\d{2}\b/.test(a))}"), so "1.830,00" is 1830.00.`,
      );
    }
  }

  // The preamble: title rows, the period, and any total it states.
  const preamble = buffer.slice(0, buffer.indexOf(table.headerRow));
  for (const r of preamble) {
    await run.row(structureRow(r, 'title or preamble above the header'));
    const label = r.cells.find((c) => /[a-z]/i.test(c) && summaryLabel(c) === 'total');
    const cents = label
      ? lastAmountIn(r.cells, {
          creditSuffix: mapping.creditSuffix,
          decimalComma: mapping.decimalSeparator === ',',
        })
      : null;
    if (label && cents !== null) run.statedAbove.push({ row: r, label, cents });
  }
  await run.row(structureRow(table.headerRow, 'the header row', 'header'));
  const periodOrder = dateOrders.effectiveDate ?? mappingDateOrder(mapping);
  let period = statementPeriod(
    preamble.map((r) => r.cells.filter((c) => c !== '').join(' ')),
    periodOrder,
  );

  let validator: StatementValidator = createStatementValidator(mapping, detection.header, { dateOrders });
  const unknownCodes = new Map<string, number>();
  const keepCodes = (v: StatementValidator) => {
    for (const [code, n] of v.unknownCodes) unknownCodes.set(code, (unknownCodes.get(code) ?? 0) + n);
  };
  const handle = async (row: RawRow) => {
    const outcome = validator.accept(row);
    const another =
      outcome.kind === 'row' &&
      (outcome.row.kind === 'unreadable' || outcome.row.kind === 'note') &&
      namesStatementColumns(row.cells);
    if (another) {
      // Another table with its own header (a chargebacks block, a second carrier code): its rows
      // are read by its columns from here on.
      const found = detectStatementLayout([row], {
        carrierKey: input.carrierKey,
        savedMapping: input.savedMapping,
      });
      if (found.ok) {
        // One file, one way of writing numbers.
        found.mapping.decimalSeparator = mapping.decimalSeparator;
        keepCodes(validator);
        validator = createStatementValidator(found.mapping, found.header, { dateOrders });
        detection.explanation.push(
          `Row ${row.row}: a table with its own header starts here; its rows are read by its columns.`,
        );
        await run.row(structureRow(row, 'the header of another table in the statement', 'header'));
        return;
      }
    }
    if (outcome.kind === 'line') {
      linesSeen = true;
      await run.line(outcome.line);
    } else await run.row(outcome.row);
  };
  for (const row of samples) await handle(row);

  // Later worksheets: more of the same statement when a header that fits the mapping heads them,
  // otherwise rows passed over (a summary, notes).
  let sheet = table.sheet;
  // A holder, not a variable: settle() changes it, which flow analysis cannot see.
  const reading = { state: 'reading' as 'reading' | 'scanning' | 'passing' };
  let pending: RawRow[] = [];
  const settle = async () => {
    const header = pending.findIndex(
      (r) =>
        resolveColumns(
          mapping,
          r.cells.map((c) => c.trim()),
        ).missingRequired.length === 0,
    );
    if (header < 0) {
      await passedOver(pending);
      reading.state = 'passing';
    } else {
      keepCodes(validator);
      const headerRow = pending[header]!;
      validator = createStatementValidator(
        mapping,
        headerRow.cells.map((c) => c.trim()),
        { dateOrders },
      );
      for (const r of pending.slice(0, header))
        await run.row(structureRow(r, 'title above the header of another worksheet'));
      await run.row(
        structureRow(headerRow, 'the header row of another worksheet of the statement', 'header'),
      );
      detection.sheets?.push(headerRow.sheet ?? '');
      detection.explanation.push(
        `Worksheet "${headerRow.sheet}": read as more of the statement (same columns).`,
      );
      reading.state = 'reading';
      for (const r of pending.slice(header + 1)) await handle(r);
    }
    pending = [];
  };
  for (let row = carry ?? (await next()); row; row = await next()) {
    if (row.sheet !== sheet) {
      if (reading.state === 'scanning') await settle();
      sheet = row.sheet;
      reading.state = 'scanning';
    }
    if (reading.state === 'reading') await handle(row);
    else if (reading.state === 'passing') await passedOver([row]);
    else {
      pending.push(row);
      if (pending.filter((r) => !isBlank(r)).length >= headerScanRows) await settle();
    }
  }
  if (reading.state === 'scanning') await settle();
  keepCodes(validator);

  if (readFailure !== null) {
    await run.row({
      kind: 'unreadable',
      sourceRow: lastRow + 1,
      sheet: null,
      cells: [],
      reason: `the ${format} could not be read past row ${lastRow}: ${clip(readFailure, 300)}; the rest of the file is not imported`,
      errors: [],
      amountCents: null,
    });
  }
  if (period.start === null && period.statementDate === null && run.rows.length > 0) {
    // A summary worksheet may say what the title does not.
    const summary = run.rows.filter((r) => r.kind === 'other_sheet').slice(0, 30);
    if (summary.length > 0)
      period = statementPeriod(
        summary.map((r) => r.cells.filter((c) => c !== '').join(' ')),
        periodOrder,
      );
  }
  return { mapping, period, unknownCodes };
}
