// Projects the demo agency's commercial book (kit/demo-book.ts: the business clients) into an
// Epic database the way an agency's Epic looks: producers and CSRs (and the house) as EMPLOYEE
// accounts, carriers and MGAs as COMPANY accounts (an MGA binds the policy, so Epic needs it as
// the issuing company), one referral partner as a BROKER account, insureds as CLIENT accounts
// keyed by the agency's client code. Every policy term is an Epic policy linked to the term it
// renewed (originalPolicy), with one line carrying the line type, bill mode, issuing state,
// carrier commission rate (the carrier's new or renewal rate by term) and producer/broker
// splits, and every demo transaction becomes a billed transaction on that line.
//
// Unless `clean`, a few records are wrong the way real Epic data is: a blank policy number, an
// expiration typed a year early, a stale policy premium, a renewal pointing at a purged term,
// an unnamed client, an inactive duplicate client, a malformed amount, an agency-defined
// transaction code nobody mapped.

import { centsToDecimal, decimalToCents } from '../../../domain/money.ts';
import {
  addDays,
  addMonths,
  type DemoAgency,
  type DemoPolicy,
  generateAgency,
} from '../../kit/demo-agency.ts';
import { bookFor } from '../../kit/demo-book.ts';
import { Random } from '../../kit/random.ts';
import type {
  Currency,
  EpicAccount,
  EpicDatabase,
  EpicLine,
  EpicPolicy,
  EpicTransaction,
  LineProducerBrokerCommissions,
  PremiumOrCommission,
  ProducerBrokerCommissionItem,
  UserAndDate,
} from './database.ts';

export interface AppliedEpicSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
  /** Leave out the deliberately inconsistent and malformed records. */
  clean?: boolean;
}

const lineTypes: [code: string, description: string, businessType: string][] = [
  ['BOP', 'Businessowners', 'COMMERCIAL'],
  ['CGL', 'Commercial General Liability', 'COMMERCIAL'],
  ['WORK', 'Workers Compensation', 'COMMERCIAL'],
  ['AUTOB', 'Business Auto', 'COMMERCIAL'],
  ['PROPC', 'Commercial Property', 'COMMERCIAL'],
  ['PROFL', 'Professional Liability', 'COMMERCIAL'],
  ['AUTOP', 'Personal Auto', 'PERSONAL'],
  ['HOME', 'Homeowners', 'PERSONAL'],
  ['UMBRP', 'Personal Umbrella', 'PERSONAL'],
  ['DFIRE', 'Dwelling Fire', 'PERSONAL'],
];

// Epic's policy statuses are agency-configured three-letter codes; these are the usual ones.
const statuses: [code: string, description: string, isActive: boolean][] = [
  ['NEW', 'New Business', true],
  ['RWL', 'Renewal', true],
  ['REI', 'Reinstated', true],
  ['REN', 'Renewed', true],
  ['NRN', 'Non-Renewed', true],
  ['CAN', 'Cancelled', true],
  ['REW', 'Rewritten', true],
  ['QUO', 'Quote', true],
  ['EXP', 'Expired', false],
];

/** Transaction codes as an agency configures them in Epic (only NEWB appears in Applied's docs). */
const transactionCodes = {
  NEWB: 'New Business',
  RWBL: 'Renewal Business',
  AEND: 'Additional Premium Endorsement',
  REND: 'Return Premium Endorsement',
  CANC: 'Cancellation',
  REIN: 'Reinstatement',
  MISC: 'Miscellaneous',
} as const;

const cancelMethods = { flat: 'FLAT', pro_rata: 'PRO_RATA', short_rate: 'SHORT_RATE' } as const;

/** Integer cents as Applied's Currency; a negative amount carries its sign on both parts. */
export function currencyFromCents(cents: number): Currency {
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const whole = Math.trunc(abs / 100);
  const partial = abs % 100;
  return {
    currencySymbol: '$',
    units: `${negative && whole ? '-' : ''}${whole}`,
    partialUnits: negative && partial ? -partial : partial,
  };
}

/** `percent` (a decimal string such as "12.5") of an amount in cents, rounded half-even. */
function percentOf(cents: number, percent: string | number): number {
  return decimalToCents(centsToDecimal(cents).times(String(percent)).dividedBy(100));
}

function amounts(termCents: number, billedCents: number, sixMonths: boolean): PremiumOrCommission {
  return {
    estimated: currencyFromCents(termCents),
    annualized: currencyFromCents(sixMonths ? termCents * 2 : termCents),
    billed: currencyFromCents(billedCents),
    estimatedMonthly: currencyFromCents(
      decimalToCents(centsToDecimal(termCents).dividedBy(sixMonths ? 6 : 12)),
    ),
  };
}

