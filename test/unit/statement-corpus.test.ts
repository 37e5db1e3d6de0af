// A corpus of carrier statements in real-world styles (test/fixtures/statements/), each with the
// reading a person gives it written down by hand in <name>.expected.json: which rows are lines and
// what they say, which are structure, which are smudged, what the totals and the period are, and
// which transaction of the agency's book (book.json) each line pays. The importer must read every
// file that way and account for every row; the matcher, run on what was read against the book,
// must never link a line wrongly and should find what a person finds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { normalizePolicyNumber } from '../../domain/normalize.ts';
import {
  type Evaluation,
  evaluateReconciliation,
  formatEvaluation,
  type LineTruth,
} from '../../domain/reconciliation/evaluate.ts';
import { reconcile } from '../../domain/reconciliation/match.ts';
import type {
  ExpectedItem,
  LineResult,
  StatementItem,
  TransactionType,
} from '../../domain/reconciliation/types.ts';
import { importStatement } from '../../domain/statements/import.ts';
import type { ImportResult, StatementLine } from '../../domain/statements/types.ts';

const dir = fileURLToPath(new URL('../fixtures/statements/', import.meta.url));

// --- the book ------------------------------------------------------------------------------------

interface BookTransaction {
  id: string;
  type: TransactionType;
  effectiveDate: string;
  premiumCents: number;
  rate: string;
  commissionCents: number;
  /** Paid on a statement outside the corpus. */
  paidBeforeCents?: number;
}

interface BookPolicy {
  id: string;
  carrierId: string;
  policyNumber: string;
  priorPolicyNumber: string | null;
  insuredName: string;
  lineOfBusiness: string;
  termEffectiveDate: string;
  transactions: BookTransaction[];
}

interface Book {
  carriers: { id: string; name: string }[];
  policies: BookPolicy[];
}

const book = JSON.parse(readFileSync(join(dir, 'book.json'), 'utf8')) as Book;
const transactionIds = new Set(book.policies.flatMap((p) => p.transactions.map((t) => t.id)));

/** round half-even(premium × rate / 100), in integers: rate has at most four decimals. */
function commissionOf(premiumCents: number, rate: string): number {
  const [whole, fraction = ''] = rate.split('.');
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(premiumCents) * BigInt(`${whole}${fraction}`);
  const denominator = 100n * scale;
  const sign = numerator < 0n ? -1n : 1n;
  const abs = numerator * sign;
  let quotient = abs / denominator;
  const twice = (abs % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n;
  return Number(quotient * sign);
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The book's transactions of one carrier as the expected commissions the matcher links lines to. */
function expectedItems(carrierId: string): ExpectedItem[] {
  return book.policies
    .filter((p) => p.carrierId === carrierId)
    .flatMap((p) =>
      p.transactions.map((t): ExpectedItem => {
        const item: ExpectedItem = {
          id: t.id,
          carrierId,
          policyNumber: p.policyNumber,
          policyNumberNormalized: normalizePolicyNumber(p.policyNumber),
          insuredName: p.insuredName,
          effectiveDate: t.effectiveDate,
          transactionType: t.type,
          expectedCents: t.commissionCents,
          balanceCents: t.commissionCents - (t.paidBeforeCents ?? 0),
          expectedPayDate: addDays(t.effectiveDate, 45),
          basisCents: t.premiumCents,
          rate: t.rate,
        };
        // As db/reconciliation-store.ts loadExpectedItems: a renewal carries a prior number that differs.
        if (t.type === 'RWL' && p.priorPolicyNumber !== null && p.priorPolicyNumber !== p.policyNumber)
          item.priorPolicyNumbers = [p.priorPolicyNumber];
        return item;
      }),
    )
    .sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate) || a.id.localeCompare(b.id));
}

// --- the expected readings -----------------------------------------------------------------------

interface ExpectedLine {
  sheet?: string;
  sourceRow: number;
  policyNumber: string;
  insuredName?: string;
  effectiveDate: string | null;
  transactionDate?: string | null;
  transactionType: string | null;
  premiumCents?: number | null;
  commissionRate?: string | null;
  commissionCents: number;
  pays: string | string[];
}

interface ExpectedReading {
  file: string;
  style: string;
  refused: boolean;
  status?: number;
  carrier?: string;
  csv?: { delimiter: string; encoding: 'utf8' | 'latin1' };
  period?: { start: string | null; end: string | null; statementDate?: string | null };
  counts?: { lines: number; nonData: number; unreadable: number; byKind: Record<string, number> };
  lines?: ExpectedLine[];
  unreadable?: { sheet?: string; sourceRow: number; field: string }[];
  controlChecks?: { label: string; ok: boolean }[];
  needsReview?: boolean;
}

