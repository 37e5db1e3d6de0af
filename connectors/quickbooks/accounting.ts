// Posting a month's commission journal to QuickBooks Online (the `accounting` capability). The
// chart's accounts are found in the company by name (created when missing), each carrier is named
// on its receivable line when QuickBooks knows it as a vendor, and the connector's journal writer
// does the rest: look up by DocNumber, create what is missing, update what changed with the
// SyncToken just read (re-read once on a stale one), leave the rest alone. Entries posted earlier
// for carriers whose month has since come to nothing are deleted once today's are written.
// Carrier commission deposits synced from the company become statements (db/deposit-statements.ts).
import { importQuickBooksDeposits } from '../../db/deposit-statements.ts';
import { type AccountRole, accountRoles, type ChartOfAccounts } from '../../domain/accounting/journal.ts';
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { AccountingCapability } from '../types.ts';
import { QuickBooksClient } from './client.ts';
import { quickbooksDefinition } from './definition.ts';

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

export const quickbooksAccounting: AccountingCapability = {
  async postJournal(ctx, session, { entries, chart, docNumberPrefix }) {
    // The connector's throttle key: lookups and writes share the company's budget.
    const client = new QuickBooksClient(
      ctx,
      throttleFor(`quickbooks:${ctx.connectionId}`, rateBudgetFor(ctx, quickbooksDefinition.rateBudget)),
    );
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
    const created = written.filter((w) => w.created).length;
    // Only once today's entries are written: a renamed carrier's new entry exists before its old one goes.
    const removed = await session.removeAbsent!(
      'journal_entries',
      'DocNumber',
      docNumberPrefix,
      entries.map((e) => e.docNumber),
    );
    return { created, existing: written.length - created, removed: removed.length };
  },
  deposits: {
    statementSource: 'quickbooks',
    contentHashPrefix: 'qbo-deposit:',
    importStatements: importQuickBooksDeposits,
  },
};
