// Projects the demo agency into an EZLynx agency: the personal-lines book that came from the
// agency still on EZLynx (kit/demo-book.ts). Users carry the producer codes, the carrier list
// says which carriers download, every personal client is an applicant, every term of every
// policy is a policy record linked to its prior term, and every new-business, renewal,
// endorsement, cancellation and reinstatement is a policy transaction (downloaded from the
// carrier, or entered by hand for carriers that do not download). Downloading carriers also send
// monthly commission statements. Unless `clean`, a few records are hand-typed badly or disagree
// with the carrier's master data, so quarantine and merge have real work to do.

import { centsToDecimal, decimalToCents, formatCents, Money } from '../../../domain/money.ts';
import { addDays, addMonths, type DemoAgency, generateAgency } from '../../kit/demo-agency.ts';
import { bookFor } from '../../kit/demo-book.ts';
import { Random } from '../../kit/random.ts';
import type { EzlynxAgency } from './agency.ts';

export interface EzlynxSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
  /** Leave out the deliberately malformed and inconsistent records. */
  clean?: boolean;
  /** Months of commission statements before `asOf` (default 6). */
  statementMonths?: number;
}

const lineOfBusiness: Record<string, string> = {
  AUTOP: 'PersonalAuto',
  HOME: 'Homeowners',
  UMBRP: 'PersonalUmbrella',
  DFIRE: 'DwellingFire',
};
const policyStatus: Record<string, string> = {
  active: 'Active',
  expired: 'Expired',
  cancelled: 'Cancelled',
  lost: 'NonRenewed',
};
const transactionType: Record<string, string> = {
  NEW: 'NewBusiness',
  RWL: 'Renewal',
  END: 'Endorsement',
  CAN: 'Cancellation',
  REI: 'Reinstatement',
};
const cancellationMethod: Record<string, string> = {
  flat: 'Flat',
  pro_rata: 'ProRata',
  short_rate: 'ShortRate',
};
/** Carriers whose policies and statements arrive by download; the rest are entered by hand. */
const manualCarriers = new Set(['ERIE', 'AUTO', 'AMWI', 'BTIS']);
const roleName = { producer: 'Producer', csr: 'CSR', house: 'House' } as const;

const at = (date: string, hour: number) => `${date}T${String(hour).padStart(2, '0')}:00:00.000Z`;
/** ISO instants and dates compare as strings; Math.min/max would turn them into NaN. */
const earlier = (a: string, b: string) => (a < b ? a : b);
const later = (a: string, b: string) => (a < b ? b : a);