function scaled(p: PremiumOrCommission, percent: string): PremiumOrCommission {
  const cents = (c: Currency) => {
    const sign = c.units.startsWith('-') || c.partialUnits < 0 ? -1 : 1;
    return sign * (Math.abs(Number(c.units)) * 100 + Math.abs(c.partialUnits));
  };
  return {
    estimated: currencyFromCents(percentOf(cents(p.estimated), percent)),
    annualized: currencyFromCents(percentOf(cents(p.annualized), percent)),
    billed: currencyFromCents(percentOf(cents(p.billed), percent)),
    estimatedMonthly: currencyFromCents(percentOf(cents(p.estimatedMonthly), percent)),
  };
}

function statusOf(p: DemoPolicy): { code: string; stage: string; action: string } {
  const last = p.transactions[p.transactions.length - 1]!.type;
  const action = { NEW: 'NEW', RWL: 'RENEW', END: 'ENDORSE_REVISE', CAN: 'CANCEL', REI: 'REINSTATE' }[last];
  if (p.status === 'cancelled') return { code: 'CAN', stage: 'CANCELLED', action: 'CANCEL' };
  if (p.status === 'lost') return { code: 'NRN', stage: 'LAPSED', action: 'LAPSE' };
  if (p.status === 'expired') return { code: 'REN', stage: 'ISSUED', action };
  if (last === 'REI') return { code: 'REI', stage: 'ISSUED', action };
  return { code: p.termNumber === 1 ? 'NEW' : 'RWL', stage: 'ISSUED', action };
}

