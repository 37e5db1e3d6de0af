import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { normalizeName, normalizePolicyNumber } from '../../domain/normalize.ts';
import { formatAl3Group, parseAl3CommissionRows, readAl3Groups } from '../../domain/statements/al3.ts';
import {
  commissionFor,
  type DemoStatement,
  expectedStatementCommissions,
  generateDemoStatement,
  messyStatement,
} from '../../domain/statements/demo-statements.ts';
import { fuzzyMatchColumns } from '../../domain/statements/detect.ts';
import { importStatement } from '../../domain/statements/import.ts';
import { genericPreset, presetForCarrier, statementPresets } from '../../domain/statements/presets.ts';
import { statementPeriod } from '../../domain/statements/structure.ts';
import {
  type ColumnMapping,
  type ImportResult,
  parseColumnMapping,
  type StatementLine,
} from '../../domain/statements/types.ts';
import { decideDateOrder, parseAmount, parseDate, usesDecimalComma } from '../../domain/statements/values.ts';

const agency = generateAgency({ seed: 'statements', clients: 2000, asOf: '2026-06-30' });
const month = '2026-04';
const carriers = agency.carriers.map((c) => c.key);
const policies = new Map(agency.policies.map((p) => [p.key, p]));
const clients = new Map(agency.clients.map((c) => [c.key, c]));

function ok(result: ImportResult): Extract<ImportResult, { ok: true }> {
  if (!result.ok) throw new Error(`import failed: ${JSON.stringify(result.errors.slice(0, 5), null, 1)}`);
  return result;
}

function failed(result: ImportResult): Extract<ImportResult, { ok: false }> {
  if (result.ok) throw new Error('import unexpectedly succeeded');
  return result;
}

const csv = (rows: string[]) => Buffer.from(`${rows.join('\r\n')}\r\n`);
const withoutRaw = ({ raw: _raw, sheet: _sheet, ...rest }: StatementLine) => rest;

describe('every carrier preset reads its own statement', () => {
  /** The month of the first half-year with the most commissions for the carrier (MGAs write little). */
  const busiestMonth = (key: string) =>
    ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']
      .map((m) => ({ m, n: expectedStatementCommissions(agency, key, m).length }))
      .sort((a, b) => b.n - a.n)[0]!.m;

  test.each(carriers)(
    '%s: the generated statement imports line for line as written down in the truth',
    async (key) => {
      const statement = await generateDemoStatement(agency, { carrierKey: key, month: busiestMonth(key) });
      expect(statement.truth.length).toBeGreaterThan(2);
      const result = ok(
        await importStatement({ bytes: statement.bytes, filename: statement.filename, carrierKey: key }),
      );
      expect(result.format).toBe(statement.preset.nativeFormat);
      expect(result.detection.mappingSource).toBe('preset');
      expect(result.detection.presetKey).toBe(key);
      expect(result.lines.map((l) => l.lineNo)).toEqual(statement.truth.map((t) => t.lineNo));
      const carrier = agency.carriers.find((c) => c.key === key)!;
      for (const [i, line] of result.lines.entries()) {
        const truth = statement.truth[i]!;
        if (truth.kind !== 'expected') throw new Error('a clean statement has only expected lines');
        const policy = policies.get(truth.policyKey)!;
        const txn = policy.transactions.find((t) => t.key === truth.transactionKey)!;
        expect(line.policyNumberNormalized).toBe(normalizePolicyNumber(policy.policyNumber));
        expect(line.insuredNameNormalized).toBe(normalizeName(clients.get(policy.clientKey)!.displayName));
        expect(line.effectiveDate).toBe(policy.effectiveDate);
        expect(line.premiumCents).toBe(txn.premiumDeltaCents);
        expect(line.commissionCents).toBe(truth.expectedCents);
        expect(line.commissionCents).toBe(commissionFor(txn.premiumDeltaCents, truth.expectedRate));
        expect([carrier.newRate, carrier.renewalRate]).toContain(truth.expectedRate);
        if (statement.preset.mapping.columns.transactionType) expect(line.transactionType).toBe(txn.type);
        else expect(line.transactionType).toBeNull();
        if (statement.preset.mapping.columns.commissionRate)
          expect(line.commissionRate).toBe(truth.expectedRate);
        if (statement.preset.mapping.columns.transactionDate)
          expect(line.transactionDate).toBe(txn.effectiveDate);
        expect(line.currency).toBe('USD');
      }
      expect(result.totals).toEqual(statement.totals);
      expect(result.warnings).toEqual([]);
    },
  );

  test.each(carriers)('%s: without the carrier, the preset is recognised by its headers', async (key) => {
    const statement = await generateDemoStatement(agency, { carrierKey: key, month, format: 'csv' });
    const result = ok(await importStatement({ bytes: statement.bytes, filename: statement.filename }));
    expect(result.detection.presetKey).toBe(key);
    expect(result.detection.explanation.join(' ')).toMatch(/Carrier not given/);
    expect(result.lines).toHaveLength(statement.truth.length);
  });

  test('the generic preset reads a statement in its own layout', async () => {
    const file = csv([
      genericPreset.headers.join(','),
      'ABC-1001,Jane Roe,NEW,2026-04-01,2026-04-02,HOME,1000.00,15,150.00,P1,USD',
      'ABC-1002,Acme Roofing LLC,CAN,2026-01-10,2026-04-09,BOP,-400.00,12.5,-50.00,P2,USD',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'statement.csv' }));
    expect(result.detection.mappingSource).toBe('generic');
    expect(
      result.lines.map((l) => [l.policyNumber, l.transactionType, l.commissionCents, l.commissionRate]),
    ).toEqual([
      ['ABC-1001', 'NEW', 15000, '15'],
      ['ABC-1002', 'CAN', -5000, '12.5'],
    ]);
  });

  test('presets are distinct layouts: no two share their header row', () => {
    const rows = statementPresets.map((p) => p.headers.join('|'));
    expect(new Set(rows).size).toBe(rows.length);
    const conventions = new Set(statementPresets.map((p) => p.mapping.signConvention));
    expect(conventions).toEqual(new Set(['minus', 'parentheses', 'trailing-minus', 'debit-credit']));
    expect(new Set(statementPresets.map((p) => p.mapping.dateFormat)).size).toBeGreaterThanOrEqual(5);
  });
});

