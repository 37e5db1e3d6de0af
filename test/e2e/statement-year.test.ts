// A year of carrier statements, written the way carriers write them, through the real system: a
// book synced from the agency's three AMSs (Applied Epic, HawkSoft, EZLynx), twelve monthly statements from each of three carriers in three
// print styles (printed pages with repeated headers, producer sections and subtotals, footers with
// their amount off to the side, a balance brought forward, CR amounts, two-digit years and month
// names among four-digit dates, a workbook with a worksheet per producer), each messy the way
// statements are (typos, number variants, split payments, duplicates, wrong rates, renewals under
// the prior term's number or coded as new business, trusts, payments a few cents off, other
// agencies' lines). Every file must import whole with every row accounted for, and every line be
// reconciled the way its truth says: precision 1.0, recall at least 0.99.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import {
  generateDemoStatement,
  messyStatement,
  type StatementLineTruth,
  type StatementPrint,
} from '../../domain/statements/demo-statements.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { type StatementBook, statementBook } from '../support/statement-book.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const seed = 'e2e-statement-year';
const asOf = '2026-11-01';
const clients = 600;
const agency = generateAgency({ seed, clients, asOf });
const months = Array.from({ length: 12 }, (_, i) => {
  const d = new Date(Date.UTC(2025, 10 + i, 1));
  return d.toISOString().slice(0, 7);
});

/** Three print styles a year of statements comes in. */
const prints: StatementPrint[] = [
  {
    pageLines: 8,
    producerSections: true,
    subtotals: 'code-total',
    footer: { label: 'TOTAL COMMISSION DUE:', offset: true },
    creditSuffix: true,
    dates: 'mixed',
    closingNote: 'Questions about this statement? Call 1-800-555-0100.',
  },
  {
    sheetsByProducer: true,
    subtotals: 'subtotal-agent',
    footer: { label: 'Grand Total' },
    dates: 'month-names',
  },
  {
    balanceForwardCents: -4_512,
    footer: { label: 'Net Commission Payable' },
    subtotals: 'subtotal-month',
    dates: 'two-digit-year',
  },
];

