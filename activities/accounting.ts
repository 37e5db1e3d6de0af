// Posting a month's commission journal to QuickBooks Online. The entries are built from the
// database by the pure journal builder (the same ones GET /v1/exports/accounting serves), the
// chart's accounts are found in the company by name (created when missing), each carrier is
// named on its receivable line when QuickBooks knows it as a vendor, and the connector's
// journal writer does the rest: look up by DocNumber, create what is missing, update what
// changed with the SyncToken just read (re-read once on a stale one), leave the rest alone.
// Entries posted earlier for carriers whose month has since come to nothing (reversed or
// corrected transactions) are deleted once today's are written, so the books match the journal
// of today; a month whose journal is empty altogether deletes nothing.

import { rateBudgetFor } from '../connectors/kit/rate-budget.ts';
import { throttleFor } from '../connectors/kit/throttle.ts';
import type { QuickBooksClient } from '../connectors/quickbooks/client.ts';
import { QuickBooksClient as QuickBooksApi } from '../connectors/quickbooks/client.ts';
import { quickbooksDefinition } from '../connectors/quickbooks/definition.ts';
import { registered } from '../connectors/registry.ts';
import { type ConnectionContext, ConnectorError } from '../connectors/types.ts';
import { loadChartOfAccounts, loadCommissionAccruals } from '../db/accounting-store.ts';
import { loadConnection } from '../db/connection-store.ts';
import {
  type AccountRole,
  accountRoles,
  buildJournal,
  type ChartOfAccounts,
  docNumberPrefix,
} from '../domain/accounting/journal.ts';
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

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The company's accounts for the chart's roles, by name; missing ones are created. */
async function accountIds(
  client: QuickBooksClient,
  chart: ChartOfAccounts,
): Promise<Record<AccountRole, string>> {
  const names = accountRoles.map((role) => chart[role].name);
  const { rows } = await client.query('Account', `where Name IN (${names.map(quote).join(', ')})`);
  const byName = new Map(rows.map((r) => [String(r.Name).toLowerCase(), String(r.Id)]));
  const out = {} as Record<AccountRole, string>;
  for (const role of accountRoles) {
    const account = chart[role];
    let id = byName.get(account.name.toLowerCase());
    if (!id) {
      const created = await client.create('Account', {
        Name: account.name,
        AcctNum: account.code,
        AccountType: account.type,
        AccountSubType: account.subType,
      });
      id = String(created.Id);
    }
    out[role] = id;
  }
  return out;
}

/** Carriers the company keeps as vendors, by display name (chunks of 30 names per query). */
async function vendorIds(client: QuickBooksClient, carrierNames: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < carrierNames.length; i += 30) {
    const chunk = carrierNames.slice(i, i + 30);
    const { rows } = await client.query('Vendor', `where DisplayName IN (${chunk.map(quote).join(', ')})`);
    for (const r of rows) out.set(String(r.DisplayName).toLowerCase(), String(r.Id));
  }
  return out;
}

export function createAccountingActivities(deps: ActivityDeps) {
  const { pool, keyring } = deps;

  /** The tenant's accounting connections (QuickBooks today). */
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
    if (conn.provider !== 'quickbooks')
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
      // The connector's throttle key: lookups and writes share the company's budget.
      const client = new QuickBooksApi(
        ctx,
        throttleFor(`quickbooks:${conn.id}`, rateBudgetFor(ctx, quickbooksDefinition.rateBudget)),
      );
      const session = registered('quickbooks').connector.open(ctx);
      const accounts = await accountIds(client, chart);
      const vendors = await vendorIds(client, [...new Set(entries.map((e) => e.carrierName))]);
      const written = await session.upsert!(
        'journal_entries',
        'DocNumber',
        entries.map((e) => {
          const vendor = vendors.get(e.carrierName.toLowerCase());
          return {
            externalId: e.docNumber,
            fields: {
              txnDate: e.txnDate,
              privateNote: e.memo,
              lines: e.lines.map((l) => ({
                postingType: l.postingType,
                accountId: accounts[l.account],
                amountCents: l.amountCents,
                description: l.description,
                ...(vendor && l.account === 'commissionsReceivable'
                  ? { entity: { type: 'Vendor' as const, id: vendor } }
                  : {}),
              })),
            },
          };
        }),
      );
      result.created = written.filter((w) => w.created).length;
      result.existing = written.length - result.created;
      // Only once today's entries are written: a renamed carrier's new entry exists before its old one goes.
      const removed = await session.removeAbsent!(
        'journal_entries',
        'DocNumber',
        docNumberPrefix(input.period),
        entries.map((e) => e.docNumber),
      );
      result.removed = removed.length;
      return result;
    } catch (err) {
      throw err instanceof ConnectorError ? toActivityFailure(err) : err;
    }
  }

  return { listAccountingConnections, postJournalEntries };
}

export type AccountingActivities = ReturnType<typeof createAccountingActivities>;
