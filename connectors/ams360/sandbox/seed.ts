// Projects an AMS360-only slice of the demo agency into an AMS360 agency database. The agency
// keeps one more book in AMS360 (a small acquisition not yet migrated), so the slice is generated
// from its own seed (`<seed>:ams360`) with the demo agency's generator and never touches
// `kit/demo-book.ts`: every other system holds exactly what it held before. The staff are the demo
// agency's own (same codes, names and emails: the hub merges them with the other systems'), the
// companies its carriers (same names and NAIC codes). Customer numbers start at 3,600,001 and
// emails are on another domain, so no customer is mistaken for a client of the main book.
//
// Policies carry the agency commission percent AMS360 takes from the company's commission setup
// (the carrier's new or renewal rate); each transaction the premium it wrote and the commission
// percent and amount AMS360 computed on it.
import { createHash } from 'node:crypto';
import { addDays, type DemoAgency, type DemoPolicy, generateAgency } from '../../kit/demo-agency.ts';
import type {
  A360Company,
  A360Customer,
  A360Employee,
  A360Policy,
  A360PolicyTransaction,
} from '../client.ts';
import type { Ams360Agency } from './agency.ts';

export interface Ams360SeedOptions {
  seed?: string;
  /** Customers in the AMS360 slice (default 60). */
  clients?: number;
  asOf?: string;
}

