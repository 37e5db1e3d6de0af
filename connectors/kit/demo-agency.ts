// One deterministic generator of a realistic independent agency: carriers, producers, clients
// (people and businesses), and policies over several terms with renewals, endorsements,
// cancellations and reinstatements. Every sandbox projects this same agency into its own
// vendor format, so the AMS, the CRM and accounting describe one coherent book of business.
//
// Renewal outcomes are drawn from a known logistic model (see renewalProbability) so that the
// analytics can be measured against a truth that is written down here.
import { Random } from './random.ts';

export interface DemoCarrier {
  key: string;
  name: string;
  naicCode: string | null;
  kind: 'carrier' | 'mga';
  /** How this carrier formats policy numbers; the statement matcher has to undo it. */
  policyNumber: (r: Random) => string;
  termSuffix: boolean;
  newRate: string; // commission percent as a decimal string, e.g. "15"
  renewalRate: string;
}

export interface DemoProducer {
  key: string;
  code: string;
  firstName: string;
  lastName: string;
  email: string;
  role: 'producer' | 'csr' | 'house';
}

export interface DemoAddress {
  line1: string;
  city: string;
  state: string;
  postalCode: string;
}

export interface DemoClient {
  key: string;
  kind: 'person' | 'business';
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  displayName: string;
  email: string;
  phone: string;
  address: DemoAddress;
  since: string;
  producerKey: string;
  csrKey: string;
}

export type DemoTransactionType = 'NEW' | 'RWL' | 'END' | 'CAN' | 'REI';

export interface DemoTransaction {
  key: string;
  type: DemoTransactionType;
  effectiveDate: string;
  premiumDeltaCents: number;
  cancelMethod?: 'flat' | 'pro_rata' | 'short_rate';
}

export interface DemoPolicy {
  key: string;
  chainKey: string;
  clientKey: string;
  carrierKey: string;
  producerKey: string;
  policyNumber: string;
  priorPolicyKey: string | null;
  priorPolicyNumber: string | null;
  lineOfBusiness: string;
  businessType: 'personal' | 'commercial';
  state: string;
  effectiveDate: string;
  expirationDate: string;
  originalInceptionDate: string;
  termNumber: number;
  termPremiumCents: number;
  billMode: 'agency' | 'direct';
  status: 'active' | 'cancelled' | 'expired' | 'lost';
  transactions: DemoTransaction[];
  /** Whether the following term was written; null while this term has not ended yet. */
  renewed: boolean | null;
  /** The features the renewal outcome was drawn from (kept for measuring the analytics). */
  renewalFeatures: RenewalFeatures | null;
  updatedAt: string;
}

export interface RenewalFeatures {
  tenureYears: number;
  premiumChangePct: number;
  endorsements: number;
  otherPolicies: number;
  paymentLapse: boolean;
}

export interface DemoAgency {
  seed: string;
  asOf: string;
  name: string;
  carriers: DemoCarrier[];
  producers: DemoProducer[];
  clients: DemoClient[];
  policies: DemoPolicy[];
}

const firstNames =
  'James|Mary|Robert|Patricia|John|Jennifer|Michael|Linda|David|Elizabeth|William|Barbara|Richard|Susan|Joseph|Jessica|Thomas|Sarah|Carlos|Karen|Adam|Lisa|Daniel|Nancy|Matthew|Sandra|Anthony|Ashley|Mark|Emily|Ana|Wei|Priya|Mohammed|Olga|Kenji|Fatima|Diego|Aisha|Liam'.split(
    '|',
  );
const lastNames =
  "Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Hernandez|Lopez|Gonzalez|Wilson|Anderson|Thomas|Taylor|Moore|Jackson|Martin|Lee|Perez|Thompson|White|Harris|Sanchez|Clark|Ramirez|Lewis|Robinson|Gomes|O'Brien|Nguyen|Patel|Kowalski|Schmidt|Rossi|Yamamoto|Okafor|Dubois".split(
    '|',
  );
