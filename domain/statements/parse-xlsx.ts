// XLSX reader for carrier statements. The zip is read by its central directory (yauzl), so the parts
// are opened in the order the workbook needs them, whatever order the zip stores them in: styles and
// shared strings first, then each worksheet in workbook order, streamed through a SAX parser (sax,
// which hands over long text in chunks instead of buffering it). exceljs's streaming reader was
// replaced because it parked worksheets that came before the shared strings in temp files and
// replayed them racily (every shared string sometimes read as empty), and because nothing bounded
// how far a small file could expand.
//
// Everything is bounded (see XlsxLimits): the file, what it inflates to (checked against the sizes
// the zip declares before any large part is inflated, and counted again as it inflates), each part,
// the shared-string table, and each cell, which is cut at Excel's own 32,767 characters with its row
// flagged rather than buffered. There is no separate compression-ratio guard: a ratio cannot tell a
// zip bomb from a legitimately repetitive sheet (a long cell of one repeated character inflates
// 1000:1 like a bomb does), and the absolute bounds already refuse a bomb before it is inflated.
//
// Cells come out as text the validator reads the same way as CSV: date-styled numbers as ISO dates,
// numbers as plain decimals (never rounded through arithmetic), strings trimmed.
import { StringDecoder } from 'node:string_decoder';
import { setImmediate as nextTurn } from 'node:timers/promises';
import sax from 'sax';
import yauzl from 'yauzl';
import type { RawRow } from './types.ts';

export interface XlsxLimits {
  /** The file as uploaded: it is held in memory whole, since a zip is read from its end. */
  maxFileBytes: number;
  /** Every part read (workbook, styles, shared strings, worksheets) as it inflates, together. */
  maxDecompressedBytes: number;
  /** Each small part: the workbook, its relationships, the styles. */
  maxPartBytes: number;
  /** Entries in the table of shared strings, which is held in memory while the sheets are read. */
  maxSharedStrings: number;
  /** xl/sharedStrings.xml as it inflates. */
  maxSharedStringsBytes: number;
  /** A longer cell is cut to this and its row flagged with `problem`. */
  maxCellChars: number;
  /** Columns a row may reach (Excel's last is XFD, the 16,384th). */
  maxColumns: number;
  /** The highest row number a worksheet may use. */
  maxRows: number;
  /** Entries in the zip: each is held in memory while the workbook is read. */
  maxParts: number;
}

const MB = 1024 * 1024;

export const xlsxLimits: Readonly<XlsxLimits> = Object.freeze({
  maxFileBytes: 50 * MB,
  maxDecompressedBytes: 256 * MB,
  maxPartBytes: 16 * MB,
  maxSharedStrings: 1_000_000,
  maxSharedStringsBytes: 64 * MB,
  maxCellChars: 32_767,
  maxColumns: 16_384,
  maxRows: 1_048_576,
  maxParts: 10_000,
});

const excelCellChars = 32_767;

/** The workbook is beyond one of the limits; `limit` names which. */
export class XlsxLimitError extends Error {
  readonly limit: keyof XlsxLimits;
  constructor(limit: keyof XlsxLimits, message: string) {
    super(message);
    this.name = 'XlsxLimitError';
    this.limit = limit;
  }
}

/** The file is not a zip, is truncated, or lacks the parts every workbook has. */
export class XlsxUnreadableError extends Error {
  constructor(detail: string) {
    super(`not a readable XLSX workbook: ${detail}`);
    this.name = 'XlsxUnreadableError';
  }
}

/**
 * Yields every non-empty row of every worksheet, in workbook order, with the sheet's row number and
 * name. Empty rows are absent from XLSX, so the row numbers have gaps where the sheet has blank rows.
 * Throws XlsxLimitError or XlsxUnreadableError for the file as a whole; a row with a cell too long
 * to read carries `problem` instead.
 */