export function seedAgency(agency: EzlynxAgency, opts: EzlynxSeedOptions = {}): DemoAgency {
  const demo = generateAgency({ seed: opts.seed ?? 'demo', clients: opts.clients ?? 400, asOf: opts.asOf });
  const book = bookFor(demo, 'ezlynx');
  const r = new Random(`${demo.seed}:ezlynx`);
  const dirty = !opts.clean;
  const longAgo = at(addDays(demo.asOf, -2000), 9);

  const carrierId = new Map<string, string>();
  for (const c of demo.carriers) {
    const rec = agency.create(
      'carriers',
      {
        name: c.name,
        naicCode: c.naicCode,
        carrierType: c.kind === 'mga' ? 'MGA' : 'Carrier',
        downloadEnabled: !manualCarriers.has(c.key),
        active: true,
      },
      { createdAt: longAgo },
    );
    carrierId.set(c.key, rec.id);
  }

  const agentId = new Map<string, string>();
  for (const p of demo.producers) {
    const rec = agency.create(
      'agents',
      {
        userName: p.email.split('@')[0],
        firstName: p.firstName,
        lastName: p.lastName,
        email: p.email,
        producerCode: p.code,
        role: roleName[p.role],
        active: true,
      },
      { createdAt: longAgo, updatedAt: at(addDays(demo.asOf, -30), 9) },
    );
    agentId.set(p.key, rec.id);
  }

  const applicantId = new Map<string, string>();
  const insuredName = new Map<string, string>();
  for (const c of book.clients) {
    const createdAt = at(c.since, 10);
    const touched = r.chance(0.3) ? at(earlier(addDays(c.since, r.int(30, 900)), demo.asOf), 16) : createdAt;
    const rec = agency.create(
      'applicants',
      {
        applicantType: 'Personal',
        customerNumber: c.key,
        externalId: null,
        firstName: c.firstName,
        middleName: null,
        lastName: c.lastName,
        email: dirty && r.chance(0.02) ? 'n/a' : c.email,
        phones: [{ type: 'Mobile', number: c.phone }],
        address: {
          addressLine1: c.address.line1,
          addressLine2: null,
          city: c.address.city,
          stateCode: c.address.state,
          zipCode: c.address.postalCode,
        },
        assignedToUserId: agentId.get(c.producerKey) ?? null,
        csrUserId: agentId.get(c.csrKey) ?? null,
        status: 'Customer',
        clientSince: c.since,
      },
      { createdAt, updatedAt: later(touched, createdAt) },
    );
    applicantId.set(c.key, rec.id);
    insuredName.set(c.key, c.displayName);
  }

  const carrierByKey = new Map(demo.carriers.map((c) => [c.key, c]));
  const producerByKey = new Map(demo.producers.map((p) => [p.key, p]));
  const policyId = new Map<string, string>();
  let malformed = 0;
  for (const p of book.policies) {
    const carrier = carrierByKey.get(p.carrierKey)!;
    const downloads = !manualCarriers.has(p.carrierKey);
    const createdAt = at(addDays(p.effectiveDate, -r.int(10, 17)), 15);
    const fields: Record<string, unknown> = {
      applicantId: applicantId.get(p.clientKey),
      policyNumber: p.policyNumber,
      carrierId: carrierId.get(p.carrierKey) ?? null,
      carrierName: carrier.name,
      lineOfBusiness: lineOfBusiness[p.lineOfBusiness] ?? p.lineOfBusiness,
      stateCode: p.state,
      effectiveDate: p.effectiveDate,
      expirationDate: p.expirationDate,
      originalEffectiveDate: p.originalInceptionDate,
      termNumber: p.termNumber,
      priorPolicyId: p.priorPolicyKey ? (policyId.get(p.priorPolicyKey) ?? null) : null,
      priorPolicyNumber: p.priorPolicyNumber,
      status: policyStatus[p.status] ?? p.status,
      termPremium: formatCents(p.termPremiumCents),
      billingMethod: p.billMode === 'agency' ? 'AgencyBill' : 'DirectBill',
      source: downloads ? 'Download' : 'Manual',
      producer: {
        userId: agentId.get(p.producerKey) ?? null,
        producerCode: producerByKey.get(p.producerKey)?.code ?? null,
      },
      lastDownloadedAt: downloads ? p.updatedAt : null,
    };
    if (dirty) malformed += spoilPolicy(fields, r, carrier.name);
    const rec = agency.create('policies', fields, {
      createdAt,
      updatedAt: later(p.updatedAt, createdAt),
    });
    policyId.set(p.key, rec.id);

    for (const t of p.transactions) {
      const downloadedAt = downloads
        ? at(earlier(addDays(t.effectiveDate, r.int(1, 7)), demo.asOf), 6)
        : null;
      const stamp = downloadedAt ?? at(earlier(t.effectiveDate, demo.asOf), 14);
      agency.create(
        'policy-transactions',
        {
          policyId: rec.id,
          policyNumber: p.policyNumber,
          transactionType: transactionType[t.type] ?? t.type,
          effectiveDate: t.effectiveDate,
          premiumChange: dirty && r.chance(0.01) ? 'N/A' : formatCents(t.premiumDeltaCents),
          taxesAndFees: '0.00',
          cancellationMethod: t.cancelMethod ? cancellationMethod[t.cancelMethod] : null,
          source: downloads ? 'Download' : 'Manual',
          downloadedAt,
        },
        { createdAt: stamp },
      );
    }
  }
  // Small books might draw no bad record at all; the quarantine path must always have one.
  if (dirty && malformed === 0) {
    const first = agency.records.policies.values().next().value;
    if (first) {
      first.fields.effectiveDate = `13/01/${String(first.fields.effectiveDate).slice(0, 4)}`;
      first.fields.source = 'Manual';
    }
  }

  seedStatements(agency, demo, book.policies, {
    carrierId,
    insuredName,
    months: opts.statementMonths ?? 6,
    dirty,
    r,
  });
  return demo;
}

