// Posting a month's commission journal to Xero (the `accounting` capability): one manual journal
// per carrier per month, its Narration starting with the entry's DocNumber (the QuickBooks
// scheme, `CH-2026-10-TRAVEL-3fa: …`), balanced lines with LineAmount positive for a debit and
// negative for a credit, AccountCode from the tenant's chart (accounts missing from the
// organisation are created with that code). Re-posting updates in place; the hub's journals of
// the month no longer in it are voided once today's are written. Xero keeps no carrier on a
// journal line (no contact), so the carrier is named in the narration and line descriptions.
import { type AccountRole, accountRoles, type ChartOfAccounts } from '../../domain/accounting/journal.ts';
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { AccountingCapability, ConnectionContext } from '../types.ts';
import { wire, XeroApiClient } from './client.ts';
import { xeroDefinition } from './definition.ts';

/** Xero's account type for each role when the account must be created. */
const xeroType: Record<AccountRole, string> = {
  commissionsReceivable: 'CURRENT',
  commissionIncome: 'REVENUE',
  producerExpense: 'EXPENSE',
  producerPayable: 'CURRLIAB',
};

export function xeroClientFor(ctx: ConnectionContext): XeroApiClient {
  // The connector's throttle key: lookups and writes share the organisation's budget.
  return new XeroApiClient(
    ctx,
    throttleFor(`xero:${ctx.connectionId}`, rateBudgetFor(ctx, xeroDefinition.rateBudget)),
  );
}

/** Makes sure the chart's codes exist in the organisation. */
async function ensureAccounts(client: XeroApiClient, chart: ChartOfAccounts): Promise<void> {
  const { body } = await client.call((api, t) => api.getAccounts(t));
  const codes = new Set((body.accounts ?? []).map((a) => String(wire(a, 'Account').Code ?? '')));
  for (const role of accountRoles) {
    const account = chart[role];
    if (codes.has(account.code)) continue;
    await client.call((api, t) =>
      api.createAccount(t, { code: account.code, name: account.name, type: xeroType[role] } as never),
    );
    codes.add(account.code);
  }
}

export const xeroAccounting: AccountingCapability = {
  async postJournal(ctx, session, { entries, chart, docNumberPrefix }) {
    await ensureAccounts(xeroClientFor(ctx), chart);
    const written = await session.upsert!(
      'manual_journals',
      'Narration',
      entries.map((e) => ({
        externalId: e.docNumber,
        fields: {
          date: e.txnDate,
          narration: e.memo.startsWith(`${e.docNumber}:`) ? e.memo : `${e.docNumber}: ${e.memo}`,
          lines: e.lines.map((l) => ({
            accountCode: chart[l.account].code,
            lineAmount: (l.postingType === 'Debit' ? l.amountCents : -l.amountCents) / 100,
            description: l.description,
          })),
        },
      })),
    );
    const created = written.filter((w) => w.created).length;
    // Only once today's journals are written: a renamed carrier's new journal exists before its old one is voided.
    const removed = await session.removeAbsent!(
      'manual_journals',
      'Narration',
      docNumberPrefix,
      entries.map((e) => e.docNumber),
    );
    return { created, existing: written.length - created, removed: removed.length };
  },
};