export async function* parseXlsxRows(
  source: AsyncIterable<Buffer>,
  limits: Partial<XlsxLimits> = {},
): AsyncGenerator<RawRow> {
  const bounds: XlsxLimits = { ...xlsxLimits, ...limits };
  const pkg = await openPackage(await collect(source, bounds.maxFileBytes), bounds);
  try {
    const book = await readWorkbook(pkg);
    const parts = [book.styles, book.sharedStrings, ...book.sheets.map((s) => s.part)];
    const declared = parts.reduce((n, part) => n + (part?.uncompressedSize ?? 0), pkg.budget.spent);
    if (declared > bounds.maxDecompressedBytes) throw pkg.budget.exceeded();
    const context: SheetContext = {
      dateStyles: book.styles ? await readDateStyles(pkg, book.styles) : [],
      shared: book.sharedStrings ? await readSharedStrings(pkg, book.sharedStrings) : noSharedStrings,
      date1904: book.date1904,
      limits: bounds,
    };
    for (const sheet of book.sheets) yield* readSheet(pkg, sheet.name, sheet.part, context);
  } finally {
    pkg.zip.close();
  }
}

async function collect(source: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) throw new XlsxLimitError('maxFileBytes', `the file is larger than ${size(max)}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

// --- The zip ---------------------------------------------------------------------------------------

interface Package {
  zip: yauzl.ZipFile;
  /** By lower-cased name: part names are case-insensitive in Open Packaging. */
  entries: Map<string, yauzl.Entry>;
  budget: InflateBudget;
  limits: XlsxLimits;
}

/** What every part inflates to, counted as it inflates, against maxDecompressedBytes. */
class InflateBudget {
  spent = 0;
  /** Bytes since the last turn of the event loop. */
  sinceTurn = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  spend(bytes: number): void {
    this.spent += bytes;
    if (this.spent > this.max) throw this.exceeded();
  }
  exceeded(): XlsxLimitError {
    return new XlsxLimitError(
      'maxDecompressedBytes',
      `the workbook expands to more than ${size(this.max)} when decompressed`,
    );
  }
}

async function openPackage(bytes: Buffer, limits: XlsxLimits): Promise<Package> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw unreadable(err);
  }
  try {
    if (zip.entryCount > limits.maxParts) {
      throw new XlsxLimitError(
        'maxParts',
        `the workbook's zip holds more than ${count(limits.maxParts)} files`,
      );
    }
    const entries = new Map<string, yauzl.Entry>();
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const name = entry.fileName.toLowerCase();
      // Two parts of one name would let two readers see two different workbooks.
      if (entries.has(name)) throw new XlsxUnreadableError(`it holds two files named ${entry.fileName}`);
      entries.set(name, entry);
    }
    return { zip, entries, budget: new InflateBudget(limits.maxDecompressedBytes), limits };
  } catch (err) {
    zip.close();
    throw err instanceof XlsxLimitError || err instanceof XlsxUnreadableError ? err : unreadable(err);
  }
}

const pieceBytes = 64 * 1024;
/** How much is inflated and parsed between two turns of the event loop (a few milliseconds' work). */
const turnBytes = 256 * 1024;

/**
 * A part's text as it inflates, in pieces small enough that sax checks its buffers often (it checks
 * once per write), counted against the budget and `cap` before each piece is handed on.
 */
async function* partText(
  pkg: Package,
  entry: yauzl.Entry,
  cap: { bytes: number; error: () => XlsxLimitError } | null,
): AsyncGenerator<string> {
  if (cap && entry.uncompressedSize > cap.bytes) throw cap.error();
  let stream: AsyncIterable<Buffer> & { destroy(): void };
  try {
    stream = await pkg.zip.openReadStreamPromise(entry);
  } catch (err) {
    throw unreadable(err, entry.fileName);
  }
  let decoder: StringDecoder | undefined;
  let partBytes = 0;
  try {
    for await (const chunk of stream) {
      for (let at = 0; at < chunk.length; at += pieceBytes) {
        const piece = chunk.subarray(at, at + pieceBytes);
        pkg.budget.spend(piece.length);
        partBytes += piece.length;
        if (cap && partBytes > cap.bytes) throw cap.error();
        decoder ??= new StringDecoder(piece[0] === 0xff && piece[1] === 0xfe ? 'utf16le' : 'utf8');
        yield decoder.write(piece);
        pkg.budget.sinceTurn += piece.length;
        if (pkg.budget.sinceTurn >= turnBytes) {
          pkg.budget.sinceTurn = 0;
          await nextTurn();
        }
      }
    }
  } catch (err) {
    throw err instanceof XlsxLimitError ? err : unreadable(err, entry.fileName);
  } finally {
    stream.destroy();
  }
  if (decoder) yield decoder.end();
}

