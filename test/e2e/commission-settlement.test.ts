// A commission paid within the tenant's rounding tolerance is settled, not left partly paid for
// ever, on both paths that derive its status (a payment, a recalculation) and for a chargeback
// too; and a renewal renumbered at renewal carries its prior term's number to the matcher. A small
// book written straight into the database: one policy over two terms, the second cancelled.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadRules, recalculatePolicies } from '../../db/commission-store.ts';
import { loadExpectedItems } from '../../db/reconciliation-store.ts';
import { normalizePolicyNumber } from '../../domain/normalize.ts';
import { reconcile } from '../../domain/reconciliation/match.ts';
import { createHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;
let carrierId: string;
const priorNumber = 'HO-100200300';
const renewalNumber = 'HO-900800700';
/** Expected commission id by transaction type: NEW on the prior term, RWL and CAN on the renewal. */
const expectedIds = new Map<string, string>();
let renewalTermId: string;
let renewalTxId: string;

interface Expected {
  id: string;
  status: string;
  agency_cents: number;
  paid_cents: number;
  balance_cents: number;
  difference_cents: number | null;
  settlement_note: string | null;
}

async function call<T>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
  const res = await h.request(method, path, { apiKey, body });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

const pay = (id: string, amountCents: number) =>
  call<Expected>('POST', `/v1/commissions/${id}/payments`, {
    amount_cents: amountCents,
    paid_on: '2026-04-20',
  });

async function pendingIds(): Promise<string[]> {
  const page = await call<{ data: { id: string }[] }>('GET', '/v1/commissions/pending?limit=200');
  return page.data.map((d) => d.id);
}

async function recalculate(): Promise<void> {
  const { rows } = await h.pool.query<{ id: string }>('select id from policies where tenant_id = $1', [
    tenantId,
  ]);
  await recalculatePolicies(
    h.pool,
    tenantId,
    rows.map((r) => r.id),
    { rules: await loadRules(h.pool, tenantId), plans: [] },
  );
}

beforeAll(async () => {
  h = await createHarness();
  ({ tenantId, apiKey } = await h.newTenant('Settlement Agency'));
  const q = async (sql: string, params: unknown[]) => (await h.pool.query(sql, params)).rows[0]!.id as string;
  carrierId = await q(
    `insert into carriers (tenant_id, name, name_normalized) values ($1, 'Harbor Mutual', 'harbor mutual') returning id`,
    [tenantId],
  );
  const clientId = await q(
    `insert into clients (tenant_id, kind, display_name, name_normalized)
     values ($1, 'person', 'Okafor Family Trust', 'okafor family trust') returning id`,
    [tenantId],
  );
  await h.pool.query(
    `insert into commission_rules (tenant_id, carrier_id, term_kind, effective_from, basis)
     values ($1, $2, 'any', '2000-01-01', '{"kind": "percent", "rate": "10"}')`,
    [tenantId, carrierId],
  );
  const term = (number: string, from: string, to: string, year: number, prior: string | null) =>
    q(
      `insert into policies (tenant_id, client_id, carrier_id, policy_number, policy_number_normalized, line_of_business,
                             effective_date, expiration_date, policy_year, prior_policy_id, term_premium_cents)
       values ($1, $2, $3, $4, $5, 'HOME', $6, $7, $8, $9, 240000) returning id`,
      [tenantId, clientId, carrierId, number, normalizePolicyNumber(number), from, to, year, prior],
    );
  const priorTermId = await term(priorNumber, '2025-03-01', '2026-03-01', 1, null);
  // The carrier rewrote the policy under a new number at renewal.
  renewalTermId = await term(renewalNumber, '2026-03-01', '2027-03-01', 2, priorTermId);
  const transaction = (
    policyId: string,
    type: string,
    date: string,
    premium: number,
    cancel: string | null,
  ) =>
    q(
      `insert into policy_transactions (tenant_id, policy_id, type, effective_date, premium_delta_cents, cancel_method)
       values ($1, $2, $3, $4, $5, $6) returning id`,
      [tenantId, policyId, type, date, premium, cancel],
    );
  await transaction(priorTermId, 'NEW', '2025-03-01', 240_000, null);
  renewalTxId = await transaction(renewalTermId, 'RWL', '2026-03-01', 240_000, null);
  await transaction(renewalTermId, 'CAN', '2026-03-01', -240_000, 'flat');
  await recalculate();
  const { rows } = await h.pool.query(
    'select id, transaction_type, agency_cents::int as agency from expected_commissions where tenant_id = $1',
    [tenantId],
  );
  for (const r of rows) expectedIds.set(r.transaction_type, r.id);
  expect([...expectedIds.keys()].sort()).toEqual(['CAN', 'NEW', 'RWL']);
  expect(rows.find((r) => r.transaction_type === 'CAN')!.agency).toBeLessThan(0);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('settling within tolerance', () => {
  test("the store gives a renewal its prior term's number, and a line printed under it pays the renewal", async () => {
    const items = await loadExpectedItems(h.pool, tenantId, carrierId);
    const renewal = items.find((i) => i.id === expectedIds.get('RWL'))!;
    expect(renewal.policyNumber).toBe(renewalNumber);
    expect(renewal.priorPolicyNumbers).toEqual([priorNumber]);
    expect(items.find((i) => i.id === expectedIds.get('NEW'))!.priorPolicyNumbers).toBeUndefined();
    const result = reconcile(
      [
        {
          id: '1',
          lineNo: 1,
          carrierId,
          policyNumber: priorNumber,
          insuredName: 'OKAFOR FAMILY TRUST',
          effectiveDate: '2026-03-01',
          transactionType: 'RWL',
          commissionCents: renewal.expectedCents,
          premiumCents: null,
          rate: null,
        },
      ],
      items,
      { asOf: '2026-04-10' },
    );
    expect(result.lines[0]!.matches.map((m) => m.expectedId)).toEqual([renewal.id]);
    expect(result.lines[0]!.reason).toContain(
      `prior term's number ${priorNumber}; policy ${renewalNumber} renewed it`,
    );
  });

  test('a payment one cent short through the API leaves the commission paid, its difference shown, and out of pending', async () => {
    const id = expectedIds.get('RWL')!;
    expect(await pendingIds()).toContain(id);
    const before = await call<Expected>('GET', `/v1/commissions/${id}`);
    const paid = await pay(id, before.agency_cents - 1);
    expect(paid).toMatchObject({ status: 'paid', balance_cents: 1, difference_cents: -1 });
    expect(paid.settlement_note).toContain('$0.01 short');
    const detail = await call<Expected>('GET', `/v1/commissions/${id}`);
    expect(detail).toMatchObject({ status: 'paid', difference_cents: -1 });
    expect(await pendingIds()).not.toContain(id);
    const { rows: events } = await h.pool.query(
      `select data from change_events where tenant_id = $1 and type = 'commission.paid' and data->>'expected_commission_id' = $2`,
      [tenantId, id],
    );
    expect(events.map((e) => e.data.difference_cents)).toEqual([-1]);
  });

  test('a chargeback the carrier took back a cent short of is settled too', async () => {
    const id = expectedIds.get('CAN')!;
    const before = await call<Expected>('GET', `/v1/commissions/${id}`);
    const settled = await pay(id, before.agency_cents + 1);
    expect(settled).toMatchObject({ status: 'paid', difference_cents: 1 });
    expect(settled.settlement_note).toContain('$0.01 short');
    expect(await pendingIds()).not.toContain(id);
  });

  test('a recalculation keeps a commission settled while the payment is within tolerance of the new amount', async () => {
    const id = expectedIds.get('RWL')!;
    const paidCents = (await call<Expected>('GET', `/v1/commissions/${id}`)).paid_cents;
    // 30 cents more premium at 10%: three cents more commission, four short in all.
    await h.pool.query('update policy_transactions set premium_delta_cents = 240030 where id = $1', [
      renewalTxId,
    ]);
    await recalculate();
    const small = await call<Expected>('GET', `/v1/commissions/${id}`);
    expect(small).toMatchObject({ status: 'paid', paid_cents: paidCents, difference_cents: -4 });
    // $50.00 more premium: $5.00 more commission is beyond the $1.00 tolerance.
    await h.pool.query('update policy_transactions set premium_delta_cents = 245000 where id = $1', [
      renewalTxId,
    ]);
    await recalculate();
    const large = await call<Expected>('GET', `/v1/commissions/${id}`);
    expect(large).toMatchObject({ status: 'partially_paid', settlement_note: null });
    expect(await pendingIds()).toContain(id);
  });

  test("the tenant's tolerance decides: with none, a cent short stays partially paid", async () => {
    await h.pool.query(
      `update tenants set settings = settings || '{"reconciliationTolerances": {"amountCents": 0}}'::jsonb where id = $1`,
      [tenantId],
    );
    const id = expectedIds.get('NEW')!;
    const before = await call<Expected>('GET', `/v1/commissions/${id}`);
    const short = await pay(id, before.agency_cents - 1);
    expect(short).toMatchObject({ status: 'partially_paid', balance_cents: 1, difference_cents: -1 });
    expect(short.settlement_note).toBeNull();
    expect(await pendingIds()).toContain(id);
  });
});