const readings: ExpectedReading[] = readdirSync(dir)
  .filter((f) => f.endsWith('.expected.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ExpectedReading);
const statements = readings.filter((r) => !r.refused);

const carrierIdOf = (reading: ExpectedReading): string => {
  const carrier = book.carriers.find((c) => c.name === reading.carrier);
  if (!carrier) throw new Error(`${reading.file}: carrier "${reading.carrier}" is not in book.json`);
  return carrier.id;
};

const rowKey = (sheet: string | null | undefined, row: number) => (sheet ? `${sheet}!${row}` : `${row}`);

async function importFixture(reading: ExpectedReading): Promise<ImportResult> {
  return importStatement({
    bytes: readFileSync(join(dir, reading.file)),
    filename: reading.file,
    ...(reading.carrier ? { carrierKey: carrierIdOf(reading) } : {}),
  });
}

const imported = new Map<string, Promise<ImportResult>>();
function importOnce(reading: ExpectedReading): Promise<ImportResult> {
  let result = imported.get(reading.file);
  if (!result) {
    result = importFixture(reading);
    imported.set(reading.file, result);
  }
  return result;
}

/** Every difference between what the importer read and the expected reading, one sentence each. */
function differences(reading: ExpectedReading, result: Extract<ImportResult, { ok: true }>): string[] {
  const out: string[] = [];
  const where = (sheet: string | null | undefined, row: number) =>
    `${reading.file} ${sheet ? `sheet "${sheet}" ` : ''}row ${row}`;
  const expectedCounts = reading.counts!;
  const got = result.counts;
  for (const k of ['lines', 'nonData', 'unreadable'] as const) {
    if (got[k] !== expectedCounts[k])
      out.push(`${reading.file}: counts.${k} is ${got[k]}, expected ${expectedCounts[k]}`);
  }
  const kinds = new Set([...Object.keys(got.byKind), ...Object.keys(expectedCounts.byKind)]);
  for (const kind of kinds) {
    const g = (got.byKind as Record<string, number>)[kind] ?? 0;
    const e = expectedCounts.byKind[kind] ?? 0;
    if (g !== e) out.push(`${reading.file}: counts.byKind.${kind} is ${g}, expected ${e}`);
  }

  const byRow = new Map<string, StatementLine>(result.lines.map((l) => [rowKey(l.sheet, l.sourceRow), l]));
  const expectedRows = new Set<string>();
  for (const e of reading.lines ?? []) {
    const key = rowKey(e.sheet, e.sourceRow);
    expectedRows.add(key);
    const line = byRow.get(key);
    if (!line) {
      const row = result.rows.find((r) => rowKey(r.sheet, r.sourceRow) === key);
      out.push(
        `${where(e.sheet, e.sourceRow)}: expected a statement line (${e.policyNumber}), but it was read as ${row ? `${row.kind} (${row.reason})` : 'nothing'}`,
      );
      continue;
    }
    const compare = (field: string, actual: unknown, expected: unknown) => {
      if (expected !== undefined && actual !== expected)
        out.push(
          `${where(e.sheet, e.sourceRow)}: ${field} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
        );
    };
    compare('policyNumber', line.policyNumber, e.policyNumber);
    compare('insuredName', line.insuredName, e.insuredName);
    compare('effectiveDate', line.effectiveDate, e.effectiveDate);
    compare('transactionDate', line.transactionDate, e.transactionDate);
    compare('transactionType', line.transactionType, e.transactionType);
    compare('premiumCents', line.premiumCents, e.premiumCents);
    compare('commissionRate', line.commissionRate, e.commissionRate);
    compare('commissionCents', line.commissionCents, e.commissionCents);
  }
  for (const line of result.lines) {
    if (!expectedRows.has(rowKey(line.sheet, line.sourceRow)))
      out.push(
        `${where(line.sheet, line.sourceRow)}: read as a statement line (${line.policyNumber}), which it is not`,
      );
  }

  const unreadable = result.rows.filter((r) => r.kind === 'unreadable');
  const expectedUnreadable = new Map(
    (reading.unreadable ?? []).map((u) => [rowKey(u.sheet, u.sourceRow), u.field] as const),
  );
  for (const [key, field] of expectedUnreadable) {
    const row = unreadable.find((r) => rowKey(r.sheet, r.sourceRow) === key);
    if (!row)
      out.push(`${reading.file} row ${key}: expected an unreadable line (${field}), which it was not`);
    else if (!row.errors.some((err) => err.field === field))
      out.push(
        `${reading.file} row ${key}: unreadable for ${row.errors.map((err) => err.field).join(', ')}, expected ${field}`,
      );
  }
  for (const row of unreadable) {
    if (!expectedUnreadable.has(rowKey(row.sheet, row.sourceRow)))
      out.push(
        `${where(row.sheet, row.sourceRow)}: read as an unreadable line (${row.reason}), which it is not`,
      );
  }

  const checks = result.controlChecks.map((c) => ({ label: c.label, ok: c.ok }));
  if (JSON.stringify(checks) !== JSON.stringify(reading.controlChecks ?? []))
    out.push(
      `${reading.file}: control checks are ${JSON.stringify(checks)}, expected ${JSON.stringify(reading.controlChecks)}` +
        result.controlChecks
          .filter((c) => !c.ok)
          .map((c) => ` [row ${c.sourceRow}: ${c.explanation}]`)
          .join(''),
    );
  const period = reading.period ?? { start: null, end: null };
  if (result.period.start !== period.start || result.period.end !== period.end)
    out.push(
      `${reading.file}: period is ${result.period.start} … ${result.period.end}, expected ${period.start} … ${period.end}`,
    );
  if (period.statementDate !== undefined && result.period.statementDate !== period.statementDate)
    out.push(
      `${reading.file}: statement date is ${result.period.statementDate}, expected ${period.statementDate}`,
    );
  if (result.needsReview !== reading.needsReview)
    out.push(`${reading.file}: needsReview is ${result.needsReview}, expected ${reading.needsReview}`);
  return out;
}

/** The rows the file has, counted without the importer: CSV records, XLSX stored rows, AL3 groups. */
async function rowsInFile(reading: ExpectedReading): Promise<number> {
  const bytes = readFileSync(join(dir, reading.file));
  if (reading.file.endsWith('.xlsx')) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    let rows = 0;
    for (const ws of wb.worksheets) {
      ws.eachRow({ includeEmpty: false }, (row) => {
        const values = (row.values as unknown[]).slice(1);
        if (values.some((v) => v !== null && v !== undefined && String(v).trim() !== '')) rows++;
      });
    }
    return rows;
  }
  if (reading.file.endsWith('.al3')) {
    // The hub's AL3-like files hold one group per line.
    return bytes
      .toString('latin1')
      .split(/\r\n|\n/)
      .filter((l) => /^\d[A-Z0-9]{3}\d{3}/.test(l)).length;
  }
  const csv = reading.csv!;
  const records = parseCsv(bytes, {
    delimiter: csv.delimiter,
    encoding: csv.encoding,
    bom: true,
    relax_column_count: true,
  }) as string[][];
  return records.length;
}

// --- the fixtures themselves ---------------------------------------------------------------------

describe('the book', () => {
  test('every expected commission is round half-even(premium × rate / 100), every id unique', () => {
    const ids = book.policies.flatMap((p) => p.transactions.map((t) => t.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of book.policies) {
      for (const t of p.transactions) {
        expect(t.commissionCents, `${t.id}`).toBe(commissionOf(t.premiumCents, t.rate));
      }
    }
  });

  test("every line's pays names a transaction of the statement's carrier", () => {
    for (const reading of statements) {
      const carrierId = carrierIdOf(reading);
      const ofCarrier = new Set(expectedItems(carrierId).map((e) => e.id));
      for (const line of reading.lines ?? []) {
        for (const id of Array.isArray(line.pays) ? line.pays : [line.pays]) {
          if (id === 'foreign' || id === 'duplicate') continue;
          expect(transactionIds.has(id), `${reading.file} row ${line.sourceRow}: ${id}`).toBe(true);
          expect(
            ofCarrier.has(id),
            `${reading.file} row ${line.sourceRow}: ${id} is not ${carrierId}'s`,
          ).toBe(true);
        }
      }
    }
  });
});

