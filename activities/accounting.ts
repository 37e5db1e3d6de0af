// Posting a month's commission journal to an accounting connection. The entries are built from
// the database by the pure journal builder (the same ones GET /v1/exports/accounting serves); the
// connector's `accounting` capability (connectors/<vendor>/accounting.ts) writes them: creates
// what is missing, updates what changed, leaves the rest alone, and deletes entries posted
// earlier for carriers whose month has since come to nothing (reversed or corrected
// transactions), so the books match the journal of today; a month whose journal is empty
// altogether deletes nothing.

import { registered } from '../connectors/registry.ts';
import { type ConnectionContext, ConnectorError } from '../connectors/types.ts';
import { loadChartOfAccounts, loadCommissionAccruals } from '../db/accounting-store.ts';
import { loadConnection } from '../db/connection-store.ts';
import { buildJournal, docNumberPrefix } from '../domain/accounting/journal.ts';
import { refreshConnectionCredentials } from './credentials.ts';
import type { ActivityDeps } from './deps.ts';
import { toActivityFailure } from './failures.ts';

export interface PostJournalInput {
  tenantId: string;
  connectionId: string;
  period: string;
}

export interface PostJournalResult {
  entries: number;
  created: number;
  /** Entries that existed already (updated when they differed, else left alone). */
  existing: number;
  /** Entries posted before for carriers with nothing left in the month, now deleted. */
  removed: number;
  debitCents: number;
}

export function createAccountingActivities(deps: ActivityDeps) {
  const { pool, keyring } = deps;

  /** The tenant's accounting connections. */
  async function listAccountingConnections(input: {
    tenantId: string;
  }): Promise<{ connections: { connectionId: string; provider: string }[] }> {
    const { rows } = await pool.query<{ id: string; provider: string }>(
      `select id, provider from connections where tenant_id = $1 and status = 'active' order by created_at, id`,
      [input.tenantId],
    );
    return {
      connections: rows
        .filter((c) => {
          try {
            return registered(c.provider).connector.definition.category === 'accounting';
          } catch {
            return false;
          }
        })
        .map((c) => ({ connectionId: c.id, provider: c.provider })),
    };
  }

  async function postJournalEntries(input: PostJournalInput): Promise<PostJournalResult> {
    const conn = await loadConnection(pool, keyring, input.connectionId);
    if (conn.tenantId !== input.tenantId) throw new Error('connection belongs to another tenant');
    const accounting = registered(conn.provider).connector.accounting;
    if (!accounting)
      throw toActivityFailure(new ConnectorError('bad_request', `${conn.provider} takes no journal entries`));
    const [accruals, chart] = await Promise.all([
      loadCommissionAccruals(pool, input.tenantId, input.period),
      loadChartOfAccounts(pool, input.tenantId),
    ]);
    const entries = buildJournal(input.period, accruals);
    const result: PostJournalResult = {
      entries: entries.length,
      created: 0,
      existing: 0,
      removed: 0,
      debitCents: entries.reduce((s, e) => s + e.debitCents, 0),
    };
    // A month with no journal at all deletes nothing: that is more likely missing data (a
    // connection's records swept, an old month asked for) than a month that came to nothing.
    if (!entries.length) return result;
    const ctx: ConnectionContext = {
      connectionId: conn.id,
      tenantId: conn.tenantId,
      baseUrl: conn.settings.baseUrl,
      credentials: conn.credentials,
      settings: conn.settings,
      fields: {},
      refreshCredentials: () => refreshConnectionCredentials(pool, keyring, conn.id, conn.credentials),
    };
    try {
      const session = registered(conn.provider).connector.open(ctx);
      const posted = await accounting.postJournal(ctx, session, {
        period: input.period,
        entries,
        chart,
        docNumberPrefix: docNumberPrefix(input.period),
      });
      return { ...result, ...posted };
    } catch (err) {
      throw err instanceof ConnectorError ? toActivityFailure(err) : err;
    }
  }

  return { listAccountingConnections, postJournalEntries };
}

export type AccountingActivities = ReturnType<typeof createAccountingActivities>;
