// Benchmark: reconcile a generated messy statement (100k lines by default) against a book of
// expected commissions (1M by default) with the matcher in domain/reconciliation/, scored against
// the generator's truth; and, as the yardstick, a plain SQL hash join of the exact keys (carrier +
// normalised policy number + effective date + transaction type) over the same rows in the bench's
// database. The join only finds the clean lines (no variants, typos, splits, duplicates or
// classification); it is the floor a set-based engine needs just to pair the rows up.

import type { PoolClient } from '../db/pool.ts';
import { normalizePolicyNumber } from '../domain/normalize.ts';
import { evaluateReconciliation } from '../domain/reconciliation/evaluate.ts';
import { reconcile } from '../domain/reconciliation/match.ts';
import { generateMessyStatement } from '../domain/reconciliation/messy.ts';
import type { BenchStack } from './stack.ts';

export interface ReconcileBenchOptions {
  lines: number;
  expected: number;
  seed?: string;
}

export interface ReconcileBenchResult {
  lines: number;
  expected: number;
  generateSeconds: number;
  matcherSeconds: number;
  /** CPU time of the bench process during the matcher run (user + system, GC threads included). */
  matcherCpuSeconds: number;
  linesPerSecond: number;
  /** The bench process's peak resident set up to the end of the matcher run (all of it, stack included). */
  peakRssMb: number;
  /** Resident set just before the matcher ran: the generated book and statement are already in it. */
  rssBeforeMb: number;
  precision: number;
  recall: number;
  foreignLinked: number;
  exactLinks: number;
  loadSeconds: number;
  /** Best of three runs of the join query, rows fetched by the client included. */
  joinSeconds: number;
  joinFirstSeconds: number;
  joinPairs: number;
  joinPlan: string;
  /** matcherSeconds / joinSeconds. */
  ratio: number;
  database: string;
}

const megabyte = 1024 * 1024;
const loadBatch = 50_000;

export async function benchReconcile(
  stack: Pick<BenchStack, 'pool' | 'databaseKind'>,
  options: ReconcileBenchOptions,
): Promise<ReconcileBenchResult> {
  const generateStarted = performance.now();
  const statement = generateMessyStatement({
    seed: options.seed ?? 'bench',
    lines: options.lines,
    expected: options.expected,
  });
  const generateSeconds = (performance.now() - generateStarted) / 1000;

  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const matcherStarted = performance.now();
  const result = reconcile(statement.lines, statement.expected, { asOf: statement.asOf });
  const matcherSeconds = (performance.now() - matcherStarted) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // maxRSS is in kilobytes: the high-water mark of the whole process so far.
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / megabyte;
  const evaluation = evaluateReconciliation(result.lines, statement.truth);

  const client = await stack.pool.connect();
  try {
    const loadStarted = performance.now();
    await loadRows(client, statement);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    // A plain hash join: no merge or nested-loop alternatives, and memory enough for one batch.
    await client.query(`set enable_mergejoin = off; set enable_nestloop = off; set work_mem = '256MB'`);
    const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(`explain ${joinQuery}`);
    const joinPlan = plan.map((r) => r['QUERY PLAN']).join('\n');
    if (!joinPlan.includes('Hash Join'))
      throw new Error(`the exact-key join is not a hash join:\n${joinPlan}`);
    const timings: number[] = [];
    let joinPairs = 0;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const { rows } = await client.query(joinQuery);
      timings.push((performance.now() - started) / 1000);
      joinPairs = rows.length;
    }
    await client.query('drop table bench_statement_lines, bench_expected_commissions');
    await client.query('reset enable_mergejoin; reset enable_nestloop; reset work_mem');
    const joinSeconds = Math.min(...timings);
    return {
      lines: statement.lines.length,
      expected: statement.expected.length,
      generateSeconds,
      matcherSeconds,
      matcherCpuSeconds: (cpu.user + cpu.system) / 1e6,
      linesPerSecond: statement.lines.length / matcherSeconds,
      peakRssMb,
      rssBeforeMb: rssBefore / megabyte,
      precision: evaluation.precision,
      recall: evaluation.recall,
      foreignLinked: evaluation.foreignLinked,
      exactLinks: result.summary.methods.exact,
      loadSeconds,
      joinSeconds,
      joinFirstSeconds: timings[0]!,
      joinPairs,
      joinPlan,
      ratio: matcherSeconds / joinSeconds,
      database: stack.databaseKind,
    };
  } finally {
    client.release();
  }
}

