// HawkSoft records shaped like the public examples of the V3 Partner API (camelCase client with
// `clientNumber`, `details`, `people`, `contacts` and `policies` carrying `loBs`, `agent1`,
// `naic`, HawkSoft's offset-less midnight dates and a dollar `premium`), projected by the
// connector into its stream payloads and mapped to the canonical model.
import { describe, expect, test } from 'vitest';
import type { HsClient, HsPolicy } from '../../connectors/hawksoft/client.ts';
import { project } from '../../connectors/hawksoft/streams.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';
import { hawksoftMappings } from '../../mappings/hawksoft.ts';

const mappings = withOverrides(hawksoftMappings, undefined);

const policy: HsPolicy = {
  id: '5b0a3c4e-9f51-4c57-8d0b-3b2f0e6f1a11',
  legacyId: 42,
  modified: '2026-02-03T17:22:41.512Z',
  policyIndex: 0,
  policyNumber: 'H37-118-442211-40',
  title: 'HOME',
  type: 'Home',
  applicationType: 'Personal',
  loBs: [{ code: 'HOME', name: 'Homeowners' }],
  carrier: 'Liberty Mutual',
  writingCarrier: 'Liberty Mutual',
  naic: '23035',
  effectiveDate: '2026-03-01T00:00:00',
  expirationDate: '2027-03-01T00:00:00',
  inceptionDate: '2023-03-01T00:00:00',
  soldDate: null,
  status: 'Renew',
  statusDate: '2026-03-01T00:00:00',
  subStatus: null,
  numberOfTerms: 4,
  term: '12 Months',
  premium: 1843.5,
  premiumMode: 'Term',
  quotedPremium: null,
  nonCommissionable: 0,
  billingType: 'Direct',
  billingPlan: null,
  paymentPlan: 'Monthly',
  policyState: 'TX',
  agent1: 'JSM',
  agent2: null,
  agent3: null,
  agentCode: 'LI40121',
  officeId: 1,
  program: null,
  raterCode: 0,
  accountNumber: null,
  source: null,
  note: null,
};

const client: HsClient = {
  clientNumber: 10,
  details: {
    id: 'e3d1f0b2-6c1a-4f8e-9a55-0d9c1f2b7e01',
    modified: '2026-02-03T17:22:41.512Z',
    officeId: 1,
    clientType: 'Customer',
    status: 'Active',
    isPersonal: true,
    isCommercial: false,
    companyName: null,
    agencyNum: null,
    clientSince: '2019-05-14T00:00:00',
    producer: 'JSM',
    csr: 'KLD',
    mailingAddress: { address1: '412 Oak Ave', address2: null, city: 'Austin', state: 'tx', zip: '78704' },
    allowCrossSell: false,
  },
  people: [
    {
      id: '0c5d2f7a-1b3e-4d6f-8a9b-2c4e6f8a0b1c',
      modified: '2024-01-09T15:00:00.000Z',
      firstName: 'Spouse',
      middleName: null,
      lastName: 'Doe',
      relationship: 'Spouse',
      dateOfBirth: null,
      gender: null,
    },
    {
      id: '7a9c1e3f-5b7d-4f1a-9c3e-5a7c9e1b3d5f',
      modified: '2024-01-09T15:00:00.000Z',
      firstName: 'Jane',
      middleName: 'Q',
      lastName: 'Doe',
      relationship: 'Insured',
      dateOfBirth: '1981-10-08T00:00:00',
      gender: 'Female',
    },
  ],
  contacts: [
    {
      id: 'a1',
      modified: '2024-01-09T15:00:00.000Z',
      personId: null,
      type: 'Home Phone',
      description: null,
      data: '(512) 555-0100',
      priority: 2,
      isBillingContact: false,
      allowMassEmail: false,
    },
    {
      id: 'a2',
      modified: '2024-01-09T15:00:00.000Z',
      personId: null,
      type: 'Cell Phone',
      description: null,
      data: '(512) 555-0199',
      priority: 1,
      isBillingContact: false,
      allowMassEmail: false,
    },
    {
      id: 'a3',
      modified: '2024-01-09T15:00:00.000Z',
      personId: null,
      type: 'Email',
      description: 'Personal',
      data: 'Jane.Doe@Example.com',
      priority: 1,
      isBillingContact: true,
      allowMassEmail: true,
    },
  ],
  policies: [policy],
};

const payloadOf = (stream: Parameters<typeof project>[0], c: HsClient, i = 0) =>
  project(stream, [c]).records[i]!.payload;
