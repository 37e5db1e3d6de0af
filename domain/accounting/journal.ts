// Commission income as journal entries: one entry per carrier per month, in exact cents. The
// carrier's commissions for the month are a receivable (debit) and income (credit, one line per
// producer of record, so the ledger shows whose book earned it); each producer's split is an
// expense owed to them (debit expense, credit payable, one pair per producer). Every entry
// balances by construction; a month whose net is a chargeback flips the sides, because ledgers
// take no negative line amounts. The DocNumber is stable for a carrier and month, which is what
// makes posting idempotent: a rerun finds the entry and updates it instead of adding another.
import { csvField } from '../csv.ts';
import { formatCents } from '../money.ts';

export const accountRoles = [
  'commissionsReceivable',
  'commissionIncome',
  'producerExpense',
  'producerPayable',
] as const;
export type AccountRole = (typeof accountRoles)[number];

export interface LedgerAccount {
  /** The account number (Xero's AccountCode, QuickBooks' AcctNum). */
  code: string;
  name: string;
  /** QuickBooks' AccountType and AccountSubType, used only when the account must be created. */
  type: string;
  subType: string;
}

export type ChartOfAccounts = Record<AccountRole, LedgerAccount>;

/** The accounts an insurance agency's books usually carry; a tenant may rename or renumber them. */
export const defaultChart: ChartOfAccounts = {
  commissionsReceivable: {
    code: '1150',
    name: 'Commissions Receivable',
    type: 'Other Current Asset',
    subType: 'OtherCurrentAssets',
  },
  commissionIncome: { code: '4000', name: 'Commission Income', type: 'Income', subType: 'ServiceFeeIncome' },
  producerExpense: {
    code: '5000',
    name: 'Producer Commission Expense',
    type: 'Expense',
    subType: 'OtherMiscellaneousServiceCost',
  },
  producerPayable: {
    code: '2150',
    name: 'Producer Commissions Payable',
    type: 'Other Current Liability',
    subType: 'OtherCurrentLiabilities',
  },
};

export function chartWith(
  overrides: Partial<Record<AccountRole, Partial<LedgerAccount>>> = {},
): ChartOfAccounts {
  const out = { ...defaultChart };
  for (const role of accountRoles) out[role] = { ...defaultChart[role], ...(overrides[role] ?? {}) };
  return out;
}

/** One expected commission of the month, as the journal needs it. */
export interface CommissionAccrual {
  carrierId: string;
  carrierName: string;
  /** The producer of record (null: a house account). */
  producerId: string | null;
  producerName: string | null;
  agencyCents: number;
  splits: { producerId: string; producerName: string | null; cents: number }[];
}

export interface JournalLine {
  postingType: 'Debit' | 'Credit';
  account: AccountRole;
  amountCents: number;
  description: string;
  producerId: string | null;
  producerName: string | null;
}

export interface JournalEntry {
  docNumber: string;
  period: string;
  /** The last day of the period: accrual at month end. */
  txnDate: string;
  carrierId: string;
  carrierName: string;
  memo: string;
  lines: JournalLine[];
  debitCents: number;
  creditCents: number;
}

const periodPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: string): boolean {
  return periodPattern.test(value);
}

