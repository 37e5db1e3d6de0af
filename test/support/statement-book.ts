// A tenant whose book came from real syncs of the demo agency's AMSs (Applied Epic by default), with each carrier's
// new and renewal rates entered as schedules, so every transaction has an expected commission;
// and the calls the statement tests make against it (upload, wait for the reconciliation, read
// every line).
import { expect } from 'vitest';
import type { DemoAgency } from '../../connectors/kit/demo-agency.ts';
import { type Harness, sandboxAccount, startSync, syncResult, vendorConnection, waitFor } from './harness.ts';

export interface ReconciledLine {
  id: number;
  line_no: number;
  source_row: number | null;
  policy_number: string;
  status: string;
  method: string | null;
  matches: { expectedId: string; appliedCents: number }[];
  evidence: { keysMatched: string[] } | null;
  reason: string | null;
  discrepancies: string[];
  decision: string | null;
  commission_cents: number;
}

export interface StatementBook {
  tenantId: string;
  apiKey: string;
  /** Demo carrier key → carrier id. */
  carrierIds: Map<string, string>;
  json<T>(res: Response | Promise<Response>, status?: number): Promise<T>;
  /** multipart/form-data, as a browser form sends it. */
  upload(
    carrierKey: string,
    filename: string,
    bytes: Buffer,
    extra?: Record<string, string>,
  ): Response | Promise<Response>;
  /** The file itself as the body, streamed, with its details in the query. */
  uploadRaw(carrierKey: string, filename: string, bytes: Buffer): Response | Promise<Response>;
  reconciled(statementId: string): Promise<Record<string, unknown>>;
  allLines(statementId: string): Promise<ReconciledLine[]>;
}

export async function statementBook(
  h: Harness,
  opts: {
    name: string;
    agency: DemoAgency;
    seed: string;
    clients: number;
    asOf: string;
    /** The agency management systems the book is synced from (each holds part of the agency). */
    systems?: ('applied-epic' | 'hawksoft' | 'ezlynx')[];
    /** Enter each carrier's new and renewal rates as its schedule (default true). */
    schedules?: boolean;
  },
): Promise<StatementBook> {
  const { tenantId, apiKey } = await h.newTenant(opts.name);
  const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const text = await r.text();
    expect(r.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const carrierIds = new Map<string, string>();
  for (const provider of opts.systems ?? ['applied-epic']) {
    const account = await sandboxAccount(h.sandboxUrl, provider, {
      seed: opts.seed,
      clients: opts.clients,
      clean: true,
      asOf: opts.asOf,
    });
    const connectionId = await vendorConnection(h, tenantId, provider, account);
    await startSync(h, { connectionId, tenantId, provider }, 'full');
    expect((await syncResult(h, connectionId)).status).toBe('completed');
  }
  const { data: carriers } = await json<{ data: { id: string; name: string }[] }>(
    h.request('GET', '/v1/carriers?limit=200', { apiKey }),
  );
  for (const carrier of carriers) {
    const demo = opts.agency.carriers.find((c) => c.name === carrier.name);
    if (!demo) continue;
    carrierIds.set(demo.key, carrier.id);
    if (opts.schedules === false) continue;
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
  await waitFor(
    async () =>
      opts.schedules === false ||
      (
        await h.pool.query(
          // Every expectation a schedule can price is priced (a transaction the engine refuses, such
          // as a cancellation without a cancel method, stays without a rule, with its reason).
          `select count(*) filter (where status <> 'no_rule') > 0
                  and count(*) filter (where status = 'no_rule' and array_to_string(explanation, ' ') like 'no commission rule%') = 0 as ok
             from expected_commissions where tenant_id = $1`,
          [tenantId],
        )
      ).rows[0]?.ok === true,
    'expected commissions for every scheduled carrier',
    120_000,
  );

  const book: StatementBook = {
    tenantId,
    apiKey,
    carrierIds,
    json,
    upload(carrierKey, filename, bytes, extra = {}) {
      const form = new FormData();
      form.set('file', new File([new Uint8Array(bytes)], filename));
      form.set('carrier_id', carrierIds.get(carrierKey)!);
      for (const [k, v] of Object.entries(extra)) form.set(k, v);
      return h.app.request('/v1/statements', {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
        body: form,
      });
    },
    uploadRaw(carrierKey, filename, bytes) {
      return h.app.request(
        `/v1/statements?carrier_id=${carrierIds.get(carrierKey)}&filename=${encodeURIComponent(filename)}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/csv' },
          body: new Uint8Array(bytes),
        },
      );
    },
    reconciled: (statementId) =>
      waitFor(
        async () => {
          const r = await h.request('GET', `/v1/reconciliations/${statementId}`, { apiKey });
          const body = (await r.json()) as { status: string };
          return body.status === 'reconciled' ? body : null;
        },
        'the reconciliation workflow to finish',
        120_000,
      ),
    async allLines(statementId) {
      const lines: ReconciledLine[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: ReconciledLine[]; next_cursor: string | null } = await json(
          h.request(
            'GET',
            `/v1/reconciliations/${statementId}/lines?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
            { apiKey },
          ),
        );
        lines.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      return lines;
    },
  };
  return book;
}
