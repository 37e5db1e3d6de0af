// The numbers an agency principal looks at: commission expected and received this month and year,
// the book in force, what is still owed, producers ranked, trends by month, carrier or line, and
// each producer against the rest of the agency. All sums are in integer cents, in SQL, over
// expected commissions (what the book should pay) and payments (what carriers did pay).
import type { Queryable } from './pool.ts';

const int = (v: unknown) => Number(v ?? 0);

export async function dashboard(db: Queryable, tenantId: string, asOf: string) {
  const { rows: money } = await db.query(
    `select
       coalesce(sum(agency_cents) filter (where effective_date >= date_trunc('month', $2::date) and effective_date <= $2), 0) as expected_mtd,
       coalesce(sum(agency_cents) filter (where effective_date >= date_trunc('year', $2::date) and effective_date <= $2), 0) as expected_ytd,
       coalesce(sum(agency_cents - paid_cents) filter (where status in ('open', 'partially_paid', 'missing') and agency_cents > 0), 0) as outstanding,
       count(*) filter (where status = 'missing') as missing,
       count(*) filter (where status = 'no_rule') as without_rule
     from expected_commissions where tenant_id = $1`,
    [tenantId, asOf],
  );
  const { rows: received } = await db.query(
    `select
       coalesce(sum(amount_cents) filter (where paid_on >= date_trunc('month', $2::date) and paid_on <= $2), 0) as mtd,
       coalesce(sum(amount_cents) filter (where paid_on >= date_trunc('year', $2::date) and paid_on <= $2), 0) as ytd
     from commission_payments where tenant_id = $1`,
    [tenantId, asOf],
  );
  const { rows: book } = await db.query(
    `select count(*) as active, coalesce(sum(term_premium_cents), 0) as premium
       from policies where tenant_id = $1 and deleted_at is null and status = 'active'
        and effective_date <= $2 and expiration_date > $2`,
    [tenantId, asOf],
  );
  const { rows: discrepancies } = await db.query(
    `select count(*) as n from statement_lines where tenant_id = $1 and cardinality(discrepancies) > 0 and decision is null`,
    [tenantId],
  );
  const leaderboard = await producerRanking(db, tenantId, `date_trunc('year', $2::date)::date`, asOf);
  const m = money[0];
  return {
    as_of: asOf,
    commission: {
      expected_mtd_cents: int(m.expected_mtd),
      expected_ytd_cents: int(m.expected_ytd),
      received_mtd_cents: int(received[0].mtd),
      received_ytd_cents: int(received[0].ytd),
      outstanding_cents: int(m.outstanding),
      missing_count: int(m.missing),
      without_rule_count: int(m.without_rule),
    },
    policies: { active: int(book[0].active), premium_in_force_cents: int(book[0].premium) },
    open_discrepancies: int(discrepancies[0].n),
    leaderboard,
  };
}

export interface ProducerRank {
  rank: number;
  producer_id: string;
  name: string;
  commission_cents: number;
  share_cents: number;
  new_policies: number;
  premium_cents: number;
}

/**
 * Producers by the agency commission on the business they wrote since `fromSql` (an SQL date
 * expression over $2 = asOf), with the share their split plans pay them. Ties share a rank.
 */
async function producerRanking(
  db: Queryable,
  tenantId: string,
  fromSql: string,
  asOf: string,
): Promise<ProducerRank[]> {
  const { rows } = await db.query(
    `with window_rows as (
       select e.* from expected_commissions e
        where e.tenant_id = $1 and e.effective_date >= ${fromSql} and e.effective_date <= $2 and e.status <> 'no_rule'
     ), shares as (
       select (s ->> 'producerId')::uuid as producer_id, sum((s ->> 'cents')::bigint) as cents
         from window_rows, jsonb_array_elements(splits) s group by 1
     ), written as (
       select producer_id, sum(agency_cents) as commission, sum(basis_cents) filter (where transaction_type in ('NEW', 'RWL')) as premium,
              count(*) filter (where transaction_type = 'NEW') as new_policies
         from window_rows group by producer_id
     )
     select p.id, p.name, coalesce(w.commission, 0) as commission, coalesce(sh.cents, 0) as share,
            coalesce(w.new_policies, 0) as new_policies, coalesce(w.premium, 0) as premium,
            rank() over (order by coalesce(w.commission, 0) desc) as rank
       from producers p
       left join written w on w.producer_id = p.id
       left join shares sh on sh.producer_id = p.id
      where p.tenant_id = $1 and p.deleted_at is null
      order by rank, p.name`,
    [tenantId, asOf],
  );
  return rows.map((r) => ({
    rank: int(r.rank),
    producer_id: r.id,
    name: r.name,
    commission_cents: int(r.commission),
    share_cents: int(r.share),
    new_policies: int(r.new_policies),
    premium_cents: int(r.premium),
  }));
}

export type TrendDimension = 'month' | 'carrier' | 'line';

const trendKey: Record<TrendDimension, string> = {
  month: `to_char(e.effective_date, 'YYYY-MM')`,
  carrier: `coalesce(c.name, '(no carrier)')`,
  line: `coalesce(p.line_of_business, '(no line)')`,
};

