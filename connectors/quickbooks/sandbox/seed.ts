// Projects the demo agency into a QuickBooks Online company the way an agency's books look:
// a chart of accounts for an agency (operating bank, premium trust, commission income,
// receivables and payables), carriers as vendors (with the agency code each carrier assigned
// in AcctNum), the agency-billed clients as customers, their premium invoices and payments,
// one deposit per carrier and month for the direct-bill commission the carrier paid (the
// statement lines reconciliation will match), and a journal entry per carrier and month for
// the commission retained on agency-billed premiums. Bookkeepers keep these by hand, so unless
// `clean` a few records disagree or are plainly malformed.

import { decimalToCents, formatCents, Money, parseMoneyToCents } from '../../../domain/money.ts';
import {
  addDays,
  addMonths,
  type DemoAgency,
  type DemoPolicy,
  generateAgency,
} from '../../kit/demo-agency.ts';
import { bookFor } from '../../kit/demo-book.ts';
import { Random } from '../../kit/random.ts';
import type { EntityName, QboObject, QuickBooksRealm } from './realm.ts';

export interface QuickBooksSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
  /** Leave out the deliberate disagreements and malformed records. */
  clean?: boolean;
  /** Months of carrier commission deposits to keep (default 24). */
  depositMonths?: number;
}

const usd = { value: 'USD', name: 'United States Dollar' };

const chart = [
  ['operating', 'Operating Account', 'Bank', 'Checking', 'Asset', '1010'],
  ['trust', 'Premium Trust Account', 'Bank', 'TrustAccounts', 'Asset', '1020'],
  ['undeposited', 'Undeposited Funds', 'Other Current Asset', 'UndepositedFunds', 'Asset', '1030'],
  ['receivable', 'Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable', 'Asset', '1100'],
  [
    'commissionsReceivable',
    'Commissions Receivable',
    'Other Current Asset',
    'OtherCurrentAssets',
    'Asset',
    '1150',
  ],
  ['payable', 'Accounts Payable (A/P)', 'Accounts Payable', 'AccountsPayable', 'Liability', '2000'],
  [
    'premiumsPayable',
    'Premiums Payable to Carriers',
    'Other Current Liability',
    'OtherCurrentLiabilities',
    'Liability',
    '2100',
  ],
  [
    'producerPayable',
    'Producer Commissions Payable',
    'Other Current Liability',
    'OtherCurrentLiabilities',
    'Liability',
    '2150',
  ],
  ['commissionIncome', 'Commission Income', 'Income', 'ServiceFeeIncome', 'Revenue', '4000'],
  ['contingentIncome', 'Contingent Commission Income', 'Income', 'OtherPrimaryIncome', 'Revenue', '4010'],
  [
    'producerExpense',
    'Producer Commission Expense',
    'Expense',
    'OtherMiscellaneousServiceCost',
    'Expense',
    '5000',
  ],
  ['rent', 'Rent or Lease of Buildings', 'Expense', 'RentOrLeaseOfBuildings', 'Expense', '6100'],
  [
    'software',
    'Software & Subscriptions',
    'Expense',
    'OfficeGeneralAdministrativeExpenses',
    'Expense',
    '6200',
  ],
] as const;
type AccountRole = (typeof chart)[number][0];

/** The carrier's commission on a premium change, to the cent (half-even): cents × percent / 10,000 is dollars. */
export function commissionCents(premiumDeltaCents: number, ratePercent: string): number {
  return decimalToCents(new Money(premiumDeltaCents).times(ratePercent).dividedBy(10_000));
}

function rateFor(agency: DemoAgency, p: DemoPolicy): string {
  const carrier = agency.carriers.find((c) => c.key === p.carrierKey)!;
  return p.termNumber === 1 ? carrier.newRate : carrier.renewalRate;
}

const lastDayOfMonth = (month: string) => addDays(addMonths(`${month}-01`, 1), -1);

