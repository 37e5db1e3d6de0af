// Projects the demo agency into a Xero organisation: a chart of accounts holding the hub's
// commission accounts (by code), the carriers as suppliers (the agency code they assigned in
// AccountNumber), a few ordinary suppliers without one, and the agency-billed clients as
// customers (the AMS client code in AccountNumber): the same part of the book QuickBooks holds.
import { generateAgency } from '../../kit/demo-agency.ts';
import { bookFor } from '../../kit/demo-book.ts';
import type { XeroOrg } from './org.ts';

export interface XeroSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
}

const chart: [code: string, name: string, type: string, cls: string][] = [
  ['090', 'Business Bank Account', 'BANK', 'ASSET'],
  ['1150', 'Commissions Receivable', 'CURRENT', 'ASSET'],
  ['2150', 'Producer Commissions Payable', 'CURRLIAB', 'LIABILITY'],
  ['4000', 'Commission Income', 'REVENUE', 'REVENUE'],
  ['5000', 'Producer Commission Expense', 'EXPENSE', 'EXPENSE'],
  ['469', 'Rent', 'OVERHEADS', 'EXPENSE'],
  ['485', 'Subscriptions', 'OVERHEADS', 'EXPENSE'],
];

export function seedOrg(org: XeroOrg, opts: XeroSeedOptions): void {
  const agency = generateAgency({ seed: opts.seed ?? 'demo', clients: opts.clients ?? 400, asOf: opts.asOf });
  // Seeded history lies an hour in the past, whatever `asOf` says.
  const at = Date.now() - 3_600_000;
  for (const [Code, Name, Type, Class] of chart)
    org.create(
      'Accounts',
      {
        Code,
        Name,
        Type,
        Class,
        Status: 'ACTIVE',
        TaxType: 'NONE',
        EnablePaymentsToAccount: false,
        ShowInExpenseClaims: false,
        ReportingCode: Class === 'ASSET' ? 'ASS' : Class.slice(0, 3),
        HasAttachments: false,
        ...(Type === 'BANK'
          ? { BankAccountNumber: '121-000-4455', BankAccountType: 'BANK', CurrencyCode: 'USD' }
          : {}),
      },
      at,
    );
  for (const carrier of agency.carriers)
    org.create(
      'Contacts',
      {
        ContactStatus: 'ACTIVE',
        Name: carrier.name,
        AccountNumber: carrier.key,
        IsSupplier: true,
        IsCustomer: false,
        Addresses: [],
        Phones: [],
        HasAttachments: false,
      },
      at,
    );
  for (const supplier of ['Main Street Properties LLC', 'Office Depot'])
    org.create(
      'Contacts',
      { ContactStatus: 'ACTIVE', Name: supplier, IsSupplier: true, IsCustomer: false, HasAttachments: false },
      at,
    );
  for (const c of bookFor(agency, 'quickbooks').clients)
    org.create(
      'Contacts',
      {
        ContactStatus: 'ACTIVE',
        Name: c.displayName,
        ...(c.kind === 'person' ? { FirstName: c.firstName ?? '', LastName: c.lastName ?? '' } : {}),
        AccountNumber: c.key,
        EmailAddress: c.email,
        IsSupplier: false,
        IsCustomer: true,
        Addresses: [
          {
            AddressType: 'POBOX',
            AddressLine1: c.address.line1,
            City: c.address.city,
            Region: c.address.state,
            PostalCode: c.address.postalCode,
            Country: 'US',
          },
        ],
        Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: c.phone }],
        HasAttachments: false,
      },
      at,
    );
}
