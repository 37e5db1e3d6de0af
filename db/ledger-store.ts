// The policy revenue ledger: every policy transaction's expected commission, what was paid and
// what is still owed, grouped by carrier with a subtotal after each carrier and a grand total —
// the spreadsheet agencies keep by hand today, exported as CSV or XLSX. The agency's broker fee
// on each transaction is its own column, last so the columns before it keep their places: it is
// agency revenue, but not commission (unless a schedule line makes it commissionable).
import ExcelJS from 'exceljs';
import { csvField } from '../domain/csv.ts';
import { formatCents } from '../domain/money.ts';
import type { Queryable } from './pool.ts';

export interface LedgerRow {
  carrier: string;
  policyNumber: string;
  insured: string;
  producer: string;
  lineOfBusiness: string;
  transactionType: string;
  effectiveDate: string;
  premiumCents: number;
  rate: string;
  expectedCents: number;
  paidCents: number;
  balanceCents: number;
  status: string;
  brokerFeeCents: number;
}

export async function loadLedger(
  db: Queryable,
  tenantId: string,
  from: string,
  to: string,
): Promise<LedgerRow[]> {
  const { rows } = await db.query(
    `select coalesce(c.name, '(no carrier)') as carrier, p.policy_number, coalesce(cl.display_name, '') as insured,
            coalesce(pr.name, '') as producer, coalesce(p.line_of_business, '') as lob, e.transaction_type,
            e.effective_date::text as eff, e.basis_cents, coalesce(e.rate, '') as rate, e.agency_cents, e.paid_cents, e.status,
            coalesce(t.broker_fee_cents, 0) as broker_fee_cents
       from expected_commissions e
       join policies p on p.id = e.policy_id
       left join policy_transactions t on t.id = e.transaction_id
       left join carriers c on c.id = e.carrier_id
       left join clients cl on cl.id = p.client_id
       left join producers pr on pr.id = e.producer_id
      where e.tenant_id = $1 and e.effective_date between $2 and $3
      order by 1, e.effective_date, p.policy_number, e.id`,
    [tenantId, from, to],
  );
  return rows.map((r) => ({
    carrier: r.carrier,
    policyNumber: r.policy_number,
    insured: r.insured,
    producer: r.producer,
    lineOfBusiness: r.lob,
    transactionType: r.transaction_type,
    effectiveDate: r.eff,
    premiumCents: Number(r.basis_cents),
    rate: r.rate,
    expectedCents: Number(r.agency_cents),
    paidCents: Number(r.paid_cents),
    balanceCents: Number(r.agency_cents) - Number(r.paid_cents),
    status: r.status,
    brokerFeeCents: Number(r.broker_fee_cents),
  }));
}

const header = [
  'Carrier',
  'Policy Number',
  'Insured',
  'Producer',
  'Line of Business',
  'Transaction',
  'Effective Date',
  'Premium',
  'Rate %',
  'Expected Commission',
  'Paid',
  'Balance',
  'Status',
  'Broker Fee',
];

type Totals = Pick<
  LedgerRow,
  'premiumCents' | 'expectedCents' | 'paidCents' | 'balanceCents' | 'brokerFeeCents'
>;
const zero = (): Totals => ({
  premiumCents: 0,
  expectedCents: 0,
  paidCents: 0,
  balanceCents: 0,
  brokerFeeCents: 0,
});
const addTo = (t: Totals, r: Totals) => {
  t.premiumCents += r.premiumCents;
  t.expectedCents += r.expectedCents;
  t.paidCents += r.paidCents;
  t.balanceCents += r.balanceCents;
  t.brokerFeeCents += r.brokerFeeCents;
};

/** Rows as printed: each carrier's transactions, then its subtotal; the grand total last. */
export function ledgerLines(
  rows: readonly LedgerRow[],
): { kind: 'row' | 'subtotal' | 'total'; cells: string[] }[] {
  const out: { kind: 'row' | 'subtotal' | 'total'; cells: string[] }[] = [];
  const money = (t: Totals) => [
    formatCents(t.premiumCents),
    '',
    formatCents(t.expectedCents),
    formatCents(t.paidCents),
    formatCents(t.balanceCents),
  ];
  const grand = zero();
  let carrier: string | null = null;
  let sub = zero();
  let count = 0;
  const closeCarrier = () => {
    if (carrier === null) return;
    const [premium, , expected, paid, balance] = money(sub);
    out.push({
      kind: 'subtotal',
      cells: [
        `Subtotal ${carrier}`,
        `${count} transactions`,
        '',
        '',
        '',
        '',
        '',
        premium!,
        '',
        expected!,
        paid!,
        balance!,
        '',
        formatCents(sub.brokerFeeCents),
      ],
    });
  };
  for (const r of rows) {
    if (r.carrier !== carrier) {
      closeCarrier();
      carrier = r.carrier;
      sub = zero();
      count = 0;
    }
    addTo(sub, r);
    addTo(grand, r);
    count++;
    out.push({
      kind: 'row',
      cells: [
        r.carrier,
        r.policyNumber,
        r.insured,
        r.producer,
        r.lineOfBusiness,
        r.transactionType,
        r.effectiveDate,
        formatCents(r.premiumCents),
        r.rate,
        formatCents(r.expectedCents),
        formatCents(r.paidCents),
        formatCents(r.balanceCents),
        r.status,
        formatCents(r.brokerFeeCents),
      ],
    });
  }
  closeCarrier();
  const [premium, , expected, paid, balance] = money(grand);
  out.push({
    kind: 'total',
    cells: [
      'Grand total',
      `${rows.length} transactions`,
      '',
      '',
      '',
      '',
      '',
      premium!,
      '',
      expected!,
      paid!,
      balance!,
      '',
      formatCents(grand.brokerFeeCents),
    ],
  });
  return out;
}

export function ledgerCsv(rows: readonly LedgerRow[]): string {
  return (
    [header, ...ledgerLines(rows).map((l) => l.cells)]
      .map((cells) => cells.map(csvField).join(','))
      .join('\r\n') + '\r\n'
  );
}

export async function ledgerXlsx(rows: readonly LedgerRow[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Policy revenue ledger', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(header).font = { bold: true };
  const moneyColumns = new Set([8, 10, 11, 12, 14]);
  for (const line of ledgerLines(rows)) {
    // Money cells are numbers in dollars with two decimals: exact for any cent amount a spreadsheet shows.
    const row = sheet.addRow(line.cells.map((v, i) => (moneyColumns.has(i + 1) && v !== '' ? Number(v) : v)));
    if (line.kind !== 'row') row.font = { bold: true };
  }
  for (const col of moneyColumns) sheet.getColumn(col).numFmt = '#,##0.00';
  sheet.columns.forEach((c) => {
    c.width = 16;
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}
