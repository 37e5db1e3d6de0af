// Applied Epic → canonical, over the payloads connectors/applied-epic/streams.ts normalises.
// Epic keeps everyone as accounts: EMPLOYEE accounts are the agency's producers (and CSRs and
// the house: the account resource does not say which), BROKER accounts outside brokers paid a
// split, COMPANY accounts the carriers (MGAs included: the account has no kind, so every
// company maps as a carrier), CLIENT accounts the insureds (the account says nothing of person
// or business; the Epic book here is commercial). References go by Epic id through the streams,
// never by name.
//
// A policy term takes its carrier, bill mode, issuing state, line of business and status from
// its first line, its producer from that line's first producer/broker commission (producers
// first, largest production credit first), and its prior term's number from `originalPolicy`.
// Line statuses are agency-configured codes: an unknown one is quarantined until an override
// maps it. The line's commission percent (lines[].lineCommission, when a percentage of premium)
// and each transaction's commission (percent and amount) are what Epic records the agency is
// owed: they are the expectation when the agency has no schedule for the policy. The line's
// producer/broker commissions that are a percent of the agency commission are the policy's
// producer shares (the split, when the agency has no split plan of its own for the policy).
import type { StreamMappingInput } from './engine.ts';

const producerFields = (kind: 'producer' | 'broker_external') => ({
  kind: { const: kind },
  name: { path: 'name', transform: 'collapseSpaces' as const },
  code: { path: 'lookupCode' },
  active: { path: 'active', transform: 'boolean' as const, default: true },
});

export const appliedEpicMappings: Record<string, StreamMappingInput> = {
  employees: { entity: 'producer', fields: producerFields('producer') },
  brokers: { entity: 'producer', fields: producerFields('broker_external') },
  companies: {
    entity: 'carrier',
    fields: {
      kind: { const: 'carrier' },
      name: { path: 'name', transform: 'collapseSpaces' },
    },
  },
  clients: {
    entity: 'client',
    fields: {
      kind: { const: 'business' },
      displayName: { path: 'name', transform: 'collapseSpaces' },
      lookupCode: { path: 'lookupCode', transform: 'upper' },
    },
  },
  policies: {
    entity: 'policy',
    fields: {
      policyNumber: { path: 'policyNumber' },
      lineOfBusiness: { path: ['lines.0.lineType.code', 'policyType.code'], transform: 'upper' },
      businessType: {
        path: 'policyType.businessType',
        values: {
          COMMERCIAL: 'commercial',
          PERSONAL: 'personal',
          BENEFITS: 'benefits',
          LIFE_AND_HEALTH: 'life_health',
          AGRICULTURE: 'commercial',
          BONDS: 'commercial',
          FINANCIAL_SERVICES: null,
          OTHER: null,
        },
      },
      state: { path: 'lines.0.issuingLocation.stateOrProvince', transform: 'upper' },
      effectiveDate: { path: 'effectiveOn', transform: 'isoDate' },
      expirationDate: { path: 'expirationOn', transform: 'isoDate' },
      priorPolicyNumber: { path: 'originalPolicy.number' },
      commissionRate: { path: 'lines.0.commissionPercentOfPremium', transform: 'percent' },
      commissionRateSource: { const: 'applied-epic' },
      billMode: {
        path: 'lines.0.billMode',
        transform: 'upper',
        values: { AGENCY: 'agency', DIRECT: 'direct' },
      },
      status: {
        path: ['lines.0.status.code', 'status'],
        transform: 'upper',
        values: {
          NEW: 'active',
          ISS: 'active',
          RWL: 'active',
          REI: 'active',
          REN: 'expired',
          EXP: 'expired',
          NRN: 'lost',
          CAN: 'cancelled',
          REW: 'replaced',
          QUO: 'prospective',
          // A policy without lines falls back to the policy's own status.
          PROSPECTIVE: 'prospective',
          CONTRACTED: 'active',
        },
      },
      termPremiumCents: { path: 'premium.estimated.decimal', transform: 'cents' },
      producerShares: { path: 'shares' },
    },
    refs: {
      // The parties of producerShares, in its order: an employee or an outside broker each.
      ...Object.fromEntries(
        [0, 1, 2, 3].map((i) => [
          `share${i}`,
          [
            { stream: 'employees', path: `shares.${i}.employee` },
            { stream: 'brokers', path: `shares.${i}.broker` },
          ],
        ]),
      ),
      clientId: { stream: 'clients', path: 'client' },
      carrierId: { stream: 'companies', path: 'lines.0.issuingCompany' },
      producerId: {
        stream: 'employees',
        path: 'lines.0.producerBrokerCommission.schedules.0.producerBrokerCommissions.0.producerBroker.account',
      },
    },
  },
  transactions: {
    entity: 'policy_transaction',
    fields: {
      type: {
        path: 'transactionCode',
        transform: 'upper',
        values: { NEWB: 'NEW', RWBL: 'RWL', AEND: 'END', REND: 'END', CANC: 'CAN', REIN: 'REI' },
      },
      effectiveDate: { path: 'effectiveOn', transform: 'isoDate' },
      accountingPeriod: { path: 'accountingMonth' },
      premiumDeltaCents: { path: 'amount.decimal', transform: 'cents' },
      cancelMethod: {
        path: 'cancellation.method',
        transform: 'upper',
        values: { FLAT: 'flat', PRO_RATA: 'pro_rata', SHORT_RATE: 'short_rate' },
      },
      commissionRate: { path: 'commission.percent', transform: 'percent' },
      commissionCents: { path: 'commission.amount.decimal', transform: 'cents' },
      commissionSource: { const: 'applied-epic' },
    },
    refs: { policyId: { stream: 'policies', path: 'policy' } },
  },
};
