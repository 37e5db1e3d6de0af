// Salesforce records shaped like the REST API's query results in Salesforce's documentation
// (each row with `attributes: {type, url}`, parents nested with their own attributes, currency
// as JSON numbers, dateTimes as 2024-05-07T22:07:19.000+0000), with Financial Services Cloud's
// InsurancePolicy fields and the agency's custom fields.
import { describe, expect, test } from 'vitest';
import { mapRecord, pathsRead, withOverrides } from '../../mappings/engine.ts';
import { salesforceMappings } from '../../mappings/salesforce.ts';

const mappings = withOverrides(salesforceMappings, undefined);

const docPolicy = {
  attributes: {
    type: 'InsurancePolicy',
    url: '/services/data/v62.0/sobjects/InsurancePolicy/0YT5e000000CaNzGAK',
  },
  Id: '0YT5e000000CaNzGAK',
  Name: 'ENP 4471203-02',
  PolicyName: 'Granite Roofing LLC - CGL',
  NameInsuredId: '0015e00000BcT2xAAF',
  PolicyType: 'cgl',
  EffectiveDate: '2026-03-01T00:00:00.000+0000',
  ExpirationDate: '2027-03-01T00:00:00.000+0000',
  Status: 'Active',
  PremiumAmount: 18250.75,
  ProducerId: '0055e000003PQrsAAG',
  OwnerId: '0055e000003PQrtAAG',
  Carrier_Name__c: 'Cincinnati Insurance',
  PriorPolicy: {
    attributes: {
      type: 'InsurancePolicy',
      url: '/services/data/v62.0/sobjects/InsurancePolicy/0YT5e000000CaNyGAK',
    },
    Name: 'ENP 4471203-01',
  },
  SystemModstamp: '2026-02-10T16:20:31.000+0000',
  LastModifiedDate: '2026-02-10T16:20:31.000+0000',
  CreatedDate: '2026-02-09T15:00:00.000+0000',
};

describe('InsurancePolicy rows map to policy terms', () => {
  test('a policy becomes a draft with its insured, producer and carrier', () => {
    const r = mapRecord(mappings.insurance_policies!, docPolicy);
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.entity).toBe('policy');
    expect(r.draft).toEqual({
      policyNumber: 'ENP 4471203-02',
      lineOfBusiness: 'CGL',
      effectiveDate: '2026-03-01',
      expirationDate: '2027-03-01',
      priorPolicyNumber: 'ENP 4471203-01',
      termPremiumCents: 1825075,
      status: 'active',
      currency: 'USD',
    });
    expect(r.refs).toEqual({
      clientId: { kind: 'source', stream: 'accounts', externalId: '0015e00000BcT2xAAF' },
      producerId: { kind: 'source', stream: 'users', externalId: '0055e000003PQrsAAG' },
      carrierId: { kind: 'carrierName', name: 'Cincinnati Insurance' },
    });
  });

  test('without a producer the record owner is the producer', () => {
    const r = mapRecord(mappings.insurance_policies!, { ...docPolicy, ProducerId: null });
    expect(r.ok === true && r.refs.producerId).toEqual({
      kind: 'source',
      stream: 'users',
      externalId: '0055e000003PQrtAAG',
    });
  });

  test('a first term has no prior policy (the relationship comes back null)', () => {
    const r = mapRecord(mappings.insurance_policies!, { ...docPolicy, PriorPolicy: null });
    expect(r.ok === true && 'priorPolicyNumber' in r.draft).toBe(false);
  });

  test('the seeded expiration typo (two years early) is quarantined on expirationDate', () => {
    const r = mapRecord(mappings.insurance_policies!, {
      ...docPolicy,
      ExpirationDate: '2025-03-01T00:00:00.000+0000',
    });
    expect(r).toEqual({
      ok: false,
      field: 'expirationDate',
      reason: 'expirationDate: expiration date is before the effective date',
    });
  });

  test('a Status picklist value the mapping does not know is quarantined on status', () => {
    const r = mapRecord(mappings.insurance_policies!, { ...docPolicy, Status: 'Pending Review' });
    expect(r).toEqual({ ok: false, field: 'status', reason: 'status: unknown value "pending review"' });
  });

  test('FSC status values map to the canonical ones', () => {
    const status = (Status: string) => {
      const r = mapRecord(mappings.insurance_policies!, { ...docPolicy, Status });
      return r.ok === true ? (r.draft as { status: string }).status : r;
    };
    expect(['Active', 'Expired', 'Cancelled', 'Non-Renewed', 'Quoted'].map(status)).toEqual([
      'active',
      'expired',
      'cancelled',
      'lost',
      'prospective',
    ]);
  });

  test('a policy without a number is quarantined, not skipped', () => {
    expect(mapRecord(mappings.insurance_policies!, { ...docPolicy, Name: ' ' })).toMatchObject({
      ok: false,
      field: 'policyNumber',
    });
  });

  test('the connector is asked for relationship paths the mapping reads', () => {
    expect(pathsRead(mappings.insurance_policies!)).toEqual(
      expect.arrayContaining([
        'Name',
        'PriorPolicy.Name',
        'NameInsuredId',
        'ProducerId',
        'OwnerId',
        'Carrier_Name__c',
      ]),
    );
  });
});

