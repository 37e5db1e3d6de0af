// The commission journal through the real system: an AMS sync and the agency's commission
// schedules and split plan give expected commissions; GET /v1/exports/accounting serves the
// month's balanced entries as JSON and as a Xero-importable CSV with the same totals; posting
// the month to QuickBooks Online twice leaves exactly one journal entry per DocNumber, and a
// bookkeeper's edit in between is overwritten with the current SyncToken, never duplicated; a
// carrier whose month comes to nothing loses its posted entry at the next post.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { parseMoneyToCents } from '../../domain/money.ts';
import { findTemporalCli } from '../../runtime/temporal-server.ts';
import type { AccountingExportResult } from '../../workflows/accounting-export.ts';
import {
  createHarness,
  type Harness,
  type SandboxAccount,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  vendorConnection,
  waitFor,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const seed = 'e2e-ledger';
const asOf = '2026-11-01';
const period = '2026-10';
const agency = generateAgency({ seed, clients: 120, asOf });
const fixtures = new URL('../fixtures/histories/', import.meta.url).pathname;

interface JournalJson {
  entries: {
    doc_number: string;
    carrier_id: string;
    debit_cents: number;
    credit_cents: number;
    lines: {
      posting_type: string;
      amount_cents: number;
      account_code: string;
      producer_name: string | null;
    }[];
  }[];
  totals: { entries: number; debit_cents: number; credit_cents: number };
}
type QboEntry = {
  Id: string;
  DocNumber: string;
  SyncToken: string;
  PrivateNote: string;
  TxnDate: string;
  deleted: boolean;
  Line: { Amount: number; JournalEntryLineDetail: { PostingType: string; AccountRef: { value: string } } }[];
};

/** A CSV line split into fields (quoted fields may hold commas and doubled quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

describe('commission journal export', () => {
  let tenantId: string;
  let apiKey: string;
  let books: SandboxAccount;

  const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const text = await r.text();
    expect(r.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const post = async () => {
    const started = await json<{ workflow_id: string; run_id: string }>(
      h.request('POST', `/v1/exports/accounting/${period}/post`, { apiKey }),
      202,
    );
    const result = (await h.temporal.workflow
      .getHandle(started.workflow_id, started.run_id)
      .result()) as AccountingExportResult;
    return { result, ...started };
  };
  const ledger = async () =>
    (await sandboxAdmin<{ results: QboEntry[] }>(`${books.adminUrl}/objects/journalentries`)).results.filter(
      (j) => !j.deleted && j.DocNumber?.startsWith(`CH-${period}-`),
    );

  beforeAll(async () => {
    ({ tenantId, apiKey } = await h.newTenant('Ledger Agency'));
    const ams = await sandboxAccount(h.sandboxUrl, 'applied-epic', { seed, clients: 120, clean: true, asOf });
    const amsConnection = await vendorConnection(h, tenantId, 'applied-epic', ams);
    await startSync(h, { connectionId: amsConnection, tenantId, provider: 'applied-epic' }, 'full');
    expect((await syncResult(h, amsConnection)).status).toBe('completed');
    const { data: carriers } = await json<{ data: { id: string; name: string }[] }>(
      h.request('GET', '/v1/carriers?limit=200', { apiKey }),
    );
    for (const carrier of carriers) {
      const demo = agency.carriers.find((c) => c.name === carrier.name);
      if (!demo) continue;
      await json(
        h.request('PUT', `/v1/carriers/${carrier.id}/commission-schedules`, {
          apiKey,
          body: {
            data: [
              {
                term_kind: 'new',
                effective_from: '2000-01-01',
                basis: { kind: 'percent', rate: demo.newRate },
              },
              {
                term_kind: 'renewal',
                effective_from: '2000-01-01',
                basis: { kind: 'percent', rate: demo.renewalRate },
              },
            ],
          },
        }),
      );
    }
    // The producer busiest in October keeps 40% of new and a third of renewal commission.
    const { rows: top } = await h.pool.query(
      `select p.producer_id from policy_transactions t join policies p on p.id = t.policy_id
        where t.tenant_id = $1 and p.producer_id is not null and t.effective_date between '2026-10-01' and '2026-10-31'
        group by p.producer_id order by count(*) desc limit 1`,
      [tenantId],
    );
    const writer = top[0]!.producer_id as string;
    await json(
      h.request('PUT', `/v1/agents/${writer}/rates`, {
        apiKey,
        body: {
          data: [
            {
              effective_from: '2000-01-01',
              entries: [
                { producer_id: writer, role: 'writing', new_percent: '40', renewal_percent: '33.3333' },
              ],
            },
          ],
        },
      }),
    );
    await waitFor(
      async () =>
        (
          await h.pool.query(
            // Priced by the schedules and the plan above, not by the AMS's own rates and shares
            // the sync gave them first.
            `select count(*) > 0 and count(*) filter (where rule_id is null) = 0
                    and count(*) filter (where producer_id = $2 and split_plan_id is null) = 0 as ok
               from expected_commissions where tenant_id = $1`,
            [tenantId, writer],
          )
        ).rows[0]?.ok === true,
      'every expected commission to be calculated with the split',
      120_000,
    );
    books = await sandboxAccount(h.sandboxUrl, 'quickbooks', { seed, clients: 20, clean: true, asOf });
    await vendorConnection(h, tenantId, 'quickbooks', books);
  }, 300_000);

  test('the month’s entries balance, and the CSV carries the same lines and totals', async () => {
    const journal = await json<JournalJson>(
      h.request('GET', `/v1/exports/accounting?period=${period}`, { apiKey }),
    );
    expect(journal.entries.length).toBeGreaterThan(1);
    expect(journal.totals.debit_cents).toBe(journal.totals.credit_cents);
    const { rows: expected } = await h.pool.query(
      `select coalesce(sum(agency_cents), 0)::bigint as gross from expected_commissions
        where tenant_id = $1 and effective_date between '2026-10-01' and '2026-10-31' and status <> 'no_rule'`,
      [tenantId],
    );
    let receivable = 0;
    for (const e of journal.entries) {
      expect(e.doc_number).toMatch(/^CH-2026-10-[A-Z0-9]{1,6}-[0-9a-f]{3}$/);
      const debit = e.lines.filter((l) => l.posting_type === 'Debit').reduce((s, l) => s + l.amount_cents, 0);
      const credit = e.lines
        .filter((l) => l.posting_type === 'Credit')
        .reduce((s, l) => s + l.amount_cents, 0);
      expect([debit, credit]).toEqual([e.debit_cents, e.credit_cents]);
      expect(debit).toBe(credit);
      for (const l of e.lines.filter((l) => l.account_code === '1150'))
        receivable += l.posting_type === 'Debit' ? l.amount_cents : -l.amount_cents;
    }
    // The receivable is exactly the month's expected agency commission.
    expect(receivable).toBe(Number(expected[0].gross));
    expect(
      journal.entries.some((e) => e.lines.some((l) => l.account_code === '2150' && l.producer_name)),
    ).toBe(true);

    const csvRes = await h.request('GET', `/v1/exports/accounting?period=${period}&format=csv`, { apiKey });
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = (await csvRes.text()).trim().split('\r\n').map(csvFields);
    expect(header).toEqual([
      '*Narration',
      '*Date',
      'Description',
      '*AccountCode',
      '*TaxRate',
      '*Amount',
      'TrackingName1',
      'TrackingOption1',
      'TrackingName2',
      'TrackingOption2',
    ]);
    expect(rows).toHaveLength(journal.entries.reduce((s, e) => s + e.lines.length, 0));
    const cents = rows.map((r) => parseMoneyToCents(r[5])!);
    expect(cents.filter((c) => c > 0).reduce((s, c) => s + c, 0)).toBe(journal.totals.debit_cents);
    expect(-cents.filter((c) => c < 0).reduce((s, c) => s + c, 0)).toBe(journal.totals.credit_cents);
    for (const e of journal.entries) {
      const mine = rows.filter((r) => r[0]!.startsWith(`${e.doc_number}:`));
      expect(mine).toHaveLength(e.lines.length);
      expect(mine.reduce((s, r) => s + parseMoneyToCents(r[5])!, 0)).toBe(0);
    }
  }, 120_000);

  test('posting twice leaves one balanced QuickBooks entry per DocNumber, updated with the current SyncToken', async () => {
    const journal = await json<JournalJson>(
      h.request('GET', `/v1/exports/accounting?period=${period}`, { apiKey }),
    );
    const first = await post();
    expect(first.result.ledgers).toHaveLength(1);
    expect(first.result.ledgers[0]).toMatchObject({
      provider: 'quickbooks',
      entries: journal.entries.length,
      created: journal.entries.length,
      existing: 0,
      debitCents: journal.totals.debit_cents,
    });
    expect(first.result.ledgers[0]!.error).toBeUndefined();

    // A bookkeeper edits one entry in QuickBooks, which moves its SyncToken on.
    const [edited] = await ledger();
    await sandboxAdmin(`${books.adminUrl}/objects/journalentries/${edited!.Id}`, 'PATCH', {
      PrivateNote: 'edited by the bookkeeper',
    });
    const editedToken = (await ledger()).find((j) => j.Id === edited!.Id)!.SyncToken;
    expect(Number(editedToken)).toBe(Number(edited!.SyncToken) + 1);

    // QuickBooks refuses the SyncToken the hub first read, with its stale-object fault.
    const stale = await fetch(
      `${books.baseUrl}/v3/company/${books.accountId}/journalentry?operation=update`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${books.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          Id: edited!.Id,
          SyncToken: edited!.SyncToken,
          sparse: true,
          PrivateNote: 'late',
        }),
      },
    );
    expect(stale.status).toBe(400);
    const fault = (await stale.json()) as {
      Fault: { type: string; Error: { code: string; Message: string }[] };
    };
    expect(fault.Fault.type).toBe('ValidationFault');
    expect(fault.Fault.Error[0]).toMatchObject({ code: '5010', Message: 'Stale Object Error' });

    const second = await post();
    expect(second.result.ledgers[0]).toMatchObject({ created: 0, existing: journal.entries.length });

    const entries = await ledger();
    expect(entries).toHaveLength(journal.entries.length);
    expect(new Set(entries.map((e) => e.DocNumber))).toEqual(
      new Set(journal.entries.map((e) => e.doc_number)),
    );
    for (const e of entries) {
      const lines = e.Line.map((l) => ({
        side: l.JournalEntryLineDetail.PostingType,
        cents: parseMoneyToCents(String(l.Amount))!,
      }));
      const debit = lines.filter((l) => l.side === 'Debit').reduce((s, l) => s + l.cents, 0);
      const credit = lines.filter((l) => l.side === 'Credit').reduce((s, l) => s + l.cents, 0);
      expect(debit).toBe(credit);
      expect(debit).toBe(journal.entries.find((j) => j.doc_number === e.DocNumber)!.debit_cents);
      expect(e.TxnDate).toBe('2026-10-31');
    }
    const restored = entries.find((e) => e.Id === edited!.Id)!;
    expect(restored.PrivateNote).toMatch(/^CH-2026-10-.*Commission Hub/);
    expect(Number(restored.SyncToken)).toBe(Number(editedToken) + 1);

    const schedule = await h.temporal.schedule.getHandle(`accounting-export/${tenantId}/monthly`).describe();
    expect((schedule.action as { workflowType: string }).workflowType).toBe('accountingExport');

    await recordFixture('accountingExport-1', first.workflow_id, first.run_id);
  }, 180_000);

  test('a carrier whose month comes to nothing has its posted entry deleted at the next post; the rest stay', async () => {
    const before = await json<JournalJson>(
      h.request('GET', `/v1/exports/accounting?period=${period}`, { apiKey }),
    );
    const [gone, ...rest] = before.entries;
    expect(rest.length).toBeGreaterThan(0);
    expect((await ledger()).map((e) => e.DocNumber)).toContain(gone!.doc_number);
    // The agency learns the carrier pays it nothing on these policies (a corrected schedule).
    await json(
      h.request('PUT', `/v1/carriers/${gone!.carrier_id}/commission-schedules`, {
        apiKey,
        body: {
          data: ['new', 'renewal'].map((term_kind) => ({
            term_kind,
            effective_from: '2000-01-01',
            basis: { kind: 'percent', rate: '0' },
          })),
        },
      }),
    );
    await waitFor(
      async () =>
        !(
          await json<JournalJson>(h.request('GET', `/v1/exports/accounting?period=${period}`, { apiKey }))
        ).entries.some((e) => e.doc_number === gone!.doc_number),
      'the carrier’s month to come to nothing',
      120_000,
    );
    const posted = await post();
    expect(posted.result.ledgers[0]).toMatchObject({ removed: 1, created: 0, existing: rest.length });
    const left = await ledger();
    expect(new Set(left.map((e) => e.DocNumber))).toEqual(new Set(rest.map((e) => e.doc_number)));
    // Posting again removes nothing more.
    expect((await post()).result.ledgers[0]).toMatchObject({ removed: 0, existing: rest.length });
  }, 180_000);

  test('a Xero connection is a second ledger: the same month as one balanced manual journal per carrier, posted once', async () => {
    const xero = await sandboxAccount(h.sandboxUrl, 'xero', { seed, clients: 20, clean: true, asOf });
    await vendorConnection(h, tenantId, 'xero', xero);
    const journal = await json<JournalJson>(
      h.request('GET', `/v1/exports/accounting?period=${period}`, { apiKey }),
    );
    const manualJournals = async () =>
      (
        await sandboxAdmin<{
          results: { Narration: string; Status: string; JournalLines: { LineAmount: number }[] }[];
        }>(`${xero.adminUrl}/objects/ManualJournals`)
      ).results.filter((j) => j.Status === 'POSTED' && j.Narration.startsWith(`CH-${period}-`));

    const first = await post();
    expect(first.result.ledgers.map((l) => l.provider).sort()).toEqual(['quickbooks', 'xero']);
    const ledgerOf = (r: AccountingExportResult) => r.ledgers.find((l) => l.provider === 'xero')!;
    expect(ledgerOf(first.result).error).toBeUndefined();
    expect(ledgerOf(first.result)).toMatchObject({
      entries: journal.entries.length,
      created: journal.entries.length,
      existing: 0,
      debitCents: journal.totals.debit_cents,
    });
    const posted = await manualJournals();
    expect(posted).toHaveLength(journal.entries.length);
    for (const j of posted) {
      const cents = j.JournalLines.map((l) => Math.round(l.LineAmount * 100));
      expect(cents.reduce((s, c) => s + c, 0)).toBe(0);
      const entry = journal.entries.find((e) => j.Narration.startsWith(`${e.doc_number}:`))!;
      expect(cents.filter((c) => c > 0).reduce((s, c) => s + c, 0)).toBe(entry.debit_cents);
    }
    // Posting again finds every journal by its narration and writes none.
    expect(ledgerOf((await post()).result)).toMatchObject({ created: 0, existing: journal.entries.length });
    expect(await manualJournals()).toHaveLength(journal.entries.length);
  }, 120_000);
});

/** With RECORD_HISTORIES=1, keeps this run's history as the workflow type's replay fixture. */
async function recordFixture(name: string, workflowId: string, runId: string) {
  if (process.env.RECORD_HISTORIES !== '1' || existsSync(join(fixtures, `${name}.json`))) return;
  const history = execFileSync(findTemporalCli()!, [
    'workflow',
    'show',
    '--address',
    inject('temporalAddress'),
    '--workflow-id',
    workflowId,
    '--run-id',
    runId,
    '--output',
    'json',
  ]);
  writeFileSync(join(fixtures, `${name}.json`), history);
}
