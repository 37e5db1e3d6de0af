// Streaming XLSX reader for carrier statements, on exceljs's WorkbookReader: worksheets and rows
// are parsed from the zip as they arrive, so memory holds one row (plus the shared-string table,
// which the XLSX format itself requires to be read before cells can be resolved). Cells come out as
// text the validator reads the same way as CSV: typed dates as ISO dates, numbers in their shortest
// exact decimal form (never rounded through arithmetic).
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { RawRow } from './types.ts';

/** One cell's value as statement text. */
export function xlsxCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    // exceljs converts a date serial to a UTC instant; the calendar date is its UTC date.
    return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  }
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) {
      return (v.richText as { text?: string }[])
        .map((r) => r.text ?? '')
        .join('')
        .trim();
    }
    if ('formula' in v || 'sharedFormula' in v) return xlsxCellText(v.result);
    if ('error' in v) return String(v.error);
    if ('text' in v) return xlsxCellText(v.text);
  }
  return '';
}

/**
 * Yields every non-empty row of every worksheet, in order, with the sheet's row number and name.
 * Empty rows are absent from XLSX, so the row numbers have gaps where the sheet has blank rows.
 */
export async function* parseXlsxRows(source: AsyncIterable<Buffer>): AsyncGenerator<RawRow> {
  const input = Readable.from(source);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Styles are needed to tell a date cell from a number cell.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  try {
    for await (const worksheet of workbook) {
      const sheet = (worksheet as unknown as { name?: string }).name ?? 'Sheet';
      for await (const row of worksheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(xlsxCellText(values[i]));
        yield { row: row.number, cells, sheet };
      }
    }
  } finally {
    input.destroy();
  }
}