describe('Opportunities map to policy terms only where they carry a policy number', () => {
  const docOpportunity = {
    attributes: { type: 'Opportunity', url: '/services/data/v62.0/sobjects/Opportunity/0065e00000AbCdEAAV' },
    Id: '0065e00000AbCdEAAV',
    Name: 'Granite Roofing LLC - CGL 2026',
    AccountId: '0015e00000BcT2xAAF',
    OwnerId: '0055e000003PQrsAAG',
    StageName: 'Closed Won',
    CloseDate: '2026-03-01',
    Amount: 18000,
    Policy_Number__c: 'ENP 4471203-02',
    Carrier_Name__c: 'Cincinnati Insurance',
    Line_Of_Business__c: 'CGL',
    Effective_Date__c: '2026-03-01',
    Expiration_Date__c: '2027-03-01',
    Policy_Status__c: null,
    Prior_Policy_Number__c: 'ENP 4471203-01',
  };

  test('a won opportunity with policy fields is a policy term', () => {
    const r = mapRecord(mappings.opportunities!, docOpportunity);
    expect(r.ok === true && r.draft).toMatchObject({
      policyNumber: 'ENP 4471203-02',
      termPremiumCents: 1800000,
      status: 'active',
      effectiveDate: '2026-03-01',
    });
    expect(r.ok === true && r.refs.clientId).toEqual({
      kind: 'source',
      stream: 'accounts',
      externalId: '0015e00000BcT2xAAF',
    });
  });

  test('an open renewal without a policy number is a sale, skipped', () => {
    const r = mapRecord(mappings.opportunities!, {
      ...docOpportunity,
      StageName: 'Prospecting',
      Policy_Number__c: null,
    });
    expect(r.ok).toBe('skip');
  });
});

describe('Accounts and Users', () => {
  test('an Account is a business client with its AMS lookup code and billing address', () => {
    const r = mapRecord(mappings.accounts!, {
      attributes: { type: 'Account', url: '/services/data/v62.0/sobjects/Account/0015e00000BcT2xAAF' },
      Id: '0015e00000BcT2xAAF',
      Name: 'Granite  Roofing LLC',
      Phone: '(512) 555-0134',
      BillingStreet: '118 Oak Ave',
      BillingCity: 'Austin',
      BillingState: 'tx',
      BillingPostalCode: '78701',
      BillingCountry: 'United States',
      Agency_Client_Code__c: 'CL000042',
    });
    expect(r.ok === true && r.draft).toEqual({
      kind: 'business',
      displayName: 'Granite Roofing LLC',
      lookupCode: 'CL000042',
      phone: '(512) 555-0134',
      address: {
        line1: '118 Oak Ave',
        city: 'Austin',
        state: 'TX',
        postalCode: '78701',
        country: 'United States',
      },
    });
  });

  test('an Account without a name is quarantined', () => {
    expect(mapRecord(mappings.accounts!, { Id: '0015e00000BcT2xAAF', Name: null })).toMatchObject({
      ok: false,
      field: 'displayName',
    });
  });

  const docUser = {
    attributes: { type: 'User', url: '/services/data/v62.0/sobjects/User/0055e000003PQrsAAG' },
    Id: '0055e000003PQrsAAG',
    Name: 'Priya Patel',
    Email: 'Priya.Patel3@demo-agency.test',
    EmployeeNumber: 'PPAT3',
    IsActive: false,
    Agency_Role__c: 'Producer',
  };

  test('a User with an agency role is a producer; a deactivated one is inactive', () => {
    const r = mapRecord(mappings.users!, docUser);
    expect(r.ok === true && r.draft).toEqual({
      name: 'Priya Patel',
      email: 'priya.patel3@demo-agency.test',
      code: 'PPAT3',
      kind: 'producer',
      active: false,
    });
    expect(mapRecord(mappings.users!, { ...docUser, Agency_Role__c: 'csr' })).toMatchObject({
      ok: true,
      draft: { kind: 'csr' },
    });
  });

  test('admins and integration users (no agency role) are not producers: skipped', () => {
    expect(mapRecord(mappings.users!, { ...docUser, Agency_Role__c: null }).ok).toBe('skip');
  });

  test('contacts have no mapping: they are people at business clients, not insureds', () => {
    expect(mappings.contacts).toBeUndefined();
  });
});
