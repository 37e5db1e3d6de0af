// Projects the demo agency into a HubSpot portal the way an agency's CRM really looks: people
// as contacts, businesses as companies, each policy term of the last three years as a deal with
// the agency's custom policy properties, producers and CSRs as owners. The CRM is kept by hand,
// so a few deals disagree with the AMS (an old quote's amount, a missing expiration date) and a
// few are plainly malformed; merge, conflicts and quarantine all have real work to do.
import { addDays, type DemoAgency, generateAgency } from '../../kit/demo-agency.ts';
import { Random } from '../../kit/random.ts';
import type { HubSpotPortal } from './portal.ts';

const stageByStatus: Record<string, string> = {
  active: 'closedwon',
  expired: 'closedwon',
  cancelled: 'closedlost',
  lost: 'closedlost',
};

function dollars(cents: number): string {
  return (cents / 100).toFixed(2);
}

export interface HubSpotSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
  /** Exactly this many deals (benchmarks); otherwise every term of the last `dealYears` years. */
  deals?: number;
  dealYears?: number;
  /** Leave out the deliberate disagreements and malformed deals. */
  clean?: boolean;
}

export function seedPortal(portal: HubSpotPortal, opts: HubSpotSeedOptions = {}): DemoAgency {
  const clients = opts.clients ?? (opts.deals ? Math.ceil(opts.deals / 3) : 400);
  const agency = generateAgency({ seed: opts.seed ?? 'demo', clients, asOf: opts.asOf });
  const r = new Random(`${agency.seed}:hubspot`);
  const ownerIdByProducer = new Map<string, string>();
  let userId = 9_100_000;
  for (const p of agency.producers) {
    if (p.role === 'house') continue;
    const id = String(70_000_000 + ownerIdByProducer.size + 1);
    ownerIdByProducer.set(p.key, id);
    portal.owners.set(id, {
      id,
      type: 'PERSON',
      email: p.email,
      firstName: p.firstName,
      lastName: p.lastName,
      userId: userId++,
      createdAt: `${addDays(agency.asOf, -2000)}T09:00:00.000Z`,
      updatedAt: `${addDays(agency.asOf, -30)}T09:00:00.000Z`,
      archived: false,
    });
  }

  // Shared inboxes are owners too (type QUEUE): a hand-kept CRM routes some records to them.
  const queueIds: string[] = [];
  if (!opts.clean) {
    for (const name of ['Service Queue', 'Renewals Queue']) {
      const id = String(70_000_000 + ownerIdByProducer.size + queueIds.length + 1);
      queueIds.push(id);
      portal.owners.set(id, {
        id,
        type: 'QUEUE',
        firstName: name,
        lastName: '',
        createdAt: `${addDays(agency.asOf, -1500)}T09:00:00.000Z`,
        updatedAt: `${addDays(agency.asOf, -60)}T09:00:00.000Z`,
        archived: false,
      });
    }
  }

  const carrierName = new Map(agency.carriers.map((c) => [c.key, c.name]));
  const clientRecord = new Map<string, { type: 'companies' | 'contacts'; id: string }>();
  for (const c of agency.clients) {
    const stamp = `${c.since}T10:00:00.000Z`;
    const owner = ownerIdByProducer.get(c.producerKey) ?? null;
    if (c.kind === 'business') {
      const rec = portal.create(
        'companies',
        {
          name: c.companyName,
          phone: c.phone,
          address: c.address.line1,
          city: c.address.city,
          state: c.address.state,
          zip: c.address.postalCode,
          country: 'United States',
          hubspot_owner_id: owner,
          agency_client_code: c.key,
        },
        { createdAt: stamp },
      );
      clientRecord.set(c.key, { type: 'companies', id: rec.id });
    } else {
      const rec = portal.create(
        'contacts',
        {
          firstname: c.firstName,
          lastname: c.lastName,
          email: c.email,
          phone: c.phone,
          address: c.address.line1,
          city: c.address.city,
          state: c.address.state,
          zip: c.address.postalCode,
          hubspot_owner_id: owner,
          agency_client_code: c.key,
        },
        { createdAt: stamp },
      );
      clientRecord.set(c.key, { type: 'contacts', id: rec.id });
    }
  }

  const horizon = addDays(agency.asOf, -365 * (opts.dealYears ?? 3));
  const terms = opts.deals
    ? agency.policies.slice(0, opts.deals)
    : agency.policies.filter((p) => p.effectiveDate >= horizon || p.status === 'active');
  const clientName = new Map(agency.clients.map((c) => [c.key, c.displayName]));
  for (const p of terms) {
    const props: Record<string, string | null> = {
      dealname: `${clientName.get(p.clientKey)} - ${p.lineOfBusiness} ${p.effectiveDate.slice(0, 4)}`,
      amount: dollars(p.termPremiumCents),
      closedate: `${p.effectiveDate}T00:00:00.000Z`,
      pipeline: 'default',
      dealstage: stageByStatus[p.status] ?? 'closedwon',
      hubspot_owner_id: ownerIdByProducer.get(p.producerKey) ?? null,
      policy_number: p.policyNumber,
      carrier_name: carrierName.get(p.carrierKey) ?? null,
      line_of_business: p.lineOfBusiness,
      effective_date: p.effectiveDate,
      expiration_date: p.expirationDate,
      policy_status: p.status,
      prior_policy_number: p.priorPolicyNumber,
      agency_policy_id: p.key,
    };
    if (!opts.clean) {
      const roll = r.next();
      if (roll < 0.04)
        props.amount = dollars(Math.round(p.termPremiumCents / 10_000) * 10_000 + 10_000); // an old quote
      else if (roll < 0.06) props.expiration_date = null;
      else if (roll < 0.065) props.effective_date = 'TBD'; // typed by hand: quarantined on sync
    }
    const createdAt = `${addDays(p.effectiveDate, -20)}T15:00:00.000Z`;
    const deal = portal.create('deals', props, {
      createdAt,
      updatedAt: p.updatedAt > createdAt ? p.updatedAt : createdAt,
    });
    const client = clientRecord.get(p.clientKey);
    if (client) portal.associate('deals', deal.id, client.type, client.id);
  }
  return agency;
}