interface XmlHandler {
  open(name: string, attrs: Record<string, string>): void;
  close(name: string): void;
  text(text: string): void;
}

/** A strict SAX parser reporting local names (some writers prefix every element, as in `x:c`). */
function xmlParser(handler: XmlHandler): sax.SAXParser {
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  parser.onopentag = (node) => handler.open(localName(node.name), node.attributes as Record<string, string>);
  parser.onclosetag = (name) => handler.close(localName(name));
  parser.ontext = (text) => handler.text(text);
  parser.oncdata = (text) => handler.text(text);
  parser.onerror = (err) => {
    throw err;
  };
  return parser;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function feed(parser: sax.SAXParser, text: string | null, part: string): void {
  try {
    if (text === null) parser.close();
    else parser.write(text);
  } catch (err) {
    if (err instanceof XlsxLimitError || err instanceof XlsxUnreadableError) throw err;
    throw unreadable(err, part);
  }
}

async function parsePart(
  pkg: Package,
  entry: yauzl.Entry,
  handler: XmlHandler,
  cap: { bytes: number; error: () => XlsxLimitError },
): Promise<void> {
  const parser = xmlParser(handler);
  for await (const text of partText(pkg, entry, cap)) feed(parser, text, entry.fileName);
  feed(parser, null, entry.fileName);
}

function smallPart(pkg: Package, entry: yauzl.Entry) {
  const max = pkg.limits.maxPartBytes;
  return {
    bytes: max,
    error: () =>
      new XlsxLimitError('maxPartBytes', `the workbook's ${entry.fileName} is larger than ${size(max)}`),
  };
}

// --- The workbook: sheets, their parts, the date system --------------------------------------------

interface Relationship {
  id: string;
  /** Ends in /worksheet, /styles, /sharedStrings... (transitional and strict namespaces differ). */
  type: string;
  /** The part's name, resolved from the package root. */
  part: string;
}

async function readRelationships(pkg: Package, source: string): Promise<Relationship[]> {
  const slash = source.lastIndexOf('/');
  const path = `${source.slice(0, slash + 1)}_rels/${source.slice(slash + 1)}.rels`;
  const entry = pkg.entries.get(path.toLowerCase());
  if (!entry) return [];
  const found: Relationship[] = [];
  await parsePart(
    pkg,
    entry,
    {
      open(name, attrs) {
        if (name !== 'Relationship' || attrs.TargetMode === 'External') return;
        const { Id: id = '', Type: type = '', Target: target = '' } = attrs;
        found.push({ id, type, part: resolvePart(source, target) });
      },
      close() {},
      text() {},
    },
    smallPart(pkg, entry),
  );
  return found;
}

/** A relationship target as a part name: relative to the source part's folder, or absolute. */
function resolvePart(source: string, target: string): string {
  let path = target.split('#')[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not percent-encoded after all: use it as written.
  }
  const segments = path.startsWith('/') ? [] : source.split('/').slice(0, -1);
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments.join('/');
}

const typeIs = (rel: Relationship, kind: string) => rel.type.endsWith(`/${kind}`);

interface Workbook {
  sheets: { name: string; part: yauzl.Entry }[];
  date1904: boolean;
  styles: yauzl.Entry | undefined;
  sharedStrings: yauzl.Entry | undefined;
}

async function readWorkbook(pkg: Package): Promise<Workbook> {
  const main = (await readRelationships(pkg, '')).find((r) => typeIs(r, 'officeDocument'));
  const path = main?.part ?? 'xl/workbook.xml';
  const entry = pkg.entries.get(path.toLowerCase());
  if (!entry) throw new XlsxUnreadableError(`it has no workbook part (${path})`);
  const declared: { name: string; rel: string }[] = [];
  let date1904 = false;
  await parsePart(
    pkg,
    entry,
    {
      open(name, attrs) {
        if (name === 'workbookPr') date1904 = attrs.date1904 === '1' || attrs.date1904 === 'true';
        if (name !== 'sheet') return;
        // The relationship id is `r:id`, whatever prefix the writer bound to the namespace.
        const rel = Object.entries(attrs).find(([key]) => key.includes(':') && localName(key) === 'id');
        declared.push({ name: attrs.name ?? `Sheet${declared.length + 1}`, rel: rel?.[1] ?? '' });
      },
      close() {},
      text() {},
    },
    smallPart(pkg, entry),
  );
  const rels = await readRelationships(pkg, path);
  const part = (rel: Relationship | undefined, fallback: string) =>
    pkg.entries.get((rel?.part ?? fallback).toLowerCase());
  const sheets: Workbook['sheets'] = [];
  for (const sheet of declared) {
    const rel = rels.find((r) => r.id === sheet.rel);
    // Chart sheets and macro sheets hold no cells.
    if (rel && !typeIs(rel, 'worksheet')) continue;
    const sheetPart = rel && pkg.entries.get(rel.part.toLowerCase());
    if (!sheetPart) throw new XlsxUnreadableError(`the part of worksheet "${sheet.name}" is missing`);
    sheets.push({ name: sheet.name, part: sheetPart });
  }
  return {
    sheets,
    date1904,
    styles: part(
      rels.find((r) => typeIs(r, 'styles')),
      'xl/styles.xml',
    ),
    sharedStrings: part(
      rels.find((r) => typeIs(r, 'sharedStrings')),
      'xl/sharedStrings.xml',
    ),
  };
}

// --- Styles: which cell styles show a number as a date ---------------------------------------------

/** Built-in number formats that are dates or times (ECMA-376 18.8.30, with the East Asian ones). */
const builtInDateFormats = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54,
  55, 56, 57, 58,
]);

