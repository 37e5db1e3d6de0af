// What the ledger export reads: a month's expected commissions per carrier with their producer
// of record and producer splits, and the tenant's chart of accounts. Accrual basis: an expected
// commission belongs to the month of its transaction's effective date. Transactions without a
// rule (nothing expected) and without a carrier (nobody to owe it) are left out.
import {
  type AccountRole,
  type ChartOfAccounts,
  type CommissionAccrual,
  chartWith,
  type LedgerAccount,
  periodBounds,
} from '../domain/accounting/journal.ts';
import type { Queryable } from './pool.ts';

export async function loadCommissionAccruals(
  db: Queryable,
  tenantId: string,
  period: string,
): Promise<CommissionAccrual[]> {
  const { first, last } = periodBounds(period);
  const { rows } = await db.query<{
    carrier_id: string;
    carrier_name: string;
    producer_id: string | null;
    producer_name: string | null;
    agency_cents: number;
    splits: { producerId: string; cents: number }[];
  }>(
    `select e.carrier_id, c.name as carrier_name, e.producer_id, p.name as producer_name, e.agency_cents, e.splits
       from expected_commissions e
       join carriers c on c.id = e.carrier_id
       left join producers p on p.id = e.producer_id
      where e.tenant_id = $1 and e.effective_date between $2::date and $3::date
        and e.status not in ('no_rule', 'written_off')
      order by e.carrier_id, e.transaction_id`,
    [tenantId, first, last],
  );
  const splitIds = [...new Set(rows.flatMap((r) => r.splits.map((s) => s.producerId)))];
  const { rows: names } = await db.query<{ id: string; name: string }>(
    'select id, name from producers where tenant_id = $1 and id = any($2::uuid[])',
    [tenantId, splitIds],
  );
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return rows.map((r) => ({
    carrierId: r.carrier_id,
    carrierName: r.carrier_name,
    producerId: r.producer_id,
    producerName: r.producer_name,
    agencyCents: Number(r.agency_cents),
    splits: r.splits.map((s) => ({
      producerId: s.producerId,
      producerName: nameOf.get(s.producerId) ?? null,
      cents: Number(s.cents),
    })),
  }));
}

/** The tenant's chart: the defaults with whatever `settings.accounting.accounts` renames or renumbers. */
export async function loadChartOfAccounts(db: Queryable, tenantId: string): Promise<ChartOfAccounts> {
  const { rows } = await db.query<{ settings: Record<string, unknown> | null }>(
    'select settings from tenants where id = $1',
    [tenantId],
  );
  const accounting = (rows[0]?.settings?.accounting ?? {}) as {
    accounts?: Partial<Record<AccountRole, Partial<LedgerAccount>>>;
  };
  return chartWith(accounting.accounts);
}
