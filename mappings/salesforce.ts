// Salesforce → canonical. The agency's commercial team keeps its book in Salesforce with
// Financial Services Cloud: each business client is an Account (Agency_Client_Code__c is the
// AMS lookup code), producers and CSRs are Users (Agency_Role__c says which; admins and
// integration users have none and are skipped), and each policy term is an InsurancePolicy
// (Name = policy number, NameInsuredId → the Account, ProducerId → the User, PriorPolicy → the
// previous term) and also the Opportunity that sold or renewed it.
//
// The policy source is InsurancePolicy: it is FSC's record of the policy itself, one per term,
// kept in step with the AMS, while an Opportunity is the sale (its Amount is often the quote,
// not the bound premium, and open renewals have no policy yet). The connector reads only one of
// the two streams (connection setting policySource, default InsurancePolicy), so a term is
// never counted twice; the opportunities mapping serves orgs without FSC, where opportunities
// carrying a policy number are the terms and the others are sales still open, skipped.
//
// Contacts are not mapped: in this org they are the people at a business client (owner,
// office manager), not insureds, and the canonical model has no contact entity. Making them
// person clients would invent personal-lines clients no AMS has. The stream is still read, so a
// contact entity can be mapped later without a new sync.
import type { StreamMappingInput } from './engine.ts';

const policyStatus = {
  active: 'active',
  'in force': 'active',
  expired: 'expired',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  'non-renewed': 'lost',
  lapsed: 'lost',
  quoted: 'prospective',
  pending: 'prospective',
};

const opportunityStage = {
  ...policyStatus,
  lost: 'lost',
  prospective: 'prospective',
  'closed won': 'active',
  'closed lost': 'lost',
  prospecting: 'prospective',
  qualification: 'prospective',
  'needs analysis': 'prospective',
  'value proposition': 'prospective',
  'id. decision makers': 'prospective',
  'perception analysis': 'prospective',
  'proposal/price quote': 'prospective',
  'negotiation/review': 'prospective',
};

export const salesforceMappings: Record<string, StreamMappingInput> = {
  users: {
    entity: 'producer',
    skipWhenBlank: ['Agency_Role__c'],
    fields: {
      name: { path: 'Name', transform: 'collapseSpaces' },
      email: { path: 'Email', transform: 'lower' },
      code: { path: 'EmployeeNumber' },
      kind: {
        path: 'Agency_Role__c',
        transform: 'lower',
        values: { producer: 'producer', csr: 'csr', house: 'house' },
      },
      active: { path: 'IsActive', transform: 'boolean', default: true },
    },
  },
  accounts: {
    entity: 'client',
    fields: {
      kind: { const: 'business' },
      displayName: { path: 'Name', transform: 'collapseSpaces' },
      lookupCode: { path: 'Agency_Client_Code__c' },
      phone: { path: 'Phone' },
      'address.line1': { path: 'BillingStreet' },
      'address.city': { path: 'BillingCity' },
      'address.state': { path: 'BillingState', transform: 'upper' },
      'address.postalCode': { path: 'BillingPostalCode' },
      'address.country': { path: 'BillingCountry' },
    },
  },
  insurance_policies: {
    entity: 'policy',
    fields: {
      policyNumber: { path: 'Name' },
      lineOfBusiness: { path: 'PolicyType', transform: 'upper' },
      // FSC keeps these as dateTime; the agency enters midnight of the policy's date.
      effectiveDate: { path: 'EffectiveDate', transform: 'isoDate' },
      expirationDate: { path: 'ExpirationDate', transform: 'isoDate' },
      priorPolicyNumber: { path: 'PriorPolicy.Name' },
      termPremiumCents: { path: 'PremiumAmount', transform: 'cents' },
      status: { path: 'Status', transform: 'lower', values: policyStatus },
    },
    refs: {
      clientId: { stream: 'accounts', path: 'NameInsuredId' },
      producerId: [
        { stream: 'users', path: 'ProducerId' },
        { stream: 'users', path: 'OwnerId' },
      ],
      carrierId: { carrierByName: 'Carrier_Name__c' },
    },
  },
  opportunities: {
    entity: 'policy',
    skipWhenBlank: ['Policy_Number__c'],
    fields: {
      policyNumber: { path: 'Policy_Number__c' },
      lineOfBusiness: { path: 'Line_Of_Business__c', transform: 'upper' },
      effectiveDate: { path: ['Effective_Date__c', 'CloseDate'], transform: 'isoDate' },
      expirationDate: { path: 'Expiration_Date__c', transform: 'isoDate' },
      priorPolicyNumber: { path: 'Prior_Policy_Number__c' },
      termPremiumCents: { path: 'Amount', transform: 'cents' },
      status: { path: ['Policy_Status__c', 'StageName'], transform: 'lower', values: opportunityStage },
    },
    refs: {
      clientId: { stream: 'accounts', path: 'AccountId' },
      producerId: { stream: 'users', path: 'OwnerId' },
      carrierId: { carrierByName: 'Carrier_Name__c' },
    },
  },
};