/**
 * Whether a custom number format shows a date or time, as Excel decides: by a d/m/y/h/s token
 * outside quoted text, backslash escapes, `_x` padding, `*x` fill and bracketed colours, locales and
 * conditions; `[h]`, `[mm]`, `[ss]` (elapsed time) count as time.
 */
export function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\\.|_.|\*.|\[[^\]]*\]/g, (token) =>
    /^\[(h+|m+|s+)\]$/i.test(token) ? 'h' : '',
  );
  return /[dmyhs]/i.test(bare);
}

/** For each cell style (the `s` of a cell, an index into cellXfs): is it a date format? */
async function readDateStyles(pkg: Package, entry: yauzl.Entry): Promise<boolean[]> {
  const custom = new Map<number, string>();
  const xfs: number[] = [];
  let inNumFmts = false;
  let inCellXfs = false;
  await parsePart(
    pkg,
    entry,
    {
      open(name, attrs) {
        if (name === 'numFmts') inNumFmts = true;
        else if (name === 'cellXfs') inCellXfs = true;
        // numFmt also appears inside dxfs (conditional formats), and xf inside cellStyleXfs.
        else if (name === 'numFmt' && inNumFmts) custom.set(Number(attrs.numFmtId), attrs.formatCode ?? '');
        else if (name === 'xf' && inCellXfs) xfs.push(Number(attrs.numFmtId ?? 0));
      },
      close(name) {
        if (name === 'numFmts') inNumFmts = false;
        else if (name === 'cellXfs') inCellXfs = false;
      },
      text() {},
    },
    smallPart(pkg, entry),
  );
  return xfs.map((id) => {
    const code = custom.get(id);
    return code === undefined ? builtInDateFormats.has(id) : isDateFormat(code);
  });
}

// --- Cell text -----------------------------------------------------------------------------------

/**
 * Text of one cell as it streams in, keeping at most `cap` characters and discarding the rest, so a
 * hostile cell costs no more memory than a long legitimate one.
 */
class BoundedText {
  private readonly cap: number;
  private readonly parts: string[] = [];
  private length = 0;
  overflowed = false;
  constructor(cap: number) {
    this.cap = cap;
  }
  add(text: string): void {
    const room = this.cap - this.length;
    if (text.length <= room) {
      this.parts.push(text);
      this.length += text.length;
    } else {
      if (room > 0) this.parts.push(text.slice(0, room));
      this.length = this.cap;
      this.overflowed = true;
    }
  }
  get text(): string {
    return this.parts.join('');
  }
}

/** Characters XML cannot carry are written `_xHHHH_` in OOXML strings; `_x005F_` is a literal `_`. */
const escapedChar = /_x([0-9A-Fa-f]{4})_/g;
/** Every escape is 7 characters for 1, so this many raw characters are enough for a full cell. */
const rawPerChar = 7;