export async function trends(
  db: Queryable,
  tenantId: string,
  options: { by: TrendDimension; from: string; to: string },
) {
  const { rows } = await db.query(
    `select ${trendKey[options.by]} as key, count(*) as transactions,
            coalesce(sum(e.basis_cents) filter (where e.transaction_type in ('NEW', 'RWL')), 0) as premium,
            coalesce(sum(e.agency_cents), 0) as expected, coalesce(sum(e.paid_cents), 0) as paid,
            coalesce(sum(e.agency_cents - e.paid_cents) filter (where e.status in ('open', 'partially_paid', 'missing')), 0) as outstanding,
            count(*) filter (where e.transaction_type = 'NEW') as new_business, count(*) filter (where e.transaction_type = 'RWL') as renewals
       from expected_commissions e
       join policies p on p.id = e.policy_id
       left join carriers c on c.id = e.carrier_id
      where e.tenant_id = $1 and e.effective_date between $2 and $3 and e.status <> 'no_rule'
      group by 1 order by ${options.by === 'month' ? '1' : 'expected desc, 1'}`,
    [tenantId, options.from, options.to],
  );
  return rows.map((r) => ({
    key: r.key as string,
    transactions: int(r.transactions),
    new_business: int(r.new_business),
    renewals: int(r.renewals),
    premium_cents: int(r.premium),
    expected_cents: int(r.expected),
    paid_cents: int(r.paid),
    outstanding_cents: int(r.outstanding),
  }));
}

/** Average monthly new-business commission over the twelve months before asOf. */
export async function newBusinessRunRate(db: Queryable, tenantId: string, asOf: string): Promise<number> {
  const { rows } = await db.query(
    `select coalesce(sum(agency_cents), 0) as total from expected_commissions
      where tenant_id = $1 and transaction_type = 'NEW' and status <> 'no_rule'
        and effective_date > ($2::date - interval '12 months') and effective_date <= $2`,
    [tenantId, asOf],
  );
  // Integer cents: the remainder of the division is dropped (half-even would differ by < 1 cent a month).
  return Math.floor(int(rows[0].total) / 12);
}

export interface ProducerMetrics {
  producer_id: string;
  name: string;
  commission_cents: number;
  share_cents: number;
  new_policies: number;
  premium_cents: number;
  /** Renewed terms ÷ terms that expired in the window; null when none expired. */
  retention_rate: number | null;
}

/**
 * The first day of the twelve months that end on asOf (an SQL date over $n = asOf): 8 December
 * 2025 for 7 December 2026, as the forecast's run rate counts them.
 */
const twelveMonthsFrom = (asOf: string) => `((${asOf}::date - interval '12 months')::date + 1)`;

/** Every producer's last-twelve-months metrics (the peer group of a comparison). */
export async function producerMetrics(
  db: Queryable,
  tenantId: string,
  asOf: string,
): Promise<ProducerMetrics[]> {
  const ranking = await producerRanking(db, tenantId, twelveMonthsFrom('$2'), asOf);
  const { rows: retention } = await db.query(
    `select t.producer_id, count(*) as expired, count(*) filter (where exists (
              select 1 from policies n where n.prior_policy_id = t.id and n.deleted_at is null)) as renewed
       from policies t
      where t.tenant_id = $1 and t.deleted_at is null and t.expiration_date > ($2::date - interval '12 months') and t.expiration_date <= $2
      group by t.producer_id`,
    [tenantId, asOf],
  );
  const retained = new Map(retention.map((r) => [r.producer_id as string, r]));
  return ranking.map((r) => {
    const ret = retained.get(r.producer_id);
    return {
      producer_id: r.producer_id,
      name: r.name,
      commission_cents: r.commission_cents,
      share_cents: r.share_cents,
      new_policies: r.new_policies,
      premium_cents: r.premium_cents,
      retention_rate:
        ret && int(ret.expired) > 0 ? Number((int(ret.renewed) / int(ret.expired)).toFixed(4)) : null,
    };
  });
}

/** Where a value sits among its peers: the share of peers strictly below it, 0–100. */
export function percentileRank(value: number, peers: number[]): number | null {
  if (!peers.length) return null;
  return Math.round((peers.filter((p) => p < value).length / peers.length) * 100);
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A producer's twelve months to asOf, calendar month by calendar month: the first and last months
 * are partial (8–31 December 2025 and 1–7 December 2026 for 7 December 2026), so every day the
 * metrics count is in exactly one month and the months add up to them.
 */
export async function monthlySeries(db: Queryable, tenantId: string, producerId: string, asOf: string) {
  const { rows } = await db.query(
    `with bounds as (select ${twelveMonthsFrom('$3')} as first_day, $3::date as last_day),
     months as (
       select to_char(m, 'YYYY-MM') as month, greatest(m::date, b.first_day) as from_day,
              least((m + interval '1 month')::date - 1, b.last_day) as to_day
         from bounds b, generate_series(date_trunc('month', b.first_day::timestamp), b.last_day::timestamp, interval '1 month') m
     )
     select m.month, m.from_day::text as from_day, m.to_day::text as to_day,
            coalesce((select sum(agency_cents) from expected_commissions e where e.tenant_id = $1 and e.producer_id = $2
                         and e.status <> 'no_rule' and e.effective_date between m.from_day and m.to_day), 0) as commission,
            coalesce((select sum((s ->> 'cents')::bigint) from expected_commissions e, jsonb_array_elements(e.splits) s
                       where e.tenant_id = $1 and s ->> 'producerId' = $2::text and e.status <> 'no_rule'
                         and e.effective_date between m.from_day and m.to_day), 0) as share
       from months m
      order by m.month`,
    [tenantId, producerId, asOf],
  );
  return rows.map((r) => ({
    month: r.month as string,
    from: r.from_day as string,
    to: r.to_day as string,
    commission_cents: int(r.commission),
    share_cents: int(r.share),
  }));
}