// --- the importer ------------------------------------------------------------------------------

describe('each statement imports as a person reads it', () => {
  test('the corpus has its files', () => {
    expect(statements.length).toBeGreaterThanOrEqual(12);
    expect(readings.filter((r) => r.refused).length).toBeGreaterThanOrEqual(2);
  });

  test.each(readings.map((r) => [r.file, r] as const))('%s', async (_file, reading) => {
    const result = await importOnce(reading);
    if (reading.refused) {
      expect(result.ok, `${reading.file} must be refused`).toBe(false);
      if (!result.ok)
        expect(result.status, `${reading.file}: ${result.errors[0]?.reason}`).toBe(reading.status);
      return;
    }
    if (!result.ok) throw new Error(`${reading.file} was refused: ${JSON.stringify(result.errors)}`);
    expect(differences(reading, result)).toEqual([]);
  });
});

describe('every row of every statement is accounted for', () => {
  test.each(statements.map((r) => [r.file, r] as const))('%s', async (_file, reading) => {
    const result = await importOnce(reading);
    if (!result.ok) throw new Error(`${reading.file} was refused: ${JSON.stringify(result.errors)}`);
    const { lines, nonData, unreadable, byKind } = result.counts;
    expect(lines + nonData + unreadable, `${reading.file}: lines + non-data + unreadable`).toBe(
      await rowsInFile(reading),
    );
    expect(
      Object.values(byKind).reduce((a, b) => a + (b ?? 0), 0),
      `${reading.file}: non-data rows by kind`,
    ).toBe(nonData);
    // The rows kept (AL3 keeps only counts of its structure groups) are the rows counted.
    expect(result.lines.length, `${reading.file}: lines kept`).toBe(lines);
    expect(
      result.rows.filter((r) => r.kind === 'unreadable').length,
      `${reading.file}: unreadable kept`,
    ).toBe(unreadable);
  });
});

