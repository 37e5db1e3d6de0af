// EZLynx → canonical (field names follow our sandbox's design of the API, sandbox/api.ts). Users
// with producer codes are producers; the carrier list gives carriers; personal-lines applicants are
// clients (EZLynx's customer number is the agency's lookup code); every policy term is a policy
// that points at its applicant, its carrier (by carrier id, or by the name typed on hand-entered
// policies that were never linked to the carrier list) and its producer; downloaded or hand-entered
// policy transactions point at their term. Commission statements have no canonical entity yet and
// are kept as source records only.
import type { StreamMappingInput } from './engine.ts';

export const ezlynxMappings: Record<string, StreamMappingInput> = {
  agents: {
    entity: 'producer',
    fields: {
      name: { join: ['firstName', 'lastName'], transform: 'collapseSpaces' },
      email: { path: 'email', transform: 'lower' },
      code: { path: 'producerCode' },
      kind: {
        path: 'role',
        values: { Producer: 'producer', CSR: 'csr', House: 'house' },
        default: 'producer',
      },
      active: { path: 'active', transform: 'boolean', default: true },
    },
  },
  carriers: {
    entity: 'carrier',
    fields: {
      name: { path: 'name' },
      naicCode: { path: 'naicCode' },
      kind: { path: 'carrierType', values: { Carrier: 'carrier', MGA: 'mga', Wholesaler: 'wholesaler' } },
    },
  },
  applicants: {
    entity: 'client',
    fields: {
      // The EZLynx book is personal lines; a commercial applicant has no first/last name and is
      // quarantined for a name rather than guessed.
      kind: { const: 'person' },
      displayName: { join: ['firstName', 'middleName', 'lastName'], transform: 'collapseSpaces' },
      lookupCode: { path: 'customerNumber' },
      email: { path: 'email', transform: 'lower' },
      phone: { path: 'phones.0.number' },
      'address.line1': { path: 'address.addressLine1' },
      'address.line2': { path: 'address.addressLine2' },
      'address.city': { path: 'address.city' },
      'address.state': { path: 'address.stateCode', transform: 'upper' },
      'address.postalCode': { path: 'address.zipCode' },
    },
  },
  policies: {
    entity: 'policy',
    fields: {
      policyNumber: { path: 'policyNumber' },
      lineOfBusiness: {
        path: 'lineOfBusiness',
        values: {
          PersonalAuto: 'AUTOP',
          Homeowners: 'HOME',
          PersonalUmbrella: 'UMBRP',
          DwellingFire: 'DFIRE',
          Renters: 'HOME',
          Condo: 'HOME',
        },
      },
      businessType: { const: 'personal' },
      state: { path: 'stateCode', transform: 'upper' },
      effectiveDate: { path: 'effectiveDate', transform: 'isoDate' },
      expirationDate: { path: 'expirationDate', transform: 'isoDate' },
      originalInceptionDate: { path: 'originalEffectiveDate', transform: 'isoDate' },
      priorPolicyNumber: { path: 'priorPolicyNumber' },
      billMode: { path: 'billingMethod', values: { DirectBill: 'direct', AgencyBill: 'agency' } },
      status: {
        path: 'status',
        values: {
          Active: 'active',
          Expired: 'expired',
          Cancelled: 'cancelled',
          NonRenewed: 'lost',
          Replaced: 'replaced',
          Quoted: 'prospective',
        },
      },
      termPremiumCents: { path: 'termPremium', transform: 'cents' },
    },
    refs: {
      clientId: { stream: 'applicants', path: 'applicantId' },
      carrierId: [{ stream: 'carriers', path: 'carrierId' }, { carrierByName: 'carrierName' }],
      producerId: { stream: 'agents', path: 'producer.userId' },
    },
  },
  policy_transactions: {
    entity: 'policy_transaction',
    fields: {
      type: {
        path: 'transactionType',
        values: {
          NewBusiness: 'NEW',
          Renewal: 'RWL',
          Endorsement: 'END',
          PolicyChange: 'END',
          Cancellation: 'CAN',
          Reinstatement: 'REI',
          Audit: 'AUD',
          Rewrite: 'REWRITE',
        },
      },
      effectiveDate: { path: 'effectiveDate', transform: 'isoDate' },
      premiumDeltaCents: { path: 'premiumChange', transform: 'cents' },
      taxesFeesCents: { path: 'taxesAndFees', transform: 'cents' },
      cancelMethod: {
        path: 'cancellationMethod',
        values: { Flat: 'flat', ProRata: 'pro_rata', ShortRate: 'short_rate' },
      },
    },
    refs: {
      policyId: { stream: 'policies', path: 'policyId' },
    },
  },
};
