// The API as a source of truth for what commissions are computed from: transactions posted on a
// policy, sent with a policy (alone or in a bulk), pushed by an AMS, or made from a rater's sold
// quote get their expected commission from the commission workflow with no other call; a policy's
// MGA brings its schedule lines; broker fees stay out of commission and show in the ledger.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHarness, type Harness, waitFor } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  ({ tenantId, apiKey } = await h.newTenant('Transactions API'));
});
afterAll(async () => {
  await h?.close();
});

interface Expected {
  agency_cents: number;
  basis_cents: number;
  rate: string | null;
  rate_source: string | null;
  status: string;
}
interface Transaction {
  id: string;
  type: string;
  external_id: string | null;
  premium_delta_cents: number;
  broker_fee_cents: number;
  commission_rate: string | null;
  commission_source: string | null;
  expected_commission: Expected | null;
}
type Problem = { type: string; errors: { field: string; message: string }[] };

async function call<T = Record<string, unknown> & { id: string }>(
  method: string,
  path: string,
  body?: unknown,
  status = 200,
): Promise<T> {
  const res = await h.request(method, path, { apiKey, body });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(status);
  return (text ? JSON.parse(text) : null) as T;
}

async function carrier(name: string): Promise<string> {
  const { rows } = await h.pool.query(
    'insert into carriers (tenant_id, name, name_normalized) values ($1, $2, lower($2)) returning id',
    [tenantId, name],
  );
  return rows[0].id;
}

async function schedule(carrierId: string, lines: Record<string, unknown>[]): Promise<void> {
  await call('PUT', `/v1/carriers/${carrierId}/commission-schedules`, {
    data: lines.map((l) => ({ effective_from: '2000-01-01', ...l })),
  });
}

const percent = (rate: string) => ({ kind: 'percent', rate });

