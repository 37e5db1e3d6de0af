// QuickBooks Online → canonical. The books hold two things the hub models: carriers, as vendors
// (with the agency code the carrier assigned in "Account no.", AcctNum), and agency-billed
// clients, as customers (the AMS client code in AcctNum). Vendors without an AcctNum are
// ordinary suppliers (the landlord, software): skipped, not quarantined. Intuit's NameBase
// `Organization` flag says business or person; QuickBooks does not always send it, and the
// agency-billed accounts it holds are commercial, so a missing flag reads as a business.
//
// Accounts, invoices, payments, deposits and journal entries have no canonical entity: they are
// kept as source records (deposits are the carriers' commission payments that reconciliation
// will match as statement lines), so they have no mapping here.
import type { StreamMappingInput } from './engine.ts';

const address = {
  'address.line1': { path: 'BillAddr.Line1' },
  'address.line2': { path: 'BillAddr.Line2' },
  'address.city': { path: 'BillAddr.City' },
  'address.state': { path: 'BillAddr.CountrySubDivisionCode', transform: 'upper' },
  'address.postalCode': { path: 'BillAddr.PostalCode' },
  'address.country': { path: 'BillAddr.Country' },
} as const;

export const quickbooksMappings: Record<string, StreamMappingInput> = {
  vendors: {
    entity: 'carrier',
    skipWhenBlank: ['AcctNum'],
    required: ['DisplayName'],
    fields: {
      name: { path: ['CompanyName', 'DisplayName'], transform: 'collapseSpaces' },
      kind: { const: 'carrier' },
    },
  },
  customers: {
    entity: 'client',
    required: ['DisplayName'],
    fields: {
      kind: { path: 'Organization', values: { true: 'business', false: 'person' }, default: 'business' },
      displayName: { path: 'DisplayName', transform: 'collapseSpaces' },
      lookupCode: { path: 'AcctNum', transform: 'text' },
      email: { path: 'PrimaryEmailAddr.Address', transform: 'lower' },
      phone: { path: ['PrimaryPhone.FreeFormNumber', 'Mobile.FreeFormNumber'] },
      ...address,
    },
  },
};
