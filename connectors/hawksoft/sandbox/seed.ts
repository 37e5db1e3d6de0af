// Projects the demo agency into a HawkSoft agency the way its client files really look: the
// personal-lines book this agency kept on HawkSoft (`bookFor(agency, 'hawksoft')`), each client with
// the insured (sometimes a spouse), an email and a phone, the producer and CSR codes, and every
// policy term as its own policy entry. A renewal is a new entry and the old one turns "Replaced"
// (a rewrite under a new number: "Replaced:Rewrite", and the new entry counts its terms from one);
// carriers that suffix the term keep renewing under a new number. Cancelled terms show their
// cancellation date as the status date; reinstated ones are back in force with the reinstatement
// date. Endorsements show only as they do in HawkSoft: folded into the term premium, with a later
// `modified`. Quotes sit on some files without a policy number. Unless `clean`, a few records are
// as a busy agency types them: a spelled-out state, an expiration year typed one too early, a
// missing Agent1 or NAIC, a carrier name spelled differently, an email without its domain.
import { createHash } from 'node:crypto';
import { formatCents } from '../../../domain/money.ts';
import { addDays, type DemoAgency, type DemoPolicy, generateAgency } from '../../kit/demo-agency.ts';
import { bookFor } from '../../kit/demo-book.ts';
import { Random } from '../../kit/random.ts';
import type { HsContact, HsLob, HsPerson, HsPolicy } from '../client.ts';
import { type HawkSoftAgency, newContact, newDetails, newPerson, newPolicy } from './agency.ts';

export interface HawkSoftSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
  /** Leave out the deliberately inconsistent and malformed records. */
  clean?: boolean;
}

const lineOfBusiness: Record<string, { title: string; type: string; lob: HsLob }> = {
  AUTOP: { title: 'AUTOP', type: 'Auto', lob: { code: 'AUTOP', name: 'Personal Auto' } },
  HOME: { title: 'HOME', type: 'Home', lob: { code: 'HOME', name: 'Homeowners' } },
  UMBRP: { title: 'UMBRP', type: 'General', lob: { code: 'UMBRP', name: 'Personal Umbrella' } },
  DFIRE: { title: 'DFIRE', type: 'Home', lob: { code: 'DFIRE', name: 'Dwelling Fire' } },
};

const stateNames: Record<string, string> = {
  TX: 'Texas',
  AZ: 'Arizona',
  CO: 'Colorado',
  OH: 'Ohio',
  GA: 'Georgia',
  NC: 'North Carolina',
  TN: 'Tennessee',
  FL: 'Florida',
  OR: 'Oregon',
  WI: 'Wisconsin',
  ID: 'Idaho',
  VA: 'Virginia',
  NE: 'Nebraska',
};

