// HubSpot records shaped like the examples in HubSpot's CRM API documentation (a deal with the
// standard properties), plus the agency's custom policy properties.
import { describe, expect, test } from 'vitest';
import { mapRecord, pathsRead, withOverrides } from '../../mappings/engine.ts';
import { hubspotMappings } from '../../mappings/hubspot.ts';

const mappings = withOverrides(hubspotMappings, undefined);

const docDeal = {
  id: '512',
  properties: {
    amount: '1500.00',
    closedate: '2019-12-07T16:50:06.678Z',
    createdate: '2019-10-30T03:30:17.883Z',
    dealname: 'Custom data integrations',
    dealstage: 'presentationscheduled',
    hs_lastmodifieddate: '2019-12-07T16:50:06.678Z',
    hubspot_owner_id: '910901',
    pipeline: 'default',
    policy_number: 'BOP-7733-01',
    carrier_name: 'The Hartford',
    line_of_business: 'bop',
    effective_date: '2020-01-01',
    expiration_date: '1609459200000', // a date property sent as midnight-UTC epoch milliseconds
  },
  createdAt: '2019-10-30T03:30:17.883Z',
  updatedAt: '2019-12-07T16:50:06.678Z',
  archived: false,
  associations: { companies: ['201'], contacts: ['151'] },
};

describe('HubSpot deals map to policy terms', () => {
  test('a deal with policy properties becomes a policy draft with its references', () => {
    const r = mapRecord(mappings.deals!, docDeal);
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.entity).toBe('policy');
    expect(r.draft).toMatchObject({
      policyNumber: 'BOP-7733-01',
      lineOfBusiness: 'BOP',
      effectiveDate: '2020-01-01',
      expirationDate: '2021-01-01',
      termPremiumCents: 150000,
      status: 'prospective',
    });
    expect(r.refs.clientId).toEqual({ kind: 'source', stream: 'companies', externalId: '201' });
    expect(r.refs.producerId).toEqual({ kind: 'source', stream: 'owners', externalId: '910901' });
    expect(r.refs.carrierId).toEqual({ kind: 'carrierName', name: 'The Hartford' });
  });

  test('a person’s deal falls back to its contact for the client', () => {
    const r = mapRecord(mappings.deals!, { ...docDeal, associations: { companies: [], contacts: ['151'] } });
    expect(r.ok === true && r.refs.clientId).toEqual({
      kind: 'source',
      stream: 'contacts',
      externalId: '151',
    });
  });

  test('a deal without a policy number is an opportunity: skipped, not quarantined', () => {
    const r = mapRecord(mappings.deals!, {
      ...docDeal,
      properties: { ...docDeal.properties, policy_number: '' },
    });
    expect(r.ok).toBe('skip');
  });

  test('a hand-typed date is quarantined with the field and the reason', () => {
    const r = mapRecord(mappings.deals!, {
      ...docDeal,
      properties: { ...docDeal.properties, effective_date: 'TBD' },
    });
    expect(r).toEqual({ ok: false, field: 'effectiveDate', reason: 'effectiveDate: not a date: "TBD"' });
  });

  test('an expiration before the effective date is refused by the canonical schema', () => {
    const r = mapRecord(mappings.deals!, {
      ...docDeal,
      properties: { ...docDeal.properties, expiration_date: '2019-01-01' },
    });
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.field).toBe('expirationDate');
  });

  test('a money amount that is not one is quarantined', () => {
    const r = mapRecord(mappings.deals!, {
      ...docDeal,
      properties: { ...docDeal.properties, amount: 'call agent' },
    });
    expect(r).toMatchObject({ ok: false, field: 'termPremiumCents' });
  });
});

describe('contacts and companies map to clients', () => {
  test('a contact becomes a person with a normalised email', () => {
    const contact = {
      id: '151',
      properties: {
        firstname: 'Brian',
        lastname: 'Halligan',
        email: 'BH@HubSpot.com',
        createdate: '2019-10-30T03:30:17.883Z',
        lastmodifieddate: '2019-12-07T16:50:06.678Z',
      },
    };
    const r = mapRecord(mappings.contacts!, contact);
    expect(r.ok === true && r.draft).toEqual({
      kind: 'person',
      displayName: 'Brian Halligan',
      email: 'bh@hubspot.com',
    });
  });

  test('a company without a name is quarantined', () => {
    const r = mapRecord(mappings.companies!, { id: '201', properties: { domain: 'biglytics.net' } });
    expect(r).toMatchObject({ ok: false, field: 'displayName' });
  });
});

describe('per-connection overrides change the mapping without code', () => {
  test('an agency that keeps the producer in agent_code points producerId elsewhere', () => {
    const custom = withOverrides(hubspotMappings, {
      deals: { refs: { producerId: { stream: 'owners', path: 'properties.agent_code' } } },
    });
    const r = mapRecord(custom.deals!, {
      ...docDeal,
      properties: { ...docDeal.properties, agent_code: '777' },
    });
    expect(r.ok === true && r.refs.producerId).toEqual({
      kind: 'source',
      stream: 'owners',
      externalId: '777',
    });
    expect(pathsRead(custom.deals!)).toContain('properties.agent_code');
  });

  test('a field can be removed by an override', () => {
    const custom = withOverrides(hubspotMappings, { deals: { fields: { termPremiumCents: null } } });
    const r = mapRecord(custom.deals!, docDeal);
    expect(r.ok === true && 'termPremiumCents' in r.draft).toBe(false);
  });
});
