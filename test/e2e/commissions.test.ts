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

  test('the AMS records become expectations the day the agency connects; a schedule then overrides, and disagreements are listed', async () => {
    // Nothing entered: every transaction Applied Epic records a commission for has its expectation.
    await settled(
      'every transaction to have the commission Applied Epic records',
      `select count(*) = (select count(*) from policy_transactions where tenant_id = $1 and deleted_at is null)
              and bool_and(status <> 'no_rule' and rate_source = 'ams') as ok from expected_commissions where tenant_id = $1`,
    );
    const { rows: recorded } = await h.pool.query(
      `select e.agency_cents, t.commission_cents, t.commission_rate, e.recorded_source from expected_commissions e
         join policy_transactions t on t.id = e.transaction_id where e.tenant_id = $1`,
      [tenantId],
    );
    expect(recorded.length).toBeGreaterThan(50);
    for (const r of recorded) {
      expect(Number(r.agency_cents)).toBe(Number(r.commission_cents));
      expect(r.recorded_source).toBe('applied-epic');
    }
    const { data: fromAms } = await json<{ data: { rate_source: string; explanation: string[] }[] }>(
      h.request('GET', '/v1/commissions?limit=1', { apiKey }),
    );
    expect(fromAms[0]!.rate_source).toBe('ams');
    expect(fromAms[0]!.explanation.join(' ')).toMatch(/No schedule line applies; Applied Epic records/);
    expect(
      (await json<{ data: unknown[] }>(h.request('GET', '/v1/commissions/rate-discrepancies', { apiKey })))
        .data,
    ).toEqual([]);
    // Epic's producer/broker commissions split each one: the writer's share of the agency
    // commission (40% on new business, 30% on renewals in the demo book), a referral broker's 10%.
    const { rows: shared } = await h.pool.query(
      `select e.agency_cents, e.splits, e.house_cents, e.term_kind, e.explanation, p.producer_shares
         from expected_commissions e join policies p on p.id = e.policy_id
        where e.tenant_id = $1 and p.producer_shares is not null and e.agency_cents > 0`,
      [tenantId],
    );
    expect(shared.length).toBeGreaterThan(20);
    for (const r of shared) {
      const shares = r.producer_shares as { producerId: string; percent: string }[];
      const splits = r.splits as { producerId: string; percent: string; cents: number }[];
      expect(splits.map((x) => [x.producerId, Number(x.percent)])).toEqual(
        shares.map((x) => [x.producerId, Number(x.percent)]),
      );
      expect(splits.reduce((sum, x) => sum + x.cents, 0) + Number(r.house_cents)).toBe(
        Number(r.agency_cents),
      );
      expect((r.explanation as string[]).join(' ')).toMatch(/producer shares Applied Epic records/);
    }
    expect(
      shared.some(
        (r) =>
          (r.producer_shares as { percent: string }[])[0]!.percent === (r.term_kind === 'new' ? '40' : '30'),
      ),
    ).toBe(true);

    const { data: carriers } = await json<{ data: { id: string; name: string }[] }>(
      h.request('GET', '/v1/carriers?limit=200', { apiKey }),
    );
    expect(carriers.length).toBeGreaterThan(3);
    // One carrier's renewal rate is entered a point off what Epic records: the schedule wins, and
    // the disagreement is listed.
    const offCarrier = carriers.find((c) => rateOf(c.name))!;
    const offRate = (Number(rateOf(offCarrier.name)!.renewalRate) + 1).toString();
    for (const carrier of carriers) {
      const demo = rateOf(carrier.name);
      if (!demo) continue;
      const renewalRate = carrier.id === offCarrier.id ? offRate : demo.renewalRate;
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
                basis: { kind: 'percent', rate: renewalRate },
              },
            ],
          },
        }),
      );
      expect(put.data.map((r) => r.term_kind).sort()).toEqual(['new', 'renewal']);
    }
    await settled(
      'every transaction of a scheduled carrier to have its commission from the schedule',
      `select count(*) filter (where status = 'no_rule' or rate_source <> 'schedule') = 0 as ok from expected_commissions where tenant_id = $1`,
    );
    const { data: disagreements } = await json<{
      data: {
        carrier_id: string;
        term_kind: string;
        schedule_rate: string;
        recorded_rate: string;
        policies: number;
      }[];
    }>(h.request('GET', '/v1/commissions/rate-discrepancies', { apiKey }));
    expect(disagreements.length).toBeGreaterThan(0);
    for (const d of disagreements) {
      expect(d).toMatchObject({ carrier_id: offCarrier.id, term_kind: 'renewal', schedule_rate: offRate });
      expect(Number(d.recorded_rate)).toBe(Number(rateOf(offCarrier.name)!.renewalRate));
      expect(d.policies).toBeGreaterThan(0);
    }
    // The carrier's schedule is put right; what remains agrees.
    await json(
      h.request('PUT', `/v1/carriers/${offCarrier.id}/commission-schedules`, {
        apiKey,
        body: {
          data: [
            {
              term_kind: 'new',
              effective_from: '2000-01-01',
              basis: { kind: 'percent', rate: rateOf(offCarrier.name)!.newRate },
            },
            {
              term_kind: 'renewal',
              effective_from: '2000-01-01',
              basis: { kind: 'percent', rate: rateOf(offCarrier.name)!.renewalRate },
            },
          ],
        },
      }),
    );
    await waitFor(
      async () =>
        (await json<{ data: unknown[] }>(h.request('GET', '/v1/commissions/rate-discrepancies', { apiKey })))
          .data.length === 0,
      'the corrected schedule to agree with Epic',
      90_000,
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
    // Their earnings: their book's shares, and the shares Epic records for them on colleagues' policies.
    const { rows: everyShare } = await h.pool.query(
      `select coalesce(sum((x->>'cents')::bigint), 0)::bigint as cents
         from expected_commissions e, jsonb_array_elements(e.splits) x
        where e.tenant_id = $1 and x->>'producerId' = $2`,
      [tenantId, writer],
    );
    expect(earnings.total_share_cents).toBe(Number(everyShare[0].cents));
    expect(earnings.total_share_cents).toBeGreaterThanOrEqual(
      split.reduce((s, r) => s + r.splits[0].cents, 0),
    );

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
    // Well above the $1.00 rounding tolerance, so that a $1.00 payment leaves it partly paid.
    const item = pending.data.find((d) => d.balance_cents > 1_000)!;
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

  test('a payment one cent short settles the commission as paid, shows the cent, and leaves pending and the outstanding total', async () => {
    type Expected = {
      id: string;
      policy_id: string;
      status: string;
      balance_cents: number;
      difference_cents: number | null;
      settlement_note: string | null;
    };
    const pending = await json<{ data: Expected[]; totals: { count: number } }>(
      h.request('GET', '/v1/commissions/pending?limit=50', { apiKey }),
    );
    const item = pending.data.find((d) => d.balance_cents > 1_000)!;
    const outstanding = async () =>
      (
        await json<{ commission: { outstanding_cents: number } }>(
          h.request('GET', '/v1/analytics/dashboard?as_of=2026-11-25', { apiKey }),
        )
      ).commission.outstanding_cents;
    const outstandingBefore = await outstanding();
    const settled = await json<Expected>(
      h.request('POST', `/v1/commissions/${item.id}/payments`, {
        apiKey,
        body: { amount_cents: item.balance_cents - 1, paid_on: '2026-11-22' },
      }),
    );
    expect(settled).toMatchObject({ status: 'paid', balance_cents: 1, difference_cents: -1 });
    expect(settled.settlement_note).toMatch(/within the rounding tolerance.*\$0\.01 short/);
    const detail = await json<Expected>(h.request('GET', `/v1/commissions/${item.id}`, { apiKey }));
    expect(detail).toMatchObject({ status: 'paid', difference_cents: -1 });
    const after = await json<{ data: Expected[]; totals: { count: number } }>(
      h.request('GET', `/v1/commissions/pending?policy_id=${item.policy_id}&limit=200`, { apiKey }),
    );
    expect(after.data.map((d) => d.id)).not.toContain(item.id);
    // The cent left over is settled, not outstanding: the whole balance left the dashboard's total.
    expect(await outstanding()).toBe(outstandingBefore - item.balance_cents);
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
  test('analytics: dashboard, leaderboard, trends, forecast and a producer against the peers', async () => {
    const { rows: ex } = await h.pool.query(
      `select effective_date::text as eff, agency_cents::int as agency, paid_cents::int as paid, producer_id, status, carrier_id
         from expected_commissions where tenant_id = $1`,
      [tenantId],
    );
    const sum = (rows: typeof ex, f: (r: (typeof ex)[number]) => boolean) =>
      rows.filter(f).reduce((s, r) => s + r.agency, 0);
    const dash = await json<{
      commission: {
        expected_mtd_cents: number;
        expected_ytd_cents: number;
        received_ytd_cents: number;
        outstanding_cents: number;
      };
      policies: { active: number };
      leaderboard: { rank: number; producer_id: string; commission_cents: number }[];
    }>(h.request('GET', `/v1/analytics/dashboard?as_of=2026-11-25`, { apiKey }));
    expect(dash.commission.expected_ytd_cents).toBe(
      sum(ex, (r) => r.eff >= '2026-01-01' && r.eff <= '2026-11-25'),
    );
    expect(dash.commission.expected_mtd_cents).toBe(
      sum(ex, (r) => r.eff >= '2026-11-01' && r.eff <= '2026-11-25'),
    );
    // The payments of the earlier test were made on 20 and 21 November.
    expect(dash.commission.received_ytd_cents).toBeGreaterThan(0);
    expect(dash.policies.active).toBeGreaterThan(0);
    const board = dash.leaderboard;
    expect(board[0]!.rank).toBe(1);
    for (let i = 1; i < board.length; i++) {
      expect(board[i]!.commission_cents).toBeLessThanOrEqual(board[i - 1]!.commission_cents);
      expect(board[i]!.rank).toBe(
        board[i]!.commission_cents === board[i - 1]!.commission_cents ? board[i - 1]!.rank : i + 1,
      );
    }
    const top = board[0]!;
    expect(top.commission_cents).toBe(
      sum(
        ex,
        (r) =>
          r.producer_id === top.producer_id &&
          r.status !== 'no_rule' &&
          r.eff >= '2026-01-01' &&
          r.eff <= '2026-11-25',
      ),
    );

    for (const by of ['month', 'carrier', 'line'] as const) {
      const trend = await json<{ data: { key: string; expected_cents: number; paid_cents: number }[] }>(
        h.request('GET', `/v1/analytics/trends?by=${by}&from=2025-11-01&to=2026-10-31`, { apiKey }),
      );
      const total = sum(ex, (r) => r.eff >= '2025-11-01' && r.eff <= '2026-10-31' && r.status !== 'no_rule');
      expect(
        trend.data.reduce((s, d) => s + d.expected_cents, 0),
        by,
      ).toBe(total);
      if (by === 'month')
        expect(trend.data.map((d) => d.key)).toEqual([...trend.data.map((d) => d.key)].sort());
    }

    const projection = await json<{ expected_commission_cents: number }>(
      h.request('GET', `/v1/commissions/projections?as_of=${asOf}`, { apiKey }),
    );
    const forecast = await json<{
      new_business_run_rate_cents: number;
      total_cents: number;
      data: { renewal_commission_cents: number; total_cents: number }[];
    }>(h.request('GET', `/v1/analytics/forecasts?as_of=${asOf}`, { apiKey }));
    expect(forecast.data).toHaveLength(12);
    expect(forecast.data.reduce((s, m) => s + m.renewal_commission_cents, 0)).toBe(
      projection.expected_commission_cents,
    );
    const { rows: nb } = await h.pool.query(
      `select coalesce(sum(agency_cents), 0)::int as t from expected_commissions where tenant_id = $1 and transaction_type = 'NEW'
          and status <> 'no_rule' and effective_date > ($2::date - interval '12 months') and effective_date <= $2`,
      [tenantId, asOf],
    );
    expect(forecast.new_business_run_rate_cents).toBe(Math.floor(nb[0].t / 12));
    expect(forecast.total_cents).toBe(
      projection.expected_commission_cents + 12 * forecast.new_business_run_rate_cents,
    );

    const performance = await json<{
      agent: { commission_cents: number; share_cents: number };
      rank: number;
      of: number;
      from: string;
      monthly: { month: string; from: string; to: string; commission_cents: number; share_cents: number }[];
    }>(h.request('GET', `/v1/agents/${top.producer_id}/performance?as_of=${asOf}`, { apiKey }));
    // The twelve months to 1 November 2026 run from 2 November 2025: thirteen calendar months, the
    // first and last partial, adding up to the agent's totals.
    expect(performance.from).toBe('2025-11-02');
    expect(performance.monthly.map((m) => [m.month, m.from, m.to])[0]).toEqual([
      '2025-11',
      '2025-11-02',
      '2025-11-30',
    ]);
    expect(performance.monthly.at(-1)).toMatchObject({
      month: '2026-11',
      from: '2026-11-01',
      to: '2026-11-01',
    });
    expect(performance.monthly).toHaveLength(13);
    expect(performance.monthly.reduce((s, m) => s + m.commission_cents, 0)).toBe(
      performance.agent.commission_cents,
    );
    expect(performance.monthly.reduce((s, m) => s + m.share_cents, 0)).toBe(performance.agent.share_cents);
    // Rank over the last twelve months: one more than the producers who earned more in that window.
    const window = (r: (typeof ex)[number]) =>
      r.status !== 'no_rule' && r.eff > '2025-11-01' && r.eff <= asOf;
    const byProducer = new Map<string, number>();
    for (const r of ex.filter(window))
      byProducer.set(r.producer_id, (byProducer.get(r.producer_id) ?? 0) + r.agency);
    const mine = byProducer.get(top.producer_id) ?? 0;
    expect(performance.agent.commission_cents).toBe(mine);
    expect(performance.rank).toBe(1 + [...byProducer].filter(([id, v]) => id !== null && v > mine).length);
    const comparison = await json<{
      peers: number;
      agent: { commission_cents: number };
      metrics: Record<
        string,
        { value: number | null; percentile: number | null; peer_median: number | null }
      >;
    }>(h.request('GET', `/v1/analytics/comparisons?agent_id=${top.producer_id}&as_of=${asOf}`, { apiKey }));
    expect(comparison.peers).toBe(performance.of - 1);
    expect(comparison.metrics.commission_cents!.value).toBe(performance.agent.commission_cents);
    const peers = [...byProducer].filter(([id]) => id !== null && id !== top.producer_id).map(([, v]) => v);
    const zeroPeers = comparison.peers - peers.length; // producers with no business in the window
    expect(comparison.metrics.commission_cents!.percentile).toBe(
      Math.round(
        ((peers.filter((v) => v < mine).length + (mine > 0 ? zeroPeers : 0)) / comparison.peers) * 100,
      ),
    );
    const unknown = await h.request('GET', '/v1/agents/00000000-0000-4000-8000-000000000000/performance', {
      apiKey,
    });
    expect(unknown.status).toBe(404);
  });

  test('the policy revenue ledger exports as CSV and XLSX with carrier subtotals that add up', async () => {
    const { parse } = await import('csv-parse/sync');
    const ExcelJS = (await import('exceljs')).default;
    const res = await h.request('GET', '/v1/exports/ledger?from=2025-01-01&to=2026-10-31&format=csv', {
      apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const table = parse(await res.text()) as string[][];
    const cents = (v: string) => Math.round(Number(v) * 100);
    const rows = table.slice(1).filter((r) => !r[0]!.startsWith('Subtotal') && r[0] !== 'Grand total');
    const { rows: count } = await h.pool.query(
      `select count(*)::int as n, coalesce(sum(agency_cents), 0)::int as total from expected_commissions
        where tenant_id = $1 and effective_date between '2025-01-01' and '2026-10-31'`,
      [tenantId],
    );
    expect(rows).toHaveLength(count[0].n);
    const grand = table.at(-1)!;
    expect(grand[0]).toBe('Grand total');
    expect(cents(grand[9]!)).toBe(count[0].total);
    // Each subtotal is the sum of the rows of its carrier above it.
    let running = 0;
    let subtotals = 0;
    for (const r of table.slice(1, -1)) {
      if (r[0]!.startsWith('Subtotal')) {
        expect(cents(r[9]!), r[0]).toBe(running);
        running = 0;
        subtotals++;
      } else running += cents(r[9]!);
    }
    expect(subtotals).toBe(new Set(rows.map((r) => r[0])).size);

    const xlsx = await h.request('GET', '/v1/exports/ledger?from=2025-01-01&to=2026-10-31&format=xlsx', {
      apiKey,
    });
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    const sheet = book.worksheets[0]!;
    expect(sheet.rowCount).toBe(table.length);
    const last = sheet.getRow(sheet.rowCount);
    expect(last.getCell(1).value).toBe('Grand total');
    expect(Math.round(Number(last.getCell(10).value) * 100)).toBe(count[0].total);
  });
});
