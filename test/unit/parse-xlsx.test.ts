// The XLSX reader on workbooks built here: ordinary ones written by exceljs, and zips laid out by
// hand (yazl, whose native deflate makes a 500 MB part in a second) where the order of the parts or
// hostile content is the point.
import { Readable } from 'node:stream';
import { buffer as streamBytes } from 'node:stream/consumers';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import yauzl from 'yauzl';
import yazl from 'yazl';
import {
  isDateFormat,
  numberText,
  parseXlsxRows,
  serialDate,
  type XlsxLimits,
} from '../../domain/statements/parse-xlsx.ts';
import type { RawRow } from '../../domain/statements/types.ts';

async function* chunks(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
}

async function read(bytes: Buffer, limits?: Partial<XlsxLimits>): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of parseXlsxRows(chunks(bytes), limits)) rows.push(row);
  return rows;
}

/** The rows of each sheet as cells only, for compact expectations. */
function bySheet(rows: RawRow[]): Record<string, Record<number, string[]>> {
  const out: Record<string, Record<number, string[]>> = {};
  for (const r of rows) out[r.sheet!] = { ...out[r.sheet!], [r.row]: r.cells };
  return out;
}

// --- Hand-made workbooks -------------------------------------------------------------------------

const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const relNs = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const relType = (kind: string) => `${relNs}/${kind}`;
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`;

interface HandMade {
  /** In workbook order; `target` is the relationship's Target as written. */
  sheets: { name: string; target: string; part: string; rows: string }[];
  sharedStrings?: string[];
  /** cellXfs numFmtIds, and custom formats by id. */
  styles?: { xfs: number[]; formats?: Record<number, string> };
  date1904?: boolean;
}

/** The parts of a workbook, in a conventional order (callers reorder them at will). */
function handMadeParts(book: HandMade): [string, string][] {
  const rels = book.sheets.map(
    (s, i) => `<Relationship Id="rId${i + 1}" Type="${relType('worksheet')}" Target="${s.target}"/>`,
  );
  if (book.styles) rels.push(`<Relationship Id="rS" Type="${relType('styles')}" Target="styles.xml"/>`);
  if (book.sharedStrings) {
    rels.push(`<Relationship Id="rT" Type="${relType('sharedStrings')}" Target="sharedStrings.xml"/>`);
  }
  const parts: [string, string][] = [
    [
      '[Content_Types].xml',
      xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    ],
    [
      '_rels/.rels',
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${relType('officeDocument')}" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ],
    [
      'xl/workbook.xml',
      xml(
        `<workbook xmlns="${main}" xmlns:r="${relNs}">${book.date1904 ? '<workbookPr date1904="1"/>' : '<workbookPr/>'}<sheets>${book.sheets
          .map((s, i) => `<sheet name="${s.name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
          .join('')}</sheets></workbook>`,
      ),
    ],
    [
      'xl/_rels/workbook.xml.rels',
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`,
      ),
    ],
  ];
  if (book.styles) {
    const formats = Object.entries(book.styles.formats ?? {});
    parts.push([
      'xl/styles.xml',
      xml(
        `<styleSheet xmlns="${main}"><numFmts count="${formats.length}">${formats
          .map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${code.replaceAll('"', '&quot;')}"/>`)
          .join(
            '',
          )}</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="${book.styles.xfs.length}">${book.styles.xfs
          .map((id) => `<xf numFmtId="${id}" fontId="0" applyNumberFormat="1"/>`)
          .join(
            '',
          )}</cellXfs><dxfs count="1"><dxf><numFmt numFmtId="0" formatCode="yyyy"/></dxf></dxfs></styleSheet>`,
      ),
    ]);
  }
  if (book.sharedStrings) {
    parts.push([
      'xl/sharedStrings.xml',
      xml(
        `<sst xmlns="${main}" count="${book.sharedStrings.length}" uniqueCount="${book.sharedStrings.length}">${book.sharedStrings.join('')}</sst>`,
      ),
    ]);
  }
  for (const s of book.sheets) {
    parts.push([s.part, xml(`<worksheet xmlns="${main}"><sheetData>${s.rows}</sheetData></worksheet>`)]);
  }
  return parts;
}

/** A zip holding the parts in exactly the order given; a Readable part is deflated as it streams. */
async function zipOf(parts: [string, string | Buffer | Readable][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of parts) {
    if (data instanceof Readable) zip.addReadStream(data, name, { compressionLevel: 1 });
    else zip.addBuffer(Buffer.from(data), name);
  }
  zip.end();
  return streamBytes(zip.outputStream);
}

/** The entries of a zip in a new order: those matching `first` ahead of the rest. */
async function reordered(
  bytes: Buffer,
  first: (name: string) => boolean,
): Promise<{ bytes: Buffer; names: string[] }> {
  const zip = await yauzl.fromBufferPromise(bytes);
  const entries: [string, Buffer][] = [];
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    entries.push([entry.fileName, await streamBytes(await zip.openReadStreamPromise(entry))]);
  }
  const parts = [...entries.filter(([n]) => first(n)), ...entries.filter(([n]) => !first(n))];
  return { bytes: await zipOf(parts), names: parts.map(([n]) => n) };
}

// --- Ordinary workbooks --------------------------------------------------------------------------

async function twoSheetWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const summary = wb.addWorksheet('Summary');
  summary.addRow(['Carrier statement', 'April 2026']);
  summary.addRow(['Agency', 'Acme Insurance']);
  const lines = wb.addWorksheet('Lines');
  lines.addRow(['Policy', 'Insured', 'Premium', 'Commission']);
  for (let i = 1; i <= 200; i++) lines.addRow([`POL-${1000 + i}`, `Insured ${i % 37}`, i * 10.5, i * 1.25]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('the order of the parts in the zip does not matter', () => {
  test('worksheets before the shared strings (Excel’s usual order) read the same 30 times in 30, and as shared strings first', async () => {
    const original = await twoSheetWorkbook();
    const sheetsFirst = await reordered(original, (n) => n.startsWith('xl/worksheets/'));
    const stringsFirst = await reordered(original, (n) => n === 'xl/sharedStrings.xml');
    expect(sheetsFirst.names.indexOf('xl/worksheets/sheet2.xml')).toBeLessThan(
      sheetsFirst.names.indexOf('xl/sharedStrings.xml'),
    );
    expect(stringsFirst.names[0]).toBe('xl/sharedStrings.xml');

    const expected = await read(stringsFirst.bytes);
    expect(expected).toHaveLength(2 + 201);
    expect(expected[0]).toEqual({ row: 1, cells: ['Carrier statement', 'April 2026'], sheet: 'Summary' });
    expect(expected[2]).toEqual({
      row: 1,
      cells: ['Policy', 'Insured', 'Premium', 'Commission'],
      sheet: 'Lines',
    });
    expect(expected[3]).toEqual({ row: 2, cells: ['POL-1001', 'Insured 1', '10.5', '1.25'], sheet: 'Lines' });
    expect(expected.at(-1)).toEqual({
      row: 201,
      cells: ['POL-1200', 'Insured 15', '2100', '250'],
      sheet: 'Lines',
    });

    const differing: number[] = [];
    for (let i = 0; i < 30; i++) {
      const rows = await read(sheetsFirst.bytes);
      if (JSON.stringify(rows) !== JSON.stringify(expected)) differing.push(i);
    }
    expect(differing).toEqual([]);
    expect(await read(original)).toEqual(expected);
  });

  test('sheets come in workbook order, not zip order, with relative and absolute targets', async () => {
    const parts = handMadeParts({
      sheets: [
        {
          name: 'First',
          target: '/xl/worksheets/sheet2.xml',
          part: 'xl/worksheets/sheet2.xml',
          rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>one</t></is></c></row>',
        },
        {
          name: 'Second',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>two</t></is></c></row>',
        },
      ],
    });
    // sheet1.xml (the second sheet) first in the zip.
    const rows = await read(await zipOf([...parts].reverse()));
    expect(rows.map((r) => [r.sheet, r.cells[0]])).toEqual([
      ['First', 'one'],
      ['Second', 'two'],
    ]);
  });
});

describe('cell values', () => {
  test('an exceljs workbook: strings, rich text, numbers, booleans, errors, formulas, dates', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Statement');
    ws.getCell('A1').value = '  Policy  ';
    ws.getCell('B1').value = { richText: [{ text: 'Named ', font: { bold: true } }, { text: 'Insured' }] };
    ws.getCell('C1').value = true;
    ws.getCell('D1').value = false;
    ws.getCell('E1').value = { error: '#N/A' };
    ws.getCell('A3').value = 0.1;
    ws.getCell('B3').value = 1234.5;
    ws.getCell('C3').value = -45;
    ws.getCell('D3').value = 1e-7;
    ws.getCell('E3').value = 0.1 + 0.2;
    ws.getCell('F3').value = { formula: 'B3*2', result: 2469 };
    ws.getCell('G3').value = { formula: 'UPPER(A1)', result: 'POLICY' };
    ws.getCell('A6').value = new Date(Date.UTC(2026, 3, 15));
    ws.getCell('B6').value = new Date(Date.UTC(2026, 3, 15, 18, 30));
    ws.getCell('B6').numFmt = 'dd/mm/yyyy hh:mm';
    ws.getCell('C6').value = 46127;
    ws.getCell('C6').numFmt = '[$-409]mmmm d, yyyy';
    ws.getCell('D6').value = 46127;
    ws.getCell('D6').numFmt = '#,##0.00 "days"';
    ws.getCell('F8').value = 'far right';
    const rows = await read(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(rows).toEqual([
      { row: 1, sheet: 'Statement', cells: ['Policy', 'Named Insured', 'TRUE', 'FALSE', '#N/A'] },
      {
        row: 3,
        sheet: 'Statement',
        cells: ['0.1', '1234.5', '-45', '0.0000001', '0.30000000000000004', '2469', 'POLICY'],
      },
      { row: 6, sheet: 'Statement', cells: ['2026-04-15', '2026-04-15', '2026-04-15', '46127'] },
      { row: 8, sheet: 'Statement', cells: ['', '', '', '', '', 'far right'] },
    ]);
  });

  test('a hand-made workbook: shared and rich strings, phonetics, escapes, every cell type, sparse cells and rows', async () => {
    const sharedStrings = [
      '<si><t>Plain</t></si>',
      '<si><r><rPr><b/></rPr><t xml:space="preserve">Rich </t></r><r><t>text</t></r></si>',
      '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>',
      '<si><t xml:space="preserve">  padded  </t></si>',
      '<si><t>line_x000D_break and _x005F_x0041_ literal</t></si>',
      '<si><t>A &amp; B &lt;C&gt;</t></si>',
    ];
    const rows = [
      '<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="s"><v>2</v></c><c r="E2" t="s"><v>3</v></c><c r="F2" t="s"><v>4</v></c><c r="G2" t="s"><v>5</v></c></row>',
      '<row r="3"><c r="A3" t="inlineStr"><is><r><t>inline </t></r><r><rPr><i/></rPr><t>rich</t></r></is></c><c r="C3" t="str"><f>UPPER(A3)</f><v>INLINE RICH</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F3" t="d"><v>2026-04-15T13:45:00Z</v></c></row>',
      // Numbers: exact text kept; Excel's 17-digit spellings of short doubles come out short.
      '<row r="5"><c r="A5"><v>0.1</v></c><c r="B5"><v>0.10000000000000001</v></c><c r="C5" t="n"><v>-45</v></c><c r="D5"><v>1E-7</v></c><c r="E5"><v>9.9999999999999995E-8</v></c><c r="F5"><v>12345678901234567890</v></c><c r="G5"><f>SUM(A5:B5)</f><v>1234.5</v></c><c r="H5"><v>1.5E+21</v></c></row>',
      // Dates: built-in 14 and 22, custom with escapes, elapsed time; not dates: quoted text, colour.
      '<row r="9"><c r="A9" s="1"><v>46127</v></c><c r="B9" s="2"><v>45397.75</v></c><c r="C9" s="3"><v>1</v></c><c r="D9" s="3"><v>59</v></c><c r="E9" s="3"><v>61</v></c><c r="F9" s="4"><v>25569.5</v></c><c r="G9" s="5"><v>46127</v></c><c r="H9" s="6"><v>46127</v></c><c r="I9"><v>46127</v></c></row>',
      // No r on the row: the next number. No r on cells: the next column.
      '<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c><c r="E10"><v>5</v></c><c><v>6</v></c></row>',
      // Present but empty: styled blanks, an empty string, whitespace only.
      '<row r="11"><c r="A11" s="1"/><c r="B11" t="inlineStr"><is><t></t></is></c><c r="C11" t="inlineStr"><is><t xml:space="preserve">   </t></is></c></row>',
      '<row r="20" spans="1:3"><c r="C20" t="s"><v>0</v></c><c r="E20" s="1"/></row>',
    ];
    const parts = handMadeParts({
      sheets: [
        {
          name: 'Data',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: rows.join(''),
        },
      ],
      sharedStrings,
      styles: {
        xfs: [0, 14, 22, 164, 165, 166, 167],
        formats: { 164: 'yyyy\\-mm\\-dd', 165: '[h]:mm', 166: '#,##0.00 "days"', 167: '[Red]#,##0' },
      },
    });
    expect(bySheet(await read(await zipOf(parts)))).toEqual({
      Data: {
        2: ['', 'Plain', 'Rich text', '東京', 'padded', 'line\rbreak and _x0041_ literal', 'A & B <C>'],
        3: ['inline rich', '', 'INLINE RICH', 'TRUE', '#DIV/0!', '2026-04-15'],
        5: [
          '0.1',
          '0.1',
          '-45',
          '0.0000001',
          '0.0000001',
          '12345678901234567890',
          '1234.5',
          '1500000000000000000000',
        ],
        9: [
          '2026-04-15',
          '2024-04-15',
          '1900-01-01',
          '1900-02-28',
          '1900-03-01',
          '1970-01-01',
          '46127',
          '46127',
          '46127',
        ],
        10: ['x', 'y', '', '', '5', '6'],
        20: ['', '', 'Plain'],
      },
    });
  });

  test('characters of several bytes read whole where the inflated chunks split them', async () => {
    const text = 'Ünïcødé €uro 東京 😀 '.repeat(1500);
    const parts = handMadeParts({
      sheets: [
        {
          name: 'Wide',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: [1, 2, 3, 4]
            .map((r) => `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>${text}</t></is></c></row>`)
            .join(''),
        },
      ],
    });
    const rows = await read(await zipOf(parts));
    expect(rows.map((r) => r.cells[0] === text.trim() && r.problem === undefined)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  test('the 1904 date system', async () => {
    const parts = handMadeParts({
      date1904: true,
      sheets: [
        {
          name: 'Mac',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: '<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>44000</v></c><c r="C1"><v>44000</v></c></row>',
        },
      ],
      styles: { xfs: [0, 14] },
    });
    expect((await read(await zipOf(parts)))[0]!.cells).toEqual(['1904-01-01', '2024-06-19', '44000']);
  });

  test('date formats, serials and number text', () => {
    for (const code of [
      'yyyy-mm-dd',
      'd-mmm-yy',
      'h:mm AM/PM',
      '[h]:mm:ss',
      '[$-409]mmmm d, yyyy',
      'mm:ss.0',
    ])
      expect(isDateFormat(code), code).toBe(true);
    for (const code of [
      'General',
      '0.00',
      '#,##0.00 "days"',
      '[Red]#,##0',
      '0.00E+00',
      '@',
      '_("$"* #,##0_)',
    ])
      expect(isDateFormat(code), code).toBe(false);
    expect(serialDate(25569, false)).toBe('1970-01-01');
    expect(serialDate(60, false)).toBe('1900-03-01');
    expect(serialDate(45397.999999999, false)).toBe('2024-04-16');
    expect(serialDate(-1, false)).toBeNull();
    expect(serialDate(3_000_000, false)).toBeNull();
    expect(serialDate(1462, true)).toBe('1908-01-02');
    expect(
      ['0', '-0', '007', '0.50', '1e3', '-1.25E-2', '123456789012345678', '1E+400'].map(numberText),
    ).toEqual(['0', '0', '7', '0.5', '1000', '-0.0125', '123456789012345678', '1E+400']);
  });
});

// --- Hostile and broken input --------------------------------------------------------------------

/** A one-sheet workbook whose sheet XML is streamed in, so a huge cell never exists as one string. */
function streamedWorkbook(sheetXml: () => Generator<string | Buffer>): Promise<Buffer> {
  const parts: [string, string | Readable][] = handMadeParts({
    sheets: [{ name: 'Big', target: 'worksheets/sheet1.xml', part: 'xl/worksheets/sheet1.xml', rows: '' }],
  }).slice(0, -1);
  parts.push(['xl/worksheets/sheet1.xml', Readable.from(sheetXml())]);
  return zipOf(parts);
}

/** `count` MB of one letter, a megabyte at a time. */
function* megabytes(count: number, letter: string): Generator<Buffer> {
  const block = Buffer.alloc(1024 * 1024, letter);
  for (let i = 0; i < count; i++) yield block;
}

describe('hostile and broken workbooks', () => {
  test('a 50 MB cell is cut at 32,767 characters and its row flagged, without holding it in memory', async () => {
    const cellMb = 50;
    const file = await streamedWorkbook(function* () {
      yield `<worksheet xmlns="${main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Policy</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>ABC-1</t></is></c><c r="C2" t="inlineStr"><is><t>`;
      yield* megabytes(cellMb, 'A');
      yield '</t></is></c><c r="D2"><v>12.5</v></c></row><row r="3"><c r="A3"><v>1</v></c></row></sheetData></worksheet>';
    });
    expect(file.length).toBeLessThan(1024 * 1024);

    // Live memory, not garbage: collect now and then while the cell streams through (not at every
    // tick: a full collection of a test worker's heap takes tens of milliseconds).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let livePeak = 0;
    let ticks = 0;
    // Also stands in for a health check: it runs only if the reader lets the event loop turn.
    const sampler = setInterval(() => {
      if (ticks++ % 10 !== 0) return;
      gc();
      livePeak = Math.max(livePeak, process.memoryUsage().heapUsed - baseline);
    }, 20);
    const rows = await read(file).finally(() => clearInterval(sampler));

    expect(rows.map((r) => r.row)).toEqual([1, 2, 3]);
    const flagged = rows[1]!;
    expect(flagged.problem).toBe(
      "cell C2 is longer than 32,767 characters (Excel's own limit); only the start was read",
    );
    expect(flagged.cells).toEqual(['ABC-1', '', 'A'.repeat(32_767), '12.5']);
    expect(rows[0]!.problem).toBeUndefined();
    expect(rows[2]!.problem).toBeUndefined();
    expect(ticks).toBeGreaterThan(0);
    expect(livePeak).toBeLessThan(16 * 1024 * 1024);
  });

  test('a long shared string is cut and flags every row that shows it', async () => {
    const long = 'B'.repeat(100_000);
    const parts = handMadeParts({
      sheets: [
        {
          name: 'S',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="B2" t="s"><v>1</v></c></row><row r="3"><c r="A3" t="s"><v>7</v></c></row>',
        },
      ],
      sharedStrings: ['<si><t>short</t></si>', `<si><t>${long}</t></si>`],
    });
    const rows = await read(await zipOf(parts));
    expect(rows[0]).toEqual({ row: 1, cells: ['short'], sheet: 'S' });
    expect(rows[1]!.cells[1]).toHaveLength(32_767);
    expect(rows[1]!.problem).toMatch(/^cell B2 is longer than 32,767 characters/);
    expect(rows[2]!.problem).toBe('cell A3 refers to text value 7, which the workbook does not have');
  });

  test('past maxDecompressedBytes the workbook is refused, whether the zip says so or it shows while inflating', async () => {
    const bytes = await twoSheetWorkbook();
    // Below what the sheets declare: refused before they are inflated.
    await expect(read(bytes, { maxDecompressedBytes: 20_000 })).rejects.toThrow(
      'the workbook expands to more than 19.5 KB when decompressed',
    );
    // Below the workbook part itself: refused as it inflates.
    await expect(read(bytes, { maxDecompressedBytes: 500 })).rejects.toThrow(
      'the workbook expands to more than 500 bytes when decompressed',
    );
    expect((await read(bytes)).length).toBe(203);
  });

  test('a workbook that expands to 500 MB is refused at once by the default limit', async () => {
    const file = await streamedWorkbook(function* () {
      yield `<worksheet xmlns="${main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`;
      yield* megabytes(500, 'A');
      yield '</t></is></c></row></sheetData></worksheet>';
    });
    expect(file.length).toBeLessThan(4 * 1024 * 1024);
    await expect(read(file)).rejects.toThrow('the workbook expands to more than 256 MB when decompressed');
  });

  test('a file over maxFileBytes is refused', async () => {
    const bytes = await twoSheetWorkbook();
    await expect(read(bytes, { maxFileBytes: 1024 })).rejects.toThrow('the file is larger than 1 KB');
  });

  test('too many shared strings, columns or rows are refused by name', async () => {
    const sheet = (rows: string) => ({
      name: 'S',
      target: 'worksheets/sheet1.xml',
      part: 'xl/worksheets/sheet1.xml',
      rows,
    });
    const strings = handMadeParts({
      sheets: [sheet('')],
      sharedStrings: ['<si><t>a</t></si>', '<si><t>b</t></si>', '<si><t>c</t></si>'],
    });
    await expect(read(await zipOf(strings), { maxSharedStrings: 2 })).rejects.toThrow(
      'the workbook has more than 2 distinct text values (shared strings)',
    );
    const wide = handMadeParts({ sheets: [sheet('<row r="1"><c r="XFE1"><v>1</v></c></row>')] });
    await expect(read(await zipOf(wide))).rejects.toThrow(
      `worksheet "S" has a cell (XFE1) beyond column XFD, Excel's last column`,
    );
    const tall = handMadeParts({ sheets: [sheet('<row r="1048577"><c r="A1048577"><v>1</v></c></row>')] });
    await expect(read(await zipOf(tall))).rejects.toThrow(
      `worksheet "S" has a row numbered above 1,048,576, Excel's last row`,
    );
  });

  test('truncated, corrupt and incomplete files are "not a readable XLSX workbook"', async () => {
    const bytes = await twoSheetWorkbook();
    const unreadable = /^not a readable XLSX workbook: /;
    await expect(read(bytes.subarray(0, Math.floor(bytes.length / 2)))).rejects.toThrow(unreadable);
    await expect(read(Buffer.from('Policy,Insured\nABC,Jane\n'))).rejects.toThrow(unreadable);
    await expect(read(Buffer.alloc(0))).rejects.toThrow(unreadable);

    // Compressed data damaged in the middle of a worksheet.
    const damaged = Buffer.from(bytes);
    const sheetAt = damaged.indexOf('xl/worksheets/sheet2.xml') + 'xl/worksheets/sheet2.xml'.length;
    damaged.fill(0xff, sheetAt + 100, sheetAt + 400);
    await expect(read(damaged)).rejects.toThrow(unreadable);

    // A zip without a workbook.
    await expect(read(await zipOf([['hello.txt', 'hello']]))).rejects.toThrow(
      'not a readable XLSX workbook: it has no workbook part (xl/workbook.xml)',
    );

    // Malformed XML in a worksheet.
    const broken = handMadeParts({
      sheets: [
        {
          name: 'S',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: '<row r="1"><c r="A1"><v>1</c></row>',
        },
      ],
    });
    await expect(read(await zipOf(broken))).rejects.toThrow(
      /^not a readable XLSX workbook: xl\/worksheets\/sheet1\.xml: /,
    );

    // A worksheet whose size the central directory understates: the inflate stops at the stated size.
    const ok = handMadeParts({
      sheets: [
        {
          name: 'S',
          target: 'worksheets/sheet1.xml',
          part: 'xl/worksheets/sheet1.xml',
          rows: `<row r="1"><c r="A1" t="inlineStr"><is><t>${'x'.repeat(10_000)}</t></is></c></row>`,
        },
      ],
    });
    const lying = await zipOf(ok);
    for (let at = lying.indexOf('PK\x01\x02'); at >= 0; at = lying.indexOf('PK\x01\x02', at + 4)) {
      const name = lying.toString('latin1', at + 46, at + 46 + lying.readUInt16LE(at + 28));
      if (name === 'xl/worksheets/sheet1.xml') lying.writeUInt32LE(100, at + 24);
    }
    await expect(read(lying)).rejects.toThrow(
      /^not a readable XLSX workbook: xl\/worksheets\/sheet1\.xml: too many bytes in the stream/,
    );
  });
});
