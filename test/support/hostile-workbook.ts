// Workbooks that are small on the wire and huge inside, laid out by hand with yazl (whose native
// deflate turns 500 MB of one letter into half a megabyte in a few seconds): the cell that held
// the API's event loop for six minutes (issue 13), and text values shared by many rows.
import { Readable } from 'node:stream';
import { buffer as streamBytes } from 'node:stream/consumers';
import yazl from 'yazl';

const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`;

function frame(sharedStrings: boolean): [string, string][] {
  const rels = [`<Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/>`];
  if (sharedStrings)
    rels.push(`<Relationship Id="rT" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/>`);
  return [
    [
      '[Content_Types].xml',
      xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    ],
    [
      '_rels/.rels',
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ],
    [
      'xl/workbook.xml',
      xml(
        `<workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="Statement" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ),
    ],
    [
      'xl/_rels/workbook.xml.rels',
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`,
      ),
    ],
  ];
}

async function zip(parts: [string, string | Readable][]): Promise<Buffer> {
  const out = new yazl.ZipFile();
  for (const [name, data] of parts) {
    if (typeof data === 'string') out.addBuffer(Buffer.from(data), name);
    else out.addReadStream(data, name, { compressionLevel: 9 });
  }
  out.end();
  return streamBytes(out.outputStream);
}

function* repeated(megabytes: number, letter: string): Generator<Buffer> {
  const block = Buffer.alloc(1024 * 1024, letter);
  for (let i = 0; i < megabytes; i++) yield block;
}

/**
 * One worksheet whose second row has an inline cell of `megabytes` MB of one letter. With
 * `understate`, the zip's central directory claims the sheet inflates to 1,000 bytes.
 */
export async function workbookWithHugeCell(megabytes: number, opts: { understate?: boolean } = {}) {
  const sheet = function* () {
    yield `<worksheet xmlns="${main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Policy Number</t></is></c><c r="B1" t="inlineStr"><is><t>Insured</t></is></c><c r="C1" t="inlineStr"><is><t>Commission</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>POL-1001</t></is></c><c r="B2" t="inlineStr"><is><t>`;
    yield* repeated(megabytes, 'A');
    yield '</t></is></c><c r="C2"><v>12.5</v></c></row></sheetData></worksheet>';
  };
  const bytes = await zip([...frame(false), ['xl/worksheets/sheet1.xml', Readable.from(sheet())]]);
  if (opts.understate) understateSize(bytes, 'xl/worksheets/sheet1.xml', 1000);
  return bytes;
}

/** Rewrites a part's uncompressed size in the central directory (no zip64: parts under 4 GB). */
function understateSize(bytes: Buffer, part: string, size: number): void {
  for (let at = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at > 0; at--) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) continue;
    const nameLength = bytes.readUInt16LE(at + 28);
    if (bytes.toString('latin1', at + 46, at + 46 + nameLength) === part) {
      bytes.writeUInt32LE(size, at + 24);
      return;
    }
  }
  throw new Error(`no ${part} in the central directory`);
}

/**
 * A statement of `rows` lines whose insured name is one shared text value of `megabytes` MB: the
 * file stays small (the value is stored once), every row shows the whole value.
 */
export async function workbookSharingHugeText(rows: number, megabytes: number): Promise<Buffer> {
  const strings = function* () {
    yield `<sst xmlns="${main}" count="${rows}" uniqueCount="1"><si><t>`;
    yield* repeated(megabytes, 'N');
    yield '</t></si></sst>';
  };
  const data: string[] = [
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Policy Number</t></is></c><c r="B1" t="inlineStr"><is><t>Insured Name</t></is></c><c r="C1" t="inlineStr"><is><t>Effective Date</t></is></c><c r="D1" t="inlineStr"><is><t>Premium</t></is></c><c r="E1" t="inlineStr"><is><t>Commission</t></is></c></row>',
  ];
  for (let i = 2; i <= rows + 1; i++)
    data.push(
      `<row r="${i}"><c r="A${i}" t="inlineStr"><is><t>POL-${10_000 + i}</t></is></c><c r="B${i}" t="s"><v>0</v></c><c r="C${i}" t="inlineStr"><is><t>2026-01-01</t></is></c><c r="D${i}"><v>1000</v></c><c r="E${i}"><v>125</v></c></row>`,
    );
  const sheet = xml(`<worksheet xmlns="${main}"><sheetData>${data.join('')}</sheetData></worksheet>`);
  return zip([
    ...frame(true),
    ['xl/sharedStrings.xml', Readable.from(strings())],
    ['xl/worksheets/sheet1.xml', sheet],
  ]);
}
