// QuickBooks records shaped like the Customer and Vendor examples in Intuit's Accounting API
// reference (name-list fields, MetaData in company-local time, addresses with
// CountrySubDivisionCode), plus the agency's conventions: the carrier's agency code and the
// AMS client code in AcctNum.
import { describe, expect, test } from 'vitest';
import { mapRecord, pathsRead, withOverrides } from '../../mappings/engine.ts';
import { quickbooksMappings } from '../../mappings/quickbooks.ts';

const mappings = withOverrides(quickbooksMappings, undefined);

const docCustomer = {
  Id: '58',
  SyncToken: '2',
  MetaData: { CreateTime: '2024-03-04T10:12:41-08:00', LastUpdatedTime: '2026-10-02T15:40:09-07:00' },
  DisplayName: 'Granite Landscaping LLC',
  FullyQualifiedName: 'Granite Landscaping LLC',
  CompanyName: 'Granite Landscaping LLC',
  PrintOnCheckName: 'Granite Landscaping LLC',
  GivenName: 'Dana',
  FamilyName: 'Okafor',
  Organization: true,
  AcctNum: 'CL000214',
  Active: true,
  Taxable: false,
  Job: false,
  BillWithParent: false,
  Balance: '1840.00',
  BalanceWithJobs: '1840.00',
  PrimaryEmailAddr: { Address: 'Office@GraniteLandscaping.example' },
  PrimaryPhone: { FreeFormNumber: '(512) 555-0142' },
  BillAddr: {
    Id: '94',
    Line1: '4581 Finch St.',
    City: 'Austin',
    CountrySubDivisionCode: 'tx',
    PostalCode: '78704',
    Lat: 'INVALID',
    Long: 'INVALID',
  },
  CurrencyRef: { value: 'USD', name: 'United States Dollar' },
  PreferredDeliveryMethod: 'Email',
};

const docVendor = {
  Id: '30',
  SyncToken: '0',
  MetaData: { CreateTime: '2021-05-11T09:00:00-07:00', LastUpdatedTime: '2025-01-20T11:02:44-08:00' },
  DisplayName: 'Cincinnati Insurance',
  CompanyName: 'The Cincinnati Insurance Company',
  PrintOnCheckName: 'The Cincinnati Insurance Company',
  AcctNum: '34-1187',
  Vendor1099: false,
  Active: true,
  Balance: '0.00',
  BillAddr: {
    Line1: '6200 S Gilmore Rd',
    City: 'Fairfield',
    CountrySubDivisionCode: 'OH',
    PostalCode: '45014',
  },
  CurrencyRef: { value: 'USD', name: 'United States Dollar' },
};

describe('QuickBooks customers map to clients', () => {
  test('an agency-billed business becomes a client with its AMS code, email and billing address', () => {
    const r = mapRecord(mappings.customers!, docCustomer);
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.entity).toBe('client');
    expect(r.draft).toMatchObject({
      kind: 'business',
      displayName: 'Granite Landscaping LLC',
      lookupCode: 'CL000214',
      email: 'office@granitelandscaping.example',
      phone: '(512) 555-0142',
      address: { line1: '4581 Finch St.', city: 'Austin', state: 'TX', postalCode: '78704' },
    });
  });

  test('a customer QuickBooks marks as an individual becomes a person', () => {
    const r = mapRecord(mappings.customers!, {
      ...docCustomer,
      DisplayName: 'Dana Okafor',
      CompanyName: undefined,
      Organization: false,
    });
    expect(r.ok === true && r.draft).toMatchObject({ kind: 'person', displayName: 'Dana Okafor' });
  });

  test('without the Organization flag a customer reads as a business', () => {
    const { Organization: _omitted, ...withoutFlag } = docCustomer;
    const r = mapRecord(mappings.customers!, withoutFlag);
    expect(r.ok === true && r.draft).toMatchObject({ kind: 'business' });
  });

  test('a customer missing its DisplayName is quarantined with the field and the reason', () => {
    const { DisplayName: _omitted, ...nameless } = docCustomer;
    expect(mapRecord(mappings.customers!, nameless)).toEqual({
      ok: false,
      field: 'DisplayName',
      reason: 'DisplayName is missing',
    });
  });

  test('an email a bookkeeper typed as "n/a" is quarantined on the email field', () => {
    const r = mapRecord(mappings.customers!, { ...docCustomer, PrimaryEmailAddr: { Address: 'n/a' } });
    expect(r).toMatchObject({ ok: false, field: 'email' });
  });
});

describe('QuickBooks vendors map to carriers', () => {
  test('a carrier (a vendor with the agency code in AcctNum) becomes a carrier under its legal name', () => {
    const r = mapRecord(mappings.vendors!, docVendor);
    expect(r.ok === true && r.entity).toBe('carrier');
    expect(r.ok === true && r.draft).toEqual({ kind: 'carrier', name: 'The Cincinnati Insurance Company' });
  });

  test('a supplier without an agency code is not a carrier: skipped, not quarantined', () => {
    const landlord = {
      ...docVendor,
      DisplayName: 'Riverside Office Properties',
      CompanyName: undefined,
      AcctNum: undefined,
    };
    expect(mapRecord(mappings.vendors!, landlord)).toEqual({ ok: 'skip' });
  });

  test('a carrier whose names were both cleared is quarantined', () => {
    const r = mapRecord(mappings.vendors!, { ...docVendor, DisplayName: ' ', CompanyName: '' });
    expect(r).toEqual({ ok: false, field: 'DisplayName', reason: 'DisplayName is missing' });
  });
});

describe('reference streams and the fields the connector is asked for', () => {
  test('only vendors and customers have a canonical mapping', () => {
    expect(Object.keys(mappings).sort()).toEqual(['customers', 'vendors']);
  });

  test('the mapping names the vendor paths it reads', () => {
    expect(pathsRead(mappings.customers!)).toEqual(
      expect.arrayContaining([
        'DisplayName',
        'Organization',
        'AcctNum',
        'PrimaryEmailAddr.Address',
        'BillAddr.City',
      ]),
    );
    expect(pathsRead(mappings.vendors!)).toEqual(
      expect.arrayContaining(['AcctNum', 'CompanyName', 'DisplayName']),
    );
  });
});