/** A GUID that is the same for the same seed and key, so seeded agencies are reproducible. */
function guid(seed: string, key: string): string {
  const h = createHash('sha256').update(`hawksoft:${seed}:${key}`).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** HawkSoft writes dates as local midnight without an offset. */
const hsDate = (date: string): string => `${date.slice(0, 10)}T00:00:00`;

const months = (from: string, to: string): number => {
  const a = new Date(`${from}T00:00:00Z`);
  const b = new Date(`${to}T00:00:00Z`);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
};

const dayDiff = (a: string, b: string): number =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

/** A JSON number of dollars from cents: parsed from the exact decimal string, never divided. */
const dollars = (cents: number): number => Number(formatCents(cents));

export function seedAgency(agency: HawkSoftAgency, opts: HawkSoftSeedOptions = {}): DemoAgency {
  const demo = generateAgency({ seed: opts.seed ?? 'demo', clients: opts.clients ?? 400, asOf: opts.asOf });
  const book = bookFor(demo, 'hawksoft');
  const r = new Random(`${demo.seed}:hawksoft`);
  const seed = demo.seed;
  // Seeded stamps never lie in the future, so "changed since now" starts out empty.
  const latest = Date.now() - 1_000;
  const past = (iso: string): string => (Date.parse(iso) > latest ? new Date(latest).toISOString() : iso);

  const codeOf = new Map(demo.producers.map((p) => [p.key, p.code]));
  const carrierOf = new Map(demo.carriers.map((c) => [c.key, c]));
  const agentCodeOf = new Map(demo.carriers.map((c) => [c.key, `${c.key.slice(0, 2)}${r.digits(5)}`]));
  const base = (p: DemoPolicy): string =>
    carrierOf.get(p.carrierKey)?.termSuffix ? p.policyNumber.replace(/-\d{2}$/, '') : p.policyNumber;
  const rewritten = (prior: DemoPolicy, p: DemoPolicy): boolean => base(prior) !== base(p);

  const termsOf = new Map<string, DemoPolicy[]>();
  for (const p of book.policies) termsOf.set(p.clientKey, [...(termsOf.get(p.clientKey) ?? []), p]);
  const byKey = new Map(book.policies.map((p) => [p.key, p]));
  const successorOf = new Map<string, DemoPolicy>();
  for (const p of book.policies) if (p.priorPolicyKey) successorOf.set(p.priorPolicyKey, p);
  // Terms counted since the policy number last changed hands (a rewrite starts again at one).
  const termCount = new Map<string, number>();
  for (const p of book.policies) {
    const prior = p.priorPolicyKey ? byKey.get(p.priorPolicyKey) : undefined;
    termCount.set(p.key, prior && !rewritten(prior, p) ? (termCount.get(prior.key) ?? 0) + 1 : 1);
  }
  const legacyBefore = addDays(demo.asOf, -3 * 365);
  let legacyId = 1;

  function status(p: DemoPolicy): { status: string; statusDate: string } {
    const next = successorOf.get(p.key);
    const reinstated = p.transactions.findLast((t) => t.type === 'REI');
    switch (p.status) {
      case 'cancelled':
        return {
          status: 'Cancelled',
          statusDate: p.transactions.findLast((t) => t.type === 'CAN')!.effectiveDate,
        };
      case 'lost':
        return { status: 'Expired', statusDate: p.expirationDate };
      case 'expired':
        return next
          ? { status: rewritten(p, next) ? 'Replaced:Rewrite' : 'Replaced', statusDate: p.expirationDate }
          : { status: 'Expired', statusDate: p.expirationDate };
      default: {
        const statusDate = reinstated?.effectiveDate ?? p.effectiveDate;
        if (p.termNumber > 1) return { status: termCount.get(p.key) === 1 ? 'Rewrite' : 'Renew', statusDate };
        return { status: dayDiff(p.effectiveDate, demo.asOf) <= 90 ? 'New' : 'Active', statusDate };
      }
    }
  }

  for (const c of book.clients) {
    const clientNumber = Number(c.key.replace(/\D/g, ''));
    const since = past(`${c.since}T10:00:00.000Z`);
    const producer = codeOf.get(c.producerKey) ?? null;
    const csr = codeOf.get(c.csrKey) ?? null;
    const clientRoll = r.next();
    const hasSpouse = r.chance(0.3);
    const insured = newPerson(since, {
      id: guid(seed, `${c.key}:insured`),
      firstName: !opts.clean && clientRoll < 0.004 ? '' : c.firstName,
      lastName: !opts.clean && clientRoll < 0.004 ? '' : c.lastName,
      relationship: 'Insured',
      dateOfBirth: hsDate(
        `${1950 + r.int(0, 50)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
      ),
    });
    const people: HsPerson[] = [insured];
    if (hasSpouse)
      people.push(
        newPerson(since, {
          id: guid(seed, `${c.key}:spouse`),
          firstName: r.pick(['Maria', 'John', 'Linda', 'David', 'Susan', 'Michael', 'Karen', 'James']),
          lastName: c.lastName,
          relationship: 'Spouse',
          gender: null,
        }),
      );
    const email =
      !opts.clean && clientRoll >= 0.004 && clientRoll < 0.012 ? c.email.replace(/@.*$/, '@') : c.email;
    const contacts: HsContact[] = [
      newContact(since, {
        id: guid(seed, `${c.key}:email`),
        personId: insured.id,
        type: 'Email',
        description: 'Personal',
        data: email,
        priority: 1,
        isBillingContact: true,
        allowMassEmail: true,
      }),
      newContact(since, {
        id: guid(seed, `${c.key}:phone`),
        personId: insured.id,
        type: r.chance(0.7) ? 'Cell Phone' : 'Home Phone',
        data: c.phone,
        priority: 1,
      }),
    ];

    const policies: HsPolicy[] = [];
    for (const p of termsOf.get(c.key) ?? []) {
      const carrier = carrierOf.get(p.carrierKey)!;
      const line = lineOfBusiness[p.lineOfBusiness] ?? {
        title: p.lineOfBusiness,
        type: 'General',
        lob: { code: p.lineOfBusiness, name: null },
      };
      const { status: hsStatus, statusDate } = status(p);
      const roll = r.next();
      const paymentPlan = r.pick(['Annual', 'Semi-Annual', 'Monthly']);
      const messy = !opts.clean;
      let expirationDate = p.expirationDate;
      if (messy && roll >= 0.015 && roll < 0.025)
        expirationDate = `${Number(p.effectiveDate.slice(0, 4)) - 1}${p.effectiveDate.slice(4)}`;
      const carrierName =
        messy && roll >= 0.055 && roll < 0.07
          ? carrier.name.endsWith('Insurance')
            ? `${carrier.name} Co.`
            : `${carrier.name} Insurance Co.`
          : carrier.name;
      policies.push(
        newPolicy(past(p.updatedAt), policies.length, {
          id: guid(seed, `${p.key}:policy`),
          legacyId: p.effectiveDate < legacyBefore ? legacyId++ : null,
          policyNumber: p.policyNumber,
          title: line.title,
          type: line.type,
          applicationType: 'Personal',
          loBs: [line.lob],
          carrier: carrierName,
          writingCarrier: carrier.kind === 'mga' ? null : carrier.name,
          naic: messy && roll >= 0.055 && roll < 0.07 ? null : carrier.naicCode,
          effectiveDate: hsDate(p.effectiveDate),
          expirationDate: hsDate(expirationDate),
          inceptionDate: hsDate(p.originalInceptionDate),
          soldDate: p.termNumber === 1 ? hsDate(addDays(p.effectiveDate, -r.int(3, 25))) : null,
          status: hsStatus,
          statusDate: hsDate(statusDate),
          numberOfTerms: termCount.get(p.key) ?? 1,
          term: `${months(p.effectiveDate, p.expirationDate)} Months`,
          premium: dollars(p.termPremiumCents),
          premiumMode: 'Term',
          billingType: p.billMode === 'agency' ? 'Agency Bill' : 'Direct',
          paymentPlan,
          policyState: messy && roll < 0.015 ? (stateNames[p.state] ?? p.state) : p.state,
          agent1: messy && roll >= 0.025 && roll < 0.055 ? null : (codeOf.get(p.producerKey) ?? null),
          agentCode: agentCodeOf.get(p.carrierKey) ?? null,
        }),
      );
    }
    // Some files carry a quote that was never bound: no policy number yet.
    if (r.chance(0.05)) {
      const carrier = r.pick(demo.carriers.filter((x) => x.kind === 'carrier'));
      const effective = addDays(demo.asOf, r.int(10, 45));
      const line = lineOfBusiness[r.pick(['AUTOP', 'HOME', 'UMBRP'])]!;
      policies.push(
        newPolicy(past(`${addDays(demo.asOf, -r.int(1, 20))}T16:00:00.000Z`), policies.length, {
          id: guid(seed, `${c.key}:quote`),
          title: line.title,
          type: line.type,
          loBs: [line.lob],
          carrier: carrier.name,
          writingCarrier: carrier.name,
          naic: carrier.naicCode,
          effectiveDate: hsDate(effective),
          expirationDate: hsDate(addDays(effective, 365)),
          status: 'Quote',
          statusDate: hsDate(demo.asOf),
          quotedPremium: dollars(r.int(600, 3200) * 100),
          policyState: c.address.state,
          agent1: producer,
        }),
      );
    }

    const modified = [since, ...policies.map((p) => p.modified)].sort().at(-1)!;
    const inForce = policies.some((p) => ['New', 'Active', 'Renew', 'Rewrite'].includes(p.status));
    agency.put({
      clientNumber,
      details: newDetails(modified, {
        id: guid(seed, `${c.key}:details`),
        status: inForce ? 'Active' : 'Inactive',
        isPersonal: true,
        isCommercial: false,
        clientSince: hsDate(c.since),
        producer,
        csr,
        mailingAddress: {
          address1: c.address.line1,
          address2: null,
          city: c.address.city,
          state: c.address.state,
          zip: c.address.postalCode,
        },
      }),
      people,
      contacts,
      policies,
      claims: [],
    });
  }
  return demo;
}