/** The three carriers with the most direct-bill transactions in the year. */
function busiestCarriers(): string[] {
  const counts = new Map<string, number>();
  for (const p of agency.policies) {
    if (p.billMode !== 'direct') continue;
    for (const t of p.transactions) {
      if (!months.includes(t.effectiveDate.slice(0, 7)) || t.premiumDeltaCents === 0) continue;
      counts.set(p.carrierKey, (counts.get(p.carrierKey) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([key]) => key);
}

describe('a year of statements from three carriers, as carriers write them', () => {
  let book: StatementBook;
  beforeAll(async () => {
    book = await statementBook(h, {
      name: 'Year Agency',
      agency,
      seed,
      clients,
      asOf,
      systems: ['applied-epic', 'hawksoft', 'ezlynx'],
    });
  }, 240_000);

  test('every file imports whole, every row is accounted for, and the lines reconcile as their truth says', async () => {
    const { rows: expectations } = await h.pool.query<{ id: string; key: string; status: string }>(
      `select e.id, p.policy_number || '|' || e.transaction_type || '|' || e.effective_date::text as key, e.status
         from expected_commissions e join policies p on p.id = e.policy_id where e.tenant_id = $1`,
      [book.tenantId],
    );
    // Every transaction of the book, priced or not: a payment for an unpriced one is still ours.
    const expectationOf = new Map(expectations.map((e) => [e.key, e.id]));
    const policies = new Map(agency.policies.map((p) => [p.key, p]));
    const expectationFor = (t: Extract<StatementLineTruth, { kind: 'expected' | 'duplicate' }>) => {
      const policy = policies.get(t.policyKey)!;
      const txn = policy.transactions.find((x) => x.key === t.transactionKey)!;
      const at = (type: string) => expectationOf.get(`${policy.policyNumber}|${type}|${txn.effectiveDate}`);
      // An AMS may book a renewal under a new number as a rewrite.
      return at(txn.type) ?? (txn.type === 'RWL' || txn.type === 'NEW' ? at('REWRITE') : undefined);
    };

    let files = 0;
    let relevant = 0;
    let decided = 0;
    let correct = 0;
    let foreignLinked = 0;
    let outsideBook = 0;
    const misses: string[] = [];
    const settledWithin: string[] = [];
    const carriers = busiestCarriers();
    for (const [c, carrierKey] of carriers.entries()) {
      for (const month of months) {
        const statement = await generateDemoStatement(agency, {
          carrierKey,
          month,
          mess: messyStatement,
          print: prints[c],
          format: c === 1 ? 'xlsx' : 'csv',
          seed,
        });
        if (statement.truth.length === 0) continue;
        files++;
        const created = await book.json<{
          statement: {
            id: string;
            line_count: number;
            non_data_row_count: number;
            unreadable_line_count: number;
            needs_review: boolean;
            control_checks: { ok: boolean; explanation: string }[];
          };
        }>(book.upload(carrierKey, statement.filename, statement.bytes), 201);
        const s = created.statement;
        const where = `${carrierKey} ${month}`;
        expect(s.line_count, where).toBe(statement.truth.length);
        expect(s.unreadable_line_count, where).toBe(0);
        expect(
          s.control_checks.filter((k) => !k.ok).map((k) => k.explanation),
          where,
        ).toEqual([]);
        expect(s.control_checks.length, where).toBeGreaterThan(0);
        expect(s.needs_review, where).toBe(false);
        if (statement.format === 'csv') {
          // Every record of the file is a line, a row of its structure, or a line kept for review.
          const records = parseCsv(statement.bytes, { relax_column_count: true, skip_empty_lines: false });
          expect(s.line_count + s.non_data_row_count + s.unreadable_line_count, where).toBe(records.length);
        }

        await book.reconciled(s.id);
        const lines = await book.allLines(s.id);
        for (const truth of statement.truth) {
          const line = lines.find((l) => l.line_no === truth.lineNo)!;
          const linked = line.status !== 'unexpected';
          const ids = line.matches.map((m) => m.expectedId);
          if (linked) decided++;
          // Another agency's line, or a transaction the synced book does not hold (the personal-lines
          // AMSs report no endorsements): nothing of ours pays it, so it must stay unexpected.
          const expectedId = truth.kind === 'foreign' ? undefined : expectationFor(truth);
          if (expectedId === undefined) {
            outsideBook++;
            if (linked) {
              foreignLinked++;
              misses.push(`${where} line ${truth.lineNo}: a line outside the book linked (${line.reason})`);
            }
            continue;
          }
          relevant++;
          const right =
            truth.kind === 'duplicate'
              ? line.status === 'duplicate'
              : ['matched', 'underpaid', 'overpaid'].includes(line.status) &&
                ids.length === 1 &&
                ids[0] === expectedId;
          if (right) {
            correct++;
            const centsOffOnly =
              truth.kind === 'expected' &&
              truth.mess.includes('cents-off') &&
              !truth.mess.includes('wrong-rate') &&
              truth.part === null;
            if (centsOffOnly && line.status === 'matched') settledWithin.push(expectedId!);
          } else
            misses.push(
              `${where} line ${truth.lineNo} (${truth.kind}${truth.kind === 'expected' ? ` ${truth.mess.join(',')}` : ''}): ${line.status} ${line.reason}`,
            );
        }
      }
    }
    const precision = decided === 0 ? 1 : correct / decided;
    const recall = relevant === 0 ? 1 : correct / relevant;
    console.log(
      `a year of statements: ${files} files, ${relevant} payable lines, ${outsideBook} outside the book; precision ${precision.toFixed(4)} (${correct}/${decided}), recall ${recall.toFixed(4)} (${correct}/${relevant}), foreign linked ${foreignLinked}`,
    );
    if (misses.length) console.log(misses.slice(0, 20).join('\n'));
    expect(files).toBeGreaterThanOrEqual(30);
    expect(relevant).toBeGreaterThan(100);
    expect(foreignLinked).toBe(0);
    expect(precision).toBe(1);
    expect(recall).toBeGreaterThanOrEqual(0.99);

    // A payment a few cents off settles its commission as paid, the difference recorded.
    expect(settledWithin.length).toBeGreaterThan(0);
    const { rows: settled } = await h.pool.query<{ status: string; difference: number }>(
      `select status, (paid_cents - agency_cents)::int as difference from expected_commissions where id = any($1::uuid[])`,
      [settledWithin],
    );
    for (const r of settled) {
      expect(r.status).toBe('paid');
      expect(Math.abs(r.difference)).toBeLessThanOrEqual(3);
    }
  }, 900_000);
});