const withPolicy = (p: Partial<HsPolicy>): HsClient => ({ ...client, policies: [{ ...policy, ...p }] });

describe('HawkSoft clients map to clients', () => {
  test('a person: the insured’s name, the first email and phone by priority, the mailing address', () => {
    const r = mapRecord(mappings.clients!, payloadOf('clients', client));
    expect(r).toMatchObject({ ok: true, entity: 'client' });
    expect(r.ok === true && r.draft).toEqual({
      kind: 'person',
      displayName: 'Jane Doe',
      lookupCode: '10',
      email: 'jane.doe@example.com',
      phone: '(512) 555-0199',
      address: { line1: '412 Oak Ave', city: 'Austin', state: 'TX', postalCode: '78704' },
    });
  });

  test('a commercial client is a business under its company name', () => {
    const business = {
      ...client,
      details: { ...client.details!, isCommercial: true, isPersonal: false, companyName: 'Doe Roofing LLC' },
    };
    const r = mapRecord(mappings.clients!, payloadOf('clients', business));
    expect(r.ok === true && r.draft).toMatchObject({ kind: 'business', displayName: 'Doe Roofing LLC' });
  });

  test('an email typed without its domain is quarantined with the field', () => {
    const broken = { ...client, contacts: [{ ...client.contacts![2]!, data: 'jane.doe@' }] };
    const r = mapRecord(mappings.clients!, payloadOf('clients', broken));
    expect(r).toMatchObject({ ok: false, field: 'email' });
    expect(r.ok === false && r.reason).toMatch(/^email: /);
  });

  test('a client file without any name is quarantined', () => {
    const nameless = { ...client, people: [{ ...client.people![1]!, firstName: '', lastName: '' }] };
    expect(mapRecord(mappings.clients!, payloadOf('clients', nameless))).toMatchObject({
      ok: false,
      field: 'displayName',
    });
  });

  test('the roll-up `modified` is the record’s updatedAt but not part of its payload', () => {
    const [record] = project('clients', [client]).records;
    expect(record!.updatedAt).toBe('2026-02-03T17:22:41.512Z');
    expect((record!.payload.details as Record<string, unknown>).modified).toBeUndefined();
  });
});

describe('HawkSoft policies map to policy terms', () => {
  test('a renewed home policy with its client, producer and carrier', () => {
    const r = mapRecord(mappings.policies!, payloadOf('policies', client));
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.draft).toMatchObject({
      policyNumber: 'H37-118-442211-40',
      lineOfBusiness: 'HOME',
      businessType: 'personal',
      state: 'TX',
      effectiveDate: '2026-03-01',
      expirationDate: '2027-03-01',
      originalInceptionDate: '2023-03-01',
      billMode: 'direct',
      status: 'active',
      termPremiumCents: 184350,
    });
    expect(r.refs).toEqual({
      clientId: { kind: 'source', stream: 'clients', externalId: '10' },
      producerId: { kind: 'source', stream: 'producers', externalId: 'JSM' },
      carrierId: { kind: 'carrierName', name: 'Liberty Mutual' },
    });
  });

  test('without Agent1 the client’s producer writes the policy', () => {
    const r = mapRecord(
      mappings.policies!,
      payloadOf('policies', {
        ...withPolicy({ agent1: null }),
        details: { ...client.details!, producer: 'RTA' },
      }),
    );
    expect(r.ok === true && r.refs.producerId).toEqual({
      kind: 'source',
      stream: 'producers',
      externalId: 'RTA',
    });
  });

  test.each([
    ['Replaced', 'expired'],
    ['Replaced:Rewrite', 'replaced'],
    ['Expired', 'lost'],
    ['Cancelled', 'cancelled'],
    ['Quote', 'prospective'],
    ['Deadfiled', 'lost'],
  ])('status %s is %s', (status, canonical) => {
    const r = mapRecord(mappings.policies!, payloadOf('policies', withPolicy({ status })));
    expect(r.ok === true && (r.draft as { status: string }).status).toBe(canonical);
  });

  test('a quote without a policy number is not a policy: skipped, not quarantined', () => {
    expect(
      mapRecord(
        mappings.policies!,
        payloadOf('policies', withPolicy({ policyNumber: null, status: 'Quote' })),
      ),
    ).toEqual({
      ok: 'skip',
    });
  });

  test('a spelled-out state is quarantined with the field and the reason', () => {
    expect(
      mapRecord(mappings.policies!, payloadOf('policies', withPolicy({ policyState: 'Texas' }))),
    ).toEqual({
      ok: false,
      field: 'state',
      reason: 'state: states are two-letter codes',
    });
  });

  test('an expiration year typed one too early is refused by the canonical schema', () => {
    const r = mapRecord(
      mappings.policies!,
      payloadOf('policies', withPolicy({ expirationDate: '2025-03-01T00:00:00' })),
    );
    expect(r).toMatchObject({ ok: false, field: 'expirationDate' });
  });

  test('a status HawkSoft does not have is quarantined rather than guessed', () => {
    expect(mapRecord(mappings.policies!, payloadOf('policies', withPolicy({ status: 'Suspended' })))).toEqual(
      {
        ok: false,
        field: 'status',
        reason: 'status: unknown value "suspended"',
      },
    );
  });

  test('a voided policy is a delete, not a record', () => {
    const out = project('policies', [withPolicy({ status: 'Void' })]);
    expect(out.records).toEqual([]);
    expect(out.deleted).toEqual([
      { externalId: policy.id, deletedAt: policy.modified, reason: 'voided in HawkSoft' },
    ]);
  });

  test('only the fields a mapping reads are kept, plus identity and status', () => {
    const [record] = project('policies', [client], ['policy.policyNumber', 'clientNumber']).records;
    expect(record!.payload).toEqual({
      clientNumber: 10,
      client: { producer: 'JSM', csr: 'KLD' },
      policy: {
        id: policy.id,
        modified: policy.modified,
        status: 'Renew',
        policyNumber: 'H37-118-442211-40',
      },
    });
  });
});