const businessWords =
  'Summit|Riverside|Blue Ridge|Harbor|Pioneer|Cedar|Granite|Lakeside|Golden Gate|Red Oak|Northstar|Evergreen|Prairie|Coastal|Iron Bridge|Maple|Silver Creek|Heritage|Keystone|Sunrise'.split(
    '|',
  );
const businessKinds =
  'Plumbing|Dental Group|Bakery|Construction|Auto Repair|Landscaping|Law Office|Coffee Roasters|Electric|Veterinary Clinic|Brewing Co|Logistics|Roofing|Florist|Fitness|Accounting|Salon|Machine Shop|Catering|Realty'.split(
    '|',
  );
const businessSuffixes = ['LLC', 'Inc.', 'Co.', 'Corp', 'LLC', 'Ltd'] as const;
const places = [
  ['Austin', 'TX', '787'],
  ['Dallas', 'TX', '752'],
  ['Houston', 'TX', '770'],
  ['Phoenix', 'AZ', '850'],
  ['Denver', 'CO', '802'],
  ['Columbus', 'OH', '432'],
  ['Atlanta', 'GA', '303'],
  ['Raleigh', 'NC', '276'],
  ['Nashville', 'TN', '372'],
  ['Tampa', 'FL', '336'],
  ['Orlando', 'FL', '328'],
  ['Portland', 'OR', '972'],
  ['Madison', 'WI', '537'],
  ['Boise', 'ID', '837'],
  ['Richmond', 'VA', '232'],
  ['Omaha', 'NE', '681'],
] as const;
const streets = 'Main St|Oak Ave|Maple Dr|Cedar Ln|Park Blvd|Lake Rd|Hill St|Elm St|Pine Ct|River Rd'.split(
  '|',
);

const personalLines = [
  ['AUTOP', 0.5, 90_000, 320_000],
  ['HOME', 0.35, 80_000, 420_000],
  ['UMBRP', 0.08, 25_000, 90_000],
  ['DFIRE', 0.07, 60_000, 200_000],
] as const;
const commercialLines = [
  ['BOP', 0.3, 150_000, 1_500_000],
  ['CGL', 0.22, 120_000, 900_000],
  ['WORK', 0.2, 300_000, 6_000_000],
  ['AUTOB', 0.15, 250_000, 2_500_000],
  ['PROPC', 0.08, 200_000, 2_000_000],
  ['PROFL', 0.05, 180_000, 1_200_000],
] as const;

function carriers(): DemoCarrier[] {
  const c = (
    key: string,
    name: string,
    naicCode: string | null,
    kind: 'carrier' | 'mga',
    policyNumber: (r: Random) => string,
    termSuffix: boolean,
    newRate: string,
    renewalRate: string,
  ): DemoCarrier => ({ key, name, naicCode, kind, policyNumber, termSuffix, newRate, renewalRate });
  return [
    c(
      'TRAV',
      'Travelers',
      '25658',
      'carrier',
      (r) => `${r.digits(3)}-${r.digits(7)}A${r.digits(3)}`,
      true,
      '15',
      '12',
    ),
    c(
      'HART',
      'The Hartford',
      '19682',
      'carrier',
      (r) => `${r.digits(2)}SBA${r.digits(6)}`,
      false,
      '15',
      '15',
    ),
    c('PROG', 'Progressive', '24260', 'carrier', (r) => r.digits(9), false, '10', '10'),
    c('SAFE', 'Safeco', '24740', 'carrier', (r) => `OZ${r.digits(7)}`, false, '15', '12.5'),
    c(
      'LIBM',
      'Liberty Mutual',
      '23035',
      'carrier',
      (r) => `H37-${r.digits(3)}-${r.digits(6)}-${r.digits(2)}`,
      false,
      '14',
      '12',
    ),
    c(
      'NATW',
      'Nationwide',
      '23787',
      'carrier',
      (r) => `ACP ${r.digits(4)} ${r.digits(6)}`,
      false,
      '15',
      '13',
    ),
    c('CINC', 'Cincinnati Insurance', '10677', 'carrier', (r) => `ENP ${r.digits(7)}`, true, '17.5', '15'),
    c('ERIE', 'Erie Insurance', '26271', 'carrier', (r) => `Q${r.digits(8)}`, false, '15', '15'),
    c(
      'AUTO',
      'Auto-Owners',
      '18988',
      'carrier',
      (r) => `${r.digits(2)}-${r.digits(3)}-${r.digits(3)}-${r.digits(2)}`,
      false,
      '16',
      '14',
    ),
    c('HANO', 'Hanover', '22292', 'carrier', (r) => `ZB${r.digits(1)} ${r.digits(6)}`, true, '15', '12'),
    c('AMWI', 'AmWINS Brokerage', null, 'mga', (r) => `AMW${r.digits(8)}`, false, '12', '10'),
    c('BTIS', 'biBERK / BTIS', null, 'mga', (r) => `N${r.digits(9)}`, false, '10', '10'),
  ];
}

