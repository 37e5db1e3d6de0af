// The demo agency's commission picture, made once after its first syncs so `npm start` shows the
// product: a few schedule lines (two carriers with many policies in the systems of record that
// record no rates, `demo.recordsNoRates`; the rest of the book is priced by the rates its AMS
// records), and one of those carriers' statements from a past month, printed the way carriers
// print them, with the slips statements have (a rate paid short, lines that never came), imported and reconciled.
// Deposits in the books reconcile by themselves after their sync.
import { ApplicationFailure, Context, getClient } from '@temporalio/activity';
import { addDays, addMonths, generateAgency } from '../connectors/kit/demo-agency.ts';
import { bookFor, type DemoSystem } from '../connectors/kit/demo-book.ts';
import { registry } from '../connectors/registry.ts';
import { loadRules, loadSplitPlans, recalculatePolicies } from '../db/commission-store.ts';
import { withTransaction } from '../db/pool.ts';
import { StatementWriter } from '../db/statement-store.ts';
import {
  expectedStatementCommissions,
  generateDemoStatement,
  messyStatement,
} from '../domain/statements/demo-statements.ts';
import { importStatement } from '../domain/statements/import.ts';
import { requestCommissionRecalculation } from '../runtime/commission-requests.ts';
import { markReconciling, requestReconciliation } from '../runtime/reconciliation-requests.ts';
import type { ActivityDeps } from './deps.ts';

export interface DemoCommissionsInput {
  tenantId: string;
  /** The demo agency the sandboxes were seeded with. */
  seed: string;
  clients?: number;
  asOf: string;
}

/** The demo's systems of record (`demo.holdsBook`): the book is there once each has finished a full sync. */
const bookSystems = Object.entries(registry)
  .filter(([, entry]) => entry?.connector.demo?.holdsBook)
  .map(([provider]) => provider);
/** The systems that record no commission rates (`demo.recordsNoRates`): the demo schedules theirs. */
const rateless = Object.entries(registry)
  .filter(([, entry]) => entry?.connector.demo?.recordsNoRates)
  .map(([provider]) => provider as DemoSystem);

