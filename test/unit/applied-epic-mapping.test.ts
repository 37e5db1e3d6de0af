// Applied Epic records shaped like the examples in Applied's OpenAPI specs (an account, a
// policy list item, a line with embeds, a line's producer/broker commissions), passed through
// the connector's normalisation and then the declarative mapping.
import { describe, expect, test } from 'vitest';
import type {
  EpicLine,
  EpicPolicy,
  EpicProducerBrokerCommissions,
} from '../../connectors/applied-epic/client.ts';
import { currencyDecimal, normalise, normalisePolicy } from '../../connectors/applied-epic/streams.ts';
import { appliedEpicMappings } from '../../mappings/applied-epic.ts';
import { mapRecord, withOverrides } from '../../mappings/engine.ts';

const mappings = withOverrides(appliedEpicMappings, undefined);
const mock = 'https://api.mock.myappliedproducts.com';

const account = (fields: Record<string, unknown>) =>
  normalise({
    ...fields,
    _links: { self: { href: `${mock}/epic/account/v1/accounts/${fields.id}` } },
  }) as Record<string, unknown>;

const docPolicy: EpicPolicy = {
  id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  status: 'CONTRACTED',
  description: 'Acme Corp - General Liability',
  policyNumber: 'GL-100245',
  effectiveOn: '2025-01-01',
  expirationOn: '2026-01-01',
  policyType: 'b2c3d4e5-6f7a-4b5c-9d0e-1f2a3b4c5d6e',
  client: 'f6a7b8c9-0d1e-4f5a-3b4c-5d6e7f8a9b0c',
  premium: {
    estimated: { currencySymbol: '$', units: '4250', partialUnits: 50 },
    annualized: { currencySymbol: '$', units: '51006', partialUnits: 0 },
  },
  commission: { estimated: { currencySymbol: '$', units: '425', partialUnits: 5 } },
  originalPolicy: 'c0ffee00-1111-4222-8333-444455556666',
  historic: false,
  lastUpdatedBy: { userCode: 'MTHOMPSON', date: '2023-05-10T14:22:15Z' },
  _links: { self: { href: `${mock}/epic/policy/v2/policies/a1b2c3d4-e5f6-7890-abcd-ef1234567890` } },
  _embedded: {
    policyType: {
      id: 'b2c3d4e5-6f7a-4b5c-9d0e-1f2a3b4c5d6e',
      code: 'WORK',
      description: 'Workers Compensation',
      businessType: 'COMMERCIAL',
      _links: { self: { href: `${mock}/epic/policy/v2/types/b2c3d4e5-6f7a-4b5c-9d0e-1f2a3b4c5d6e` } },
    },
  },
};

const docLine: EpicLine = {
  id: '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d',
  client: 'f6a7b8c9-0d1e-4f5a-3b4c-5d6e7f8a9b0c',
  policy: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  lineType: '7c6d5e4f-3a2b-1c0d-9e8f-7a6b5c4d3e2f',
  status: '8b7c6d5e-4f3a-2b1c-0d9e-8f7a6b5c4d3e',
  effectiveOn: '2025-01-01',
  expirationOn: '2026-01-01',
  billMode: 'AGENCY',
  issuingLocation: { stateOrProvince: 'NY', country: 'USA' },
  issuingCompany: '6d5e4f3a-2b1c-0d9e-8f7a-6b5c4d3e2f1a',
  premiumPayable: { account: '6d5e4f3a-2b1c-0d9e-8f7a-6b5c4d3e2f1a', type: 'CARRIER' },
  producerBrokerCommission: { type: 'SINGLE_TERM' },
  lineCommission: {
    useAgreement: true,
    commissionAgreement: '1c0d9e8f-7a6b-5c4d-3e2f-1a0b9c8d7e6f',
    overrideAgreement: false,
    type: 'PERCENTAGE_OF_PREMIUM',
    percent: 10,
    amount: { currencySymbol: '$', units: '425', partialUnits: 5 },
  },
  stage: 'ISSUED',
  action: 'NEW',
  _links: { self: { href: `${mock}/epic/policy/v2/lines/9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d` } },
  _embedded: {
    status: { id: '8b7c6d5e-4f3a-2b1c-0d9e-8f7a6b5c4d3e', code: 'ISS', description: 'Issued Policy' },
    lineType: {
      id: '7c6d5e4f-3a2b-1c0d-9e8f-7a6b5c4d3e2f',
      code: 'WORK',
      description: 'Workers Compensation',
    },
  },
};