/** The first and last day of a period (YYYY-MM). */
export function periodBounds(period: string): { first: string; last: string } {
  const m = periodPattern.exec(period);
  if (!m) throw new Error(`not a period (YYYY-MM): ${period}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { first: `${period}-01`, last: `${period}-${String(lastDay).padStart(2, '0')}` };
}

/** The month before the one containing `isoDate` (what a monthly close posts). */
export function previousPeriod(isoDate: string): string {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/**
 * A carrier's part of the DocNumber: up to six letters of its name and three hex digits of its
 * id, so it stays the same for the carrier forever (QuickBooks allows 21 characters:
 * `CH-2026-10-TRAVEL-3fa`). Two carriers colliding on both is refused, never merged.
 */
export function carrierDocCode(carrierName: string, carrierId: string): string {
  const letters =
    carrierName
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 6) || 'CARR';
  return `${letters}-${carrierId.replace(/-/g, '').slice(0, 3).toLowerCase()}`;
}

/** Every DocNumber of a month's journal starts so: the month's entries are the hub's by it. */
export const docNumberPrefix = (period: string) => `CH-${period}-`;

export function docNumberFor(period: string, carrierName: string, carrierId: string): string {
  return `${docNumberPrefix(period)}${carrierDocCode(carrierName, carrierId)}`;
}

/** A signed net as a line on the side its sign says. */
function line(
  sideWhenPositive: 'Debit' | 'Credit',
  account: AccountRole,
  net: number,
  description: string,
  producer: { id: string | null; name: string | null } = { id: null, name: null },
): JournalLine | null {
  if (net === 0) return null;
  const flipped = sideWhenPositive === 'Debit' ? 'Credit' : 'Debit';
  return {
    postingType: net > 0 ? sideWhenPositive : flipped,
    account,
    amountCents: Math.abs(net),
    description,
    producerId: producer.id,
    producerName: producer.name,
  };
}

function add(
  map: Map<string, { name: string | null; cents: number }>,
  key: string,
  name: string | null,
  cents: number,
) {
  const current = map.get(key) ?? { name, cents: 0 };
  current.cents += cents;
  map.set(key, current);
}

const HOUSE = '';

export function buildJournal(period: string, accruals: readonly CommissionAccrual[]): JournalEntry[] {
  const { last } = periodBounds(period);
  const byCarrier = new Map<string, CommissionAccrual[]>();
  for (const a of accruals) byCarrier.set(a.carrierId, [...(byCarrier.get(a.carrierId) ?? []), a]);
  const entries: JournalEntry[] = [];
  const seen = new Map<string, string>();
  for (const [carrierId, rows] of byCarrier) {
    const carrierName = rows[0]!.carrierName;
    const docNumber = docNumberFor(period, carrierName, carrierId);
    const clash = seen.get(docNumber);
    if (clash) throw new Error(`carriers ${clash} and ${carrierId} would share DocNumber ${docNumber}`);
    seen.set(docNumber, carrierId);

    let gross = 0;
    const income = new Map<string, { name: string | null; cents: number }>();
    const shares = new Map<string, { name: string | null; cents: number }>();
    for (const r of rows) {
      if (!Number.isSafeInteger(r.agencyCents))
        throw new Error(`agency cents must be an integer: ${r.agencyCents}`);
      gross += r.agencyCents;
      add(income, r.producerId ?? HOUSE, r.producerName, r.agencyCents);
      for (const s of r.splits) {
        if (!Number.isSafeInteger(s.cents)) throw new Error(`split cents must be an integer: ${s.cents}`);
        add(shares, s.producerId, s.producerName, s.cents);
      }
    }
    // Producers by name, house accounts last: the order a bookkeeper reads them in.
    const sorted = (m: Map<string, { name: string | null; cents: number }>) =>
      [...m].sort(
        ([a, x], [b, y]) =>
          Number(a === HOUSE) - Number(b === HOUSE) ||
          (x.name ?? '').localeCompare(y.name ?? '') ||
          a.localeCompare(b),
      );
    const lines: (JournalLine | null)[] = [
      line('Debit', 'commissionsReceivable', gross, `Commissions receivable from ${carrierName}, ${period}`),
    ];
    for (const [producerId, p] of sorted(income)) {
      const who = producerId === HOUSE ? 'house accounts' : (p.name ?? 'producer');
      lines.push(
        line('Credit', 'commissionIncome', p.cents, `Commission income from ${carrierName}: ${who}`, {
          id: producerId === HOUSE ? null : producerId,
          name: producerId === HOUSE ? null : p.name,
        }),
      );
    }
    for (const [producerId, p] of sorted(shares)) {
      const who = { id: producerId, name: p.name };
      const name = p.name ?? 'producer';
      lines.push(
        line('Debit', 'producerExpense', p.cents, `Producer commission on ${carrierName}: ${name}`, who),
      );
      lines.push(line('Credit', 'producerPayable', p.cents, `Producer commission owed: ${name}`, who));
    }
    const kept = lines.filter((l): l is JournalLine => l !== null);
    if (!kept.length) continue;
    const debitCents = kept.filter((l) => l.postingType === 'Debit').reduce((s, l) => s + l.amountCents, 0);
    const creditCents = kept.filter((l) => l.postingType === 'Credit').reduce((s, l) => s + l.amountCents, 0);
    if (debitCents !== creditCents) throw new Error(`entry ${docNumber} does not balance`); // cannot happen
    entries.push({
      docNumber,
      period,
      txnDate: last,
      carrierId,
      carrierName,
      memo: `${docNumber}: commission income from ${carrierName} for ${period} (Commission Hub)`,
      lines: kept,
      debitCents,
      creditCents,
    });
  }
  return entries.sort((a, b) => a.docNumber.localeCompare(b.docNumber));
}

/**
 * Xero's manual journal import columns: a journal is the lines sharing a Narration and Date,
 * debits positive and credits negative. Dates are ISO (YYYY-MM-DD), which Xero's importer takes
 * unambiguously; tax is "Tax Exempt" since commission journals carry no sales tax.
 */
export const xeroColumns = [
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
] as const;

export function journalCsv(entries: readonly JournalEntry[], chart: ChartOfAccounts): string {
  const rows: string[][] = [[...xeroColumns]];
  for (const e of entries) {
    for (const l of e.lines) {
      const signed = l.postingType === 'Debit' ? l.amountCents : -l.amountCents;
      rows.push([
        e.memo,
        e.txnDate,
        l.description,
        chart[l.account].code,
        'Tax Exempt',
        formatCents(signed),
        'Carrier',
        e.carrierName,
        l.producerName ? 'Producer' : '',
        l.producerName ?? '',
      ]);
    }
  }
  return `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}