describe('CSV, XLSX and AL3 carry the same lines', () => {
  test.each(carriers)('%s: a messy statement reads the same from CSV and from XLSX', async (key) => {
    const opts = { carrierKey: key, month, mess: messyStatement };
    const fromCsv = ok(await importStatement({ ...(await asInput(opts, 'csv')), carrierKey: key }));
    const fromXlsx = ok(await importStatement({ ...(await asInput(opts, 'xlsx')), carrierKey: key }));
    expect(fromXlsx.lines.map(withoutRaw)).toEqual(fromCsv.lines.map(withoutRaw));
    expect(fromXlsx.counts.lines).toBe(fromCsv.counts.lines);
    expect(fromXlsx.totals).toEqual(fromCsv.totals);
  });

  test('the AL3-like download carries the same commissions as the carrier CSV', async () => {
    const opts = { carrierKey: 'SAFE', month, mess: messyStatement };
    const fromCsv = ok(await importStatement(await asInput(opts, 'csv')));
    const fromAl3 = ok(await importStatement(await asInput(opts, 'al3')));
    const key = (l: StatementLine) => [
      l.lineNo,
      l.policyNumberNormalized,
      l.insuredNameNormalized,
      l.transactionType,
      l.effectiveDate,
      l.transactionDate,
      l.premiumCents,
      l.commissionRate,
      l.commissionCents,
    ];
    expect(fromAl3.lines.map(key)).toEqual(fromCsv.lines.map(key));
    expect(fromAl3.format).toBe('al3');
  });
});

async function asInput(opts: Parameters<typeof generateDemoStatement>[1], format: DemoStatement['format']) {
  const s = await generateDemoStatement(agency, { ...opts, format });
  return { bytes: s.bytes, filename: s.filename };
}

describe('header auto-detection', () => {
  test('finds the header under title rows and reads renamed headers by their synonyms, explaining why', async () => {
    const file = csv([
      'Travelers Agency Commission Statement',
      'Agency: Demo Insurance Agency,,Agency Code: 4471203',
      'Statement Period: 04/01/2026 - 04/30/2026',
      '',
      'Pol #,Named Insured,Trans,Eff Date,Prem,Comm %,Comm Amt,Agent',
      '123-4567890A123-01,"Smith, John",NB,04/03/2026,"1,000.00",15.00,150.00,JSMI1',
      '123-4567891A124-02,"Doe, Jane",CN,01/15/2026,(400.00),12.00,(48.00),JSMI1',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'travelers.csv', carrierKey: 'TRAV' }));
    expect(result.detection.headerRow).toBe(5);
    expect(result.detection.mappingSource).toBe('fuzzy');
    expect(result.detection.preamble[0]).toBe('Travelers Agency Commission Statement');
    const why = result.detection.explanation.join('\n');
    expect(why).toMatch(/Not the Travelers preset/);
    expect(why).toMatch(/policy number ← "Pol #"/);
    expect(why).toMatch(/commission amount ← "Comm Amt"/);
    expect(result.counts.byKind.preamble).toBe(3);
    expect(result.period).toMatchObject({ start: '2026-04-01', end: '2026-04-30' });
    expect(
      result.lines.map((l) => [
        l.policyNumber,
        l.insuredNameNormalized,
        l.transactionType,
        l.effectiveDate,
        l.premiumCents,
        l.commissionCents,
        l.producerCode,
      ]),
    ).toEqual([
      ['123-4567890A123-01', 'john smith', 'NEW', '2026-04-03', 100000, 15000, 'JSMI1'],
      ['123-4567891A124-02', 'jane doe', 'CAN', '2026-01-15', -40000, -4800, 'JSMI1'],
    ]);
  });

  test('fuzzy matching knows the abbreviations statements use', () => {
    const header = [
      'Pol #',
      'Policy No.',
      'Named Insured',
      'Comm Amt',
      'Eff. Date',
      'Trans Eff Date',
      'Comission Rate',
    ];
    const m = fuzzyMatchColumns(header);
    expect(m.policyNumber?.header).toBe('Pol #');
    expect(m.insuredName?.header).toBe('Named Insured');
    expect(m.commission?.header).toBe('Comm Amt');
    expect(m.effectiveDate?.header).toBe('Eff. Date');
    expect(m.transactionDate?.header).toBe('Trans Eff Date');
    expect(m.commissionRate?.why).toMatch(/misspelling/);
  });

  test('a saved mapping for the carrier wins, even for headers no synonym knows', async () => {
    const saved: ColumnMapping = parseColumnMapping({
      name: 'Our Erie layout',
      carrierKey: 'ERIE',
      version: 3,
      columns: { policyNumber: 'Ref', insuredName: 'Client', effectiveDate: 'When', commission: 'Paid' },
      dateFormat: 'MM/DD/YYYY',
    });
    const file = csv(['Ref,Client,When,Paid', 'Q12345678,Ann Lee,04/02/2026,12.34']);
    const result = ok(
      await importStatement({ bytes: file, filename: 'erie.csv', carrierKey: 'ERIE', savedMapping: saved }),
    );
    expect(result.detection.mappingSource).toBe('saved');
    expect(result.mappingUsed.version).toBe(3);
    expect(result.lines[0]!.commissionCents).toBe(1234);
  });

  test('a saved mapping that no longer fits falls back to the preset and says so', async () => {
    const saved = parseColumnMapping({
      name: 'Old Progressive layout',
      carrierKey: 'PROG',
      columns: {
        policyNumber: 'Policy',
        insuredName: 'Insured',
        effectiveDate: 'Effective Date',
        commission: 'Comm',
      },
      dateFormat: 'MM/DD/YYYY',
    });
    const statement = await generateDemoStatement(agency, { carrierKey: 'PROG', month });
    const result = ok(
      await importStatement({
        bytes: statement.bytes,
        filename: statement.filename,
        carrierKey: 'PROG',
        savedMapping: saved,
      }),
    );
    expect(result.detection.mappingSource).toBe('preset');
    expect(result.detection.explanation.join('\n')).toMatch(
      /Not the saved mapping "Old Progressive layout".*"Policy", "Comm"/,
    );
  });

  test('a preset column the file lacks is dropped, and a column the preset lacks is picked up', async () => {
    const file = csv([
      'Policy #,Insured,Transaction,Effective Date,Premium,Commission,Producer Code',
      '012345678,"Roe, Ann",Renewal,04/09/2026,800.00,80.00,AROE2',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'p.csv', carrierKey: 'PROG' }));
    expect(result.detection.mappingSource).toBe('preset');
    const why = result.detection.explanation.join('\n');
    expect(why).toMatch(/reads "Processed Date" as transaction date, but the file has no such column/);
    expect(why).toMatch(/Added producer code ← "Producer Code"/);
    expect(result.lines[0]!.producerCode).toBe('AROE2');
    expect(result.lines[0]!.transactionDate).toBeNull();
  });

  test('the statement worksheet is found behind a summary worksheet', async () => {
    const statement = await generateDemoStatement(agency, { carrierKey: 'AMWI', month, format: 'xlsx' });
    const result = ok(await importStatement({ bytes: statement.bytes, filename: statement.filename }));
    expect(result.detection.sheet).toBe('Detail');
    expect(result.detection.explanation.join('\n')).toMatch(/Worksheet "Summary": no statement header found/);
    expect(result.lines).toHaveLength(statement.truth.length);
  });

  test('the format comes from the content, not the filename', async () => {
    const statement = await generateDemoStatement(agency, { carrierKey: 'HANO', month, format: 'xlsx' });
    const result = ok(await importStatement({ bytes: statement.bytes, filename: 'hanover.csv' }));
    expect(result.format).toBe('xlsx');
    expect(result.detection.explanation[0]).toMatch(/XLSX, by its ZIP signature \(the filename says \.csv\)/);
  });

  test('semicolon- and tab-separated files are read', async () => {
    for (const d of [';', '\t']) {
      const file = csv([
        ['Policy Number', 'Insured Name', 'Effective Date', 'Commission Amount'].join(d),
        ['ABC-1001', 'Jane Roe', '2026-04-01', '150.00'].join(d),
      ]);
      const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
      expect(result.detection.delimiter).toBe(d);
      expect(result.lines[0]!.commissionCents).toBe(15000);
    }
  });
});

