// One Epic enterprise database held in memory: accounts (clients, companies, brokers,
// employees), policies with their lines and each line's producer/broker commissions, the
// transactions billed on them, the lookups they point at (line types, policy types, statuses),
// and the database's chaos settings and request meter. Records are stored in Applied's field
// names without HAL links; api.ts adds `_links` and `_embedded` when it serves them.

import { Random } from '../../kit/random.ts';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export const accountTypes = [
  'BROKER',
  'CLIENT',
  'COMPANY',
  'EMPLOYEE',
  'FINANCE_COMPANY',
  'OTHER_INTEREST',
  'VENDOR',
] as const;
export type AccountType = (typeof accountTypes)[number];

export interface UserAndDate {
  userCode: string;
  date: string;
}

export interface ProcessAndDate {
  code: string;
  date: string;
}

/** Applied's money: whole units as a string plus partial units (cents, see api.ts assumptions). */
export interface Currency {
  currencySymbol: string;
  units: string;
  partialUnits: number;
}

export interface EpicAccount {
  id: string;
  type: AccountType;
  name: string;
  lookupCode: string;
  active: boolean;
  enteredBy: UserAndDate;
  lastUpdatedBy: UserAndDate;
}

export interface PremiumOrCommission {
  estimated: Currency;
  annualized: Currency;
  billed: Currency;
  estimatedMonthly: Currency;
}

export interface EpicPolicy {
  id: string;
  status: 'PROSPECTIVE' | 'CONTRACTED';
  organization: string;
  description: string;
  effectiveOn: string;
  expirationOn: string;
  policyNumber: string;
  policyType: string;
  client: string;
  premium: PremiumOrCommission;
  commission: PremiumOrCommission;
  source: string | null;
  turnOffPolicyDownload: boolean;
  datesChanged: boolean;
  originalPolicy: string | null;
  historic: boolean;
  enteredBy: UserAndDate;
  lastUpdatedBy: UserAndDate;
  enteredByProcess: ProcessAndDate;
  lastUpdatedByProcess: ProcessAndDate;
}

export interface EpicLine {
  id: string;
  client: string;
  policy: string;
  lineType: string;
  planOptionName: string | null;
  status: string;
  effectiveOn: string;
  expirationOn: string;
  organization: string;
  billMode: 'AGENCY' | 'DIRECT';
  issuingLocation: { stateOrProvince: string; country: string };
  issuingCompany: string;
  premiumPayable: { account: string; type: 'EXTERNAL_BROKER' | 'CARRIER' | 'INTERNAL_BROKER' } | null;
  producerBrokerCommission: { type: 'SINGLE_TERM' | 'MULTI_TERM' };
  planLineId: string | null;
  rateGuaranteedThrough: string | null;
  lineCommission: {
    useAgreement: boolean;
    commissionAgreement: string | null;
    overrideAgreement: boolean;
    type: 'FLAT_FEE' | 'PERCENTAGE_OF_PREMIUM';
    percent: number | null;
    amount: Currency | null;
  };
  stage: string;
  action: string;
  agencyFirstWrittenOn: string | null;
  premium: PremiumOrCommission;
  commission: PremiumOrCommission;
  lastUpdatedBy: UserAndDate;
}

export interface ProducerBrokerCommissionItem {
  id: string;
  producerBroker: { type: 'PRODUCER_PAYABLE' | 'BROKER_PAYABLE' | 'BROKER_RECEIVABLE'; account: string };
  useCommissionAgreement: boolean;
  commissionAgreement: string | null;
  overrideCommissionAgreement: boolean | null;
  payableContract: string | null;
  commissionType:
    | 'FLAT_FEE'
    | 'PERCENTAGE_OF_PREMIUM'
    | 'PERCENTAGE_OF_COMMISSION'
    | 'NET_BROKERAGE_COMMISSION_SPLIT'
    | 'BROKERAGE_NET_COMMISSION';
  commissionPercent: number | null;
  commissionAmount: Currency | null;
  productionCredit: number;
  orderNumber: number;
  sharedRevenue: { percent: number; organization: string } | null;
  commission: { billed: Currency | null; annualized: Currency | null; estimated: Currency | null } | null;
}

/** What GET /lines/{id}/producer-broker-commissions answers for one line. */
export interface LineProducerBrokerCommissions {
  type: 'SINGLE_TERM' | 'MULTI_TERM';
  schedules: {
    id: string;
    startOn: string;
    endOn: string;
    description: string;
    producerBrokerCommissions: ProducerBrokerCommissionItem[];
  }[];
}

/** A transaction billed on a line (the sandbox's resource; see api.ts assumptions). */
export interface EpicTransaction {
  id: string;
  account: string;
  policy: string;
  line: string;
  transactionCode: string;
  description: string;
  effectiveOn: string;
  accountingMonth: string;
  amount: Currency;
  commission: { percent: number | null; amount: Currency | null };
  cancellation: { method: 'FLAT' | 'PRO_RATA' | 'SHORT_RATE' } | null;
  enteredBy: UserAndDate;
  lastUpdatedBy: UserAndDate;
}

export interface LineType {
  id: string;
  code: string;
  description: string;
}

export interface PolicyStatus {
  id: string;
  code: string;
  description: string;
  isActive: boolean;
}

export interface PolicyType {
  id: string;
  code: string;
  description: string;
  businessType: string;
  isLineOfBusiness: boolean;
  active: boolean;
}

