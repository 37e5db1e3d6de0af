// Xero → canonical. Contacts that are suppliers are the carriers (with the agency code the
// carrier assigned in AccountNumber; suppliers without one, the landlord or the software, are
// skipped, not quarantined); contacts that are customers are the agency-billed clients (the AMS
// client code in AccountNumber). Xero keeps no person/business flag, and the agency-billed
// accounts are commercial, so every customer reads as a business (as QuickBooks' missing flag does). Accounts and manual journals are kept as source records only.
import type { StreamMappingInput } from './engine.ts';

export const xeroMappings: Record<string, StreamMappingInput> = {
  suppliers: {
    entity: 'carrier',
    skipWhenBlank: ['AccountNumber'],
    required: ['Name'],
    fields: {
      name: { path: 'Name', transform: 'collapseSpaces' },
      kind: { const: 'carrier' },
    },
  },
  customers: {
    entity: 'client',
    required: ['Name'],
    fields: {
      kind: { const: 'business' },
      displayName: { path: 'Name', transform: 'collapseSpaces' },
      lookupCode: { path: 'AccountNumber', transform: 'text' },
      email: { path: 'EmailAddress', transform: 'lower' },
      phone: { path: 'Phones.0.PhoneNumber' },
      'address.line1': { path: 'Addresses.0.AddressLine1' },
      'address.city': { path: 'Addresses.0.City' },
      'address.state': { path: 'Addresses.0.Region', transform: 'upper' },
      'address.postalCode': { path: 'Addresses.0.PostalCode' },
      'address.country': { path: 'Addresses.0.Country' },
    },
  },
};