describe('the same file imports to the same content hash', () => {
  test.each(readings.map((r) => [r.file, r] as const))('%s', async (_file, reading) => {
    const first = await importOnce(reading);
    const second = await importFixture(reading);
    expect(first.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.contentHash, reading.file).toBe(first.contentHash);
  });
});

// --- the matcher ---------------------------------------------------------------------------------

/** A statement line as the store hands it to the matcher (db/reconciliation-store.ts loadStatementItems). */
function statementItem(file: string, carrierId: string, line: StatementLine): StatementItem {
  const datedByTransaction = ['END', 'CAN', 'REI', 'AUD'].includes(line.transactionType ?? '');
  return {
    id: `${file}#${rowKey(line.sheet, line.sourceRow)}`,
    lineNo: line.lineNo,
    carrierId,
    policyNumber: line.policyNumber,
    insuredName: line.insuredName,
    effectiveDate:
      (datedByTransaction ? (line.transactionDate ?? line.effectiveDate) : line.effectiveDate) ?? '',
    transactionType: line.transactionType,
    commissionCents: line.commissionCents,
    premiumCents: line.premiumCents,
    rate: line.commissionRate,
  };
}

describe('reconciling each statement against the book', () => {
  test('every link is right, no foreign line is linked, and recall is reported', async () => {
    const allResults: LineResult[] = [];
    const allTruth = new Map<string, LineTruth>();
    const notImported: string[] = [];
    const report: string[] = [];
    const perFile: { file: string; evaluation: Evaluation }[] = [];
    for (const reading of statements) {
      const result = await importOnce(reading);
      if (!result.ok) throw new Error(`${reading.file} was refused`);
      const carrierId = carrierIdOf(reading);
      const items = result.lines.map((l) => statementItem(reading.file, carrierId, l));
      const truth = new Map<string, LineTruth>();
      const imported = new Set(items.map((i) => i.id));
      for (const e of reading.lines ?? []) {
        const id = `${reading.file}#${rowKey(e.sheet, e.sourceRow)}`;
        truth.set(id, e.pays);
        if (!imported.has(id) && e.pays !== 'foreign') notImported.push(`${id} (${e.pays})`);
      }
      const reconciled = reconcile(items, expectedItems(carrierId), { asOf: '2026-02-28' });
      const evaluation = evaluateReconciliation(reconciled.lines, truth);
      perFile.push({ file: reading.file, evaluation });
      report.push(`--- ${reading.file}\n${formatEvaluation(evaluation)}`);
      for (const m of evaluation.mistakes)
        report.push(
          `  MISTAKE ${m.lineId}: truth ${m.truth}, matcher ${m.predicted} (${m.method}): ${m.reason}`,
        );
      allResults.push(...reconciled.lines);
      for (const [k, v] of truth) allTruth.set(k, v);
    }
    const overall = evaluateReconciliation(allResults, allTruth, { maxMistakes: 100 });
    report.push(`=== overall (${statements.length} statements)\n${formatEvaluation(overall)}`);
    if (notImported.length > 0)
      report.push(`paying lines the importer did not read as lines: ${notImported.join(', ')}`);
    console.log(report.join('\n'));

    const wrong = overall.mistakes.filter((m) => m.predicted !== 'foreign');
    expect.soft(wrong, 'lines linked to the wrong expectation (or a foreign line linked)').toEqual([]);
    expect.soft(overall.precision, 'overall precision').toBe(1);
    expect.soft(overall.foreignLinked, 'foreign lines linked').toBe(0);
    expect.soft(overall.recall, 'overall recall').toBeGreaterThanOrEqual(0.99);
  });
});