describe('only a file that is not a statement at all is refused', () => {
  test('wrong columns: no header row is found, and the refusal names the missing columns', async () => {
    const file = csv(['Name,Email,Phone', 'Jane Roe,jane@example.com,555-0100']);
    const result = failed(await importStatement({ bytes: file, filename: 'contacts.csv' }));
    expect(result.status).toBe(422);
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors;
    expect(error!.field).toBe('columns');
    expect(error!.row).toBe(1);
    expect(error!.reason).toMatch(
      /no statement header found: missing required columns: policy number .*effective date .*commission amount/,
    );
    expect(error!.reason).not.toMatch(/insured name/); // "Name" is an insured column
  });

  test("wrong columns in a carrier's own layout name what is missing", async () => {
    const file = csv([
      'POLICY_NO,INSURED_NAME,TRANS_CODE,POL_EFF_DT,PREMIUM_AMT',
      '12SBA123456,Ann Lee,NBS,2026-04-01,100.00',
    ]);
    const result = failed(
      await importStatement({ bytes: file, filename: 'hartford.csv', carrierKey: 'HART' }),
    );
    expect(result.errors[0]!.reason).toMatch(/missing required columns: commission amount/);
    expect(result.detection?.explanation.join('\n')).toMatch(
      /Not the The Hartford preset: the file lacks its .*"COMM_AMT"/,
    );
  });

  test('an empty file, a blank file and a file of only headers are refused', async () => {
    const empty = failed(await importStatement({ bytes: Buffer.alloc(0), filename: 'empty.csv' }));
    expect(empty.errors).toEqual([{ row: null, field: 'file', value: null, reason: 'the file is empty' }]);
    const blank = failed(
      await importStatement({ bytes: Buffer.from('\r\n\r\n  \r\n'), filename: 'blank.csv' }),
    );
    expect(blank.errors[0]!.reason).toMatch(/the file is empty/);
    const commas = failed(
      await importStatement({ bytes: Buffer.from(',,,\r\n,,,\r\n'), filename: 'commas.csv' }),
    );
    expect(commas.errors[0]!.reason).toMatch(/the file is empty/);
    const headersOnly = failed(
      await importStatement({
        bytes: csv([genericPreset.headers.join(','), '', '']),
        filename: 'headers.csv',
      }),
    );
    expect(headersOnly.errors).toEqual([
      { row: 1, field: 'file', value: null, reason: 'the file has a header but no statement lines' },
    ]);
  });

  test('a truncated workbook is refused as an archive that cannot be opened, not half-read', async () => {
    const statement = await generateDemoStatement(agency, { carrierKey: 'TRAV', month });
    const cut = statement.bytes.subarray(0, Math.floor(statement.bytes.length / 2));
    const result = failed(await importStatement({ bytes: cut, filename: statement.filename }));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.reason).toMatch(/unreadable XLSX/);
  });

  test('formats we do not read are refused by their signature', async () => {
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect(failed(await importStatement({ bytes: xls, filename: 'old.xls' })).errors[0]!.reason).toMatch(
      /\.xls/,
    );
    const pdf = Buffer.from('%PDF-1.7\n...');
    expect(
      failed(await importStatement({ bytes: pdf, filename: 'statement.csv' })).errors[0]!.reason,
    ).toMatch(/PDF/);
  });
});