export function seedDatabase(db: EpicDatabase, opts: AppliedEpicSeedOptions = {}): DemoAgency {
  const agency = generateAgency({ seed: opts.seed ?? 'demo', clients: opts.clients ?? 400, asOf: opts.asOf });
  const book = bookFor(agency, 'applied-epic');
  const r = new Random(`${agency.seed}:applied-epic`);
  const flaws = new Random(`${agency.seed}:applied-epic:flaws`);
  // One draw per record picks at most one flaw: below the first threshold, the first flaw, …
  const flawDraw = () => (opts.clean ? 1 : flaws.next());
  // Seeded audit stamps never lie in the future, so "updated after now" starts empty.
  const now = new Date().toISOString();
  const at = (iso: string): string => (iso < now ? iso : now);
  const user = (userCode: string, iso: string): UserAndDate => ({ userCode, date: at(iso) });

  for (const [code, description, businessType] of lineTypes) {
    const id = db.newId();
    db.lineTypes.set(id, { id, code, description });
    const typeId = db.newId();
    db.policyTypes.set(typeId, {
      id: typeId,
      code,
      description,
      businessType,
      isLineOfBusiness: true,
      active: true,
    });
  }
  for (const [code, description, isActive] of statuses) {
    const id = db.newId();
    db.statuses.set(id, { id, code, description, isActive });
  }
  const policyTypeByCode = new Map([...db.policyTypes.values()].map((t) => [t.code, t.id]));

  const account = (
    type: EpicAccount['type'],
    name: string,
    lookupCode: string,
    entered: string,
    updated: string,
  ) => {
    const id = db.newId();
    return db.put('accounts', id, {
      id,
      type,
      name,
      lookupCode,
      active: true,
      enteredBy: user('EPICADMIN', entered),
      lastUpdatedBy: user('EPICADMIN', updated < entered ? entered : updated),
    });
  };

  const staffStart = `${addDays(agency.asOf, -2000)}T09:00:00.000Z`;
  const employeeId = new Map<string, string>();
  const employeeCode = new Map<string, string>();
  for (const p of agency.producers) {
    const a = account(
      'EMPLOYEE',
      `${p.firstName} ${p.lastName}`,
      p.code,
      staffStart,
      `${addDays(agency.asOf, -30)}T09:00:00.000Z`,
    );
    employeeId.set(p.key, a.id);
    employeeCode.set(p.key, p.code);
  }
  const referralBroker = account(
    'BROKER',
    'Keystone Referral Partners',
    'KEYREF1',
    staffStart,
    `${addDays(agency.asOf, -120)}T09:00:00.000Z`,
  );
  const companyId = new Map<string, string>();
  for (const c of agency.carriers) {
    const a = account('COMPANY', c.name, c.key, staffStart, `${addDays(agency.asOf, -60)}T09:00:00.000Z`);
    companyId.set(c.key, a.id);
  }
  const clientId = new Map<string, string>();
  const clientName = new Map<string, string>();
  for (const c of book.clients) {
    const entered = `${c.since}T10:00:00.000Z`;
    const touched = addDays(c.since, r.int(0, 400));
    const updated = touched > agency.asOf ? entered : `${touched}T11:00:00.000Z`;
    const a = account('CLIENT', c.displayName, c.key, entered, updated);
    clientId.set(c.key, a.id);
    clientName.set(c.key, c.displayName);
    const draw = flawDraw();
    if (draw < 0.01)
      a.name = ''; // saved without a name by an import
    else if (draw < 0.025) {
      const dup = account('CLIENT', c.displayName, `${c.key}A`, entered, entered);
      dup.active = false; // a duplicate someone inactivated instead of merging
    }
  }

  const carriers = new Map(agency.carriers.map((c) => [c.key, c]));
  const csrOf = new Map(book.clients.map((c) => [c.key, c.csrKey]));
  const writers = agency.producers.filter((p) => p.role === 'producer');
  const policyIdByKey = new Map<string, string>();

  for (const p of book.policies) {
    const carrier = carriers.get(p.carrierKey)!;
    const rate = p.termNumber === 1 ? carrier.newRate : carrier.renewalRate;
    const sixMonths = addMonths(p.effectiveDate, 6) === p.expirationDate;
    const billedCents = p.transactions
      .filter((t) => t.effectiveDate <= agency.asOf)
      .reduce((sum, t) => sum + t.premiumDeltaCents, 0);
    const premium = amounts(p.termPremiumCents, billedCents, sixMonths);
    const commission = scaled(premium, rate);
    const csrCode = employeeCode.get(csrOf.get(p.clientKey) ?? '') ?? 'EPICADMIN';
    const entered = `${addDays(p.effectiveDate, -20)}T15:00:00.000Z`;
    const updated = p.updatedAt > entered ? p.updatedAt : entered;
    const status = statusOf(p);
    const policyId = db.newId();
    const lineId = db.newId();
    policyIdByKey.set(p.key, policyId);

    const policy: EpicPolicy = {
      id: policyId,
      status: 'CONTRACTED',
      organization: db.organization.id,
      description: `${clientName.get(p.clientKey)} - ${p.lineOfBusiness}`.slice(0, 125),
      effectiveOn: p.effectiveDate,
      expirationOn: p.expirationDate,
      policyNumber: p.policyNumber,
      policyType: policyTypeByCode.get(p.lineOfBusiness)!,
      client: clientId.get(p.clientKey)!,
      premium,
      commission,
      source: null,
      turnOffPolicyDownload: false,
      datesChanged: false,
      originalPolicy: p.priorPolicyKey ? (policyIdByKey.get(p.priorPolicyKey) ?? null) : null,
      historic: p.expirationDate <= agency.asOf,
      enteredBy: user(csrCode, entered),
      lastUpdatedBy: user(csrCode, updated),
      enteredByProcess: { code: 'EPIC', date: at(entered) },
      lastUpdatedByProcess: { code: 'EPIC', date: at(updated) },
    };
    const draw = flawDraw();
    if (draw < 0.01) policy.policyNumber = '';
    else if (draw < 0.025)
      policy.expirationOn = `${Number(p.effectiveDate.slice(0, 4)) - 1}${p.expirationDate.slice(4)}`;
    else if (draw < 0.055)
      policy.premium = { ...premium, estimated: currencyFromCents(p.transactions[0]!.premiumDeltaCents) };
    else if (draw < 0.065 && policy.originalPolicy) policy.originalPolicy = db.newId();
    db.put('policies', policyId, policy);

    const line: EpicLine = {
      id: lineId,
      client: policy.client,
      policy: policyId,
      lineType: db.lineTypeByCode(p.lineOfBusiness)!.id,
      planOptionName: null,
      status: db.statusByCode(status.code)!.id,
      effectiveOn: p.effectiveDate,
      expirationOn: p.expirationDate,
      organization: db.organization.id,
      billMode: p.billMode === 'agency' ? 'AGENCY' : 'DIRECT',
      issuingLocation: { stateOrProvince: p.state, country: 'USA' },
      issuingCompany: companyId.get(p.carrierKey)!,
      premiumPayable:
        p.billMode === 'agency' ? { account: companyId.get(p.carrierKey)!, type: 'CARRIER' } : null,
      producerBrokerCommission: { type: 'SINGLE_TERM' },
      planLineId: null,
      rateGuaranteedThrough: null,
      lineCommission: {
        useAgreement: false,
        commissionAgreement: null,
        overrideAgreement: false,
        type: 'PERCENTAGE_OF_PREMIUM',
        percent: Number(rate),
        amount: commission.estimated,
      },
      stage: status.stage,
      action: status.action,
      agencyFirstWrittenOn: p.originalInceptionDate,
      premium,
      commission,
      lastUpdatedBy: user(csrCode, updated),
    };
    db.put('lines', lineId, line);
    db.put(
      'producer-broker-commissions',
      lineId,
      producerSplits(db, r, p, {
        agencyCommissionCents: percentOf(p.termPremiumCents, rate),
        producerId: employeeId.get(p.producerKey)!,
        otherWriterId: employeeId.get(r.pick(writers.filter((w) => w.key !== p.producerKey)).key)!,
        brokerId: referralBroker.id,
      }),
    );

    for (const t of p.transactions) {
      const code =
        t.type === 'NEW'
          ? 'NEWB'
          : t.type === 'RWL'
            ? 'RWBL'
            : t.type === 'END'
              ? t.premiumDeltaCents >= 0
                ? 'AEND'
                : 'REND'
              : t.type === 'CAN'
                ? 'CANC'
                : 'REIN';
      const id = db.newId();
      const stamp = `${[t.effectiveDate, agency.asOf].sort()[0]}T12:00:00.000Z`;
      const tx: EpicTransaction = {
        id,
        account: policy.client,
        policy: policyId,
        line: lineId,
        transactionCode: code,
        description: transactionCodes[code],
        effectiveOn: t.effectiveDate,
        accountingMonth: t.effectiveDate.slice(0, 7),
        amount: currencyFromCents(t.premiumDeltaCents),
        commission: {
          percent: Number(rate),
          amount: currencyFromCents(percentOf(t.premiumDeltaCents, rate)),
        },
        cancellation: t.cancelMethod ? { method: cancelMethods[t.cancelMethod] } : null,
        enteredBy: user(csrCode, stamp),
        lastUpdatedBy: user(csrCode, stamp),
      };
      const txDraw = flawDraw();
      if (txDraw < 0.01) tx.amount = { ...tx.amount, partialUnits: 150 };
      else if (txDraw < 0.025) {
        tx.transactionCode = 'MISC';
        tx.description = transactionCodes.MISC;
      }
      db.put('transactions', id, tx);
    }
  }
  return agency;
}

