// Statement reconciliation as an activity: the whole statement in one transaction (see
// db/reconciliation-store.ts), with a heartbeat while it runs so a dead worker is noticed in a
// minute rather than at the half-hour timeout.
import { heartbeat } from '@temporalio/activity';
import { withTransaction } from '../db/pool.ts';
import { reconcileStoredStatement } from '../db/reconciliation-store.ts';
import type { ActivityDeps } from './deps.ts';

export function createReconciliationActivities(deps: ActivityDeps) {
  async function reconcileStatementLines(input: { tenantId: string; statementId: string; asOf?: string }) {
    const beat = setInterval(() => heartbeat(), 10_000);
    try {
      const started = performance.now();
      const outcome = await withTransaction(deps.pool, (db) =>
        reconcileStoredStatement(
          db,
          input.tenantId,
          input.statementId,
          input.asOf ?? new Date().toISOString().slice(0, 10),
        ),
      );
      deps.logger.info(
        {
          tenantId: input.tenantId,
          statementId: input.statementId,
          ms: Math.round(performance.now() - started),
        },
        'statement reconciled',
      );
      // Counts only: the history stays free of names and policy numbers.
      return {
        summary: outcome.summary,
        missing: outcome.missing.length,
        decidedLines: outcome.decidedLines,
      };
    } finally {
      clearInterval(beat);
    }
  }
  return { reconcileStatementLines };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
