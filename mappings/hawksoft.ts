// HawkSoft → canonical. HawkSoft is a personal- and commercial-lines AMS whose Partner API serves
// clients with their policies embedded; the connector flattens them into four streams:
//
// - producers: the producer/CSR codes seen on clients and on policies' Agent1–3. The API has no
//   user directory, so a producer is known only by its code (which is also its name here).
// - clients: people (the insured's name) and businesses (the company name), with the first email
//   and phone by priority and the mailing address.
// - policies: one policy term per HawkSoft policy entry (a renewal is a new entry; the old one
//   turns "Replaced"). Entries without a policy number are quotes or prospects: skipped. The
//   writing producer is Agent1, else the client's producer; the carrier is found by name.
// - policy_transactions: derived by the connector from each term's state (the API has no
//   transaction history): the term's opening (NEW, RWL or REWRITE) and its cancellation.
//
// HawkSoft carries no commission data at all: expected commissions come from the hub's own
// commission schedules applied to these policies and transactions.
import type { StreamMappingInput } from './engine.ts';

/** HawkSoft's policy statuses (compared lower-case) and what each means for a policy term. */
const policyStatuses: Record<string, string> = {
  new: 'active',
  active: 'active',
  renew: 'active',
  renewal: 'active',
  rewrite: 'active',
  reinstate: 'active',
  reinstated: 'active',
  prospect: 'prospective',
  quote: 'prospective',
  lead: 'prospective',
  suspect: 'prospective',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  // A renewed term: it ran its course and the next term replaced it.
  replaced: 'expired',
  // Rewritten under a new policy (often another carrier).
  'replaced:rewrite': 'replaced',
  // Ran out without being renewed or replaced: the business was lost.
  expired: 'lost',
  nonrenew: 'lost',
  'non-renew': 'lost',
  deadfiled: 'lost',
  dead: 'lost',
  void: 'cancelled',
};

export const hawksoftMappings: Record<string, StreamMappingInput> = {
  producers: {
    entity: 'producer',
    fields: {
      name: { path: 'code' },
      code: { path: 'code' },
      kind: { path: 'role', values: { producer: 'producer', csr: 'csr' }, default: 'producer' },
    },
  },
  clients: {
    entity: 'client',
    fields: {
      kind: {
        path: 'details.isCommercial',
        values: { true: 'business', false: 'person' },
        default: 'person',
      },
      displayName: { path: ['details.companyName', 'insuredName'], transform: 'collapseSpaces' },
      lookupCode: { path: 'clientNumber', transform: 'text' },
      email: { path: 'primaryEmail', transform: 'lower' },
      phone: { path: 'primaryPhone' },
      'address.line1': { path: 'details.mailingAddress.address1' },
      'address.line2': { path: 'details.mailingAddress.address2' },
      'address.city': { path: 'details.mailingAddress.city' },
      'address.state': { path: 'details.mailingAddress.state', transform: 'upper' },
      'address.postalCode': { path: 'details.mailingAddress.zip' },
    },
  },
  policies: {
    entity: 'policy',
    skipWhenBlank: ['policy.policyNumber'],
    fields: {
      policyNumber: { path: 'policy.policyNumber' },
      lineOfBusiness: { path: ['policy.loBs.0.code', 'policy.title'], transform: 'upper' },
      businessType: {
        path: 'policy.applicationType',
        transform: 'lower',
        values: {
          personal: 'personal',
          commercial: 'commercial',
          agriculture: 'commercial',
          benefits: 'benefits',
        },
      },
      state: { path: 'policy.policyState', transform: 'upper' },
      effectiveDate: { path: 'policy.effectiveDate', transform: 'isoDate' },
      expirationDate: { path: 'policy.expirationDate', transform: 'isoDate' },
      originalInceptionDate: { path: 'policy.inceptionDate', transform: 'isoDate' },
      billMode: {
        path: 'policy.billingType',
        transform: 'lower',
        // Premium-financed policies are billed through the agency.
        values: {
          direct: 'direct',
          'direct bill': 'direct',
          'agency bill': 'agency',
          'premium finance': 'agency',
        },
      },
      status: { path: 'policy.status', transform: 'lower', values: policyStatuses },
      // Full-term written premium, endorsements included (premiumMode "Term"; see sandbox/api.ts).
      termPremiumCents: { path: 'policy.premium', transform: 'cents' },
    },
    refs: {
      clientId: { stream: 'clients', path: 'clientNumber' },
      producerId: [
        { stream: 'producers', path: 'policy.agent1' },
        { stream: 'producers', path: 'client.producer' },
      ],
      carrierId: { carrierByName: ['policy.carrier', 'policy.writingCarrier'] },
    },
  },
  policy_transactions: {
    entity: 'policy_transaction',
    fields: {
      type: {
        path: 'kind',
        values: { new: 'NEW', renewal: 'RWL', rewrite: 'REWRITE', cancellation: 'CAN' },
      },
      effectiveDate: { path: 'effectiveDate', transform: 'isoDate' },
      premiumDeltaCents: { path: 'premium', transform: 'cents' },
      cancelMethod: { path: 'cancelMethod' },
    },
    refs: {
      policyId: { stream: 'policies', path: 'policyId' },
    },
  },
};