const joinQuery = `select l.id as line_id, e.id as expected_id
  from bench_statement_lines l
  join bench_expected_commissions e
    on e.carrier_id = l.carrier_id
   and e.policy_number_normalized = l.policy_number_normalized
   and e.effective_date = l.effective_date
   and e.transaction_type = l.transaction_type`;

/** The same rows the matcher saw, in temporary tables, in large set-based batches (not timed). */
async function loadRows(
  client: PoolClient,
  statement: ReturnType<typeof generateMessyStatement>,
): Promise<void> {
  await client.query(`drop table if exists bench_statement_lines, bench_expected_commissions`);
  await client.query(`create temporary table bench_expected_commissions (
    id text not null, carrier_id text not null, policy_number_normalized text not null,
    effective_date date not null, transaction_type text not null, balance_cents bigint not null)`);
  await client.query(`create temporary table bench_statement_lines (
    id text not null, carrier_id text not null, policy_number_normalized text not null,
    effective_date date, transaction_type text, commission_cents bigint not null)`);
  const insert = (table: string) =>
    `insert into ${table} select * from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::bigint[])`;
  const { expected, lines } = statement;
  for (let i = 0; i < expected.length; i += loadBatch) {
    const part = expected.slice(i, i + loadBatch);
    await client.query(insert('bench_expected_commissions'), [
      part.map((e) => e.id),
      part.map((e) => e.carrierId),
      part.map((e) => e.policyNumberNormalized),
      part.map((e) => e.effectiveDate),
      part.map((e) => e.transactionType),
      part.map((e) => e.balanceCents),
    ]);
  }
  for (let i = 0; i < lines.length; i += loadBatch) {
    const part = lines.slice(i, i + loadBatch);
    await client.query(insert('bench_statement_lines'), [
      part.map((l) => l.id),
      part.map((l) => l.carrierId),
      part.map((l) => normalizePolicyNumber(l.policyNumber)),
      part.map((l) => (l.effectiveDate === '' ? null : l.effectiveDate)),
      part.map((l) => l.transactionType),
      part.map((l) => l.commissionCents),
    ]);
  }
  await client.query('analyze bench_expected_commissions');
  await client.query('analyze bench_statement_lines');
}

export function formatReconcileBench(r: ReconcileBenchResult): string {
  const planShape = r.joinPlan
    .split('\n')
    .map((line) => line.trim().replace(/\s+\(cost=.*$/, ''))
    .filter((line) => /Join|Scan|Hash$/.test(line))
    .join(' / ');
  return [
    `  statement generated    ${r.lines} lines, ${r.expected} expected in ${r.generateSeconds.toFixed(1)} s`,
    `  matcher                ${r.matcherSeconds.toFixed(2)} s  = ${Math.round(r.linesPerSecond)} lines/s (CPU ${r.matcherCpuSeconds.toFixed(2)} s)`,
    `  peak RSS               ${Math.round(r.peakRssMb)} MB (process; ${Math.round(r.rssBeforeMb)} MB before the matcher)`,
    `  precision / recall     ${r.precision.toFixed(5)} / ${r.recall.toFixed(5)}  (foreign lines linked: ${r.foreignLinked})`,
    `  rows loaded (untimed)  ${r.loadSeconds.toFixed(1)} s`,
    `  SQL exact-key join     ${r.joinSeconds.toFixed(3)} s best of 3 (first ${r.joinFirstSeconds.toFixed(3)} s), ${r.joinPairs} pairs; matcher's exact tier: ${r.exactLinks}`,
    `  join plan              ${planShape}`,
    `  ratio matcher / join   ${r.ratio.toFixed(2)}`,
  ].join('\n');
}