describe('a row that cannot be read is kept as an unreadable line; the rest of the file is imported', () => {
  const unreadable = (r: Extract<ImportResult, { ok: true }>) =>
    r.rows.filter((x) => x.kind === 'unreadable');

  test('impossible dates: 2026-02-30 and 13/45/2026 are unreadable lines with their row, field and value', async () => {
    const iso = csv([
      'POLICY_NO,INSURED_NAME,TRANS_CODE,POL_EFF_DT,TRANS_DT,COMM_AMT',
      '12SBA123456,Ann Lee,NBS,2026-02-01,2026-02-01,10.00',
      '12SBA123457,Bo Chen,NBS,2026-02-30,2026-02-01,10.00',
      '12SBA123458,Cy Diaz,NBS,2026-02-01,2026-02-01,10.00',
    ]);
    const r1 = ok(await importStatement({ bytes: iso, filename: 'h.csv', carrierKey: 'HART' }));
    expect(r1.lines.map((l) => l.sourceRow)).toEqual([2, 4]);
    expect(r1.counts).toMatchObject({ lines: 2, unreadable: 1 });
    expect(r1.needsReview).toBe(true);
    const [bad] = unreadable(r1);
    expect(bad).toMatchObject({ sourceRow: 3, amountCents: 1000 });
    expect(bad!.cells).toEqual(['12SBA123457', 'Bo Chen', 'NBS', '2026-02-30', '2026-02-01', '10.00']);
    expect(bad!.errors).toEqual([
      {
        row: 3,
        field: 'effectiveDate',
        value: '2026-02-30',
        reason: 'POL_EFF_DT: not a calendar date: February 2026 has 28 days, not 30',
      },
    ]);
    const us = csv([
      'Policy #,Insured,Transaction,Effective Date,Processed Date,Premium,Commission',
      '912345678,"Roe, Ann",New Business,13/45/2026,04/01/2026,100.00,10.00',
      '912345679,"Lee, Bo",New Business,04/01/2026,4/31/2026,100.00,10.00',
      '912345680,"Lee, Bo",New Business,04/01/2026,4/30/2026,100.00,10.00',
    ]);
    const r2 = ok(await importStatement({ bytes: us, filename: 'p.csv', carrierKey: 'PROG' }));
    expect(unreadable(r2).flatMap((u) => u.errors.map((e) => [e.row, e.field, e.value]))).toEqual([
      [2, 'effectiveDate', '13/45/2026'],
      [3, 'transactionDate', '4/31/2026'],
    ]);
    expect(unreadable(r2)[0]!.reason).toMatch(/no month 13/);
    expect(unreadable(r2)[1]!.reason).toMatch(/April 2026 has 30 days/);
    expect(r2.lines.map((l) => l.sourceRow)).toEqual([4]);
  });

  test('a negative new-business or renewal line is a reversal, read as written', async () => {
    const file = csv([
      'Policy #,Insured,Transaction,Effective Date,Processed Date,Premium,Commission',
      '912345678,"Roe, Ann",New Business,04/01/2026,04/01/2026,-100.00,-10.00',
      '912345679,"Lee, Bo",Cancellation,01/01/2026,04/01/2026,-100.00,-10.00',
      '912345680,"Diaz, Cy",Renewal,04/01/2026,04/01/2026,-100.00,10.00',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'p.csv', carrierKey: 'PROG' }));
    expect(result.counts).toMatchObject({ lines: 3, unreadable: 0 });
    expect(result.lines.map((l) => [l.transactionType, l.premiumCents, l.commissionCents])).toEqual([
      ['NEW', -10000, -1000],
      ['CAN', -10000, -1000],
      ['RWL', -10000, 1000],
    ]);
    expect(result.needsReview).toBe(false);
  });

  test('Debit/Credit layouts take unsigned amounts; a signed one is an unreadable line', async () => {
    const header =
      'Policy Number,Policyholder,Activity,Term Effective,Activity Date,Premium,Rate,Debit,Credit,Agent';
    const good = csv([
      header,
      'H37-123-123456-12,"Roe, Ann",Cancel,01/01/2026,04/02/2026,-100.00,12,12.00,,AROE2',
    ]);
    expect(
      ok(await importStatement({ bytes: good, filename: 'l.csv', carrierKey: 'LIBM' })).lines[0]!
        .commissionCents,
    ).toBe(-1200);
    const bad = csv([
      header,
      'H37-123-123456-12,"Roe, Ann",New,01/01/2026,04/02/2026,100.00,12,,-12.00,AROE2',
      'H37-123-123457-12,"Roe, Bob",New,01/01/2026,04/02/2026,100.00,12,,12.00,AROE2',
    ]);
    const result = ok(await importStatement({ bytes: bad, filename: 'l.csv', carrierKey: 'LIBM' }));
    expect(result.lines).toHaveLength(1);
    expect(unreadable(result)[0]!.errors[0]).toMatchObject({
      row: 2,
      field: 'commissionCredit',
      value: '-12.00',
    });
    expect(unreadable(result)[0]!.reason).toMatch(/must be unsigned/);
  });

  test('one currency per file: a CAD line in a USD statement is kept for review', async () => {
    const file = csv([
      'POLICY_NO,INSURED_NAME,TRANS_CODE,POL_EFF_DT,COMM_AMT,CURRENCY_CD',
      '12SBA123456,Ann Lee,NBS,2026-04-01,10.00,USD',
      '12SBA123457,Bo Chen,NBS,2026-04-01,10.00,USD',
      '12SBA123458,Cy Diaz,NBS,2026-04-01,10.00,CAD',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'h.csv', carrierKey: 'HART' }));
    expect(result.lines).toHaveLength(2);
    expect(unreadable(result)[0]!.errors[0]).toMatchObject({ row: 4, field: 'currency', value: 'CAD' });
    expect(unreadable(result)[0]!.reason).toMatch(
      /mixed currencies: this line is CAD, the statement is USD \(from row 2\)/,
    );
  });

  test('every unreadable row is kept, however many, and a huge cell is clipped in what is kept', async () => {
    const rows = ['Policy Number,Insured Name,Effective Date,Commission Amount'];
    for (let i = 0; i < 260; i++) rows.push(`ABC-${1000 + i},Jane Roe,2026-04-31,1.00`);
    rows.push(`ABC-9998,${'x'.repeat(200_000)},2026-04-31,1.00`);
    rows.push('ABC-9999,Jane Roe,2026-04-01,1.00');
    const result = ok(await importStatement({ bytes: csv(rows), filename: 'x.csv' }));
    expect(result.counts).toMatchObject({ lines: 1, unreadable: 261, nonData: 1 });
    expect(unreadable(result)[0]!.errors[0]).toMatchObject({
      row: 2,
      field: 'effectiveDate',
      value: '2026-04-31',
    });
    const huge = unreadable(result)[260]!;
    expect(huge.sourceRow).toBe(262);
    expect(huge.cells[1]!.length).toBeLessThan(1100);
    expect(JSON.stringify(result.rows).length).toBeLessThan(200_000);
  });

  test('unknown transaction codes cost the type, not the line; implausible policy numbers and bad amounts are named', async () => {
    const file = csv([
      'Policy Number,Insured Name,Transaction Type,Effective Date,Commission Amount',
      'N/A,Jane Roe,NEW,2026-04-01,1.00',
      'ABC-1001,Jane Roe,XYZ,2026-04-01,1.00',
      'ABC-1002,Jane Roe,NEW,2026-04-01,12.3.4',
      'ABC-1003,,NEW,2026-04-01,',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
    expect(result.lines.map((l) => [l.policyNumber, l.transactionType, l.transactionTypeRaw])).toEqual([
      ['ABC-1001', null, 'XYZ'],
    ]);
    expect(result.warnings.join('\n')).toMatch(
      /Transaction codes this layout does not know: "XYZ" \(1 line\)/,
    );
    expect(
      unreadable(result).flatMap((u) =>
        u.errors.map((e) => [e.row, e.field, e.reason.replace(/^[^:]+: /, '')]),
      ),
    ).toEqual([
      [2, 'policyNumber', 'not a plausible policy number: it has no digits'],
      [4, 'commission', 'not an amount'],
      [5, 'commission', 'commission amount is blank'],
    ]);
  });
});

describe('rows that are not statement lines', () => {
  test('subtotal and total rows are recognised, counted and checked against the lines they sum', async () => {
    const statement = await generateDemoStatement(agency, { carrierKey: 'SAFE', month, format: 'csv' });
    const result = ok(await importStatement({ bytes: statement.bytes, filename: statement.filename }));
    const producers = new Set(result.lines.map((l) => l.producerCode));
    expect(result.counts.byKind.subtotal).toBe(producers.size);
    expect(result.counts.byKind.total).toBe(1);
    expect(result.controlChecks).toHaveLength(producers.size + 1);
    expect(result.controlChecks.every((c) => c.ok)).toBe(true);
    expect(result.warnings).toEqual([]);

    const file = csv([
      'Policy #,Insured,Transaction,Effective Date,Processed Date,Premium,Commission',
      '912345678,Total Fitness LLC,New Business,04/01/2026,04/01/2026,100.00,10.00',
      ',,,,,,',
      'Subtotal - Agent 12,,,,,100.00,10.00',
      'End of report',
      '912345679,"Lee, Bo",New Business,04/01/2026,04/01/2026,100.00,10.00',
      'Policy #,Insured,Transaction,Effective Date,Processed Date,Premium,Commission',
      '912345680,"Diaz, Cy",New Business,04/01/2026,04/01/2026,100.00,10.00',
      'Grand Total,,,,,300.00,31.00',
    ]);
    const r = ok(await importStatement({ bytes: file, filename: 'p.csv', carrierKey: 'PROG' }));
    expect(r.lines.map((l) => [l.lineNo, l.sourceRow, l.insuredName])).toEqual([
      [1, 2, 'Total Fitness LLC'],
      [2, 6, 'Lee, Bo'],
      [3, 8, 'Diaz, Cy'],
    ]);
    expect(r.counts.byKind).toEqual({
      header: 1,
      blank: 1,
      subtotal: 1,
      note: 1,
      repeated_header: 1,
      total: 1,
    });
    expect(r.counts.lines + r.counts.nonData + r.counts.unreadable).toBe(9);
    expect(r.controlChecks.map((c) => [c.label, c.statedCents, c.computedCents, c.ok])).toEqual([
      ['Subtotal - Agent 12', 1000, 1000, true],
      ['Grand Total', 3100, 3000, false],
    ]);
    expect(r.needsReview).toBe(true);
    expect(r.warnings[0]).toMatch(
      /"Grand Total" states \$31\.00, but the 3 line\(s\) of the statement add up to \$30\.00/,
    );
  });
});