export interface Organization {
  id: string;
  agency: string;
  branch: string;
  department: string;
  profitCenter: string;
}

export interface StoredTypes {
  accounts: EpicAccount;
  policies: EpicPolicy;
  lines: EpicLine;
  'producer-broker-commissions': LineProducerBrokerCommissions;
  transactions: EpicTransaction;
}
export type StoredType = keyof StoredTypes;
export const storedTypes: StoredType[] = [
  'accounts',
  'policies',
  'lines',
  'producer-broker-commissions',
  'transactions',
];

export interface Removed<T> {
  record: T;
  removedAt: string;
}

/** The sandbox's default request limit (Applied publishes none; see api.ts). */
export const DEFAULT_REQUESTS_PER_WINDOW = 200;
export const RATE_WINDOW_MS = 10_000;

export class EpicDatabase {
  /** The Epic database name the credentials are bound to; the admin API's account id. */
  readonly name: string;
  readonly records: { [K in StoredType]: Map<string, StoredTypes[K]> } = {
    accounts: new Map(),
    policies: new Map(),
    lines: new Map(),
    'producer-broker-commissions': new Map(),
    transactions: new Map(),
  };
  /** Records the admin API removed outright, kept only as test truth (Epic itself forgets them). */
  readonly removed: { [K in StoredType]: Map<string, Removed<StoredTypes[K]>> } = {
    accounts: new Map(),
    policies: new Map(),
    lines: new Map(),
    'producer-broker-commissions': new Map(),
    transactions: new Map(),
  };
  readonly lineTypes = new Map<string, LineType>();
  readonly policyTypes = new Map<string, PolicyType>();
  readonly statuses = new Map<string, PolicyStatus>();
  organization: Organization;
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly window = new RollingWindow(DEFAULT_REQUESTS_PER_WINDOW, RATE_WINDOW_MS);
  requestCount = 0;
  private readonly ids: Random;
  private lastStamp = 0;

  constructor(name: string, idSeed: string) {
    this.name = name;
    this.ids = new Random(`${idSeed}:applied-epic:ids`);
    this.organization = {
      id: this.newId(),
      agency: this.newId(),
      branch: this.newId(),
      department: this.newId(),
      profitCenter: this.newId(),
    };
  }

  /** GUIDs in v4 layout from the database's own seeded sequence, so a re-seeded demo keeps its ids. */
  newId(): string {
    const hex = Array.from({ length: 32 }, () => this.ids.int(0, 15).toString(16));
    hex[12] = '4';
    hex[16] = ((this.ids.int(0, 15) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** Strictly increasing audit stamps, so "updated after" never misses two edits in one millisecond. */
  stamp(): string {
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  put<K extends StoredType>(type: K, id: string, record: StoredTypes[K]): StoredTypes[K] {
    (this.records[type] as Map<string, StoredTypes[K]>).set(id, record);
    return record;
  }

  get<K extends StoredType>(type: K, id: string): StoredTypes[K] | undefined {
    return (this.records[type] as Map<string, StoredTypes[K]>).get(id);
  }

  /**
   * Changes a record as an Epic user would: fields are replaced (nested objects wholesale) and
   * the audit stamp moves. Commission changes move their line's stamp, since they are part of it.
   */
  update<K extends StoredType>(
    type: K,
    id: string,
    fields: Record<string, unknown>,
    userCode = 'SANDBOX',
  ): StoredTypes[K] | undefined {
    const record = this.get(type, id) as Record<string, unknown> | undefined;
    if (!record) return undefined;
    const { id: _ignored, ...rest } = fields;
    Object.assign(record, rest);
    const touched = { userCode, date: this.stamp() };
    if (type === 'producer-broker-commissions') {
      const line = this.records.lines.get(id);
      if (line) line.lastUpdatedBy = touched;
    } else {
      record.lastUpdatedBy = touched;
      if (type === 'policies') record.lastUpdatedByProcess = { code: 'EPIC', date: touched.date };
    }
    return record as unknown as StoredTypes[K];
  }

  /** Deletes outright, as purging does in Epic: the id simply stops being listed. */
  remove(type: StoredType, id: string): boolean {
    const map = this.records[type] as Map<string, unknown>;
    const record = map.get(id);
    if (!record) return false;
    map.delete(id);
    const removedAt = this.stamp();
    (this.removed[type] as Map<string, Removed<unknown>>).set(id, { record, removedAt });
    if (type === 'policies') {
      for (const line of [...this.records.lines.values()])
        if (line.policy === id) this.remove('lines', line.id);
    }
    if (type === 'lines') {
      if (this.records['producer-broker-commissions'].has(id)) this.remove('producer-broker-commissions', id);
      for (const t of [...this.records.transactions.values()])
        if (t.line === id) this.remove('transactions', t.id);
    }
    return true;
  }

  lineTypeByCode(code: string): LineType | undefined {
    return [...this.lineTypes.values()].find((t) => t.code === code);
  }

  statusByCode(code: string): PolicyStatus | undefined {
    return [...this.statuses.values()].find((s) => s.code === code);
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const type of accountTypes) out[`accounts.${type}`] = 0;
    for (const a of this.records.accounts.values()) out[`accounts.${a.type}`]!++;
    for (const type of storedTypes) if (type !== 'accounts') out[type] = this.records[type].size;
    for (const type of storedTypes) out[`removed.${type}`] = this.removed[type].size;
    return out;
  }
}