const producer = {
  id: 'a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d',
  producerBroker: { type: 'PRODUCER_PAYABLE', account: 'b2c3d4e5-f6a7-4b5c-9d0e-1f2a3b4c5d6e' },
  useCommissionAgreement: true,
  commissionType: 'PERCENTAGE_OF_PREMIUM',
  commissionPercent: 10.0,
  commissionAmount: { currencySymbol: '$', units: '0', partialUnits: 0 },
  productionCredit: 100.0,
  orderNumber: 1,
  sharedRevenue: { percent: 25.0, organization: 'e5f6a7b8-9c0d-4e5f-2a3b-4c5d6e7f8a9b' },
  commission: { estimated: { currencySymbol: '$', units: '313', partialUnits: 32 } },
  _links: { self: { href: `${mock}/epic/policy/v2/producer-broker-commissions/a1b2c3d4` } },
};

const docCommissions: EpicProducerBrokerCommissions = {
  type: 'SINGLE_TERM',
  schedules: [
    {
      id: '1',
      startOn: '2025-01-01',
      endOn: '2026-01-01',
      description: '',
      // Listed broker first: the normalised payload puts the producer first all the same.
      producerBrokerCommissions: [
        {
          ...producer,
          id: 'ffffffff-0000-4000-8000-000000000001',
          producerBroker: { type: 'BROKER_PAYABLE', account: '0b0b0b0b-0000-4000-8000-000000000002' },
          commissionType: 'PERCENTAGE_OF_COMMISSION',
          productionCredit: 0,
          orderNumber: 2,
        },
        producer,
      ],
    },
  ],
};

function policyPayload(
  policy: Partial<EpicPolicy> = {},
  line: Partial<EpicLine> = {},
  originalPolicyNumber: string | null = 'GL-099871',
) {
  return normalisePolicy({
    policy: { ...docPolicy, ...policy },
    lines: [{ line: { ...docLine, ...line }, commissions: docCommissions }],
    originalPolicyNumber,
  });
}

describe('normalisation', () => {
  test('Applied money becomes a decimal string; a malformed amount becomes one the cents transform refuses', () => {
    expect(currencyDecimal({ units: '4250', partialUnits: 50 })).toBe('4250.50');
    expect(currencyDecimal({ units: '-12', partialUnits: -50 })).toBe('-12.50');
    expect(currencyDecimal({ units: '0', partialUnits: -5 })).toBe('-0.05');
    expect(currencyDecimal({ units: '007', partialUnits: 5 })).toBe('7.05');
    expect(currencyDecimal({ units: '12', partialUnits: -50 })).toMatch(/^invalid/);
    expect(currencyDecimal({ units: '1.5', partialUnits: 0 })).toMatch(/^invalid/);
    expect(currencyDecimal({ units: '10', partialUnits: 150 })).toMatch(/^invalid/);
  });

  test('a policy drops HAL links, folds embeds in place of ids, keeps rates as decimal strings', () => {
    const p = policyPayload();
    expect(JSON.stringify(p)).not.toContain('_links');
    expect(JSON.stringify(p)).not.toContain('_embedded');
    expect(p.policyType).toMatchObject({ code: 'WORK', businessType: 'COMMERCIAL' });
    expect(p.originalPolicy).toEqual({ id: docPolicy.originalPolicy, number: 'GL-099871' });
    const line = (
      p.lines as {
        status: unknown;
        lineCommission: { percent: string; amount: { decimal: string } };
        producerBrokerCommission: { schedules: { producerBrokerCommissions: Record<string, unknown>[] }[] };
      }[]
    )[0]!;
    expect(line.status).toEqual({ id: docLine.status, code: 'ISS', description: 'Issued Policy' });
    expect(line.lineCommission.percent).toBe('10');
    expect(line.lineCommission.amount.decimal).toBe('425.05');
    const splits = line.producerBrokerCommission.schedules[0]!.producerBrokerCommissions;
    expect(splits.map((s) => (s.producerBroker as { type: string }).type)).toEqual([
      'PRODUCER_PAYABLE',
      'BROKER_PAYABLE',
    ]);
    expect(splits[0]).toMatchObject({
      commissionPercent: '10',
      productionCredit: '100',
      sharedRevenue: { percent: '25' },
    });
  });
});

