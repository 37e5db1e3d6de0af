// Vertafore AMS360 → canonical, over the payloads connectors/ams360/streams.ts normalises.
//
// - employees: AMS360's employees; an employee flagged as producer (an account executive who
//   writes business) is a producer, one flagged only as a rep (AccountRepCode: the CSR) a CSR.
//   The employee code is the producer's code; an inactive employee stays, inactive.
// - companies: writing companies, parent companies and brokers (MGAs, wholesalers), by company
//   code, with the NAIC code where AMS360 has one.
// - customers: CustomerType Customer (prospects and suspects too: the client is the same party);
//   a firm name makes a business, else the person's name. An inactivated customer is a delete.
// - policies: one policy term per AMS360 policy; quotes without a number are skipped. The carrier
//   is the writing company, the producer the policy's account executive, the status AMS360's
//   policy status. AgencyCommissionPercent is what AMS360 records the agency is owed: the
//   expectation (rate source 'ams') when the agency has no schedule for the policy.
// - transactions: AMS360's transaction types (NEW, REN, END, CAN, RWR, REI, AUD) with the premium
//   written and the agency commission percent and amount AMS360 records for each.
import type { StreamMappingInput } from './engine.ts';

export const ams360Mappings: Record<string, StreamMappingInput> = {
  employees: {
    entity: 'producer',
    fields: {
      kind: {
        path: 'EmployeeType',
        values: { Producer: 'producer', Both: 'producer', Rep: 'csr' },
        default: 'producer',
      },
      name: { path: 'FullName', transform: 'collapseSpaces' },
      email: { path: 'Email', transform: 'lower' },
      code: { path: 'EmployeeCode', transform: 'upper' },
      active: { path: 'IsActive', transform: 'boolean', default: true },
    },
  },
  companies: {
    entity: 'carrier',
    fields: {
      kind: {
        path: 'CompanyType',
        values: { Writing: 'carrier', Parent: 'carrier', Broker: 'mga' },
        default: 'carrier',
      },
      name: { path: 'CompanyName', transform: 'collapseSpaces' },
      naicCode: { path: 'NAICCode' },
    },
  },
  customers: {
    entity: 'client',
    fields: {
      kind: { path: 'IsCommercial', values: { true: 'business', false: 'person' }, default: 'person' },
      displayName: { path: ['FirmName', 'FullName'], transform: 'collapseSpaces' },
      lookupCode: { path: 'CustomerNumber', transform: 'text' },
      email: { path: 'Email', transform: 'lower' },
      phone: { path: 'PrimaryPhone' },
      'address.line1': { path: 'AddressLine1' },
      'address.line2': { path: 'AddressLine2' },
      'address.city': { path: 'City' },
      'address.state': { path: 'State', transform: 'upper' },
      'address.postalCode': { path: 'ZipCode' },
    },
  },
  policies: {
    entity: 'policy',
    skipWhenBlank: ['PolicyNumber'],
    fields: {
      policyNumber: { path: 'PolicyNumber' },
      lineOfBusiness: { path: 'LineOfBusinessCode', transform: 'upper' },
      businessType: {
        path: 'TypeOfBusiness',
        transform: 'text',
        values: { '1': 'personal', '2': 'commercial', '3': 'benefits', '4': 'life_health' },
      },
      state: { path: 'State', transform: 'upper' },
      effectiveDate: { path: 'PolicyEffectiveDate', transform: 'isoDate' },
      expirationDate: { path: 'PolicyExpirationDate', transform: 'isoDate' },
      originalInceptionDate: { path: 'OriginalInceptionDate', transform: 'isoDate' },
      priorPolicyNumber: { path: 'PriorPolicyNumber' },
      billMode: { path: 'BillMethod', transform: 'upper', values: { A: 'agency', D: 'direct' } },
      status: {
        path: 'PolicyStatus',
        values: {
          Active: 'active',
          Renewed: 'expired',
          Expired: 'expired',
          NonRenewed: 'lost',
          Cancelled: 'cancelled',
          Rewritten: 'replaced',
          Quote: 'prospective',
        },
      },
      termPremiumCents: { path: 'FullTermPremium', transform: 'cents' },
      commissionRate: { path: 'AgencyCommissionPercent', transform: 'percent' },
      commissionRateSource: { const: 'ams360' },
    },
    refs: {
      clientId: { stream: 'customers', path: 'CustomerId' },
      carrierId: { stream: 'companies', path: 'WritingCompanyCode' },
      producerId: { stream: 'employees', path: 'AccountExecCode' },
    },
  },
  transactions: {
    entity: 'policy_transaction',
    fields: {
      type: {
        path: 'TransactionType',
        transform: 'upper',
        values: { NEW: 'NEW', REN: 'RWL', END: 'END', CAN: 'CAN', RWR: 'REWRITE', REI: 'REI', AUD: 'AUD' },
      },
      effectiveDate: { path: 'TransactionEffectiveDate', transform: 'isoDate' },
      accountingPeriod: { path: 'AccountingMonth' },
      premiumDeltaCents: { path: 'WrittenPremium', transform: 'cents' },
      cancelMethod: {
        path: 'CancelMethod',
        transform: 'lower',
        values: { flat: 'flat', 'pro rata': 'pro_rata', 'short rate': 'short_rate' },
      },
      commissionRate: { path: 'AgencyCommissionPercent', transform: 'percent' },
      commissionCents: { path: 'AgencyCommissionAmount', transform: 'cents' },
      commissionSource: { const: 'ams360' },
    },
    refs: { policyId: { stream: 'policies', path: 'PolicyId' } },
  },
};