/** A GUID that is the same for the same seed and key. */
export function guid(seed: string, key: string): string {
  const h = createHash('sha256').update(`ams360:${seed}:${key}`).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** YYYY-MM-DD as WSAPI writes dates: MM/DD/YYYY. */
export const wsDate = (d: string): string => `${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(0, 4)}`;

/** A seeded record's ChangedDate: the start of its last day, never later than now. */
const changed = (day: string): string => {
  const t = Math.min(Date.parse(`${day.slice(0, 10)}T00:00:00.000Z`), Date.now() - 1000);
  return new Date(t).toISOString();
};

/** When a transaction was entered: its effective day, or today for one dated ahead. */
const entered = (day: string, asOf: string): string => (day > asOf ? asOf : day);

const statusOf: Record<DemoPolicy['status'], string> = {
  active: 'Active',
  cancelled: 'Cancelled',
  expired: 'Renewed',
  lost: 'NonRenewed',
};
const transactionType: Record<string, string> = {
  NEW: 'NEW',
  RWL: 'REN',
  END: 'END',
  CAN: 'CAN',
  REI: 'REI',
};
const cancelMethod: Record<string, string> = { flat: 'Flat', pro_rata: 'Pro Rata', short_rate: 'Short Rate' };

/** The AMS360 slice: its own customers and policies, the demo agency's staff and carriers. */
export function ams360Slice(opts: Ams360SeedOptions): { slice: DemoAgency; staff: DemoAgency } {
  const seed = opts.seed ?? 'demo';
  const staff = generateAgency({ seed, clients: 0, asOf: opts.asOf });
  const slice = generateAgency({ seed: `${seed}:ams360`, clients: opts.clients ?? 60, asOf: opts.asOf });
  return { slice, staff };
}

export function seedAgency(agency: Ams360Agency, opts: Ams360SeedOptions): DemoAgency {
  const seed = opts.seed ?? 'demo';
  const { slice, staff } = ams360Slice(opts);
  const asOf = slice.asOf;
  const id = (key: string) => guid(`${seed}:${agency.agencyNo}`, key);
  const codeOf = new Map(staff.producers.map((p) => [p.key, p.code]));

  for (const p of staff.producers) {
    const employee: A360Employee = {
      EmployeeId: id(`emp:${p.key}`),
      EmployeeCode: p.code,
      FirstName: p.firstName,
      LastName: p.lastName,
      Email: p.email,
      EmployeeType: p.role === 'csr' ? 'Rep' : 'Producer',
      IsProducer: p.role !== 'csr',
      IsRep: p.role === 'csr',
      IsActive: true,
      ChangedDate: changed(addDays(asOf, -400)),
    };
    agency.put('employees', employee);
  }

  for (const c of slice.carriers) {
    const company: A360Company = {
      CompanyId: id(`co:${c.key}`),
      CompanyCode: c.key,
      CompanyName: c.name,
      CompanyType: c.kind === 'mga' ? 'Broker' : 'Writing',
      ParentCompanyCode: null,
      NAICCode: c.naicCode,
      IsActive: true,
      ChangedDate: changed(addDays(asOf, -400)),
    };
    agency.put('companies', company);
  }

  const customerIds = new Map<string, string>();
  for (const [i, c] of slice.clients.entries()) {
    const phone = /^\((\d{3})\) (.*)$/.exec(c.phone);
    const business = c.kind === 'business';
    const customer: A360Customer = {
      CustomerId: id(`cust:${c.key}`),
      CustomerNumber: 3_600_001 + i,
      CustomerType: 'Customer',
      IsPersonal: !business,
      IsCommercial: business,
      FirmName: c.companyName,
      FirstName: c.firstName,
      MiddleName: null,
      LastName: c.lastName,
      AddressLine1: c.address.line1,
      AddressLine2: null,
      City: c.address.city,
      State: c.address.state,
      ZipCode: c.address.postalCode,
      Email: c.email.replace(/@example\.com$/, '@mail.example.org'),
      HomeAreaCode: business ? null : (phone?.[1] ?? null),
      HomePhone: business ? null : (phone?.[2] ?? c.phone),
      BusinessAreaCode: business ? (phone?.[1] ?? null) : null,
      BusinessPhone: business ? (phone?.[2] ?? c.phone) : null,
      AccountExecCode: codeOf.get(c.producerKey) ?? null,
      AccountRepCode: codeOf.get(c.csrKey) ?? null,
      DateCustomerAdded: wsDate(c.since),
      IsActive: true,
      ChangedDate: changed(c.since),
    };
    agency.put('customers', customer);
    customerIds.set(c.key, customer.CustomerId);
  }

  const carriers = new Map(slice.carriers.map((c) => [c.key, c]));
  for (const p of slice.policies) {
    const carrier = carriers.get(p.carrierKey)!;
    const rate = Number(p.termNumber > 1 ? carrier.renewalRate : carrier.newRate);
    const policy: A360Policy = {
      PolicyId: id(`pol:${p.key}`),
      CustomerId: customerIds.get(p.clientKey)!,
      PolicyNumber: p.policyNumber,
      LineOfBusinessCode: p.lineOfBusiness,
      TypeOfBusiness: p.businessType === 'personal' ? 1 : 2,
      WritingCompanyCode: carrier.key,
      CompanyCode: carrier.key,
      AccountExecCode: codeOf.get(p.producerKey) ?? null,
      AccountRepCode: null,
      State: p.state,
      PolicyEffectiveDate: wsDate(p.effectiveDate),
      PolicyExpirationDate: wsDate(p.expirationDate),
      OriginalInceptionDate: wsDate(p.originalInceptionDate),
      PriorPolicyNumber: p.priorPolicyNumber,
      BillMethod: p.billMode === 'agency' ? 'A' : 'D',
      FullTermPremium: p.termPremiumCents / 100,
      AgencyCommissionPercent: rate,
      PolicyStatus: statusOf[p.status],
      ChangedDate: changed(p.updatedAt),
    };
    agency.put('policies', policy);
    for (const t of p.transactions) {
      const commissionCents = Math.round((t.premiumDeltaCents * rate) / 100);
      const transaction: A360PolicyTransaction = {
        PolicyTransactionId: id(`txn:${t.key}`),
        PolicyId: policy.PolicyId,
        TransactionType: t.type === 'NEW' && p.termNumber > 1 ? 'REN' : (transactionType[t.type] ?? t.type),
        TransactionEffectiveDate: wsDate(t.effectiveDate),
        TransactionEntryDate: wsDate(entered(t.effectiveDate, asOf)),
        Description: null,
        WrittenPremium: t.premiumDeltaCents / 100,
        AgencyCommissionPercent: rate,
        AgencyCommissionAmount: commissionCents / 100,
        CancelMethod: t.cancelMethod ? (cancelMethod[t.cancelMethod] ?? null) : null,
        BillMethod: policy.BillMethod,
        ChangedDate: changed(entered(t.effectiveDate, asOf)),
      };
      agency.put('policytransactions', transaction);
    }
  }
  return slice;
}