/**
 * Hand-entered policies go wrong in a few typical ways. Returns 1 when the record can no longer
 * be mapped (quarantine), 0 when it is merely inconsistent or untouched.
 */
function spoilPolicy(fields: Record<string, unknown>, r: Random, carrierName: string): number {
  const roll = r.next();
  if (roll < 0.03) {
    // Typed without picking from the carrier list: no carrier id, the name as the CSR wrote it.
    fields.carrierId = null;
    fields.carrierName = `${carrierName} Insurance Co`;
    fields.source = 'Manual';
  } else if (roll < 0.05 && fields.priorPolicyNumber) {
    fields.priorPolicyNumber = null; // the renewal was keyed in without its prior term
  } else if (roll < 0.07) {
    const [y, m, d] = String(fields.effectiveDate).split('-');
    fields.effectiveDate = `${m}/${d}/${y}`; // US format: still a date, just not ISO
  } else if (roll < 0.08) {
    fields.effectiveDate = `13/01/${String(fields.effectiveDate).slice(0, 4)}`;
    fields.source = 'Manual';
    return 1;
  } else if (roll < 0.09) {
    fields.termPremium = 'see dec page';
    fields.source = 'Manual';
    return 1;
  } else if (roll < 0.095) {
    fields.stateCode = 'Texas';
    fields.source = 'Manual';
    return 1;
  }
  return 0;
}

function seedStatements(
  agency: EzlynxAgency,
  demo: DemoAgency,
  policies: DemoAgency['policies'],
  ctx: {
    carrierId: Map<string, string>;
    insuredName: Map<string, string>;
    months: number;
    dirty: boolean;
    r: Random;
  },
): void {
  const producerCode = new Map(demo.producers.map((p) => [p.key, p.code]));
  const thisMonth = `${demo.asOf.slice(0, 7)}-01`;
  for (const carrier of demo.carriers) {
    if (manualCarriers.has(carrier.key)) continue;
    const carried = policies.filter((p) => p.carrierKey === carrier.key);
    for (let m = ctx.months; m >= 1; m--) {
      const periodStart = addMonths(thisMonth, -m);
      const periodEnd = addDays(addMonths(periodStart, 1), -1);
      const statementDate = addDays(addMonths(periodStart, 1), 14);
      if (statementDate > demo.asOf) continue;
      const lines: Record<string, unknown>[] = [];
      let total = 0;
      for (const p of carried) {
        for (const t of p.transactions) {
          if (t.effectiveDate < periodStart || t.effectiveDate > periodEnd) continue;
          // Endorsements and cancellations earn at their term's rate (NEW or RWL).
          const paidAtNewRate = p.termNumber === 1 || (ctx.dirty && ctx.r.chance(0.05));
          const rate = paidAtNewRate ? carrier.newRate : carrier.renewalRate;
          const commission = decimalToCents(
            centsToDecimal(t.premiumDeltaCents).times(new Money(rate)).dividedBy(100),
          );
          total += commission;
          lines.push({
            lineNumber: lines.length + 1,
            policyNumber: p.policyNumber,
            insuredName: ctx.insuredName.get(p.clientKey) ?? null,
            transactionType: t.type,
            effectiveDate: t.effectiveDate,
            premium: formatCents(t.premiumDeltaCents),
            commissionRate: rate,
            commissionAmount: formatCents(commission),
            producerCode: producerCode.get(p.producerKey) ?? null,
          });
        }
      }
      if (!lines.length) continue;
      const downloadedAt = at(statementDate, 6);
      agency.create(
        'commission-statements',
        {
          carrierId: ctx.carrierId.get(carrier.key) ?? null,
          carrierName: carrier.name,
          statementDate,
          periodStart,
          periodEnd,
          downloadedAt,
          totalCommission: formatCents(total),
          lines,
        },
        { createdAt: downloadedAt },
      );
    }
  }
}