/**
 * A string cell's final text: escapes decoded, cut to maxCellChars, trimmed. Whitespace inside is
 * kept whatever xml:space says (Excel keeps it too); the ends are trimmed like every cell's.
 */
function stringText(raw: BoundedText, maxChars: number): { text: string; cut: boolean } {
  let text = raw.text;
  if (text.includes('_x'))
    text = text.replace(escapedChar, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  let cut = raw.overflowed;
  if (text.length > maxChars) {
    text = text.slice(0, maxChars);
    cut = true;
  }
  // Never leave half of a surrogate pair at the cut.
  if (cut && /[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
  return { text: text.trim(), cut };
}

const canonicalDecimal = /^(?:-?[1-9]\d*|0)(?:\.\d*[1-9])?$/;
const decimalPattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;

/** A decimal or E-notation number as plain decimal text, exactly, by moving digits (no arithmetic). */
function plainDecimal(v: string): { text: string; digits: number } | null {
  const m = decimalPattern.exec(v);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const [, sign, whole = '', fraction = '', exponent = '0'] = m;
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  const significant = digits.replace(/^0+/, '');
  point -= digits.length - significant.length;
  digits = significant.replace(/0+$/, '');
  if (digits === '') return { text: '0', digits: 0 };
  // Beyond what a double holds: Excel cannot have written it.
  if (point > 309) return null;
  if (point < -330) return { text: '0', digits: 0 };
  const text =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return { text: sign === '-' ? `-${text}` : text, digits: digits.length };
}

/**
 * A number cell's text. The value is kept exactly as written unless it has more significant digits
 * than Excel's 15 and is the full-precision spelling of a shorter double (Excel writes 0.1 as
 * 0.10000000000000001): then the shortest spelling of that double. E-notation comes out plain
 * (1E-7 is 0.0000001), since statement amounts are read as plain decimals.
 */
export function numberText(v: string): string {
  // The common case, already canonical and short: most cells of a statement.
  if (v.length <= 15 && canonicalDecimal.test(v)) return v;
  const exact = plainDecimal(v);
  if (!exact) return v;
  if (exact.digits > 15) {
    const shortest = plainDecimal(String(Number(v)));
    if (shortest && shortest.digits <= 15) return shortest.text;
  }
  return exact.text;
}

/** Excel's last date, 9999-12-31, as a 1900-system serial. */
const lastSerial = 2_958_465;

/**
 * A date serial as an ISO date (a date-time keeps its date). 1900 system: serial 25569 is
 * 1970-01-01, and serials before 61 are one day off because Excel (after Lotus) counts a
 * 1900-02-29 that never was. 1904 system: serial 0 is 1904-01-01.
 */
export function serialDate(serial: number, date1904: boolean): string | null {
  if (!Number.isFinite(serial) || serial < 0) return null;
  const days = date1904 ? serial + 1462 : serial < 61 ? serial + 1 : serial;
  if (days >= lastSerial + 1) return null;
  return new Date(Math.round((days - 25569) * 86_400_000)).toISOString().slice(0, 10);
}

// --- Shared strings ------------------------------------------------------------------------------

interface SharedStrings {
  texts: string[];
  /** Indexes of strings cut at maxCellChars: a cell showing one is flagged. */
  cut: Set<number>;
}

const noSharedStrings: SharedStrings = { texts: [], cut: new Set() };

async function readSharedStrings(pkg: Package, entry: yauzl.Entry): Promise<SharedStrings> {
  const { maxSharedStrings, maxSharedStringsBytes, maxCellChars } = pkg.limits;
  const table: SharedStrings = { texts: [], cut: new Set() };
  let item: BoundedText | null = null;
  let inText = false;
  let phonetic = 0;
  await parsePart(
    pkg,
    entry,
    {
      open(name) {
        if (name === 'si') {
          if (table.texts.length >= maxSharedStrings) {
            throw new XlsxLimitError(
              'maxSharedStrings',
              `the workbook has more than ${count(maxSharedStrings)} distinct text values (shared strings)`,
            );
          }
          item = new BoundedText(maxCellChars * rawPerChar);
        } else if (name === 't') inText = true;
        // Phonetic guides (furigana) are not part of the cell's text.
        else if (name === 'rPh') phonetic++;
      },
      close(name) {
        if (name === 't') inText = false;
        else if (name === 'rPh') phonetic--;
        else if (name === 'si' && item) {
          const { text, cut } = stringText(item, maxCellChars);
          if (cut) table.cut.add(table.texts.length);
          table.texts.push(text);
          item = null;
        }
      },
      text(text) {
        if (item && inText && phonetic === 0) item.add(text);
      },
    },
    {
      bytes: maxSharedStringsBytes,
      error: () =>
        new XlsxLimitError(
          'maxSharedStringsBytes',
          `the workbook's table of text values (shared strings) is larger than ${size(maxSharedStringsBytes)}`,
        ),
    },
  );
  return table;
}

// --- Worksheets ----------------------------------------------------------------------------------

interface SheetContext {
  dateStyles: boolean[];
  shared: SharedStrings;
  date1904: boolean;
  limits: XlsxLimits;
}

async function* readSheet(
  pkg: Package,
  name: string,
  entry: yauzl.Entry,
  context: SheetContext,
): AsyncGenerator<RawRow> {
  const rows = new SheetRows(name, context);
  const parser = xmlParser(rows);
  for await (const text of partText(pkg, entry, null)) {
    feed(parser, text, entry.fileName);
    const ready = rows.take();
    for (const row of ready) yield row;
  }
  feed(parser, null, entry.fileName);
  for (const row of rows.take()) yield row;
}

/** Turns a worksheet's SAX events into rows; completed rows wait in `ready` until taken. */
class SheetRows implements XmlHandler {
  private readonly sheet: string;
  private readonly context: SheetContext;
  private ready: RawRow[] = [];
  private inSheetData = false;
  private rowNumber = 0;
  private cells: string[] = [];
  private problem: string | undefined;
  private nextColumn = 0;
  // The cell being read.
  private inCell = false;
  private column = 0;
  private type = '';
  private style = 0;
  private value: BoundedText | null = null;
  private inline: BoundedText | null = null;
  private inValue = false;
  private inInline = false;
  private inText = false;
  private phonetic = 0;

  constructor(sheet: string, context: SheetContext) {
    this.sheet = sheet;
    this.context = context;
  }

  take(): RawRow[] {
    const ready = this.ready;
    if (ready.length > 0) this.ready = [];
    return ready;
  }

  open(name: string, attrs: Record<string, string>): void {
    if (name === 'sheetData') this.inSheetData = true;
    else if (!this.inSheetData) return;
    else if (name === 'row') this.startRow(attrs.r);
    else if (name === 'c') this.startCell(attrs);
    else if (!this.inCell) return;
    else if (name === 'v') {
      this.inValue = true;
      this.value = new BoundedText(this.context.limits.maxCellChars * rawPerChar);
    } else if (name === 'is') {
      this.inInline = true;
      this.inline = new BoundedText(this.context.limits.maxCellChars * rawPerChar);
    } else if (name === 't') this.inText = true;
    else if (name === 'rPh') this.phonetic++;
  }

  close(name: string): void {
    if (name === 'sheetData') this.inSheetData = false;
    else if (name === 'row') this.finishRow();
    else if (name === 'c') this.finishCell();
    else if (name === 'v') this.inValue = false;
    else if (name === 'is') this.inInline = false;
    else if (name === 't') this.inText = false;
    else if (name === 'rPh') this.phonetic--;
  }

  text(text: string): void {
    if (this.inValue) this.value?.add(text);
    else if (this.inInline && this.inText && this.phonetic === 0) this.inline?.add(text);
  }

  private startRow(r: string | undefined): void {
    const number = r === undefined ? this.rowNumber + 1 : Number(r);
    if (!Number.isInteger(number) || number < 1) throw new XlsxUnreadableError(`a row is numbered "${r}"`);
    const { maxRows } = this.context.limits;
    if (number > maxRows) {
      throw new XlsxLimitError(
        'maxRows',
        `worksheet "${this.sheet}" has a row numbered above ${count(maxRows)}${maxRows === xlsxLimits.maxRows ? ", Excel's last row" : ''}`,
      );
    }
    this.rowNumber = number;
    this.cells = [];
    this.problem = undefined;
    this.nextColumn = 0;
  }

  private startCell(attrs: Record<string, string>): void {
    const column = attrs.r ? columnOf(attrs.r) : null;
    this.column = column ?? this.nextColumn;
    const { maxColumns } = this.context.limits;
    if (this.column >= maxColumns) {
      throw new XlsxLimitError(
        'maxColumns',
        `worksheet "${this.sheet}" has a cell (${attrs.r ?? cellName(this.column, this.rowNumber)}) beyond column ${columnName(maxColumns - 1)}${maxColumns === xlsxLimits.maxColumns ? ", Excel's last column" : ''}`,
      );
    }
    this.nextColumn = this.column + 1;
    this.type = attrs.t ?? 'n';
    this.style = Number(attrs.s ?? 0);
    this.inCell = true;
    this.value = null;
    this.inline = null;
  }

  private finishCell(): void {
    if (!this.inCell) return;
    this.inCell = this.inValue = this.inInline = this.inText = false;
    this.phonetic = 0;
    const text = this.cellText();
    while (this.cells.length < this.column) this.cells.push('');
    this.cells[this.column] = text;
  }

  private finishRow(): void {
    const cells = this.cells;
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0 || this.problem) {
      this.ready.push({
        row: this.rowNumber,
        cells,
        sheet: this.sheet,
        ...(this.problem ? { problem: this.problem } : {}),
      });
    }
    this.cells = [];
    this.problem = undefined;
  }

  private flag(problem: string): void {
    // The first problem names the row's trouble; the importer refuses the row either way.
    this.problem ??= problem;
  }

  private flagLong(): void {
    const max = this.context.limits.maxCellChars;
    this.flag(
      `cell ${cellName(this.column, this.rowNumber)} is longer than ${count(max)} characters${max === excelCellChars ? " (Excel's own limit)" : ''}; only the start was read`,
    );
  }

  private cellText(): string {
    const { maxCellChars } = this.context.limits;
    const value = this.value;
    const v = value?.text.trim() ?? '';
    if (value?.overflowed) this.flagLong();
    switch (this.type) {
      case 's': {
        const index = Number(v);
        const text = v === '' ? undefined : this.context.shared.texts[index];
        if (text === undefined) {
          if (v !== '') {
            this.flag(
              `cell ${cellName(this.column, this.rowNumber)} refers to text value ${v}, which the workbook does not have`,
            );
          }
          return '';
        }
        if (this.context.shared.cut.has(index)) this.flagLong();
        return text;
      }
      case 'inlineStr':
      case 'str':
      case 'e': {
        // Some writers put an inline string's text in <v>.
        const raw = this.inline ?? value;
        if (!raw) return '';
        const { text, cut } = stringText(raw, maxCellChars);
        if (cut) this.flagLong();
        return text;
      }
      case 'b':
        return v === '1' || v === 'true' ? 'TRUE' : v === '0' || v === 'false' ? 'FALSE' : v;
      case 'd':
        // ISO 8601 text; a date-time keeps its date, as a date-styled serial does.
        return /^\d{4}-\d{2}-\d{2}/.exec(v)?.[0] ?? v;
      default: {
        if (v === '') return '';
        if (this.context.dateStyles[this.style]) {
          const date = serialDate(Number(v), this.context.date1904);
          if (date) return date;
        }
        return numberText(v);
      }
    }
  }
}

/** Zero-based column of a reference like "C5" or "$AB$12"; null if it is not one. */
function columnOf(ref: string): number | null {
  const letters = /^\$?([A-Za-z]{1,7})\$?\d*$/.exec(ref)?.[1];
  if (!letters) return null;
  let column = 0;
  for (const ch of letters.toUpperCase()) column = column * 26 + (ch.charCodeAt(0) - 64);
  return column - 1;
}

function columnName(column: number): string {
  let name = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

const cellName = (column: number, row: number) => `${columnName(column)}${row}`;

// --- Messages ------------------------------------------------------------------------------------

function unreadable(err: unknown, part?: string): XlsxUnreadableError {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ', ');
  return new XlsxUnreadableError(part ? `${part}: ${message}` : message);
}

const count = (n: number) => n.toLocaleString('en-US');

function size(bytes: number): string {
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}