/**
 * The producer/broker commissions of a line: the writing producer's share of agency commission
 * (40% on new business, 30% on renewals), sometimes split by production credit with a second
 * producer, sometimes with a referral broker paid 10% of the commission.
 */
function producerSplits(
  db: EpicDatabase,
  r: Random,
  p: DemoPolicy,
  ids: { agencyCommissionCents: number; producerId: string; otherWriterId: string; brokerId: string },
): LineProducerBrokerCommissions {
  const share = p.termNumber === 1 ? 40 : 30;
  const split = r.chance(0.15);
  const referral = r.chance(0.06);
  const item = (
    type: ProducerBrokerCommissionItem['producerBroker']['type'],
    account: string,
    percent: number,
    productionCredit: number,
    orderNumber: number,
  ): ProducerBrokerCommissionItem => {
    const estimated = currencyFromCents(percentOf(ids.agencyCommissionCents, percent));
    return {
      id: db.newId(),
      producerBroker: { type, account },
      useCommissionAgreement: false,
      commissionAgreement: null,
      overrideCommissionAgreement: null,
      payableContract: null,
      commissionType: 'PERCENTAGE_OF_COMMISSION',
      commissionPercent: percent,
      commissionAmount: null,
      productionCredit,
      orderNumber,
      sharedRevenue: null,
      commission: { billed: estimated, annualized: estimated, estimated },
    };
  };
  const items = split
    ? [
        item('PRODUCER_PAYABLE', ids.producerId, (share * 60) / 100, 60, 1),
        item('PRODUCER_PAYABLE', ids.otherWriterId, (share * 40) / 100, 40, 2),
      ]
    : [item('PRODUCER_PAYABLE', ids.producerId, share, 100, 1)];
  if (referral) items.push(item('BROKER_PAYABLE', ids.brokerId, 10, 0, items.length + 1));
  return {
    type: 'SINGLE_TERM',
    schedules: [
      {
        id: '1',
        startOn: p.effectiveDate,
        endOn: p.expirationDate,
        description: '',
        producerBrokerCommissions: items,
      },
    ],
  };
}