describe('accounts map to producers, carriers and clients', () => {
  test('an employee account becomes a producer keyed by its lookup code', () => {
    const r = mapRecord(
      mappings.employees!,
      account({
        id: '03de6e6d-7d02-4ef4-aea4-dcfc4f9709da',
        type: 'EMPLOYEE',
        name: 'Jane Doe',
        lookupCode: 'JADOE-01',
        active: true,
      }),
    );
    expect(r.ok === true && r.draft).toEqual({
      kind: 'producer',
      name: 'Jane Doe',
      code: 'JADOE-01',
      active: true,
    });
  });

  test('an inactive employee maps to an inactive producer', () => {
    const r = mapRecord(
      mappings.employees!,
      account({ id: '03de6e6d', type: 'EMPLOYEE', name: 'Jane Doe', lookupCode: 'JADOE-01', active: false }),
    );
    expect(r.ok === true && r.draft).toMatchObject({ active: false });
  });

  test('a broker account becomes an external broker', () => {
    const r = mapRecord(
      mappings.brokers!,
      account({ id: 'b1', type: 'BROKER', name: 'Keystone Referral', lookupCode: 'KEYREF1', active: true }),
    );
    expect(r.ok === true && r.draft).toMatchObject({ kind: 'broker_external', name: 'Keystone Referral' });
  });

  test('a client account becomes a business client with its lookup code', () => {
    const r = mapRecord(
      mappings.clients!,
      account({
        id: '497f6eca-6276-4993-bfeb-53cbbbba6f08',
        type: 'CLIENT',
        name: 'John Doe',
        lookupCode: 'jdoe-01',
        active: true,
      }),
    );
    expect(r.ok === true && r.draft).toMatchObject({ kind: 'business', displayName: 'John Doe' });
  });

  test('a client saved without a name is quarantined with the field and the reason', () => {
    const r = mapRecord(
      mappings.clients!,
      account({ id: 'x', type: 'CLIENT', name: '  ', lookupCode: 'NONAME', active: true }),
    );
    expect(r).toMatchObject({
      ok: false,
      field: 'displayName',
      reason: expect.stringContaining('displayName'),
    });
  });

  test('a company account becomes a carrier', () => {
    const r = mapRecord(
      mappings.companies!,
      account({
        id: 'c1',
        type: 'COMPANY',
        name: 'Empire State Insurance',
        lookupCode: 'EMPT01',
        active: true,
      }),
    );
    expect(r.ok === true && r.draft).toEqual({ kind: 'carrier', name: 'Empire State Insurance' });
  });
});

