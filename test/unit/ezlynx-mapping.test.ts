// EZLynx records as our sandbox serves them. EZLynx publishes no record schemas (only the
// resources and event names of its API overview), so these shapes are our design: camelCase,
// numeric-string ids, dates as YYYY-MM-DD, money as decimal strings.
import { describe, expect, test } from 'vitest';
import { mapRecord, pathsRead, withOverrides } from '../../mappings/engine.ts';
import { ezlynxMappings } from '../../mappings/ezlynx.ts';

const mappings = withOverrides(ezlynxMappings, undefined);

const applicant = {
  id: '10000042',
  applicantType: 'Personal',
  customerNumber: 'CL000084',
  firstName: 'Priya',
  middleName: null,
  lastName: 'Patel',
  email: 'Priya.Patel84@Example.com',
  phones: [{ type: 'Mobile', number: '(512) 555-0142' }],
  address: {
    addressLine1: '118 Oak Ave',
    addressLine2: null,
    city: 'Austin',
    stateCode: 'tx',
    zipCode: '78701',
  },
  createdAt: '2021-03-02T10:00:00.000Z',
  updatedAt: '2024-06-11T16:00:00.000Z',
};

const policy = {
  id: '20000317',
  applicantId: '10000042',
  policyNumber: 'OZ4471020',
  carrierId: '4000004',
  carrierName: 'Safeco',
  lineOfBusiness: 'PersonalAuto',
  stateCode: 'TX',
  effectiveDate: '2025-09-14',
  expirationDate: '2026-03-14',
  originalEffectiveDate: '2023-03-14',
  priorPolicyNumber: 'OZ4471020',
  status: 'Active',
  termPremium: '1234.50',
  billingMethod: 'DirectBill',
  producer: { userId: '3000002', producerCode: 'JSMI2' },
  createdAt: '2025-09-01T15:00:00.000Z',
  updatedAt: '2025-09-18T06:00:00.000Z',
};

const cancellation = {
  id: '30000911',
  policyId: '20000317',
  transactionType: 'Cancellation',
  effectiveDate: '2025-12-01',
  premiumChange: '-412.17',
  taxesAndFees: '0.00',
  cancellationMethod: 'ProRata',
  source: 'Download',
  createdAt: '2025-12-04T06:00:00.000Z',
  updatedAt: '2025-12-04T06:00:00.000Z',
};

describe('EZLynx policies map to policy terms', () => {
  test('a downloaded term becomes a policy draft with its applicant, carrier and producer', () => {
    const r = mapRecord(mappings.policies!, policy);
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.entity).toBe('policy');
    expect(r.draft).toMatchObject({
      policyNumber: 'OZ4471020',
      lineOfBusiness: 'AUTOP',
      businessType: 'personal',
      state: 'TX',
      effectiveDate: '2025-09-14',
      expirationDate: '2026-03-14',
      originalInceptionDate: '2023-03-14',
      priorPolicyNumber: 'OZ4471020',
      billMode: 'direct',
      status: 'active',
      termPremiumCents: 123450,
    });
    expect(r.refs).toEqual({
      clientId: { kind: 'source', stream: 'applicants', externalId: '10000042' },
      carrierId: { kind: 'source', stream: 'carriers', externalId: '4000004' },
      producerId: { kind: 'source', stream: 'agents', externalId: '3000002' },
    });
  });

  test('a hand-entered term never linked to the carrier list finds its carrier by name', () => {
    const r = mapRecord(mappings.policies!, {
      ...policy,
      carrierId: null,
      carrierName: 'Safeco Insurance Co',
    });
    expect(r.ok === true && r.refs.carrierId).toEqual({ kind: 'carrierName', name: 'Safeco Insurance Co' });
  });

  test('a non-renewed term is lost, and a US-format date is still a date', () => {
    const r = mapRecord(mappings.policies!, { ...policy, status: 'NonRenewed', effectiveDate: '09/14/2025' });
    expect(r.ok === true && r.draft).toMatchObject({ status: 'lost', effectiveDate: '2025-09-14' });
  });

  test('an impossible hand-typed date is quarantined with the field and the reason', () => {
    const r = mapRecord(mappings.policies!, { ...policy, effectiveDate: '13/01/2025' });
    expect(r).toEqual({ ok: false, field: 'effectiveDate', reason: 'effectiveDate: not a calendar date' });
  });

  test('a premium that is not an amount is quarantined', () => {
    const r = mapRecord(mappings.policies!, { ...policy, termPremium: 'see dec page' });
    expect(r).toEqual({
      ok: false,
      field: 'termPremiumCents',
      reason: 'termPremiumCents: not an amount: "see dec page"',
    });
  });

  test('a state spelled out is refused by the canonical schema', () => {
    const r = mapRecord(mappings.policies!, { ...policy, stateCode: 'Texas' });
    expect(r).toMatchObject({ ok: false, field: 'state' });
  });

  test('a line of business the mapping does not know is quarantined, not guessed', () => {
    const r = mapRecord(mappings.policies!, { ...policy, lineOfBusiness: 'Motorcycle' });
    expect(r).toEqual({
      ok: false,
      field: 'lineOfBusiness',
      reason: 'lineOfBusiness: unknown value "Motorcycle"',
    });
  });

  test('a term without a policy number is quarantined', () => {
    const r = mapRecord(mappings.policies!, { ...policy, policyNumber: '' });
    expect(r).toMatchObject({ ok: false, field: 'policyNumber' });
  });
});