describe('total wordings and number styles a person reads without thinking', () => {
  test('"P101 Total (2 items)", "Total Activity" and "TOTAL AGENT COMMISSION" are totals, not unreadable lines', async () => {
    const file = csv([
      'Policy Number,Insured Name,Trans Type,Start Date,Premium,Comm Rate,Commission',
      'LK-2001,Ann Lee,NEW,01/05/2026,"1,200.00",15,180.00',
      'LK-2002,Bo Chen,NEW,01/06/2026,"1,200.00",15,180.00',
      'P101 Total (2 items),,,,,,360.00',
      'Total Activity,,,,,,360.00',
      ',TOTAL AGENT COMMISSION,,,,,360.00',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
    expect(result.counts).toMatchObject({
      lines: 2,
      unreadable: 0,
      byKind: { header: 1, subtotal: 1, total: 2 },
    });
    expect(result.controlChecks.map((c) => [c.kind, c.ok])).toEqual([
      ['subtotal', true],
      ['total', true],
      ['total', true],
    ]);
    expect(result.lines[0]!.effectiveDate).toBe('2026-01-05');
  });

  test('a units row under the header is a note; Excel\'s ="00123" and \'00123 keep their leading zeros', async () => {
    const file = csv([
      'Policy Number,Insured Name,Effective Date,Commission',
      '(text),(name),(mm/dd/yyyy),(USD)',
      '="0012345",Ann Lee,01/05/2026,$12.00',
      "'0012346,Bo Chen,01/06/2026,13.00",
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
    expect(result.lines.map((l) => l.policyNumber)).toEqual(['0012345', '0012346']);
    expect(result.counts).toMatchObject({ unreadable: 0, byKind: { header: 1, note: 1 } });
  });

  test('a second table with its own header (a chargebacks block) is read by its own columns', async () => {
    const file = csv([
      'COMMISSIONS',
      'Policy Number,Insured Name,Effective Date,Premium,Commission',
      'LK-2001,Ann Lee,01/05/2026,"1,200.00",180.00',
      'Total Commissions,,,,180.00',
      '',
      'CHARGEBACKS',
      'Insured Name,Policy Number,Cancel Date,Return Premium,Return Commission,Effective Date',
      'Bo Chen,LK-2002,01/20/2026,-400.00,-60.00,06/01/2025',
      'Total Chargebacks,,,,-60.00,',
      'Net Commission Payable,,,,120.00,',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
    expect(
      result.lines.map((l) => [l.policyNumber, l.insuredName, l.effectiveDate, l.commissionCents]),
    ).toEqual([
      ['LK-2001', 'Ann Lee', '2026-01-05', 18000],
      ['LK-2002', 'Bo Chen', '2025-06-01', -6000],
    ]);
    expect(result.counts).toMatchObject({ unreadable: 0, byKind: { header: 2 } });
    expect(result.controlChecks.map((c) => [c.label, c.ok])).toEqual([
      ['Total Commissions', true],
      ['Total Chargebacks', true],
      ['Net Commission Payable', true],
    ]);
  });

  test('a semicolon export with decimal commas reads "1.830,00" as 1830.00', async () => {
    const file = csv([
      'Policy Number;Insured Name;Effective Date;Premium;Commission',
      'EU-1001;Ann Lee;2026-01-05;"12.200,00";"1.830,00"',
      'EU-1002;Bo Chen;2026-01-06;800,50;120,08 CR',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
    expect(result.lines.map((l) => [l.premiumCents, l.commissionCents])).toEqual([
      [1_220_000, 183_000],
      [80_050, -12_008],
    ]);
    expect(result.detection.explanation.join('\n')).toMatch(/decimal comma/);
    expect(usesDecimalComma(['1,234.50', '12,00'])).toBe(false);
  });
});

describe('a workbook reads the same every time', () => {
  test("a two-sheet workbook with its worksheets before the shared strings (Excel's order) imports identically 30 times", async () => {
    const bytes = readFileSync(new URL('../fixtures/statements/acme-2026-01-personal.xlsx', import.meta.url));
    const first = ok(await importStatement({ bytes, filename: 'acme.xlsx' }));
    expect(first.detection.sheets?.length).toBe(2);
    expect(first.lines.length).toBeGreaterThan(2);
    expect(first.lines.every((l) => l.insuredName !== '')).toBe(true);
    for (let i = 0; i < 30; i++) {
      const again = ok(await importStatement({ bytes, filename: 'acme.xlsx' }));
      expect(again.lines).toEqual(first.lines);
      expect(again.counts).toEqual(first.counts);
    }
  });
});

describe('the content hash', () => {
  test('is the sha256 of the bytes, the same however the bytes arrive', async () => {
    const statement = await generateDemoStatement(agency, { carrierKey: 'TRAV', month });
    const expected = createHash('sha256').update(statement.bytes).digest('hex');
    const whole = ok(await importStatement({ bytes: statement.bytes, filename: statement.filename }));
    async function* chunks(size: number) {
      for (let at = 0; at < statement.bytes.length; at += size) yield statement.bytes.subarray(at, at + size);
    }
    const streamed = ok(await importStatement({ bytes: chunks(777), filename: statement.filename }));
    expect(whole.contentHash).toBe(expected);
    expect(streamed.contentHash).toBe(expected);
    expect(streamed.lines).toEqual(whole.lines);
  });

  test('the same statement generated twice is the same file, so a second import can be refused', async () => {
    for (const format of ['csv', 'xlsx', 'al3'] as const) {
      const a = await generateDemoStatement(agency, {
        carrierKey: 'CINC',
        month,
        format,
        mess: messyStatement,
      });
      const b = await generateDemoStatement(agency, {
        carrierKey: 'CINC',
        month,
        format,
        mess: messyStatement,
      });
      const [ra, rb] = [
        ok(await importStatement({ ...a, carrierKey: 'CINC' })),
        ok(await importStatement({ ...b })),
      ];
      expect(rb.contentHash).toBe(ra.contentHash);
    }
    const other = await generateDemoStatement(agency, { carrierKey: 'CINC', month: '2026-05' });
    const first = await generateDemoStatement(agency, { carrierKey: 'CINC', month });
    expect(ok(await importStatement(other)).contentHash).not.toBe(
      ok(await importStatement(first)).contentHash,
    );
  });

  test('is reported for a rejected file too', async () => {
    const bytes = csv(['Name,Email', 'x,y']);
    const result = failed(await importStatement({ bytes, filename: 'x.csv' }));
    expect(result.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});

describe('a 50 MB statement streams through in bounded memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chub-statement-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every row is imported while the live heap stays flat', async () => {
    const path = join(dir, 'big-statement.csv');
    const out = createWriteStream(path);
    out.write('Big Carrier Commission Statement\r\n\r\n');
    out.write(`${genericPreset.headers.join(',')}\r\n`);
    let rows = 0;
    let written = 0;
    let commissionCents = 0;
    while (written < 50 * 1024 * 1024) {
      let chunk = '';
      for (let k = 0; k < 1000; k++) {
        rows++;
        const premiumCents = 50_000 + (rows % 997) * 100;
        const cents = (premiumCents * 15) / 100; // whole cents: premiums are whole dollars
        commissionCents += cents;
        const day = String(1 + (rows % 28)).padStart(2, '0');
        chunk +=
          `BIG-${String(rows).padStart(9, '0')},"Insured ${rows % 5000}, Pat",NEW,2026-03-${day},2026-03-${day},AUTOP,` +
          `${premiumCents / 100}.00,15,${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')},P${rows % 9},USD\r\n`;
      }
      written += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    expect(statSync(path).size).toBeGreaterThanOrEqual(50 * 1024 * 1024);

    // Live memory, not garbage: force collections while streaming.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let received = 0;
    const result = ok(
      await importStatement({
        bytes: createReadStream(path),
        filename: 'big-statement.csv',
        onLine: (line) => {
          received++;
          if (line.lineNo % 50_000 === 0) {
            gc();
            peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
          }
        },
      }),
    );
    expect(received).toBe(rows);
    expect(result.totals.count).toBe(rows);
    expect(result.totals.commissionCents).toBe(commissionCents);
    expect(result.lines).toEqual([]);
    // Collected as objects these lines take hundreds of MB; streamed, the live heap hardly moves.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    expect(result.contentHash).toBe(hash.digest('hex'));
  }, 300_000);
});

describe('ACORD AL3 commission download', () => {
  /** A filler group as the doc's watercraft sample has them (contents not public; "?" fills missing data). */
  const filler = (tag: string, length: number) => `${tag}${length}`.padEnd(length, '?');

  /** The doc's sample group sequence (1MHG176 … 2TRG212 … PCH … 2TCG135 2TAG212 2ACI200 5BIS172 9BIS168 5ISI183 5SNG117 5BPI285), plus the hub's commission group. */
  function docShapedMessage(withCommission: boolean): string {
    const groups = [
      formatAl3Group('1MHG', { NOTE: 'SAMPLE' }),
      formatAl3Group('2TRG', { TRCAT: 'P', RTGCD: 'P', LOBRC: 'BOAT', TRFNC: 'FMG', CBPUR: 'PCH' }),
      formatAl3Group('2TCG', {}),
      filler('2TAG', 212),
      filler('2ACI', 200),
      formatAl3Group('5BIS', { NAMTY: 'P', INSNM: 'ADAM J GOMES' }),
      filler('9BIS', 168),
      filler('5ISI', 183),
      filler('5SNG', 117),
      formatAl3Group('5BPI', {
        POLNO: 'WC 0012345',
        COCD: '24260',
        LOBCD: 'BOAT',
        PRDSC: 'AGOM3',
        OPIDT: '20240315',
        FPREM: '00000064000+',
        CPREM: '00000004000+',
      }),
    ];
    if (withCommission) {
      groups.push(
        formatAl3Group('5XCM', {
          TRNDT: '20260410',
          POLEF: '20260315',
          POLEX: '20270315',
          CMBAS: '00000004000+',
          CMRAT: '0150000',
          CMAMT: '00000000600+',
          CURCD: 'USD',
        }),
      );
    }
    groups.push(formatAl3Group('3MTG', {}));
    return groups.join('\r\n');
  }

  test('the group envelope is read as the public layout describes it', async () => {
    const tags: string[] = [];
    for await (const e of readAl3Groups([Buffer.from(docShapedMessage(false), 'latin1')])) {
      if (e.kind === 'group') tags.push(`${e.group.tag}${e.group.length}`);
    }
    expect(tags).toEqual([
      '1MHG176',
      '2TRG212',
      '2TCG135',
      '2TAG212',
      '2ACI200',
      '5BIS172',
      '9BIS168',
      '5ISI183',
      '5SNG117',
      '5BPI285',
      '3MTG40',
    ]);
  });

  test('a transaction with a commission group becomes a statement line', async () => {
    const result = ok(
      await importStatement({
        bytes: Buffer.from(docShapedMessage(true), 'latin1'),
        filename: 'download.dat',
      }),
    );
    expect(result.format).toBe('al3');
    expect(result.lines).toHaveLength(1);
    expect(result.counts.lines + result.counts.nonData).toBe(12);
    expect(withoutRaw(result.lines[0]!)).toEqual({
      lineNo: 1,
      sourceRow: 11,
      policyNumber: 'WC 0012345',
      policyNumberNormalized: 'WC0012345',
      insuredName: 'ADAM J GOMES',
      insuredNameNormalized: 'adam j gomes',
      transactionType: 'END',
      transactionTypeRaw: 'PCH',
      effectiveDate: '2026-03-15',
      transactionDate: '2026-04-10',
      premiumCents: 4000,
      commissionRate: '15',
      commissionCents: 600,
      producerCode: 'AGOM3',
      lineOfBusiness: 'BOAT',
      currency: 'USD',
    });
  });

  test('groups in one unbroken stream read the same as one group per line', async () => {
    const oneLine = docShapedMessage(true).replaceAll('\r\n', '');
    const result = ok(
      await importStatement({ bytes: Buffer.from(oneLine, 'latin1'), filename: 'download.al3' }),
    );
    expect(result.lines[0]!.commissionCents).toBe(600);
  });

  test('a policy download without commission groups is refused with the reason', async () => {
    const result = failed(
      await importStatement({ bytes: Buffer.from(docShapedMessage(false), 'latin1'), filename: 'x.al3' }),
    );
    expect(result.errors[0]!.reason).toMatch(
      /no commission records: none of the 1 transaction\(s\) carries a 5XCM/,
    );
  });

  test('a truncated file keeps what was read whole; a "?"-filled commission amount is an unreadable line', async () => {
    const full = docShapedMessage(true);
    const truncated = ok(
      await importStatement({ bytes: Buffer.from(full.slice(0, -30), 'latin1'), filename: 'x.al3' }),
    );
    expect(truncated.lines.map((l) => l.commissionCents)).toEqual([600]);
    const [rest] = truncated.rows.filter((r) => r.kind === 'unreadable');
    expect(rest!.reason).toMatch(/truncated; the rest of the file could not be read/);
    expect(truncated.needsReview).toBe(true);
    const missing = full.replace('00000000600+', '????????????');
    const noAmount = ok(await importStatement({ bytes: Buffer.from(missing, 'latin1'), filename: 'x.al3' }));
    expect(noAmount.lines).toEqual([]);
    expect(noAmount.rows.filter((r) => r.kind === 'unreadable').flatMap((r) => r.errors)).toEqual([
      { row: 11, field: 'commission', value: null, reason: 'CMAMT: commission amount is blank' },
    ]);
  });

  test('rows come out in the AL3 header order', async () => {
    const events = [];
    for await (const e of parseAl3CommissionRows([Buffer.from(docShapedMessage(true), 'latin1')]))
      events.push(e.kind);
    expect(events).toEqual(['row', 'stats']);
  });
});

describe('the demo statement generator writes down the truth exactly', () => {
  const heavy = {
    nameTypos: 0.3,
    policyNumberNoise: 0.4,
    splitPayments: 0.2,
    duplicates: 0.15,
    wrongRates: 0.2,
    foreignLines: 4,
    missingLines: 0.15,
  };

  test.each(['TRAV', 'LIBM', 'NATW', 'ERIE'])('%s: every line is what the truth says it is', async (key) => {
    const statement = await generateDemoStatement(agency, { carrierKey: key, month, mess: heavy });
    const result = ok(
      await importStatement({ bytes: statement.bytes, filename: statement.filename, carrierKey: key }),
    );
    const lines = result.lines;
    expect(lines).toHaveLength(statement.truth.length);
    const ourNumbers = new Set(agency.policies.map((p) => normalizePolicyNumber(p.policyNumber)));
    const paidByTransaction = new Map<string, number>();
    for (const t of statement.truth) {
      const line = lines[t.lineNo - 1]!;
      expect(line.lineNo).toBe(t.lineNo);
      expect(line.commissionCents).toBe(t.paidCents);
      if (t.kind === 'foreign') {
        expect(ourNumbers.has(line.policyNumberNormalized)).toBe(false);
        continue;
      }
      const policy = policies.get(t.policyKey)!;
      if (t.kind === 'duplicate') {
        expect(line.raw).toEqual(lines[t.duplicateOf - 1]!.raw);
        expect(t.duplicateOf).toBeLessThan(t.lineNo);
        continue;
      }
      paidByTransaction.set(t.transactionKey, (paidByTransaction.get(t.transactionKey) ?? 0) + t.paidCents);
      const txn = policy.transactions.find((x) => x.key === t.transactionKey)!;
      expect(t.expectedCents).toBe(commissionFor(txn.premiumDeltaCents, t.expectedRate));
      const numberMess = t.mess.find((m) => m.startsWith('policy-number:'));
      if (!numberMess || numberMess === 'policy-number:punctuation') {
        expect(line.policyNumberNormalized).toBe(normalizePolicyNumber(policy.policyNumber));
      } else expect(line.policyNumberNormalized).not.toBe(normalizePolicyNumber(policy.policyNumber));
      const name = normalizeName(clients.get(policy.clientKey)!.displayName);
      if (t.mess.includes('name-typo')) expect(line.insuredNameNormalized).not.toBe(name);
      else expect(line.insuredNameNormalized).toBe(name);
      if (t.mess.includes('wrong-rate')) expect(t.paidRate).not.toBe(t.expectedRate);
      else expect(t.paidRate).toBe(t.expectedRate);
    }
    // Each paid commission, split or not, adds up to the commission at the rate actually paid.
    for (const [transactionKey, paid] of paidByTransaction) {
      const t = statement.truth.find((x) => x.kind === 'expected' && x.transactionKey === transactionKey);
      if (t?.kind !== 'expected') throw new Error('missing truth');
      const txn = policies.get(t.policyKey)!.transactions.find((x) => x.key === transactionKey)!;
      expect(paid).toBe(commissionFor(txn.premiumDeltaCents, t.paidRate));
    }
    // Every expected commission is either on the statement or among the omitted, never both.
    const onStatement = new Set(paidByTransaction.keys());
    const omitted = new Set(statement.omitted.map((o) => o.transactionKey));
    expect(statement.expected.map((e) => e.transactionKey).sort()).toEqual(
      [...onStatement, ...omitted].sort(),
    );
    expect([...omitted].filter((k) => onStatement.has(k))).toEqual([]);
  });

  test('the heavy mess produces every kind of line somewhere in a year of statements', async () => {
    const kinds = new Set<string>();
    let omitted = 0;
    for (const key of ['TRAV', 'NATW', 'LIBM']) {
      for (const m of ['2026-01', '2026-02', '2026-03', '2026-04']) {
        const s = await generateDemoStatement(agency, {
          carrierKey: key,
          month: m,
          format: 'csv',
          mess: heavy,
        });
        for (const t of s.truth) {
          kinds.add(t.kind);
          if (t.kind === 'expected') for (const x of t.mess) kinds.add(x.replace(/:.*/, ''));
        }
        omitted += s.omitted.length;
      }
    }
    expect([...kinds].sort()).toEqual(
      ['duplicate', 'expected', 'foreign', 'name-typo', 'policy-number', 'split', 'wrong-rate'].sort(),
    );
    expect(omitted).toBeGreaterThan(0);
  });
});

describe('values as carriers write them', () => {
  test('dates: ISO, M/D/YY, M/D/YYYY, month names, 15-Jan-26 and Excel serials read as the same day', () => {
    for (const text of [
      '2026-01-15',
      '2026/01/15',
      '20260115',
      '1/15/26',
      '01/15/2026',
      '1-15-2026',
      'Jan 15, 2026',
      'January 15 2026',
      'JAN-15-26',
      '15-Jan-26',
      '15-JAN-2026',
      '15 January 2026',
      '46037',
      '46037.5',
      '01/15/2026 12:00:00 AM',
      '2026-01-15T00:00:00Z',
    ]) {
      expect(parseDate(text, 'mdy'), text).toEqual({ ok: true, value: '2026-01-15' });
    }
    expect(parseDate('15/01/2026', 'dmy')).toEqual({ ok: true, value: '2026-01-15' });
    expect(parseDate('4/5/26', 'mdy')).toEqual({ ok: true, value: '2026-04-05' });
    expect(parseDate('4/5/26', 'dmy')).toEqual({ ok: true, value: '2026-05-04' });
    expect(parseDate('2/29/2028', 'mdy')).toEqual({ ok: true, value: '2028-02-29' });
    expect(parseDate('2/29/2027', 'mdy')).toMatchObject({ ok: false, reason: /February 2027 has 28 days/ });
    expect(parseDate('15/01/2026', 'mdy')).toMatchObject({ ok: false, reason: /only reads as day\/month/ });
    expect(parseDate('3/4/98', 'mdy')).toEqual({ ok: true, value: '1998-03-04' });
    expect(parseDate('Total', 'mdy').ok).toBe(false);
    expect(parseDate('123', 'mdy').ok).toBe(false);
  });

  test('the day/month order of a column is decided by the values that fit only one reading, and said', () => {
    const us = decideDateOrder('Eff', ['04/05/2026', '1/15/26', '02/03/2026'], 'dmy');
    expect(us).toMatchObject({ order: 'mdy', onlyMonthDay: 1, example: '1/15/26' });
    expect(us.explanation).toMatch(
      /read as month\/day, because 1 value\(s\) such as "1\/15\/26" fit no other order/,
    );
    const eu = decideDateOrder('Eff', ['04/05/2026', '25/12/2025', '31/01/2026'], 'mdy');
    expect(eu).toMatchObject({ order: 'dmy', onlyDayMonth: 2 });
    const undecided = decideDateOrder('Eff', ['04/05/2026', '2026-01-15', 'Jan 3, 2026'], 'mdy');
    expect(undecided).toMatchObject({ order: 'mdy', example: null });
    expect(undecided.explanation).toMatch(/fits both orders; read as month\/day, the layout's convention/);
  });

  test('one date written 1/15/26 or Jan 15, 2026 among four-digit dates reads with the rest', async () => {
    const file = csv([
      'Policy Number,Insured Name,Effective Date,Commission Amount',
      'ABC-1001,Ann Lee,01/02/2026,1.00',
      'ABC-1002,Bo Chen,1/15/26,2.00',
      'ABC-1003,Cy Diaz,"Jan 15, 2026",3.00',
      'ABC-1004,Di Eng,15-Jan-26,4.00',
      'ABC-1005,Ed Fox,46037,5.00',
      'ABC-1006,Flo Gu,03/04/2026,6.00',
    ]);
    const result = ok(await importStatement({ bytes: file, filename: 'x.csv' }));
    expect(result.lines.map((l) => l.effectiveDate)).toEqual([
      '2026-01-02',
      '2026-01-15',
      '2026-01-15',
      '2026-01-15',
      '2026-01-15',
      '2026-03-04',
    ]);
    expect(result.detection.dateOrders).toEqual({ effectiveDate: 'mdy' });
    const dayFirst = csv([
      'Policy Number,Insured Name,Effective Date,Commission Amount',
      'ABC-1001,Ann Lee,01/02/2026,1.00',
      'ABC-1002,Bo Chen,25/01/2026,2.00',
    ]);
    const r = ok(await importStatement({ bytes: dayFirst, filename: 'x.csv' }));
    expect(r.lines.map((l) => l.effectiveDate)).toEqual(['2026-02-01', '2026-01-25']);
    expect(r.detection.explanation.join('\n')).toMatch(
      /read as day\/month, because 1 value\(s\) such as "25\/01\/2026"/,
    );
  });

  test('amounts: $, thousands, parentheses, leading or trailing minus, CR/DR and spaces, in exact cents', () => {
    const cases: [string, number | null][] = [
      ['1,234.56', 123456],
      ['$1,234.56', 123456],
      ['$ 1,234.56', 123456],
      ['(1,234.56)', -123456],
      ['($1,234.56)', -123456],
      ['-1,234.56', -123456],
      ['-$1,234.56', -123456],
      ['$-1,234.56', -123456],
      ['1,234.56-', -123456],
      ['1,234.56 -', -123456],
      ['45.00 CR', -4500],
      ['45.00CR', -4500],
      ['45.00 DR', 4500],
      ['45.00 cr', -4500],
      ['- 45.00', -4500],
      ['−45.00', -4500],
      ['1 234.56', 123456],
      ['.5', 50],
      ['-', 0],
      ['', null],
      ['0.125', 12],
    ];
    for (const [text, cents] of cases) expect(parseAmount(text), text).toEqual({ ok: true, value: cents });
    expect(parseAmount('45.00 CR', { creditSuffix: 'positive' })).toEqual({ ok: true, value: 4500 });
    expect(parseAmount('(45.00) CR').ok).toBe(false);
    expect(parseAmount('12.3.4').ok).toBe(false);
    expect(parseAmount('1,23.00').ok).toBe(false);
    expect(parseAmount('ABC').ok).toBe(false);
    expect(parseAmount('-12.00', { unsigned: true }).ok).toBe(false);
  });

  test('the statement period is read from the preamble in the wordings carriers use', () => {
    expect(statementPeriod(['Statement Period: 11/01/2025 - 11/30/2025'])).toMatchObject({
      start: '2025-11-01',
      end: '2025-11-30',
    });
    expect(statementPeriod(['Commission Statement for the month of November 2025'])).toMatchObject({
      start: '2025-11-01',
      end: '2025-11-30',
    });
    expect(statementPeriod(['Period Ending 11/30/2025'])).toMatchObject({
      start: '2025-11-01',
      end: '2025-11-30',
    });
    expect(statementPeriod(['Liberty Mutual - Agency Commission Detail - 2025-11'])).toMatchObject({
      start: '2025-11-01',
      end: '2025-11-30',
    });
    expect(statementPeriod(['Statement Date: Dec 5, 2025'])).toMatchObject({
      statementDate: '2025-12-05',
      start: null,
    });
    expect(statementPeriod(['ACME Mutual', 'Agency 4471203'])).toMatchObject({
      start: null,
      end: null,
      statementDate: null,
    });
    // Columns read day/month do not make a title's US dates unreadable: both dates read one way.
    expect(statementPeriod(['Statement Period: 09/01/2026 - 09/30/2026'], 'dmy')).toMatchObject({
      start: '2026-09-01',
      end: '2026-09-30',
    });
    expect(statementPeriod(['Statement Period: 01/09/2026 - 30/09/2026'], 'mdy')).toMatchObject({
      start: '2026-09-01',
      end: '2026-09-30',
    });
  });

  test('presets are valid saved mappings', () => {
    for (const p of statementPresets)
      expect(parseColumnMapping(JSON.parse(JSON.stringify(p.mapping)))).toEqual(p.mapping);
    expect(presetForCarrier('TRAV')!.mapping.signConvention).toBe('parentheses');
    expect(() =>
      parseColumnMapping({ name: 'x', columns: { policyNumber: 'P' }, dateFormat: 'YYYY-MM-DD' }),
    ).toThrow();
  });
});