describe('transactions derived from a term’s state map to policy transactions', () => {
  const mapped = (c: HsClient) =>
    project('policy_transactions', [c]).records.map((r) => {
      const m = mapRecord(mappings.policy_transactions!, r.payload);
      if (m.ok !== true) throw new Error(`did not map: ${JSON.stringify(m)}`);
      return { id: r.externalId, ...m.draft, policyRef: m.refs.policyId };
    });

  test('a fourth term opens with a renewal for its premium, in integer cents', () => {
    expect(mapped(client)).toEqual([
      {
        id: `${policy.id}:term`,
        type: 'RWL',
        effectiveDate: '2026-03-01',
        premiumDeltaCents: 184350,
        taxesFeesCents: 0,
        policyRef: { kind: 'source', stream: 'policies', externalId: policy.id },
      },
    ]);
  });

  test('first terms are new business, rewrites are REWRITE', () => {
    expect(mapped(withPolicy({ numberOfTerms: 1, status: 'New' }))[0]).toMatchObject({ type: 'NEW' });
    expect(mapped(withPolicy({ numberOfTerms: 1, status: 'Rewrite' }))[0]).toMatchObject({ type: 'REWRITE' });
  });

  test('a flat cancellation returns the whole premium; a mid-term one leaves the return premium to the statement', () => {
    const flat = mapped(withPolicy({ status: 'Cancelled', statusDate: '2026-03-01T00:00:00' }));
    expect(flat[1]).toMatchObject({
      type: 'CAN',
      effectiveDate: '2026-03-01',
      premiumDeltaCents: -184350,
      cancelMethod: 'flat',
    });
    const midTerm = mapped(withPolicy({ status: 'Cancelled', statusDate: '2026-08-15T00:00:00' }));
    expect(midTerm[1]).toMatchObject({ type: 'CAN', effectiveDate: '2026-08-15', premiumDeltaCents: 0 });
    expect(midTerm[1]).not.toHaveProperty('cancelMethod');
  });

  test('a term back in force after a later status date withdraws its cancellation', () => {
    const out = project('policy_transactions', [
      withPolicy({ status: 'Renew', statusDate: '2026-06-20T00:00:00' }),
    ]);
    expect(out.deleted).toEqual([
      { externalId: `${policy.id}:cancel`, deletedAt: policy.modified, reason: 'reinstated in HawkSoft' },
    ]);
  });

  test('quotes and prospects open no transaction', () => {
    expect(project('policy_transactions', [withPolicy({ status: 'Quote' })]).records).toEqual([]);
  });
});

describe('producer codes map to producers', () => {
  test('client producers and policy agents are producers, a CSR-only code is a CSR', () => {
    const records = project('producers', [client]).records;
    expect(records.map((r) => r.externalId)).toEqual(['JSM', 'KLD']);
    const drafts = records.map((r) => {
      const m = mapRecord(mappings.producers!, r.payload);
      return m.ok === true ? m.draft : m;
    });
    expect(drafts).toEqual([
      { kind: 'producer', name: 'JSM', code: 'JSM', active: true },
      { kind: 'csr', name: 'KLD', code: 'KLD', active: true },
    ]);
  });
});
