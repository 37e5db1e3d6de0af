// Streaming CSV reader for carrier statements: bytes in, one row at a time out, so a 50 MB statement
// never exists in memory as objects. csv-parse does the quoting; this module decides the dialect
// (delimiter and text encoding) from the first bytes, because statements arrive comma-, semicolon-,
// tab- or pipe-separated depending on the carrier's export and the locale (insurance-domain.md §4.4).
import { Readable } from 'node:stream';
import { type Options, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { RawRow } from './types.ts';

export interface CsvDialect {
  delimiter: ',' | ';' | '\t' | '|';
  /** Windows exports that are not valid UTF-8 are read as Latin-1 (a superset-safe single-byte read). */
  encoding: 'utf8' | 'latin1';
}

const delimiters: CsvDialect['delimiter'][] = [',', ';', '\t', '|'];

/** Counts a delimiter in one line, ignoring quoted text (amounts like "1,234.50" are quoted). */
function countOutsideQuotes(line: string, delimiter: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) n++;
  }
  return n;
}

/**
 * Chooses the delimiter that splits the most lines into the same, largest number of fields. Title
 * rows above the header have few or no delimiters, so the table itself decides.
 */
export function sniffCsvDialect(head: Buffer, complete: boolean): CsvDialect {
  let encoding: CsvDialect['encoding'] = 'utf8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
  } catch {
    encoding = 'latin1';
  }
  const text = head.toString(encoding === 'utf8' ? 'utf8' : 'latin1');
  let lines = text.split(/\r\n|\n|\r/);
  if (!complete) lines = lines.slice(0, -1); // the last line may be cut mid-way
  lines = lines.filter((l) => l.trim() !== '').slice(0, 60);
  let best: { delimiter: CsvDialect['delimiter']; score: number } = { delimiter: ',', score: 0 };
  for (const d of delimiters) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const max = Math.max(0, ...counts);
    if (max === 0) continue;
    const consistent = counts.filter((c) => c === max).length;
    const score = consistent * max;
    if (score > best.score) best = { delimiter: d, score };
  }
  return { delimiter: best.delimiter, encoding };
}

const headBytes = 64 * 1024;

function parserOptions(dialect: CsvDialect): Options {
  return {
    delimiter: dialect.delimiter,
    encoding: dialect.encoding,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    info: true,
    // A stray quote must not swallow the rest of the file into one field.
    max_record_size: 1_000_000,
  };
}

/**
 * Where the table starts in the head of the file: the first record with the field count most
 * records have. csv-parse takes its expected record length from the first record it sees and builds
 * an error object (stack trace, deep copies) for every record of another length, even when told to
 * accept them; so the streaming parser starts at the table and the title rows above it are read
 * here. Returns the preamble rows and the byte offset of the table, or null to parse from byte 0.
 */
function splitPreamble(
  head: Buffer,
  complete: boolean,
  dialect: CsvDialect,
): { rows: string[][]; offset: number } | null {
  const cut = complete ? head.length : head.lastIndexOf(0x0a) + 1;
  if (cut <= 0) return null;
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parseSync(head.subarray(0, cut), parserOptions(dialect) as never) as never;
  } catch {
    return null; // e.g. a quoted cell that spans the cut: parse from the start instead
  }
  const widths = new Map<number, number>();
  for (const r of records)
    if (r.record.length > 1) widths.set(r.record.length, (widths.get(r.record.length) ?? 0) + 1);
  let modal = 0;
  let most = 0;
  for (const [width, n] of widths) {
    if (n > most) [modal, most] = [width, n];
  }
  const first = records.findIndex((r) => r.record.length === modal);
  if (first <= 0) return null;
  return { rows: records.slice(0, first).map((r) => r.record), offset: records[first - 1]!.info.bytes };
}

async function* skipBytes(head: Buffer, rest: AsyncIterator<Buffer>, offset: number): AsyncGenerator<Buffer> {
  if (offset < head.length) yield head.subarray(offset);
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Yields every record of the file with its 1-based record number (the row a spreadsheet shows; a
 * quoted multi-line cell stays one row). Blank lines are yielded too, as rows with one empty cell,
 * so the numbering matches the file. Backpressure flows from the consumer to the byte source.
 */
export async function* parseCsvRows(
  source: AsyncIterable<Buffer>,
  dialect: CsvDialect,
): AsyncGenerator<RawRow> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size < headBytes) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks);
  const preamble = splitPreamble(head, complete, dialect);
  let rowOffset = 0;
  if (preamble) {
    for (const cells of preamble.rows) yield { row: ++rowOffset, cells: cells.map((c) => c.trim()) };
  }

  const parser = parse(parserOptions(dialect));
  const input = Readable.from(skipBytes(head, iterator, preamble?.offset ?? 0));
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { records: number } }>) {
      yield { row: rowOffset + item.info.records, cells: item.record.map((c) => c.trim()) };
    }
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
}
