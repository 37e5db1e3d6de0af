// HubSpot → canonical. An agency's CRM holds people as contacts and businesses as companies
// (both insured clients), producers as owners (a queue as the house), and each policy term as a
// deal carrying the agency's custom properties (policy_number, carrier_name, line_of_business,
// effective_date, expiration_date, policy_status, prior_policy_number). Deals without a policy
// number are sales opportunities, not policies: skipped, not quarantined.
import type { StreamMappingInput } from './engine.ts';

export const hubspotMappings: Record<string, StreamMappingInput> = {
  owners: {
    entity: 'producer',
    fields: {
      name: { join: ['firstName', 'lastName'] },
      email: { path: 'email', transform: 'lower' },
      // HubSpot's owner id: names the owner inside this portal only, never matched to an AMS code.
      code: { path: 'id' },
      // A queue owns deals for the team: the house's, not a person's.
      kind: { path: 'type', values: { PERSON: 'producer', QUEUE: 'house' }, default: 'producer' },
      active: { path: 'archived', values: { false: true, true: false }, default: true },
    },
  },
  companies: {
    entity: 'client',
    fields: {
      kind: { const: 'business' },
      displayName: { path: 'properties.name' },
      lookupCode: { path: 'properties.agency_client_code' },
      phone: { path: 'properties.phone' },
      'address.line1': { path: 'properties.address' },
      'address.city': { path: 'properties.city' },
      'address.state': { path: 'properties.state', transform: 'upper' },
      'address.postalCode': { path: 'properties.zip' },
      'address.country': { path: 'properties.country' },
    },
  },
  contacts: {
    entity: 'client',
    fields: {
      kind: { const: 'person' },
      displayName: { join: ['properties.firstname', 'properties.lastname'], transform: 'collapseSpaces' },
      lookupCode: { path: 'properties.agency_client_code' },
      email: { path: 'properties.email', transform: 'lower' },
      phone: { path: 'properties.phone' },
      'address.line1': { path: 'properties.address' },
      'address.city': { path: 'properties.city' },
      'address.state': { path: 'properties.state', transform: 'upper' },
      'address.postalCode': { path: 'properties.zip' },
    },
  },
  deals: {
    entity: 'policy',
    skipWhenBlank: ['properties.policy_number'],
    fields: {
      policyNumber: { path: 'properties.policy_number' },
      lineOfBusiness: { path: 'properties.line_of_business', transform: 'upper' },
      effectiveDate: { path: 'properties.effective_date', transform: 'isoDate' },
      expirationDate: { path: 'properties.expiration_date', transform: 'isoDate' },
      priorPolicyNumber: { path: 'properties.prior_policy_number' },
      termPremiumCents: { path: 'properties.amount', transform: 'cents' },
      status: {
        path: ['properties.policy_status', 'properties.dealstage'],
        transform: 'lower',
        values: {
          active: 'active',
          expired: 'expired',
          cancelled: 'cancelled',
          lost: 'lost',
          prospective: 'prospective',
          closedwon: 'active',
          closedlost: 'lost',
          appointmentscheduled: 'prospective',
          qualifiedtobuy: 'prospective',
          presentationscheduled: 'prospective',
          decisionmakerboughtin: 'prospective',
          contractsent: 'prospective',
        },
      },
    },
    refs: {
      clientId: [
        { stream: 'companies', path: 'associations.companies.0' },
        { stream: 'contacts', path: 'associations.contacts.0' },
      ],
      producerId: { stream: 'owners', path: 'properties.hubspot_owner_id' },
      carrierId: { carrierByName: 'properties.carrier_name' },
    },
  },
};
