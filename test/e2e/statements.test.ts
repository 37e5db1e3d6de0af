// Carrier statements through the real system: an AMS sync brings the book, schedules turn it into
// expected commissions, a carrier's messy statement is uploaded (multipart and streamed), the
// reconcile/<statementId> workflow matches it on Temporal, and a person's decisions are applied
// and remembered. The statement generator knows the truth for every line, so the test checks the
// matcher's verdicts against it rather than against itself.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { importQuickBooksDeposits } from '../../db/deposit-statements.ts';
import { generateDemoStatement, messyStatement } from '../../domain/statements/demo-statements.ts';
import {
  createHarness,
  type Harness,
  sandboxAccount,
  startSync,
  syncResult,
  vendorConnection,
  waitFor,
} from '../support/harness.ts';
import { type ReconciledLine as Line, type StatementBook, statementBook } from '../support/statement-book.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const seed = 'e2e-statements';
const asOf = '2026-11-01';
const agency = generateAgency({ seed, clients: 150, asOf });

describe('statement import and reconciliation', () => {
  let book: StatementBook;
  let tenantId: string;
  let apiKey: string;
  let carrierIds: Map<string, string>;
  const json = <T>(res: Response | Promise<Response>, status = 200) => book.json<T>(res, status);
  const upload = (...args: Parameters<StatementBook['upload']>) => book.upload(...args);
  const uploadRaw = (...args: Parameters<StatementBook['uploadRaw']>) => book.uploadRaw(...args);
  const reconciled = (id: string) => book.reconciled(id);
  const allLines = (id: string) => book.allLines(id);

  beforeAll(async () => {
    book = await statementBook(h, { name: 'Statement Agency', agency, seed, clients: 150, asOf });
    ({ tenantId, apiKey, carrierIds } = book);
  }, 240_000);

  // The carrier and month with the most direct-bill transactions: the richest statement.
  const busiest = () => {
    const counts = new Map<string, number>();
    for (const p of agency.policies) {
      if (p.billMode !== 'direct') continue;
      for (const t of p.transactions) {
        const month = t.effectiveDate.slice(0, 7);
        if (month >= '2026-10') continue;
        const key = `${p.carrierKey}|${month}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const [key] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const [carrierKey, month] = key.split('|') as [string, string];
    return { carrierKey, month };
  };

  test('a messy statement is matched line by line the way its truth says', async () => {
    const { carrierKey, month } = busiest();
    const statement = await generateDemoStatement(agency, { carrierKey, month, mess: messyStatement, seed });
    expect(statement.truth.length).toBeGreaterThan(5);
    const created = await json<{
      statement: { id: string; line_count: number; workflow_id: string; status: string };
    }>(upload(carrierKey, statement.filename, statement.bytes), 201);
    expect(created.statement.line_count).toBe(statement.truth.length);
    expect(created.statement.workflow_id).toBe(`reconcile/${created.statement.id}`);
    const done = (await reconciled(created.statement.id)) as unknown as {
      summary: { summary: { lines: Record<string, number> } };
    };
    const lines = await allLines(created.statement.id);
    expect(lines).toHaveLength(statement.truth.length);

    // Every line's verdict against the truth: which policy it pays, or that it is foreign or a repeat.
    const { rows: expectations } = await h.pool.query<{ id: string; policy_number: string }>(
      `select e.id, p.policy_number from expected_commissions e join policies p on p.id = e.policy_id where e.tenant_id = $1`,
      [tenantId],
    );
    const policyOf = new Map(expectations.map((e) => [e.id, e.policy_number]));
    const numberOfKey = new Map(agency.policies.map((p) => [p.key, p.policyNumber]));
    let right = 0;
    for (const truth of statement.truth) {
      const line = lines.find((l) => l.line_no === truth.lineNo)!;
      expect(line.reason, `line ${truth.lineNo}`).toBeTruthy();
      if (truth.kind === 'foreign') {
        expect(line.status, `line ${truth.lineNo} is another agency's`).toBe('unexpected');
        expect(line.matches).toEqual([]);
        right++;
      } else if (truth.kind === 'duplicate') {
        expect(line.status, `line ${truth.lineNo} repeats line ${truth.duplicateOf}`).toBe('duplicate');
        right++;
      } else {
        expect(['matched', 'underpaid', 'overpaid'], `line ${truth.lineNo}: ${line.reason}`).toContain(
          line.status,
        );
        const paid = line.matches.map((m) => policyOf.get(m.expectedId));
        expect(paid, `line ${truth.lineNo}`).toContain(numberOfKey.get(truth.policyKey));
        if (truth.paidRate !== truth.expectedRate) expect(line.discrepancies).toContain('RATE_MISMATCH');
        right++;
      }
    }
    expect(right).toBe(statement.truth.length);
    expect(done.summary.summary.lines.unexpected).toBe(
      statement.truth.filter((t) => t.kind === 'foreign').length,
    );

    // What the lines paid is recorded against the expectations, linked to the statement line.
    const { rows: payments } = await h.pool.query(
      `select coalesce(sum(amount_cents), 0)::bigint as total from commission_payments where tenant_id = $1 and statement_id = $2`,
      [tenantId, created.statement.id],
    );
    const applied = lines.flatMap((l) => l.matches).reduce((s, m) => s + m.appliedCents, 0);
    expect(Number(payments[0].total)).toBe(applied);
    // And the differences were announced.
    const { rows: events } = await h.pool.query(
      `select count(*)::int as n from change_events where tenant_id = $1 and type = 'commission.discrepancy' and entity_id = $2`,
      [tenantId, created.statement.id],
    );
    expect(events[0].n).toBe(lines.filter((l) => l.discrepancies.length > 0).length);

    // The same bytes again are recognised and not imported twice.
    const again = await upload(carrierKey, 'renamed.csv', statement.bytes);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { existing_statement_id: string }).existing_statement_id).toBe(
      created.statement.id,
    );
  }, 240_000);

  test('a statement with page headers, a footer and smudged rows is imported whole; the smudged rows wait for review', async () => {
    const csv = [
      'ACME Mutual - Agency Commission Statement',
      'Statement Period: 09/01/2026 - 09/30/2026',
      '',
      'Policy Number,Insured Name,Transaction Type,Effective Date,Premium,Commission Amount',
      'HO-100200,"Gomes, Adam",NEW,2026-09-01,1200.00,180.00',
      'HO-100201,"Ruiz, Ana",NEW,2026-13-45,800.00,120.00',
      'Page 1 of 2',
      'Policy Number,Insured Name,Transaction Type,Effective Date,Premium,Commission Amount',
      'HO-100202,"Lee, Kim",RWL,2026-09-03,900.00,abc',
      'HO-100203,"Park, Jo",RWL,9/4/26,500.00,60.00 CR',
      ',TOTAL COMMISSION DUE:,,,,"300.00"',
    ].join('\n');
    const carrierKey = [...carrierIds.keys()][0]!;
    const created = await json<{
      statement: {
        id: string;
        line_count: number;
        non_data_row_count: number;
        unreadable_line_count: number;
        needs_review: boolean;
        period_start: string;
        period_end: string;
        control_checks: { label: string; ok: boolean; statedCents: number; computedCents: number }[];
      };
      rows: { lines: number; non_data: number; unreadable: number; by_kind: Record<string, number> };
    }>(upload(carrierKey, 'smudged.csv', Buffer.from(csv)), 201);
    const { statement } = created;
    // Every row of the file is a line, a row of the statement's structure, or a line kept for review.
    expect([statement.line_count, statement.non_data_row_count, statement.unreadable_line_count]).toEqual([
      2, 7, 2,
    ]);
    expect(created.rows.by_kind).toEqual({
      preamble: 2,
      blank: 1,
      header: 1,
      note: 1,
      repeated_header: 1,
      total: 1,
    });
    expect(statement).toMatchObject({
      needs_review: true,
      period_start: '2026-09-01',
      period_end: '2026-09-30',
    });
    expect(statement.control_checks).toEqual([
      expect.objectContaining({
        label: 'TOTAL COMMISSION DUE:',
        ok: false,
        statedCents: 30000,
        computedCents: 12000,
        unreadableLines: 2,
        unreadableCents: 12000,
      }),
    ]);
    const review = await json<{
      data: { source_row: number; kind: string; cells: string[]; errors: { field: string }[] }[];
    }>(h.request('GET', `/v1/reconciliations/${statement.id}/rows?kind=unreadable`, { apiKey }));
    expect(review.data.map((r) => [r.source_row, r.errors.map((e) => e.field)])).toEqual([
      [6, ['effectiveDate']],
      [9, ['commission']],
    ]);
    expect(review.data[0]!.cells[0]).toBe('HO-100201');
    const all = await json<{ data: { kind: string }[] }>(
      h.request('GET', `/v1/reconciliations/${statement.id}/rows?limit=3`, { apiKey }),
    );
    expect(all.data.map((r) => r.kind)).toEqual(['preamble', 'preamble', 'blank']);
    // Reconciled without the smudged rows: they are not lines, so nothing pays or misses through them.
    await reconciled(statement.id);
    const lines = await allLines(statement.id);
    expect(lines.map((l) => [l.source_row, l.commission_cents])).toEqual([
      [5, 18000],
      [10, -6000],
    ]);

    // A file that is not a statement at all is refused, and nothing of it is stored.
    const before = await h.pool.query('select count(*)::int as n from statements where tenant_id = $1', [
      tenantId,
    ]);
    const res = await upload(
      carrierKey,
      'contacts.csv',
      Buffer.from('Name,Email\nJane Roe,jane@example.com\n'),
    );
    const body = (await res.json()) as { type: string; errors: { field: string; reason: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.type).toBe('/problems/not-a-statement');
    expect(body.errors[0]!.reason).toMatch(/no statement header found/);
    const after = await h.pool.query('select count(*)::int as n from statements where tenant_id = $1', [
      tenantId,
    ]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  }, 60_000);

  test("a carrier's saved column mapping is listed, read, replaced and forgotten through the API", async () => {
    const [carrierKey] = [...carrierIds.keys()];
    const carrierId = carrierIds.get(carrierKey!)!;
    const none = await h.request('GET', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey });
    expect(none.status).toBe(404);
    const mapping = {
      name: 'Our carrier layout',
      columns: {
        policyNumber: 'Contract',
        insuredName: 'Holder',
        effectiveDate: 'Start',
        commission: 'Paid To Agency',
      },
      dateFormat: 'DD/MM/YYYY',
      creditSuffix: 'positive',
    };
    const file = Buffer.from('Contract,Holder,Start,Paid To Agency\nQQ-555001,Ann Lee,03/04/2026,45.00 CR\n');
    const created = await json<{ statement: { id: string } }>(
      upload(carrierKey!, 'saved.csv', file, { mapping: JSON.stringify(mapping), reconcile: 'false' }),
      201,
    );
    const [line] = await allLines(created.statement.id);
    expect(line!.commission_cents).toBe(4500);
    const saved = await json<{ carrier_id: string; mapping: { name: string; creditSuffix: string } }>(
      h.request('GET', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey }),
    );
    expect(saved).toMatchObject({
      carrier_id: carrierId,
      mapping: { name: 'Our carrier layout', creditSuffix: 'positive' },
    });
    const list = await json<{ data: { carrier_id: string }[] }>(
      h.request('GET', '/v1/statement-mappings', { apiKey }),
    );
    expect(list.data.map((m) => m.carrier_id)).toEqual([carrierId]);
    const invalid = await h.request('PUT', `/v1/carriers/${carrierId}/statement-mapping`, {
      apiKey,
      body: { name: 'no columns' },
    });
    expect(invalid.status).toBe(422);
    await json(
      h.request('PUT', `/v1/carriers/${carrierId}/statement-mapping`, {
        apiKey,
        body: { ...mapping, name: 'Renamed layout' },
      }),
    );
    expect(
      (
        await json<{ mapping: { name: string } }>(
          h.request('GET', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey }),
        )
      ).mapping.name,
    ).toBe('Renamed layout');
    const stranger = await h.newTenant('Mapping stranger');
    expect(
      (await h.request('GET', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey: stranger.apiKey }))
        .status,
    ).toBe(404);
    expect(
      (await h.request('DELETE', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey })).status,
    ).toBe(204);
    expect((await h.request('GET', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey })).status).toBe(
      404,
    );
    expect(
      (await h.request('DELETE', `/v1/carriers/${carrierId}/statement-mapping`, { apiKey })).status,
    ).toBe(404);
  }, 60_000);

  test('a person re-matches, rejects and confirms lines; the alias they teach matches the next statement', async () => {
    const { rows: stmts } = await h.pool.query(
      `select id, carrier_id from statements where tenant_id = $1 and status = 'reconciled' order by uploaded_at limit 1`,
      [tenantId],
    );
    const messyId = stmts[0].id as string;
    const carrierId = stmts[0].carrier_id as string;
    const carrierKey = [...carrierIds].find(([, id]) => id === carrierId)![0];
    // Two unpaid expectations of one policy: a carrier's internal number will pay both, one per statement.
    const { rows: open } = await h.pool.query(
      `select e.id, e.effective_date::text as eff, e.transaction_type, e.agency_cents::int as balance, p.policy_number
         from expected_commissions e join policies p on p.id = e.policy_id
        where e.tenant_id = $1 and e.carrier_id = $2 and e.paid_cents = 0 and e.agency_cents > 0
          and e.policy_id in (select policy_id from expected_commissions where tenant_id = $1 and paid_cents = 0 and agency_cents > 0
                               group by policy_id having count(*) >= 2)
        order by e.policy_id, e.effective_date limit 2`,
      [tenantId, carrierId],
    );
    expect(open.length).toBe(2);
    expect(open[0].policy_number).toBe(open[1].policy_number);
    const internalNumber = 'ZZ-INTERNAL-771';
    const statementFor = (e: (typeof open)[number]) =>
      Buffer.from(
        [
          'Policy Number,Insured Name,Transaction Type,Effective Date,Premium,Commission Rate,Commission Amount',
          `${internalNumber},Someone Else Entirely,${e.transaction_type},${e.eff},,,${(e.balance / 100).toFixed(2)}`,
        ].join('\n'),
      );
    const first = await json<{ statement: { id: string } }>(
      upload(carrierKey, 'internal-1.csv', statementFor(open[0])),
      201,
    );
    await reconciled(first.statement.id);
    const [unknown] = await allLines(first.statement.id);
    expect(unknown).toMatchObject({ status: 'unexpected', matches: [] });

    const rematched = await json<{ line: Line; learned_alias: unknown }>(
      h.request('POST', `/v1/reconciliations/${first.statement.id}/lines/1`, {
        apiKey,
        body: { action: 'rematch', expected_commission_ids: [open[0].id] },
      }),
    );
    expect(rematched.line).toMatchObject({ decision: 'rematched', status: 'matched' });
    expect(rematched.line.matches).toEqual([{ expectedId: open[0].id, appliedCents: open[0].balance }]);
    expect(rematched.learned_alias).toEqual({
      carrier_id: carrierId,
      statement_policy_number: internalNumber,
      policy_number: open[0].policy_number,
    });
    const { rows: paidNow } = await h.pool.query(
      'select paid_cents::int as paid, status from expected_commissions where id = $1',
      [open[0].id],
    );
    expect(paidNow[0]).toEqual({ paid: open[0].balance, status: 'paid' });

    // On the messy statement: one match rejected (its payment comes off), another confirmed.
    const lines = await allLines(messyId);
    // A plain exact match is rejected; the repeated line is confirmed as the duplicate it is.
    const toReject = lines.find((l) => l.status === 'matched' && l.method === 'exact')!;
    const toConfirm = lines.find((l) => l.status === 'duplicate')!;
    const rejected = await json<{ line: Line }>(
      h.request('POST', `/v1/reconciliations/${messyId}/lines/${toReject.line_no}`, {
        apiKey,
        body: { action: 'reject' },
      }),
    );
    expect(rejected.line).toMatchObject({ status: 'unexpected', decision: 'rejected', matches: [] });
    const { rows: gone } = await h.pool.query(
      'select count(*)::int as n from commission_payments where statement_line_id = $1',
      [toReject.id],
    );
    expect(gone[0].n).toBe(0);
    const confirmed = await json<{ line: Line }>(
      h.request('POST', `/v1/reconciliations/${messyId}/lines/${toConfirm.line_no}`, {
        apiKey,
        body: { action: 'confirm' },
      }),
    );
    expect(confirmed.line.decision).toBe('confirmed');
    const missingLine = await h.request('POST', `/v1/reconciliations/${messyId}/lines/99999`, {
      apiKey,
      body: { action: 'confirm' },
    });
    expect(missingLine.status).toBe(404);

    // Reconciling again keeps every decision and re-matches the rest to the same result.
    await json(
      h.request('POST', '/v1/commissions/reconcile', { apiKey, body: { statement_id: messyId } }),
      202,
    );
    await reconciled(messyId);
    const after = await allLines(messyId);
    expect(after.find((l) => l.line_no === toReject.line_no)).toMatchObject({
      decision: 'rejected',
      status: 'unexpected',
    });
    expect(after.find((l) => l.line_no === toConfirm.line_no)).toMatchObject({
      decision: 'confirmed',
      status: 'duplicate',
    });
    const statusOf = (ls: Line[]) =>
      ls.filter((l) => l.line_no !== toReject.line_no).map((l) => [l.line_no, l.status]);
    expect(statusOf(after)).toEqual(statusOf(lines));

    // The next statement prints the internal number again: only the learned alias ties it to the
    // policy (the insured name agrees with nothing), and it pays the second expectation.
    const second = await json<{ statement: { id: string } }>(
      uploadRaw(carrierKey, 'internal-2.csv', statementFor(open[1])),
      201,
    );
    await reconciled(second.statement.id);
    const [taught] = await allLines(second.statement.id);
    expect(taught!.matches.map((m) => m.expectedId)).toEqual([open[1].id]);
    expect(taught!.method).toBe('alias');
    expect(taught!.evidence!.keysMatched).toContain('policy_alias');
  }, 240_000);

  test('statements are listed newest first and reconciliations are tenant-scoped', async () => {
    const list = await json<{
      data: {
        id: string;
        filename: string;
        source: string;
        status: string;
        summary: Record<string, unknown>;
      }[];
    }>(h.request('GET', '/v1/commissions/statements', { apiKey }));
    const uploads = list.data.filter((s) => s.source === 'upload');
    expect(uploads.map((s) => s.filename)).toEqual([
      'internal-2.csv',
      'internal-1.csv',
      'saved.csv',
      'smudged.csv',
      expect.any(String),
    ]);
    expect(uploads.every((s) => s.status === (s.filename === 'saved.csv' ? 'imported' : 'reconciled'))).toBe(
      true,
    );
    const stranger = await h.newTenant('Someone else');
    const res = await h.request('GET', `/v1/reconciliations/${list.data[0]!.id}`, {
      apiKey: stranger.apiKey,
    });
    expect(res.status).toBe(404);
  }, 60_000);

  test('a QuickBooks sync turns deposits into statements, checked against what each carrier owed for the month', async () => {
    const account = await sandboxAccount(h.sandboxUrl, 'quickbooks', {
      seed,
      clients: 150,
      clean: false,
      asOf,
    });
    const connectionId = await vendorConnection(h, tenantId, 'quickbooks', account);
    await startSync(h, { connectionId, tenantId, provider: 'quickbooks' }, 'full');
    expect((await syncResult(h, connectionId)).status).toBe('completed');
    const { rows: deposits } = await h.pool.query(
      `select count(*)::int as n from source_records where connection_id = $1 and stream = 'deposits' and deleted_at is null`,
      [connectionId],
    );
    expect(deposits[0].n).toBeGreaterThan(10);

    // The sync itself turned every deposit into a statement and started its reconciliation.
    const { rows: created } = await h.pool.query<{ id: string }>(
      `select id from statements where tenant_id = $1 and source = 'quickbooks'`,
      [tenantId],
    );
    expect(created).toHaveLength(deposits[0].n);
    for (const { id } of created) await reconciled(id);
    // Asking again (the on-demand route) finds nothing new, and neither does the next sync.
    await startSync(h, { connectionId, tenantId, provider: 'quickbooks' }, 'incremental');
    expect((await syncResult(h, connectionId)).status).toBe('completed');
    const again = await json<{ statement_ids: string[] }>(
      h.request('POST', '/v1/statements/quickbooks-deposits', {
        apiKey,
        body: { connection_id: connectionId },
      }),
      201,
    );
    expect(again.statement_ids).toEqual([]);
    const { rows: after } = await h.pool.query(
      `select count(*)::int as n from statements where tenant_id = $1 and source = 'quickbooks'`,
      [tenantId],
    );
    expect(after[0].n).toBe(deposits[0].n);

    const { rows: lines } = await h.pool.query(
      `select l.status, l.policy_number as reference, l.commission_cents::int as amount, l.difference_cents::int as difference,
              l.reason, s.carrier_id
         from statement_lines l join statements s on s.id = l.statement_id
        where s.tenant_id = $1 and s.source = 'quickbooks' order by s.statement_date, l.id`,
      [tenantId],
    );
    const by = (status: string) => lines.filter((l) => l.status === status);
    // The sandbox's bookkeeping slips: an EFT nobody attributed and one statement entered twice.
    expect(by('unexpected').map((l) => l.reference)).toEqual(['ACH CREDIT INS CO COMM']);
    expect(by('duplicate')).toHaveLength(1);
    expect(by('matched').length).toBeGreaterThan(0);
    // Every attributed deposit is compared with the carrier's direct-bill commission for the month
    // its reference names, and classified by the difference (tolerance $1.00).
    for (const l of lines.filter((l) => l.status !== 'unexpected' && l.status !== 'duplicate')) {
      const [, y, m] = /-STMT-(\d{4})(\d{2})$/.exec(l.reference)!;
      const { rows: owed } = await h.pool.query(
        `select coalesce(sum(e.agency_cents), 0)::int as owed from expected_commissions e join policies p on p.id = e.policy_id
          where e.tenant_id = $1 and e.carrier_id = $2 and p.bill_mode = 'direct' and e.status <> 'no_rule'
            and e.effective_date >= $3::date and e.effective_date < ($3::date + interval '1 month')`,
        [tenantId, l.carrier_id, `${y}-${m}-01`],
      );
      expect(l.difference, l.reference).toBe(l.amount - owed[0].owed);
      expect(l.status, l.reference).toBe(
        Math.abs(l.difference) <= 100 ? 'matched' : l.difference < 0 ? 'underpaid' : 'overpaid',
      );
    }
    for (const l of lines) expect(l.reason).toBeTruthy();

    // A tenant that accepts any difference up to $10,000 sees every attributed deposit as paid in full.
    const settings = await json<{
      tolerances: Record<string, unknown>;
      missing_grace_days: Record<string, number>;
    }>(h.request('GET', '/v1/commissions/reconciliation-settings', { apiKey }));
    expect(settings.tolerances.amount_cents).toBe(100);
    const bad = await h.request('PUT', '/v1/commissions/reconciliation-settings', {
      apiKey,
      body: { ...settings, tolerances: { ...settings.tolerances, name_similarity: 7 } },
    });
    expect(bad.status).toBe(422);
    await json(
      h.request('PUT', '/v1/commissions/reconciliation-settings', {
        apiKey,
        body: { ...settings, tolerances: { ...settings.tolerances, amount_cents: 1_000_000 } },
      }),
    );
    const { rows: varied } = await h.pool.query(
      `select distinct s.id from statements s join statement_lines l on l.statement_id = s.id
        where s.tenant_id = $1 and s.source = 'quickbooks' and l.status in ('underpaid', 'overpaid') and abs(l.difference_cents) < 1000000`,
      [tenantId],
    );
    expect(varied.length).toBeGreaterThan(0);
    await json(
      h.request('POST', '/v1/commissions/reconcile', { apiKey, body: { statement_id: varied[0].id } }),
      202,
    );
    await waitFor(
      async () =>
        (
          await h.pool.query(
            `select bool_and(status = 'matched') as ok from statement_lines where statement_id = $1`,
            [varied[0].id],
          )
        ).rows[0]?.ok === true,
      'the wider tolerance to clear the deposit',
      60_000,
    );

    // A deposit that two imports see at once (a sync's completion and the on-demand route) becomes
    // one statement: the second waits on the first's insert, then finds it taken, without an error.
    const { rows: src } = await h.pool.query(
      `select payload from source_records where connection_id = $1 and stream = 'deposits' and deleted_at is null limit 1`,
      [connectionId],
    );
    const payload = { ...src[0].payload, Id: `race-${randomUUID().slice(0, 8)}` };
    await h.pool.query(
      `insert into source_records (tenant_id, connection_id, stream, external_id, payload, payload_hash)
       values ($1, $2, 'deposits', $3, $4, 'race')`,
      [tenantId, connectionId, payload.Id, payload],
    );
    const [a, b] = [await h.pool.connect(), await h.pool.connect()];
    try {
      const { rows: pid } = await b.query<{ pid: number }>('select pg_backend_pid() as pid');
      await a.query('begin');
      const first = await importQuickBooksDeposits(a, tenantId, connectionId);
      expect(first).toHaveLength(1);
      const second = b
        .query('begin')
        .then(() => importQuickBooksDeposits(b, tenantId, connectionId))
        .then(async (ids) => {
          await b.query('commit');
          return ids;
        });
      // PostgreSQL: b has read "no statement yet" and waits on a's uncommitted row. (PGlite has one
      // backend, so b runs after a's transaction: the same outcome by another road.)
      if (inject('databaseKind') === 'postgresql')
        await waitFor(
          async () =>
            (await h.pool.query('select wait_event_type from pg_stat_activity where pid = $1', [pid[0]!.pid]))
              .rows[0]?.wait_event_type === 'Lock',
          'the second import to wait on the first one’s row',
          30_000,
        );
      await a.query('commit');
      expect(await second).toEqual([]);
    } finally {
      a.release();
      b.release();
    }
    const { rows: raced } = await h.pool.query(
      `select count(*)::int as n from statements where tenant_id = $1 and external_ref = $2`,
      [tenantId, `quickbooks:deposit:${payload.Id}`],
    );
    expect(raced[0].n).toBe(1);
  }, 240_000);
});