function producers(r: Random): DemoProducer[] {
  const people: DemoProducer[] = [];
  const roles: DemoProducer['role'][] = [
    'producer',
    'producer',
    'producer',
    'producer',
    'producer',
    'producer',
    'csr',
    'csr',
    'csr',
  ];
  roles.forEach((role, i) => {
    const firstName = r.pick(firstNames);
    const lastName = r.pick(lastNames);
    people.push({
      key: `EMP${String(i + 1).padStart(3, '0')}`,
      code: `${firstName[0]}${lastName.replace(/[^A-Za-z]/g, '').slice(0, 3)}${i + 1}`.toUpperCase(),
      firstName,
      lastName,
      email: `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z.]/g, '') + `${i + 1}@demo-agency.test`,
      role,
    });
  });
  people.push({
    key: 'HOUSE',
    code: 'HOUSE',
    firstName: 'House',
    lastName: 'Account',
    email: 'house@demo-agency.test',
    role: 'house',
  });
  return people;
}

/** The date a term was last touched: its latest transaction, but never after today. */
function lastTouched(transactions: DemoTransaction[], asOf: string): string {
  const last = transactions[transactions.length - 1]!.effectiveDate;
  return last > asOf ? asOf : last;
}

/** The demo carriers (fixed; every generated agency writes with the same ones). */
export const demoCarriers: readonly DemoCarrier[] = carriers();

/** The demo carrier a carrier name refers to, by name (the statement presets are keyed by it). */
export function demoCarrierByName(name: string): DemoCarrier | null {
  const wanted = name.trim().toLowerCase();
  return demoCarriers.find((c) => c.name.toLowerCase() === wanted) ?? null;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return isoDate(d);
}

export function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return isoDate(d);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * The true renewal model of the demo agency: longer tenure, more policies with the agency and a
 * small premium change make a renewal likelier; a big premium increase, many endorsements and a
 * payment lapse make it less likely. The analytics must rediscover this from the data.
 */
export function renewalProbability(f: RenewalFeatures): number {
  const z =
    1.1 +
    0.28 * Math.min(f.tenureYears, 8) -
    0.09 * f.premiumChangePct +
    0.45 * Math.min(f.otherPolicies, 3) -
    0.35 * f.endorsements -
    1.4 * (f.paymentLapse ? 1 : 0);
  return 1 / (1 + Math.exp(-z));
}

export interface GenerateOptions {
  seed?: string;
  /** Number of clients; policies come to roughly 2.5 terms per client. */
  clients?: number;
  /** "Today" for the agency; defaults to the real date so renewals are upcoming. */
  asOf?: string;
}

export function generateAgency(opts: GenerateOptions = {}): DemoAgency {
  const seed = opts.seed ?? 'demo';
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  const clientCount = opts.clients ?? 400;
  const r = new Random(`${seed}:agency`);
  const carrierList = carriers();
  const staff = producers(r);
  const writers = staff.filter((p) => p.role === 'producer');
  const csrs = staff.filter((p) => p.role === 'csr');
  const clients: DemoClient[] = [];
  const policies: DemoPolicy[] = [];

  for (let i = 0; i < clientCount; i++) {
    const key = `CL${String(i + 1).padStart(6, '0')}`;
    const kind = r.chance(0.65) ? 'person' : 'business';
    const [city, state, zip] = r.pick(places);
    const since = addDays(asOf, -r.int(30, 8 * 365));
    const firstName = kind === 'person' ? r.pick(firstNames) : null;
    const lastName = kind === 'person' ? r.pick(lastNames) : null;
    const companyName =
      kind === 'business'
        ? `${r.pick(businessWords)} ${r.pick(businessKinds)} ${r.pick(businessSuffixes)}`
        : null;
    const displayName = kind === 'person' ? `${firstName} ${lastName}` : companyName!;
    const emailLocal = (
      kind === 'person' ? `${firstName}.${lastName}` : companyName!.split(' ').slice(0, 2).join('')
    )
      .toLowerCase()
      .replace(/[^a-z.]/g, '');
    const client: DemoClient = {
      key,
      kind,
      firstName,
      lastName,
      companyName,
      displayName,
      email: `${emailLocal}${i + 1}@example.com`,
      phone: `(${r.int(201, 989)}) ${r.int(200, 999)}-${r.digits(4)}`,
      address: {
        line1: `${r.int(10, 9999)} ${r.pick(streets)}`,
        city,
        state,
        postalCode: `${zip}${r.digits(2)}`,
      },
      since,
      producerKey: r.pick(writers).key,
      csrKey: r.pick(csrs).key,
    };
    clients.push(client);

    const lines = kind === 'person' ? personalLines : commercialLines;
    const chainCount =
      kind === 'person'
        ? r.weighted([
            [1, 5],
            [2, 4],
            [3, 1],
          ])
        : r.weighted([
            [1, 4],
            [2, 4],
            [3, 2],
            [4, 1],
          ]);
    const used = new Set<string>();
    let lapses = r.chance(0.12);
    for (let c = 0; c < chainCount; c++) {
      const lob = r.weighted(lines.map(([code, w]) => [code, w] as const));
      if (used.has(lob)) continue;
      used.add(lob);
      const [, , minPremium, maxPremium] = lines.find(([code]) => code === lob)!;
      const carrier = r.weighted(
        carrierList.map((cr) => [cr, cr.kind === 'mga' ? (kind === 'business' ? 1 : 0.2) : 2] as const),
      );
      const chainKey = `${key}-${lob}`;
      const inception = addDays(since, r.int(0, 90));
      const termMonths = lob === 'AUTOP' && r.chance(0.4) ? 6 : 12;
      let effective = inception;
      let premium = r.int(minPremium, maxPremium);
      premium -= premium % 100; // whole dollars, as carriers quote them
      let policyNumber = carrier.policyNumber(r);
      let prior: DemoPolicy | null = null;
      let term = 1;
      while (effective <= asOf) {
        const expiration = addMonths(effective, termMonths);
        const baseNumber = carrier.termSuffix
          ? `${policyNumber}-${String(term).padStart(2, '0')}`
          : policyNumber;
        const policyKey = `${chainKey}-T${term}`;
        const transactions: DemoTransaction[] = [
          {
            key: `${policyKey}-1`,
            type: term === 1 ? 'NEW' : 'RWL',
            effectiveDate: effective,
            premiumDeltaCents: premium,
          },
        ];
        let status: DemoPolicy['status'] = expiration <= asOf ? 'expired' : 'active';
        let termPremium = premium;
        const termDays = daysBetween(effective, expiration);
        let endorsements = 0;
        const endorsementCount = r.weighted([
          [0, 6],
          [1, 3],
          [2, 1],
        ]);
        for (let e = 0; e < endorsementCount; e++) {
          const at = addDays(effective, r.int(15, termDays - 15));
          if (at > asOf) break;
          const delta = Math.round((premium * (r.int(-12, 25) / 100)) / 100) * 100;
          if (delta === 0) continue;
          // Endorsement premium is pro-rated for the days left in the term, to the cent.
          const prorated = Math.round((delta * daysBetween(at, expiration)) / termDays);
          transactions.push({
            key: `${policyKey}-${transactions.length + 1}`,
            type: 'END',
            effectiveDate: at,
            premiumDeltaCents: prorated,
          });
          termPremium += prorated;
          endorsements++;
        }
        transactions.sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate));
        let cancelled = false;
        if (r.chance(0.035)) {
          const at = addDays(effective, r.int(20, termDays - 20));
          if (at <= asOf) {
            const method = r.weighted([
              ['pro_rata', 7],
              ['short_rate', 2],
              ['flat', 1],
            ] as const);
            // Flat: nothing was earned. Pro rata: the unexpired share. Short rate: the carrier keeps a
            // 10% penalty on the unexpired share (the common customary table, simplified).
            const proRata = Math.round((termPremium * daysBetween(at, expiration)) / termDays);
            const unearned =
              method === 'flat' ? termPremium : method === 'short_rate' ? Math.round(proRata * 0.9) : proRata;
            transactions.push({
              key: `${policyKey}-${transactions.length + 1}`,
              type: 'CAN',
              effectiveDate: method === 'flat' ? effective : at,
              premiumDeltaCents: -unearned,
              cancelMethod: method,
            });
            status = 'cancelled';
            cancelled = true;
            if (r.chance(0.2) && addDays(at, 20) <= asOf) {
              transactions.push({
                key: `${policyKey}-${transactions.length + 1}`,
                type: 'REI',
                effectiveDate: addDays(at, r.int(3, 20)),
                premiumDeltaCents: unearned,
              });
              status = expiration <= asOf ? 'expired' : 'active';
              cancelled = false;
              lapses = true;
            }
          }
        }
        const policy: DemoPolicy = {
          key: policyKey,
          chainKey,
          clientKey: key,
          carrierKey: carrier.key,
          producerKey: client.producerKey,
          policyNumber: baseNumber,
          priorPolicyKey: prior?.key ?? null,
          priorPolicyNumber: prior?.policyNumber ?? null,
          lineOfBusiness: lob,
          businessType: kind === 'person' ? 'personal' : 'commercial',
          state,
          effectiveDate: effective,
          expirationDate: expiration,
          originalInceptionDate: inception,
          termNumber: term,
          termPremiumCents: termPremium,
          billMode: kind === 'business' && r.chance(0.3) ? 'agency' : 'direct',
          status,
          transactions,
          renewed: null,
          renewalFeatures: null,
          updatedAt: `${addDays(lastTouched(transactions, asOf), -r.int(0, 10))}T${String(r.int(8, 18)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:00.000Z`,
        };
        policies.push(policy);
        if (cancelled || expiration > asOf) break;

        // The term has ended: does the client renew?
        const nextPremiumChangePct = r.int(-6, 22);
        const features: RenewalFeatures = {
          tenureYears: daysBetween(inception, expiration) / 365,
          premiumChangePct: nextPremiumChangePct,
          endorsements,
          otherPolicies: chainCount - 1,
          paymentLapse: lapses,
        };
        policy.renewalFeatures = features;
        policy.renewed = r.next() < renewalProbability(features);
        if (!policy.renewed) {
          policy.status = 'lost';
          break;
        }
        premium = Math.round((premium * (100 + nextPremiumChangePct)) / 100 / 100) * 100;
        prior = policy;
        effective = expiration;
        term++;
        if (r.chance(0.08)) policyNumber = carrier.policyNumber(r); // rewritten under a new number
      }
    }
  }
  return {
    seed,
    asOf,
    name: 'Demo Insurance Agency',
    carriers: carrierList,
    producers: staff,
    clients,
    policies,
  };
}