/** The policy's transactions once every one has the stored expectation `ready` wants. */
async function settled(
  policyId: string,
  ready: (txs: Transaction[]) => boolean,
  what: string,
): Promise<Transaction[]> {
  let last: Transaction[] = [];
  try {
    return await waitFor(
      async () => {
        last = (await call<{ data: Transaction[] }>('GET', `/v1/policies/${policyId}/transactions`)).data;
        return ready(last) && last;
      },
      what,
      90_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}`);
  }
}

const term = { effective_date: '2026-01-01', expiration_date: '2027-01-01' };

describe('transactions through the API', () => {
  test('a transaction posted on an API policy under a scheduled carrier has its expectation; amended and deleted, it follows', async () => {
    const carrierId = await carrier('Scheduled Mutual');
    await schedule(carrierId, [
      { term_kind: 'new', basis: percent('15') },
      { term_kind: 'renewal', basis: percent('10') },
    ]);
    const policy = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'TXN-100', carrier_id: carrierId, term_premium_cents: 100_000, ...term },
      201,
    );
    const before = await call<{ transactions: unknown[] }>(
      'GET',
      `/v1/commissions/calculate?policy=${policy.id}`,
    );
    expect(before.transactions).toEqual([]);

    const posted = await call<{ data: Transaction[] }>(
      'POST',
      `/v1/policies/${policy.id}/transactions`,
      {
        transactions: [
          { external_id: 'EPIC-1', type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 100_000 },
          {
            type: 'END',
            effective_date: '2026-06-01',
            premium_delta_cents: 20_000,
            taxes_fees_cents: 700,
            broker_fee_cents: 5_000,
          },
        ],
      },
      201,
    );
    expect(posted.data.map((t) => [t.type, t.external_id, t.broker_fee_cents])).toEqual([
      ['NEW', 'EPIC-1', 0],
      ['END', null, 5_000],
    ]);
    const [nb, end] = posted.data as [Transaction, Transaction];

    // Computed now by the calculate endpoint, and stored by the workflow with no other call.
    const now = await call<{
      transactions: { transaction_id: string; agency_cents: number; rule_id: string }[];
    }>('GET', `/v1/commissions/calculate?policy=${policy.id}`);
    expect(now.transactions.map((t) => [t.transaction_id, t.agency_cents])).toEqual([
      [nb.id, 15_000],
      [end.id, 3_000],
    ]);
    expect(now.transactions[0]!.rule_id).toBeTruthy();
    const stored = await settled(
      policy.id,
      (txs) => txs.every((t) => t.expected_commission),
      'the posted transactions to have stored expectations',
    );
    expect(stored.map((t) => t.expected_commission)).toMatchObject([
      { agency_cents: 15_000, basis_cents: 100_000, rate: '15', rate_source: 'schedule' },
      // The broker fee is the agency's own revenue: not commission under a rule without commission_on_fees.
      { agency_cents: 3_000, basis_cents: 20_000, rate_source: 'schedule' },
    ]);
    const { rows: explained } = await h.pool.query(
      'select explanation from expected_commissions where transaction_id = $1',
      [end.id],
    );
    expect(explained[0].explanation.join(' ')).toMatch(/Broker fee \$50\.00 is not commissionable/);

    // Sent again with its external_id, the transaction is amended, not added.
    const again = await call<{ data: Transaction[] }>('POST', `/v1/policies/${policy.id}/transactions`, {
      transactions: [
        { external_id: 'EPIC-1', type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 110_000 },
      ],
    });
    expect(again.data[0]!.id).toBe(nb.id);
    const amended = await call<Transaction>('PATCH', `/v1/policies/${policy.id}/transactions/${end.id}`, {
      premium_delta_cents: 40_000,
    });
    expect(amended).toMatchObject({ id: end.id, premium_delta_cents: 40_000, broker_fee_cents: 5_000 });
    await settled(
      policy.id,
      (txs) =>
        txs.length === 2 &&
        txs[0]!.expected_commission?.agency_cents === 16_500 &&
        txs[1]!.expected_commission?.agency_cents === 6_000,
      'the amended transactions to be recalculated',
    );
    const { rows: sources } = await h.pool.query(
      `select c.provider, s.stream from source_records s join connections c on c.id = s.connection_id
        where s.canonical_id = $1`,
      [end.id],
    );
    expect(sources).toEqual([{ provider: 'api', stream: 'policy_transactions' }]);

    await call('DELETE', `/v1/policies/${policy.id}/transactions/${end.id}`, undefined, 204);
    await waitFor(
      async () =>
        !(await h.pool.query('select 1 from expected_commissions where transaction_id = $1', [end.id])).rows
          .length,
      'the deleted transaction’s expectation to be withdrawn',
      90_000,
    );
    expect(
      (await call<{ data: Transaction[] }>('GET', `/v1/policies/${policy.id}/transactions`)).data.map(
        (t) => t.id,
      ),
    ).toEqual([nb.id]);
    await call('DELETE', `/v1/policies/${policy.id}/transactions/${end.id}`, undefined, 404);
  });

  test('a commission rate stated on a transaction is the expectation when no schedule applies (manual)', async () => {
    const created = await call<{ id: string; transactions: Transaction[] }>(
      'POST',
      '/v1/policies',
      {
        policy_number: 'TXN-200',
        ...term,
        transactions: [
          { type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 80_000, commission_rate: '12.5' },
        ],
      },
      201,
    );
    expect(created.transactions).toMatchObject([
      { type: 'NEW', commission_rate: '12.5', commission_source: 'api', expected_commission: null },
    ]);
    const [tx] = await settled(
      created.id,
      (txs) => !!txs[0]?.expected_commission,
      'the stated rate to become the expectation',
    );
    expect(tx!.expected_commission).toMatchObject({
      agency_cents: 10_000,
      rate: '12.5',
      rate_source: 'manual',
    });
  });

  test('an MGA on a policy brings the schedule lines that name it; PUT sets it; an unknown MGA is refused', async () => {
    const carrierId = await carrier('Fronting Insurance Co');
    const mgaId = await carrier('Coastal Underwriters MGA');
    await schedule(carrierId, [{ basis: percent('10') }, { mga_id: mgaId, basis: percent('14') }]);
    const nb = [
      { type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 100_000, external_id: 'N' },
    ];
    const viaMga = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'MGA-1', carrier_id: carrierId, mga_id: mgaId, ...term, transactions: nb },
      201,
    );
    expect(viaMga.mga_id).toBe(mgaId);
    const direct = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'MGA-2', carrier_id: carrierId, ...term, transactions: nb },
      201,
    );
    const cents = async (id: string, want: number) =>
      (
        await settled(
          id,
          (txs) => txs[0]?.expected_commission?.agency_cents === want,
          `policy ${id} to expect ${want}`,
        )
      )[0]!.expected_commission!;
    expect(await cents(viaMga.id, 14_000)).toMatchObject({ rate: '14', rate_source: 'schedule' });
    expect(await cents(direct.id, 10_000)).toMatchObject({ rate: '10', rate_source: 'schedule' });

    const { data } = await call<{ data: { id: string; mga_id: string | null }[] }>(
      'GET',
      '/v1/policies?limit=200',
    );
    expect(data.find((p) => p.id === viaMga.id)?.mga_id).toBe(mgaId);
    expect(data.find((p) => p.id === direct.id)?.mga_id).toBeNull();

    // Placed through the MGA after all: the PUT sets it and the expectation follows.
    await call('PUT', `/v1/policies/${direct.id}`, {
      policy_number: 'MGA-2',
      carrier_id: carrierId,
      mga_id: mgaId,
      ...term,
    });
    expect(await cents(direct.id, 14_000)).toMatchObject({ rate: '14' });

    const unknown = await call<Problem>(
      'POST',
      '/v1/policies',
      { policy_number: 'MGA-3', mga_id: '00000000-0000-4000-8000-000000000009', ...term },
      422,
    );
    expect(unknown.errors.map((e) => e.field)).toEqual(['mga_id']);
  });

  test('bulk items carry transactions, each result lists them, and a failing item writes nothing', async () => {
    const existing = await call('POST', '/v1/policies', { policy_number: 'BTX-0', ...term }, 201);
    const res = await call<{
      results: {
        index: number;
        status: number;
        id: string | null;
        transaction_ids: string[];
        problem: Problem | null;
      }[];
      succeeded: number;
    }>('POST', '/v1/policies/bulk', {
      items: [
        {
          op: 'create',
          policy: {
            policy_number: 'BTX-1',
            ...term,
            transactions: [
              {
                type: 'NEW',
                effective_date: '2026-01-01',
                premium_delta_cents: 50_000,
                commission_rate: '10',
              },
              // Two endorsements on one day stay two transactions.
              {
                type: 'END',
                effective_date: '2026-03-01',
                premium_delta_cents: 1_000,
                commission_rate: '10',
              },
              {
                type: 'END',
                effective_date: '2026-03-01',
                premium_delta_cents: 2_000,
                commission_rate: '10',
              },
            ],
          },
        },
        {
          op: 'create',
          policy: {
            policy_number: 'BTX-2',
            ...term,
            transactions: [{ type: 'END', effective_date: '2027-02-01', premium_delta_cents: 1_000 }],
          },
        },
        {
          op: 'update',
          id: existing.id,
          policy: {
            policy_number: 'BTX-0',
            ...term,
            transactions: [{ type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 1_000 }],
          },
        },
        {
          op: 'update',
          id: existing.id,
          policy: {
            policy_number: 'BTX-0',
            ...term,
            transactions: [
              { external_id: 'B-1', type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 9_000 },
            ],
          },
        },
      ],
    });
    expect(res.results.map((r) => [r.index, r.status, r.transaction_ids.length])).toEqual([
      [0, 201, 3],
      [1, 422, 0],
      [2, 422, 0],
      [3, 200, 1],
    ]);
    expect(res.results[1]!.problem!.errors.map((e) => e.field)).toEqual([
      'policy.transactions.0.effective_date',
    ]);
    expect(res.results[1]!.problem!.errors[0]!.message).toMatch(/term ends on 2027-01-01/);
    expect(res.results[2]!.problem!.errors.map((e) => e.field)).toEqual([
      'policy.transactions.0.external_id',
    ]);
    expect(new Set(res.results[0]!.transaction_ids).size).toBe(3);
    const { rows } = await h.pool.query(
      `select count(*)::int as n from policies where tenant_id = $1 and policy_number = 'BTX-2'`,
      [tenantId],
    );
    expect(rows[0].n).toBe(0);
    const txs = await settled(
      res.results[0]!.id!,
      (t) => t.length === 3 && t.every((x) => x.expected_commission),
      'the bulk transactions to have expectations',
    );
    // Same-day transactions written together list in no particular order.
    expect(
      txs
        .map((t) => [t.premium_delta_cents, t.expected_commission!.agency_cents])
        .sort((a, b) => a[0]! - b[0]!),
    ).toEqual([
      [1_000, 100],
      [2_000, 200],
      [50_000, 5_000],
    ]);
    // The update may be sent again: its transaction is amended, not added.
    const update = {
      op: 'update',
      id: existing.id,
      policy: {
        policy_number: 'BTX-0',
        ...term,
        transactions: [
          { external_id: 'B-1', type: 'NEW', effective_date: '2026-01-01', premium_delta_cents: 9_500 },
        ],
      },
    };
    const again = await call<{ results: { transaction_ids: string[] }[] }>('POST', '/v1/policies/bulk', {
      items: [update],
    });
    expect(again.results[0]!.transaction_ids).toEqual(res.results[3]!.transaction_ids);
    const listed = await call<{ data: Transaction[] }>('GET', `/v1/policies/${existing.id}/transactions`);
    expect(listed.data.map((t) => [t.external_id, t.premium_delta_cents])).toEqual([['B-1', 9_500]]);
  });
});

describe('bulk at size', () => {
  test('1,000 policies with 2,000 transactions in one request stay under 10 s; more than 5,000 transactions are refused', async () => {
    const item = (i: number, txs: number) => ({
      op: 'create',
      policy: {
        policy_number: `MASS-TX-${i}`,
        ...term,
        transactions: Array.from({ length: txs }, (_, n) => ({
          type: n === 0 ? 'NEW' : 'END',
          effective_date: n === 0 ? '2026-01-01' : '2026-06-01',
          premium_delta_cents: 10_000 + n,
          commission_rate: '10',
        })),
      },
    });
    const started = performance.now();
    const res = await call<{ succeeded: number; results: { transaction_ids: string[] }[] }>(
      'POST',
      '/v1/policies/bulk',
      { items: Array.from({ length: 1000 }, (_, i) => item(i, 2)) },
    );
    expect((performance.now() - started) / 1000).toBeLessThan(10);
    expect(res.succeeded).toBe(1000);
    expect(res.results.every((r) => r.transaction_ids.length === 2)).toBe(true);
    const refused = await call<Problem>(
      'POST',
      '/v1/policies/bulk',
      { items: Array.from({ length: 51 }, (_, i) => item(2000 + i, 100)) },
      422,
    );
    expect(refused.errors.map((e) => e.field)).toEqual(['items']);
  });
});

describe('pushed transactions', () => {
  interface Pushed {
    status: string;
    entity_id: string;
    transaction_ids: string[];
    ignored_fields: string[];
  }
  const push = (path: string, body: unknown, status = 200) => call<Pushed>('POST', path, body, status);

  test('an AMS push with transactions: the AMS’s commission is the expectation; pushed again, nothing changes', async () => {
    const body = {
      source: 'applied_epic',
      action: 'policy_issued',
      data: {
        policy_number: 'AMS-TX-1',
        effective_date: '2026-02-01',
        expiration_date: '2027-02-01',
        premium: '2400.00',
        carrier: 'Pushed Mutual',
        transactions: [
          {
            transaction_id: 'T-9',
            type: 'NEW',
            effective_date: '2026-02-01',
            premium: '2400.00',
            commission_rate: 0.1,
          },
          {
            type: 'END',
            effective_date: '2026-05-01',
            premium: 120,
            broker_fee: '35.00',
            commission: '12.00',
          },
        ],
      },
    };
    const first = await push('/v1/inbound/ams/policy', body);
    expect(first).toMatchObject({ status: 'created' });
    expect(first.transaction_ids).toHaveLength(2);
    const txs = await settled(
      first.entity_id,
      (t) => t.length === 2 && t.every((x) => x.expected_commission),
      'the pushed transactions to have expectations',
    );
    expect(txs.map((t) => [t.broker_fee_cents, t.commission_source, t.expected_commission])).toMatchObject([
      [0, 'applied_epic', { agency_cents: 24_000, rate: '10', rate_source: 'ams' }],
      [3_500, 'applied_epic', { agency_cents: 1_200, rate_source: 'ams' }],
    ]);

    const again = await push('/v1/inbound/ams/policy', body);
    expect(again).toMatchObject({ status: 'unchanged', transaction_ids: first.transaction_ids });
    // A changed transaction alone makes the push an update of the same transaction.
    const changed = structuredClone(body);
    changed.data.transactions[1]!.premium = 150;
    const updated = await push('/v1/inbound/ams/policy', changed);
    expect(updated).toMatchObject({ status: 'updated', transaction_ids: first.transaction_ids });

    const outside = await call<Problem>(
      'POST',
      '/v1/inbound/ams/policy',
      {
        ...body,
        data: {
          ...body.data,
          policy_number: 'AMS-TX-2',
          transactions: [
            { type: 'CAN', effective_date: '2026-08-01' },
            { type: 'END', effective_date: '2026-01-15', premium: 10 },
          ],
        },
      },
      422,
    );
    expect(outside.errors.map((e) => e.field)).toEqual([
      'data.transactions.0.cancel_method',
      'data.transactions.1.effective_date',
    ]);
  });

  test('a rater’s sold quote with a commission rate has its expectation (manual); a schedule then wins', async () => {
    const sold = await push('/v1/inbound/rater/quote-sold', {
      source: 'turborater',
      quote_id: 'Q-TX-1',
      policy_data: {
        carrier: 'Quoted Casualty',
        premium: '1000.00',
        commission_rate: 0.12,
        broker_fee: 25,
        policy_number: 'AUTO-TX-1',
        effective_date: '2026-04-01',
        expiration_date: '2026-10-01',
      },
    });
    expect(sold).toMatchObject({ status: 'created', ignored_fields: [] });
    expect(sold.transaction_ids).toHaveLength(1);
    const [nb] = await settled(
      sold.entity_id,
      (t) => !!t[0]?.expected_commission,
      'the sold quote to have its expectation',
    );
    expect(nb).toMatchObject({
      type: 'NEW',
      premium_delta_cents: 100_000,
      broker_fee_cents: 2_500,
      commission_rate: '12',
      expected_commission: { agency_cents: 12_000, basis_cents: 100_000, rate_source: 'manual' },
    });

    const { rows } = await h.pool.query('select carrier_id from policies where id = $1', [sold.entity_id]);
    await schedule(rows[0].carrier_id, [{ basis: percent('11') }]);
    await settled(
      sold.entity_id,
      (t) => t[0]?.expected_commission?.rate_source === 'schedule',
      'the schedule to win over the quoted rate',
    ).then(([t]) => expect(t!.expected_commission).toMatchObject({ agency_cents: 11_000, rate: '11' }));

    // No effective date, no transaction: the rate and fee are kept with the record and said to be unused.
    const undated = await push('/v1/inbound/rater/quote-sold', {
      source: 'turborater',
      quote_id: 'Q-TX-2',
      policy_data: { carrier: 'Quoted Casualty', premium: 500, commission_rate: 0.1, broker_fee: 10 },
    });
    expect(undated).toMatchObject({
      transaction_ids: [],
      ignored_fields: ['policy_data.commission_rate', 'policy_data.broker_fee'],
    });
  });
});

describe('broker fees', () => {
  test('kept out of commission unless the schedule line says commission_on_fees, and shown in the ledger', async () => {
    const plain = await carrier('Feeless Indemnity');
    const onFees = await carrier('Fee Friendly Assurance');
    await schedule(plain, [{ basis: percent('10') }]);
    await schedule(onFees, [{ basis: percent('10'), commission_on_fees: true }]);
    const write = (number: string, carrierId: string) =>
      call(
        'POST',
        '/v1/policies',
        {
          policy_number: number,
          carrier_id: carrierId,
          effective_date: '2025-03-01',
          expiration_date: '2026-03-01',
          transactions: [
            {
              type: 'NEW',
              effective_date: '2025-03-01',
              premium_delta_cents: 200_000,
              broker_fee_cents: 15_000,
            },
          ],
        },
        201,
      );
    const a = await write('FEE-1', plain);
    const b = await write('FEE-2', onFees);
    const [ta] = await settled(a.id, (t) => !!t[0]?.expected_commission, 'FEE-1 expectation');
    const [tb] = await settled(b.id, (t) => !!t[0]?.expected_commission, 'FEE-2 expectation');
    expect(ta!.expected_commission).toMatchObject({ agency_cents: 20_000, basis_cents: 200_000 });
    expect(tb!.expected_commission).toMatchObject({ agency_cents: 21_500, basis_cents: 215_000 });

    const { parse } = await import('csv-parse/sync');
    const res = await h.request('GET', '/v1/exports/ledger?from=2025-03-01&to=2025-03-31&format=csv', {
      apiKey,
    });
    const table = parse(await res.text()) as string[][];
    const header = table[0]!;
    expect(header.at(-1)).toBe('Broker Fee');
    expect(header[9]).toBe('Expected Commission');
    const fee = header.indexOf('Broker Fee');
    const row = (number: string) => table.find((r) => r[1] === number)!;
    expect([row('FEE-1')[9], row('FEE-1')[fee]]).toEqual(['200.00', '150.00']);
    expect([row('FEE-2')[9], row('FEE-2')[fee]]).toEqual(['215.00', '150.00']);
    const grand = table.at(-1)!;
    expect(grand[0]).toBe('Grand total');
    expect(grand[fee]).toBe('300.00');
  });
});

describe('validation', () => {
  test('fields outside the term, a cancellation without a method and bad values are 422s naming fields', async () => {
    const policy = await call('POST', '/v1/policies', { policy_number: 'VAL-1', ...term }, 201);
    const post = (transactions: unknown[], status: number) =>
      call<Problem & { data: Transaction[] }>(
        'POST',
        `/v1/policies/${policy.id}/transactions`,
        { transactions },
        status,
      );
    const refused = await post(
      [
        { type: 'END', effective_date: '2025-12-31', premium_delta_cents: 100 },
        { type: 'CAN', effective_date: '2026-07-01' },
        { type: 'REI', effective_date: '2027-01-01' },
        { type: 'NEW', effective_date: '2026-01-01', cancel_method: 'flat' },
        { type: 'END', effective_date: '2026-02-01', external_id: 'X' },
        { type: 'END', effective_date: '2026-03-01', external_id: 'X' },
      ],
      422,
    );
    expect(refused.type).toBe('/problems/validation');
    expect(refused.errors.map((e) => e.field)).toEqual([
      'transactions.0.effective_date',
      'transactions.1.cancel_method',
      'transactions.2.effective_date',
      'transactions.3.cancel_method',
      'transactions.5.external_id',
    ]);
    expect(refused.errors[0]!.message).toMatch(/before its term starts on 2026-01-01/);
    const shape = await post(
      [{ type: 'XYZ', effective_date: '2026-02-30', premium_delta_cents: 1.5, commission_rate: '150' }],
      422,
    );
    expect(shape.errors.map((e) => e.field).sort()).toEqual([
      'transactions.0.commission_rate',
      'transactions.0.effective_date',
      'transactions.0.premium_delta_cents',
      'transactions.0.type',
    ]);
    expect((await call<{ data: unknown[] }>('GET', `/v1/policies/${policy.id}/transactions`)).data).toEqual(
      [],
    );

    // An audit settles after the term; a payment is dated when the money moves.
    const ok = await post(
      [
        { type: 'AUD', effective_date: '2027-03-15', premium_delta_cents: 4_000 },
        { type: 'PMT', effective_date: '2025-12-20', premium_delta_cents: 10_000 },
        { type: 'CAN', effective_date: '2026-09-01', cancel_method: 'pro_rata' },
      ],
      201,
    );
    expect(ok.data.map((t) => t.type)).toEqual(['AUD', 'PMT', 'CAN']);
    const can = ok.data[2]!;
    const patched = await call<Problem>(
      'PATCH',
      `/v1/policies/${policy.id}/transactions/${can.id}`,
      { cancel_method: null },
      422,
    );
    expect(patched.errors.map((e) => e.field)).toEqual(['cancel_method']);
    await call(
      'PATCH',
      `/v1/policies/${policy.id}/transactions/00000000-0000-4000-8000-000000000001`,
      { premium_delta_cents: 1 },
      404,
    );
    const put = await call<Problem>(
      'PUT',
      `/v1/policies/${policy.id}`,
      { policy_number: 'VAL-1', ...term, transactions: [{ type: 'END', effective_date: '2026-02-01' }] },
      422,
    );
    expect(put.errors.map((e) => e.field)).toEqual(['transactions.0.external_id']);
    await call(
      'POST',
      '/v1/policies/00000000-0000-4000-8000-000000000002/transactions',
      { transactions: [{ type: 'NEW', effective_date: '2026-01-01' }] },
      404,
    );
  });
});