export function seedRealm(realm: QuickBooksRealm, opts: QuickBooksSeedOptions = {}): DemoAgency {
  const agency = generateAgency({ seed: opts.seed ?? 'demo', clients: opts.clients ?? 400, asOf: opts.asOf });
  const r = new Random(`${agency.seed}:quickbooks`);
  // Seeded history never lies in the sandbox's future, whatever `asOf` says.
  const ceiling = Date.now() - 60_000;
  const at = (date: string, hour = 15) =>
    Math.min(Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`), ceiling);
  const create = (entity: EntityName, body: QboObject, created: string, updated = created, hour = 15) =>
    realm.create(entity, body, {
      createdMs: at(created, hour),
      updatedMs: Math.max(at(created, hour), at(updated, hour)),
    });
  const opened = addDays(agency.asOf, -6 * 365);

  const account = new Map<AccountRole, { value: string; name: string }>();
  for (const [role, name, type, subType, classification, number] of chart) {
    const row = create(
      'Account',
      {
        Name: name,
        AcctNum: number,
        AccountType: type,
        AccountSubType: subType,
        Classification: classification,
        SubAccount: false,
        CurrentBalance: '0.00',
        CurrentBalanceWithSubAccounts: '0.00',
        CurrencyRef: usd,
        Active: true,
      },
      opened,
    );
    account.set(role, { value: row.id, name });
  }

  const vendorOf = new Map<string, { value: string; name: string }>();
  for (const carrier of agency.carriers) {
    const row = create(
      'Vendor',
      {
        DisplayName: carrier.name,
        CompanyName: carrier.name,
        PrintOnCheckName: carrier.name,
        Organization: true,
        AcctNum: `${carrier.key}-${r.digits(6)}`,
        Vendor1099: false,
        Balance: '0.00',
        PrimaryEmailAddr: { Address: `agency.commissions@${carrier.key.toLowerCase()}.example` },
        CurrencyRef: usd,
        Active: true,
      },
      opened,
      addDays(agency.asOf, -r.int(30, 900)),
    );
    vendorOf.set(carrier.key, { value: row.id, name: carrier.name });
  }
  // Suppliers that are not carriers: no agency code in AcctNum.
  for (const supplier of ['Riverside Office Properties', 'Intuit QuickBooks']) {
    create(
      'Vendor',
      { DisplayName: supplier, CompanyName: supplier, Organization: true, Balance: '0.00', CurrencyRef: usd },
      opened,
    );
  }
  if (!opts.clean) {
    const first = agency.carriers[0]!;
    create(
      'Vendor',
      {
        DisplayName: `${first.name} (old)`,
        CompanyName: first.name,
        AcctNum: `${first.key}-000000`,
        Organization: true,
        Active: false,
        CurrencyRef: usd,
      },
      opened,
      addDays(opened, 400),
    );
  }

  const slice = bookFor(agency, 'quickbooks');
  const customerOf = new Map<string, { value: string; name: string }>();
  const names = new Set<string>();
  for (const c of slice.clients) {
    let displayName = c.displayName;
    if (!opts.clean && r.chance(0.05)) {
      // Typed without the legal suffix: the accounting name disagrees with the AMS.
      const short = displayName.replace(/\s+(LLC|Inc\.|Co\.|Corp|Ltd)$/, '');
      if (!names.has(short.toLowerCase())) displayName = short;
    }
    if (names.has(displayName.toLowerCase())) displayName = `${displayName} (${c.key})`;
    names.add(displayName.toLowerCase());
    const email = !opts.clean && r.chance(0.04) ? 'n/a' : c.email;
    const row = create(
      'Customer',
      {
        DisplayName: displayName,
        CompanyName: c.companyName ?? undefined,
        GivenName: c.firstName ?? undefined,
        FamilyName: c.lastName ?? undefined,
        PrintOnCheckName: displayName,
        Organization: c.kind === 'business',
        AcctNum: c.key,
        PrimaryEmailAddr: { Address: email },
        PrimaryPhone: { FreeFormNumber: c.phone },
        BillAddr: {
          Line1: c.address.line1,
          City: c.address.city,
          CountrySubDivisionCode: c.address.state,
          PostalCode: c.address.postalCode,
          Country: 'USA',
        },
        Taxable: false,
        Job: false,
        BillWithParent: false,
        PreferredDeliveryMethod: 'Email',
        Balance: '0.00',
        BalanceWithJobs: '0.00',
        CurrencyRef: usd,
        Active: true,
      },
      c.since,
      c.since,
      10,
    );
    customerOf.set(c.key, { value: row.id, name: displayName });
  }

  seedPremiumBilling(realm, agency, slice.policies, {
    account,
    vendorOf,
    customerOf,
    create,
    r,
    clean: !!opts.clean,
  });
  seedCommissionDeposits(agency, {
    account,
    vendorOf,
    create,
    r,
    clean: !!opts.clean,
    months: opts.depositMonths ?? 24,
  });
  return agency;
}

interface SeedContext {
  account: Map<AccountRole, { value: string; name: string }>;
  vendorOf: Map<string, { value: string; name: string }>;
  create: (
    entity: EntityName,
    body: QboObject,
    created: string,
    updated?: string,
    hour?: number,
  ) => { id: string };
  r: Random;
  clean: boolean;
}

const typeLabel: Record<string, string> = {
  NEW: 'new business',
  RWL: 'renewal',
  END: 'endorsement',
  REI: 'reinstatement',
};

/**
 * Agency bill: the agency invoices the insured, collects into the premium trust account, and
 * keeps its commission; each month's retained commission per carrier is a journal entry.
 */
function seedPremiumBilling(
  realm: QuickBooksRealm,
  agency: DemoAgency,
  policies: DemoPolicy[],
  ctx: SeedContext & { customerOf: Map<string, { value: string; name: string }> },
): void {
  const { account, vendorOf, customerOf, create, r } = ctx;
  const horizon = addDays(agency.asOf, -3 * 365);
  const carrierName = new Map(agency.carriers.map((c) => [c.key, c.name]));
  const retained = new Map<string, number>(); // carrier|YYYY-MM → cents
  let docNumber = 1001;
  for (const p of policies) {
    const customer = customerOf.get(p.clientKey);
    if (!customer) continue;
    for (const t of p.transactions) {
      if (t.premiumDeltaCents <= 0 || !(t.type in typeLabel)) continue;
      if (t.effectiveDate < horizon || t.effectiveDate > agency.asOf) continue;
      const billed =
        addDays(t.effectiveDate, -10) < horizon ? t.effectiveDate : addDays(t.effectiveDate, -10);
      const amount = formatCents(t.premiumDeltaCents);
      const invoice = create(
        'Invoice',
        {
          DocNumber: String(docNumber++),
          TxnDate: billed,
          DueDate: t.effectiveDate,
          CustomerRef: customer,
          SalesTermRef: { value: '3', name: 'Net 30' },
          CustomerMemo: { value: `Policy ${p.policyNumber}` },
          PrivateNote: `${p.key} ${t.type}`,
          EmailStatus: 'EmailSent',
          CurrencyRef: usd,
          Line: [
            {
              Amount: amount,
              DetailType: 'SalesItemLineDetail',
              Description: `${carrierName.get(p.carrierKey)} ${p.lineOfBusiness} policy ${p.policyNumber}, ${typeLabel[t.type]} effective ${t.effectiveDate}`,
              SalesItemLineDetail: {
                ItemRef: { value: '1', name: 'Insurance Premium' },
                Qty: 1,
                UnitPrice: amount,
              },
            },
            { Amount: amount, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
          ],
        },
        billed,
      );
      const paidOn = addDays(billed, r.int(3, 35));
      const lapsed = !ctx.clean && r.chance(0.03);
      if (paidOn > agency.asOf || lapsed) continue;
      create(
        'Payment',
        {
          CustomerRef: customer,
          TotalAmt: amount,
          TxnDate: paidOn,
          PaymentRefNum: r.digits(5),
          DepositToAccountRef: account.get('trust')!,
          CurrencyRef: usd,
          Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoice.id, TxnType: 'Invoice' }] }],
        },
        paidOn,
      );
      const key = `${p.carrierKey}|${paidOn.slice(0, 7)}`;
      retained.set(key, (retained.get(key) ?? 0) + commissionCents(t.premiumDeltaCents, rateFor(agency, p)));
    }
  }

  for (const [key, cents] of [...retained].sort(([a], [b]) => a.localeCompare(b))) {
    const [carrierKey, month] = key.split('|') as [string, string];
    if (cents <= 0) continue;
    const vendor = vendorOf.get(carrierKey)!;
    const txnDate = [lastDayOfMonth(month), agency.asOf].sort()[0]!; // never after the agency's today
    const note = `Agency-bill commission retained: ${vendor.name} premiums collected ${month}`;
    const entity = { Type: 'Vendor', EntityRef: vendor };
    create(
      'JournalEntry',
      {
        DocNumber: `AB-${carrierKey}-${month.replace('-', '')}`,
        TxnDate: txnDate,
        PrivateNote: note,
        Adjustment: false,
        CurrencyRef: usd,
        Line: [
          {
            Amount: formatCents(cents),
            DetailType: 'JournalEntryLineDetail',
            Description: note,
            JournalEntryLineDetail: {
              PostingType: 'Debit',
              AccountRef: account.get('premiumsPayable')!,
              Entity: entity,
            },
          },
          {
            Amount: formatCents(cents),
            DetailType: 'JournalEntryLineDetail',
            Description: note,
            JournalEntryLineDetail: {
              PostingType: 'Credit',
              AccountRef: account.get('commissionIncome')!,
              Entity: entity,
            },
          },
        ],
      },
      txnDate,
      txnDate,
      18,
    );
  }
  // A customer's balance is what its invoices still have open.
  const open = new Map<string, number>();
  for (const row of realm.rows.Invoice.values()) {
    const customerId = (row.body.CustomerRef as { value: string }).value;
    open.set(customerId, (open.get(customerId) ?? 0) + (parseMoneyToCents(row.body.Balance) ?? 0));
  }
  for (const ref of customerOf.values()) {
    const customer = realm.rows.Customer.get(ref.value)!;
    customer.body.Balance = formatCents(open.get(ref.value) ?? 0);
    customer.body.BalanceWithJobs = customer.body.Balance;
  }
}

/**
 * Direct bill: each carrier pays the commission it owes for a month's transactions around the
 * 20th of the next month, by EFT into the operating account, with its statement reference in
 * the memo. A month whose chargebacks exceed its commission is carried into the next one.
 */
function seedCommissionDeposits(agency: DemoAgency, ctx: SeedContext & { months: number }): void {
  const { account, vendorOf, create, r } = ctx;
  const firstMonth = addMonths(agency.asOf, -ctx.months).slice(0, 7);
  const owed = new Map<string, number>(); // carrier|YYYY-MM → cents
  for (const p of agency.policies) {
    if (p.billMode !== 'direct') continue;
    for (const t of p.transactions) {
      const month = t.effectiveDate.slice(0, 7);
      if (month < firstMonth || t.effectiveDate > agency.asOf) continue;
      const key = `${p.carrierKey}|${month}`;
      owed.set(key, (owed.get(key) ?? 0) + commissionCents(t.premiumDeltaCents, rateFor(agency, p)));
    }
  }
  const deposits: { txnDate: string; body: QboObject }[] = [];
  agency.carriers.forEach((carrier, index) => {
    const vendor = vendorOf.get(carrier.key)!;
    let carried = 0;
    for (
      let month = firstMonth;
      month <= agency.asOf.slice(0, 7);
      month = addMonths(`${month}-01`, 1).slice(0, 7)
    ) {
      const cents = carried + (owed.get(`${carrier.key}|${month}`) ?? 0);
      const paidOn = addDays(addMonths(`${month}-01`, 1), 14 + (index % 6));
      if (paidOn > agency.asOf) break;
      if (cents <= 0) {
        carried = cents;
        continue;
      }
      carried = 0;
      const reference = `${carrier.key}-STMT-${month.replace('-', '')}`;
      deposits.push({ txnDate: paidOn, body: depositBody(account, vendor, reference, cents, r) });
    }
  });
  if (!ctx.clean && deposits.length > 3) {
    // An EFT nobody could attribute, a statement entered twice, and one short-paid by $25.
    const sample = deposits[Math.floor(deposits.length / 2)]!;
    deposits.push({ txnDate: sample.txnDate, body: structuredClone(sample.body) });
    const short = deposits[Math.floor(deposits.length / 3)]!;
    const line = (short.body.Line as QboObject[])[0]!;
    line.Amount = formatCents((parseMoneyToCents(line.Amount) ?? 0) - 2500);
    const unknown = depositBody(account, null, 'ACH CREDIT INS CO COMM', 41_837, r);
    deposits.push({ txnDate: deposits.at(-2)!.txnDate, body: unknown });
  }
  deposits.sort((a, b) => a.txnDate.localeCompare(b.txnDate));
  for (const d of deposits) create('Deposit', d.body, d.txnDate, addDays(d.txnDate, r.int(0, 2)), 17);
}

function depositBody(
  account: Map<AccountRole, { value: string; name: string }>,
  vendor: { value: string; name: string } | null,
  reference: string,
  cents: number,
  r: Random,
): QboObject {
  const detail: QboObject = {
    AccountRef: account.get('commissionIncome')!,
    PaymentMethodRef: { value: '4', name: 'EFT' },
    CheckNum: `EFT${r.digits(8)}`,
  };
  if (vendor) detail.Entity = { value: vendor.value, name: vendor.name, type: 'Vendor' };
  return {
    DepositToAccountRef: account.get('operating')!,
    PrivateNote: vendor ? `${vendor.name} commission statement ${reference}` : reference,
    CurrencyRef: usd,
    Line: [
      {
        Amount: formatCents(cents),
        DetailType: 'DepositLineDetail',
        Description: vendor ? `Commission statement ${reference}` : reference,
        DepositLineDetail: detail,
      },
    ],
  };
}