describe('policies map to policy terms', () => {
  test('a policy takes carrier, bill mode, state, line of business and status from its first line', () => {
    const r = mapRecord(mappings.policies!, policyPayload());
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.entity).toBe('policy');
    expect(r.draft).toMatchObject({
      policyNumber: 'GL-100245',
      lineOfBusiness: 'WORK',
      businessType: 'commercial',
      state: 'NY',
      effectiveDate: '2025-01-01',
      expirationDate: '2026-01-01',
      priorPolicyNumber: 'GL-099871',
      billMode: 'agency',
      status: 'active',
      termPremiumCents: 425050,
      commissionRate: '10',
      commissionRateSource: 'applied-epic',
    });
    expect(r.refs).toEqual({
      clientId: { kind: 'source', stream: 'clients', externalId: docPolicy.client },
      carrierId: { kind: 'source', stream: 'companies', externalId: docLine.issuingCompany },
      producerId: { kind: 'source', stream: 'employees', externalId: 'b2c3d4e5-f6a7-4b5c-9d0e-1f2a3b4c5d6e' },
      share0: { kind: 'source', stream: 'brokers', externalId: '0b0b0b0b-0000-4000-8000-000000000002' },
    });
  });

  test('Epic status codes give the canonical status: cancelled, renewed (expired), non-renewed (lost)', () => {
    const status = (code: string) => {
      const r = mapRecord(
        mappings.policies!,
        policyPayload(
          {},
          { _embedded: { ...docLine._embedded!, status: { id: 's', code, description: code } } },
        ),
      );
      return r.ok === true ? (r.draft as { status: string }).status : r;
    };
    expect(status('CAN')).toBe('cancelled');
    expect(status('REN')).toBe('expired');
    expect(status('NRN')).toBe('lost');
    expect(status('RWL')).toBe('active');
  });

  test("the line's producer/broker commissions that are a percent of the commission become the policy's producer shares", () => {
    // The doc's producer is paid a percent of premium (not a share of the agency commission): left out.
    const doc = mapRecord(mappings.policies!, policyPayload());
    expect(doc.ok === true && (doc.draft as { producerShares: unknown }).producerShares).toEqual([
      { percent: '10', role: 'referral' },
    ]);
    expect(doc.ok === true && doc.refs.share0).toEqual({
      kind: 'source',
      stream: 'brokers',
      externalId: '0b0b0b0b-0000-4000-8000-000000000002',
    });
    const shared = normalisePolicy({
      policy: docPolicy,
      lines: [
        {
          line: docLine,
          commissions: {
            ...docCommissions,
            schedules: [
              {
                ...docCommissions.schedules![0]!,
                producerBrokerCommissions: [
                  { ...producer, commissionType: 'PERCENTAGE_OF_COMMISSION', commissionPercent: 24 },
                  {
                    ...producer,
                    id: 'second-writer',
                    producerBroker: {
                      type: 'PRODUCER_PAYABLE',
                      account: 'c3c3c3c3-0000-4000-8000-000000000003',
                    },
                    commissionType: 'PERCENTAGE_OF_COMMISSION',
                    commissionPercent: 16,
                    productionCredit: 40,
                  },
                ],
              },
            ],
          },
        },
      ],
      originalPolicyNumber: null,
    });
    const r = mapRecord(mappings.policies!, shared);
    expect(r.ok === true && (r.draft as { producerShares: unknown }).producerShares).toEqual([
      { percent: '24', role: 'writing' },
      { percent: '16', role: 'servicing' },
    ]);
    expect(r.ok === true && [r.refs.share0, r.refs.share1]).toEqual([
      { kind: 'source', stream: 'employees', externalId: producer.producerBroker.account },
      { kind: 'source', stream: 'employees', externalId: 'c3c3c3c3-0000-4000-8000-000000000003' },
    ]);
  });

  test('a line paid as a flat fee records no commission rate for the policy', () => {
    const r = mapRecord(
      mappings.policies!,
      policyPayload({}, { lineCommission: { ...docLine.lineCommission, type: 'FLAT_FEE', percent: null } }),
    );
    expect(r.ok === true && (r.draft as { commissionRate?: string | null }).commissionRate).toBeFalsy();
  });

  test('a first term has no prior policy number', () => {
    const r = mapRecord(mappings.policies!, policyPayload({ originalPolicy: null }, {}, null));
    expect(r.ok === true && 'priorPolicyNumber' in r.draft).toBe(false);
  });

  test('an expiration typed before the effective date is quarantined', () => {
    const r = mapRecord(mappings.policies!, policyPayload({ expirationOn: '2024-01-01' }));
    expect(r).toMatchObject({
      ok: false,
      field: 'expirationDate',
      reason: expect.stringContaining('before'),
    });
  });

  test('a premium that is not an amount is quarantined with the field and the reason', () => {
    const r = mapRecord(
      mappings.policies!,
      policyPayload({ premium: { estimated: { currencySymbol: '$', units: 'TBD', partialUnits: 0 } } }),
    );
    expect(r).toEqual({
      ok: false,
      field: 'termPremiumCents',
      reason: 'termPremiumCents: not an amount: "invalid units TBD"',
    });
  });

  test('a blank policy number is quarantined', () => {
    const r = mapRecord(mappings.policies!, policyPayload({ policyNumber: '' }));
    expect(r).toMatchObject({ ok: false, field: 'policyNumber' });
  });

  test('an agency status code nobody mapped is quarantined until an override maps it', () => {
    const payload = policyPayload(
      {},
      { _embedded: { ...docLine._embedded!, status: { id: 's', code: 'ACT', description: 'Active' } } },
    );
    expect(mapRecord(mappings.policies!, payload)).toEqual({
      ok: false,
      field: 'status',
      reason: 'status: unknown value "ACT"',
    });
    const custom = withOverrides(appliedEpicMappings, {
      policies: {
        fields: {
          status: { path: ['lines.0.status.code', 'status'], transform: 'upper', values: { ACT: 'active' } },
        },
      },
    });
    expect(mapRecord(custom.policies!, payload)).toMatchObject({ ok: true, draft: { status: 'active' } });
  });
});