describe('EZLynx policy transactions map to policy transactions', () => {
  test('a downloaded pro-rata cancellation keeps its negative premium in cents and points at its term', () => {
    const r = mapRecord(mappings.policy_transactions!, cancellation);
    expect(r.ok === true && r.draft).toEqual({
      type: 'CAN',
      effectiveDate: '2025-12-01',
      premiumDeltaCents: -41217,
      taxesFeesCents: 0,
      cancelMethod: 'pro_rata',
    });
    expect(r.ok === true && r.refs.policyId).toEqual({
      kind: 'source',
      stream: 'policies',
      externalId: '20000317',
    });
  });

  test('each EZLynx transaction type has its canonical code', () => {
    const types = { NewBusiness: 'NEW', Renewal: 'RWL', Endorsement: 'END', Reinstatement: 'REI' };
    for (const [vendor, canonical] of Object.entries(types)) {
      const r = mapRecord(mappings.policy_transactions!, {
        ...cancellation,
        transactionType: vendor,
        cancellationMethod: null,
        premiumChange: '88.00',
      });
      expect(r.ok === true && r.draft).toMatchObject({ type: canonical, premiumDeltaCents: 8800 });
    }
  });

  test('a premium change typed as N/A is quarantined', () => {
    const r = mapRecord(mappings.policy_transactions!, { ...cancellation, premiumChange: 'N/A' });
    expect(r).toMatchObject({ ok: false, field: 'premiumDeltaCents' });
  });
});

describe('EZLynx applicants, users and carriers', () => {
  test('an applicant becomes a person with the customer number as lookup code', () => {
    const r = mapRecord(mappings.applicants!, applicant);
    expect(r.ok === true && r.draft).toEqual({
      kind: 'person',
      displayName: 'Priya Patel',
      lookupCode: 'CL000084',
      email: 'priya.patel84@example.com',
      phone: '(512) 555-0142',
      address: { line1: '118 Oak Ave', city: 'Austin', state: 'TX', postalCode: '78701' },
    });
  });

  test('an applicant whose email was typed as n/a is quarantined on the email', () => {
    const r = mapRecord(mappings.applicants!, { ...applicant, email: 'n/a' });
    expect(r).toMatchObject({ ok: false, field: 'email' });
  });

  test('a CSR user becomes a producer record of kind csr with the producer code', () => {
    const r = mapRecord(mappings.agents!, {
      id: '3000007',
      firstName: 'Olga',
      lastName: 'Rossi',
      email: 'Olga.Rossi7@demo-agency.test',
      producerCode: 'OROS7',
      role: 'CSR',
      active: true,
    });
    expect(r.ok === true && r.draft).toEqual({
      kind: 'csr',
      name: 'Olga Rossi',
      email: 'olga.rossi7@demo-agency.test',
      code: 'OROS7',
      active: true,
    });
  });

  test('a carrier keeps its NAIC code; an MGA is an mga', () => {
    expect(
      mapRecord(mappings.carriers!, {
        id: '4000004',
        name: 'Safeco',
        naicCode: '24740',
        carrierType: 'Carrier',
      }),
    ).toMatchObject({ ok: true, draft: { kind: 'carrier', name: 'Safeco', naicCode: '24740' } });
    expect(
      mapRecord(mappings.carriers!, {
        id: '4000011',
        name: 'AmWINS Brokerage',
        naicCode: null,
        carrierType: 'MGA',
      }),
    ).toMatchObject({ ok: true, draft: { kind: 'mga', name: 'AmWINS Brokerage' } });
  });

  test('the connector asks EZLynx only for the top-level fields the mappings read', () => {
    expect(pathsRead(mappings.policies!)).toEqual(
      expect.arrayContaining(['policyNumber', 'termPremium', 'producer.userId', 'carrierId', 'carrierName']),
    );
    expect(pathsRead(mappings.applicants!)).toContain('phones.0.number');
  });
});