export function createDemoCommissionActivities(deps: ActivityDeps) {
  /** Fails (and is retried by Temporal) until every AMS connection of the tenant has synced in full. */
  async function demoBookReady(input: { tenantId: string }): Promise<void> {
    const { rows } = await deps.pool.query<{ provider: string; synced: boolean }>(
      `select c.provider, exists (select 1 from sync_runs r where r.connection_id = c.id and r.mode = 'full' and r.status = 'completed') as synced
         from connections c where c.tenant_id = $1 and c.provider = any($2::text[])`,
      [input.tenantId, bookSystems],
    );
    const waiting = rows.filter((r) => !r.synced).map((r) => r.provider);
    if (rows.length === 0 || waiting.length > 0) {
      throw ApplicationFailure.retryable(
        `the demo's first full syncs have not finished (${waiting.join(', ') || 'no AMS connection yet'})`,
        'DemoBookNotReady',
      );
    }
  }

  /** Schedule lines and a reconciled statement, unless the tenant has commission data already. */
  async function seedDemoCommissions(input: DemoCommissionsInput): Promise<{ statementId: string | null }> {
    const agency = generateAgency({ seed: input.seed, clients: input.clients, asOf: input.asOf });
    const carriers = await deps.pool.query<{ id: string; name: string }>(
      'select id, name from carriers where tenant_id = $1',
      [input.tenantId],
    );
    const carrierId = new Map(carriers.rows.map((c) => [c.name, c.id]));
    const already = await deps.pool.query(
      `select (select count(*) from commission_rules where tenant_id = $1)::int as rules,
              (select count(*) from statements where tenant_id = $1 and source = 'upload')::int as statements`,
      [input.tenantId],
    );
    const taskQueue = Context.current().info.taskQueue;

    // The two carriers with the most policies in the systems that record no rates.
    const personal = rateless.flatMap((system) => bookFor(agency, system).policies);
    const counts = new Map<string, number>();
    for (const p of personal) counts.set(p.carrierKey, (counts.get(p.carrierKey) ?? 0) + 1);
    const scheduled = [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([key]) => agency.carriers.find((c) => c.key === key)!)
      .filter((c) => carrierId.has(c.name) && c.newRate !== c.renewalRate)
      .slice(0, 2);
    if (already.rows[0].rules === 0) {
      await withTransaction(deps.pool, async (db) => {
        for (const c of scheduled) {
          for (const [termKind, rate] of [
            ['new', c.newRate],
            ['renewal', c.renewalRate],
          ] as const) {
            await db.query(
              `insert into commission_rules (tenant_id, carrier_id, term_kind, effective_from, basis, description)
               values ($1, $2, $3, '2000-01-01', $4::jsonb, 'Demo schedule line')`,
              [input.tenantId, carrierId.get(c.name), termKind, JSON.stringify({ kind: 'percent', rate })],
            );
          }
        }
      });
      // Priced here, before the statement is reconciled against them (the tenant's commission
      // workflow would get to it too, but maybe after the reconciliation).
      await withTransaction(deps.pool, async (db) => {
        const { rows: policies } = await db.query<{ id: string }>(
          'select id from policies where tenant_id = $1 and carrier_id = any($2::uuid[]) and deleted_at is null',
          [input.tenantId, scheduled.map((c) => carrierId.get(c.name))],
        );
        const [rules, plans] = await Promise.all([
          loadRules(db, input.tenantId),
          loadSplitPlans(db, input.tenantId),
        ]);
        await recalculatePolicies(
          db,
          input.tenantId,
          policies.map((p) => p.id),
          { rules, plans },
        );
      });
      await requestCommissionRecalculation(getClient(), taskQueue, input.tenantId, { all: true });
    }
    if (already.rows[0].statements > 0) return { statementId: null };

    // The busier of those carriers' statements three to twelve months back: every line is priced
    // by its schedule, and the month is old enough for the commissions it leaves out to be
    // missing by now.
    let best: { carrier: (typeof agency.carriers)[number]; month: string; n: number } | null = null;
    for (let back = 3; back <= 12; back++) {
      const month = addMonths(`${input.asOf.slice(0, 7)}-01`, -back).slice(0, 7);
      for (const c of scheduled) {
        const owed = expectedStatementCommissions(agency, c.key, month);
        if (!owed.some((e) => e.transactionType === 'NEW')) continue;
        if (!best || owed.length > best.n) best = { carrier: c, month, n: owed.length };
      }
    }
    if (!best) return { statementId: null };
    const { carrier, month } = best;
    // A statement whose slips include a commission paid short and one that never came.
    let statement = null;
    for (let attempt = 0; attempt < 100 && statement === null; attempt++) {
      const s = await generateDemoStatement(agency, {
        carrierKey: carrier.key,
        month,
        seed: `demo-${attempt}`,
        mess: { ...messyStatement, wrongRates: 0.3, missingLines: 0.2 },
        print: {
          pageLines: 12,
          producerSections: true,
          subtotals: 'code-total',
          footer: { label: 'TOTAL COMMISSION DUE:', offset: true },
          creditSuffix: true,
          dates: 'mixed',
        },
        format: 'csv',
      });
      const short = s.truth.some(
        (t) =>
          t.kind === 'expected' &&
          t.part === null &&
          t.paidRate !== t.expectedRate &&
          t.paidCents < t.expectedCents,
      );
      const omitted = s.omitted.length > 0;
      if (short && omitted) statement = s;
    }
    if (statement === null) return { statementId: null };
    const id = await withTransaction(deps.pool, async (db) => {
      const writer = new StatementWriter(db, {
        tenantId: input.tenantId,
        carrierId: carrierId.get(carrier.name)!,
        source: 'upload',
        filename: statement.filename,
        // Carriers send a month's statement about three weeks after it closes.
        statementDate: addDays(addMonths(`${month}-01`, 1), 20),
      });
      const result = await importStatement({
        bytes: statement.bytes,
        filename: statement.filename,
        carrierKey: carrier.key,
        onLine: (line) => writer.add(line),
        onRow: (row) => writer.addRow(row),
      });
      if (!result.ok) throw new Error(`the demo statement did not import: ${result.errors[0]?.reason}`);
      const statementId = await writer.finish(result, result.mappingUsed);
      await markReconciling(db, [statementId]);
      return statementId;
    });
    await requestReconciliation(getClient(), taskQueue, input.tenantId, id, input.asOf);
    return { statementId: id };
  }

  return { demoBookReady, seedDemoCommissions };
}

export type DemoCommissionActivities = ReturnType<typeof createDemoCommissionActivities>;