describe('transactions map to policy transactions', () => {
  const cancellation = normalise({
    id: 'd1e2f3a4-0000-4000-8000-000000000009',
    account: 'f6a7b8c9-0d1e-4f5a-3b4c-5d6e7f8a9b0c',
    policy: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    line: '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d',
    transactionCode: 'CANC',
    description: 'Cancellation',
    effectiveOn: '2025-06-15',
    accountingMonth: '2025-06',
    amount: { currencySymbol: '$', units: '-1250', partialUnits: -50 },
    commission: { percent: 10, amount: { currencySymbol: '$', units: '-125', partialUnits: -5 } },
    cancellation: { method: 'PRO_RATA' },
    lastUpdatedBy: { userCode: 'MTHOMPSON', date: '2025-06-15T12:00:00Z' },
    _links: { self: { href: `${mock}/epic/transaction/v1/transactions/d1e2f3a4` } },
  }) as Record<string, unknown>;

  test('a pro-rata cancellation becomes a CAN with negative premium and its method', () => {
    const r = mapRecord(mappings.transactions!, cancellation);
    expect(r.ok === true && r.draft).toEqual({
      type: 'CAN',
      effectiveDate: '2025-06-15',
      accountingPeriod: '2025-06',
      premiumDeltaCents: -125050,
      taxesFeesCents: 0,
      cancelMethod: 'pro_rata',
      commissionRate: '10',
      commissionCents: -12505,
      commissionSource: 'applied-epic',
    });
    expect(r.ok === true && r.refs.policyId).toEqual({
      kind: 'source',
      stream: 'policies',
      externalId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    });
  });

  test('new business, renewal and endorsements map by transaction code', () => {
    const type = (transactionCode: string) => {
      const r = mapRecord(mappings.transactions!, { ...cancellation, transactionCode, cancellation: null });
      return r.ok === true ? (r.draft as { type: string }).type : null;
    };
    expect(['NEWB', 'RWBL', 'AEND', 'REND', 'REIN'].map(type)).toEqual(['NEW', 'RWL', 'END', 'END', 'REI']);
  });

  test('an agency-defined transaction code is quarantined', () => {
    const r = mapRecord(mappings.transactions!, { ...cancellation, transactionCode: 'MISC' });
    expect(r).toEqual({ ok: false, field: 'type', reason: 'type: unknown value "MISC"' });
  });

  test('an amount with more than 99 partial units is quarantined', () => {
    const bad = normalise({
      ...cancellation,
      amount: { currencySymbol: '$', units: '10', partialUnits: 150 },
    });
    const r = mapRecord(mappings.transactions!, bad);
    expect(r).toMatchObject({
      ok: false,
      field: 'premiumDeltaCents',
      reason: expect.stringContaining('partialUnits'),
    });
  });
});
