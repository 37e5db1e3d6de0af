// Expected commissions through the real system: an AMS sync brings policies and transactions,
// the agency enters its carriers' schedules and its producers' split plans through the API, and
// the tenant's commission workflow computes every transaction's commission; the API explains the
// arithmetic, records payments, overrides one policy's split, and projects the coming year.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { Money } from '../../domain/money.ts';
import {
  createHarness,
  type Harness,
  sandboxAccount,
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

const seed = 'e2e-commissions';
const asOf = '2026-11-01';
const agency = generateAgency({ seed, clients: 120, asOf });
const rateOf = (name: string) => agency.carriers.find((c) => c.name === name);
const halfEven = (premiumCents: number, rate: string) =>
  new Money(premiumCents).times(rate).dividedBy(100).toDecimalPlaces(0).toNumber();

describe('commission intelligence through the API', () => {
  let tenantId: string;
  let apiKey: string;
  const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const text = await r.text();
    expect(r.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const settled = (what: string, sql: string, params: unknown[] = []) =>
    waitFor(async () => (await h.pool.query(sql, [tenantId, ...params])).rows[0]?.ok === true, what, 90_000);

  beforeAll(async () => {
    ({ tenantId, apiKey } = await h.newTenant('Commission Agency'));
    const account = await sandboxAccount(h.sandboxUrl, 'applied-epic', {
      seed,
      clients: 120,
      clean: true,
      asOf,
    });
    const connectionId = await vendorConnection(h, tenantId, 'applied-epic', account);
    await startSync(h, { connectionId, tenantId, provider: 'applied-epic' }, 'full');
    expect((await syncResult(h, connectionId)).status).toBe('completed');
  }, 180_000);

  test('schedules entered per carrier turn every transaction into an expected commission', async () => {
    // Before any schedule, the sync's recalculation records each transaction as lacking a rule.
    await settled(
      'every transaction to be recorded without a rule',
      `select count(*) = (select count(*) from policy_transactions where tenant_id = $1 and deleted_at is null)
              and bool_and(status = 'no_rule') as ok from expected_commissions where tenant_id = $1`,
    );
    const { data: noRule } = await json<{ data: { explanation: string[] }[] }>(
      h.request('GET', '/v1/commissions?limit=1', { apiKey }),
    );
    expect(noRule[0]!.explanation[0]).toMatch(/no commission rule/i);

    const { data: carriers } = await json<{ data: { id: string; name: string }[] }>(
      h.request('GET', '/v1/carriers?limit=200', { apiKey }),
    );
    expect(carriers.length).toBeGreaterThan(3);
    for (const carrier of carriers) {
      const demo = rateOf(carrier.name);
      if (!demo) continue;
      const put = await json<{ data: { term_kind: string; basis: { rate: string } }[] }>(
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
      expect(put.data.map((r) => r.term_kind).sort()).toEqual(['new', 'renewal']);
    }
    await settled(
      'every transaction of a scheduled carrier to have its commission',
      `select count(*) filter (where status = 'no_rule') = 0 as ok from expected_commissions where tenant_id = $1`,
    );

    // A new-business transaction earns the carrier's new-business rate on its premium, half-even.
    const { rows } = await h.pool.query(
      `select e.agency_cents, e.rate, e.term_kind, t.premium_delta_cents, c.name as carrier, t.policy_id
         from expected_commissions e join policy_transactions t on t.id = e.transaction_id join carriers c on c.id = e.carrier_id
        where e.tenant_id = $1 and t.type in ('NEW', 'RWL') order by t.premium_delta_cents desc limit 20`,
      [tenantId],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const demo = rateOf(r.carrier)!;
      const rate = r.term_kind === 'new' ? demo.newRate : demo.renewalRate;
      expect(Number(r.agency_cents)).toBe(halfEven(Number(r.premium_delta_cents), rate));
    }

    // The explanation is calculated on the spot and agrees with what the workflow stored.
    const explained = await json<{
      total_agency_cents: number;
      transactions: { agency_cents: number; explanation: string[]; stored: { agency_cents: number } }[];
    }>(h.request('GET', `/v1/commissions/calculate?policy=${rows[0].policy_id}`, { apiKey }));
    expect(explained.transactions.length).toBeGreaterThan(0);
    for (const t of explained.transactions) {
      expect(t.stored.agency_cents).toBe(t.agency_cents);
      expect(t.explanation.join(' ')).toMatch(/%/);
    }
    expect(explained.total_agency_cents).toBe(explained.transactions.reduce((s, t) => s + t.agency_cents, 0));
    const unknown = await h.request(
      'GET',
      '/v1/commissions/calculate?policy=00000000-0000-4000-8000-000000000000',
      { apiKey },
    );
    expect(unknown.status).toBe(404);

    // A cancellation returns commission: the sign follows the premium.
    const { rows: cancels } = await h.pool.query(
      `select e.agency_cents, t.premium_delta_cents from expected_commissions e join policy_transactions t on t.id = e.transaction_id
        where e.tenant_id = $1 and t.type = 'CAN' and t.premium_delta_cents < 0`,
      [tenantId],
    );
    for (const c of cancels) expect(Number(c.agency_cents)).toBeLessThanOrEqual(0);
  }, 180_000);

  test('a producer’s split plan shares each commission exactly; a policy override replaces it', async () => {
    const { data: agents } = await json<{ data: { id: string; name: string }[] }>(
      h.request('GET', '/v1/agents?limit=200', { apiKey }),
    );
    const { rows: books } = await h.pool.query(
      `select producer_id, count(*)::int as n from expected_commissions where tenant_id = $1 and producer_id is not null
        group by producer_id order by n desc limit 2`,
      [tenantId],
    );
    const writer = books[0]!.producer_id as string;
    const other = (books[1]?.producer_id as string) ?? agents.find((a) => a.id !== writer)!.id;
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
    const rates = await json<{ data: { entries: { new_percent: string }[] }[] }>(
      h.request('GET', `/v1/agents/${writer}/rates`, { apiKey }),
    );
    expect(rates.data[0]!.entries[0]!.new_percent).toBe('40');
    const tooMuch = await h.request('PUT', `/v1/agents/${writer}/rates`, {
      apiKey,
      body: {
        data: [
          {
            effective_from: '2000-01-01',
            entries: [{ producer_id: writer, role: 'writing', new_percent: '140', renewal_percent: '0' }],
          },
        ],
      },
    });
    expect(tooMuch.status).toBe(422);

    await settled(
      'the writer’s transactions to carry the split',
      `select bool_and(jsonb_array_length(splits) = 1) as ok from expected_commissions where tenant_id = $1 and producer_id = $2`,
      [writer],
    );
    const { rows: split } = await h.pool.query(
      `select agency_cents, house_cents, term_kind, splits from expected_commissions where tenant_id = $1 and producer_id = $2`,
      [tenantId, writer],
    );
    for (const r of split) {
      const share = r.splits[0];
      // Shares and the house's remainder add up to the agency commission, cent for cent.
      expect(share.cents + Number(r.house_cents)).toBe(Number(r.agency_cents));
      expect(share.percent).toBe(r.term_kind === 'new' ? '40' : '33.3333');
      expect(share.cents).toBe(halfEven(Number(r.agency_cents), share.percent));
    }
    const earnings = await json<{ data: { share_cents: number }[]; total_share_cents: number }>(
      h.request('GET', `/v1/agents/${writer}/commissions`, { apiKey }),
    );
    expect(earnings.total_share_cents).toBe(split.reduce((s, r) => s + r.splits[0].cents, 0));

    // One policy's commission goes wholly to another producer.
    const { rows: target } = await h.pool.query(
      `select policy_id from expected_commissions where tenant_id = $1 and producer_id = $2 and agency_cents > 0 limit 1`,
      [tenantId, writer],
    );
    const policyId = target[0]!.policy_id as string;
    await json(
      h.request('POST', '/v1/commissions/split', {
        apiKey,
        body: {
          policy_id: policyId,
          entries: [{ producer_id: other, role: 'servicing', new_percent: '100', renewal_percent: '100' }],
        },
      }),
    );
    await settled(
      'the override to apply to that policy only',
      `select bool_and(splits @> jsonb_build_array(jsonb_build_object('producerId', $2::text, 'role', 'servicing')) and house_cents = 0) as ok
         from expected_commissions where tenant_id = $1 and policy_id = $3`,
      [other, policyId],
    );
    const { rows: untouched } = await h.pool.query(
      `select count(*)::int as n from expected_commissions where tenant_id = $1 and producer_id = $2 and policy_id <> $3
          and not splits @> jsonb_build_array(jsonb_build_object('producerId', $2::text))`,
      [tenantId, writer, policyId],
    );
    expect(untouched[0].n).toBe(0);
  }, 180_000);

  test('a payment settles an expectation, announces it, and moves it from pending to paid', async () => {
    const pending = await json<{
      data: { id: string; balance_cents: number; status: string }[];
      totals: { count: number };
    }>(h.request('GET', '/v1/commissions/pending?limit=5', { apiKey }));
    const item = pending.data.find((d) => d.balance_cents > 0)!;
    const partial = await json<{ status: string; paid_cents: number }>(
      h.request('POST', `/v1/commissions/${item.id}/payments`, {
        apiKey,
        body: { amount_cents: 100, paid_on: '2026-11-20' },
      }),
    );
    expect(partial).toMatchObject({ status: 'partially_paid', paid_cents: 100 });
    const paid = await json<{ status: string; balance_cents: number; last_paid_on: string }>(
      h.request('POST', `/v1/commissions/${item.id}/payments`, {
        apiKey,
        body: { paid_on: '2026-11-21', note: 'check 1042' },
      }),
    );
    expect(paid).toMatchObject({ status: 'paid', balance_cents: 0, last_paid_on: '2026-11-21' });
    const detail = await json<{ payments: { amount_cents: number; source: string }[] }>(
      h.request('GET', `/v1/commissions/${item.id}`, { apiKey }),
    );
    expect(detail.payments.map((p) => p.source)).toEqual(['manual', 'manual']);
    expect(
      (
        await h.request('POST', `/v1/commissions/${item.id}/payments`, {
          apiKey,
          body: { paid_on: '2026-11-21' },
        })
      ).status,
    ).toBe(409);

    const { rows: events } = await h.pool.query(
      `select data from change_events where tenant_id = $1 and type = 'commission.paid' and data->>'expected_commission_id' = $2`,
      [tenantId, item.id],
    );
    expect(events).toHaveLength(1);
    const after = await json<{ totals: { count: number } }>(
      h.request('GET', '/v1/commissions/pending?limit=1', { apiKey }),
    );
    expect(after.totals.count).toBe(pending.totals.count - 1);
    const paidList = await json<{ data: { id: string }[] }>(
      h.request('GET', '/v1/commissions/paid?limit=200', { apiKey }),
    );
    expect(paidList.data.map((d) => d.id)).toContain(item.id);
  });

  test('projections and renewal scores come from the in-force book', async () => {
    const projection = await json<{
      expected_commission_cents: number;
      by_month: { key: string; expected_commission_cents: number }[];
      by_carrier: { expected_commission_cents: number }[];
      terms_without_rule: number;
    }>(h.request('GET', `/v1/commissions/projections?as_of=${asOf}`, { apiKey }));
    expect(projection.by_month).toHaveLength(12);
    expect(projection.by_month[0]!.key).toBe('2026-11');
    expect(projection.expected_commission_cents).toBeGreaterThan(0);
    expect(projection.by_carrier.reduce((s, c) => s + c.expected_commission_cents, 0)).toBe(
      projection.expected_commission_cents,
    );
    expect(projection.terms_without_rule).toBe(0);

    const renewals = await json<{
      model: { training_size: number } | null;
      data: { probability: number; risk_level: string; drivers: unknown[]; expiration_date: string }[];
    }>(h.request('GET', `/v1/renewals?as_of=${asOf}&within_days=90`, { apiKey }));
    expect(renewals.model?.training_size).toBeGreaterThan(40);
    expect(renewals.data.length).toBeGreaterThan(0);
    for (const r of renewals.data) {
      expect(r.probability).toBeGreaterThan(0);
      expect(r.probability).toBeLessThan(1);
      expect(r.expiration_date > asOf && r.expiration_date <= '2027-01-30').toBe(true);
    }
    const probabilities = renewals.data.map((r) => r.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => a - b));
  });
});
