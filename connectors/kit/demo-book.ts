// Which part of the demo agency's book each system holds. The agency grew by acquisition: its
// commercial team works in Applied Epic and Salesforce, the personal-lines book came from two
// agencies still on HawkSoft and EZLynx, HubSpot is the marketing CRM for everyone, and
// QuickBooks keeps the agency-billed clients, the carriers and the commission deposits. So every
// policy lives in exactly one AMS, and partially (sometimes differently) in a CRM.
import type { DemoAgency, DemoClient, DemoPolicy } from './demo-agency.ts';

export type DemoSystem = 'applied-epic' | 'hawksoft' | 'ezlynx' | 'salesforce' | 'hubspot' | 'quickbooks';

export interface BookSlice {
  clients: DemoClient[];
  policies: DemoPolicy[];
}

function clientNumber(c: DemoClient): number {
  return Number(c.key.replace(/\D/g, ''));
}

const holds: Record<DemoSystem, (c: DemoClient) => boolean> = {
  'applied-epic': (c) => c.kind === 'business',
  salesforce: (c) => c.kind === 'business',
  hawksoft: (c) => c.kind === 'person' && clientNumber(c) % 2 === 1,
  ezlynx: (c) => c.kind === 'person' && clientNumber(c) % 2 === 0,
  hubspot: () => true,
  quickbooks: () => true,
};

/** The clients a system knows and their policy terms (QuickBooks: agency-billed ones only). */
export function bookFor(agency: DemoAgency, system: DemoSystem): BookSlice {
  const clients = agency.clients.filter(holds[system]);
  const keys = new Set(clients.map((c) => c.key));
  let policies = agency.policies.filter((p) => keys.has(p.clientKey));
  if (system === 'quickbooks') {
    policies = policies.filter((p) => p.billMode === 'agency');
    const billed = new Set(policies.map((p) => p.clientKey));
    return { clients: clients.filter((c) => billed.has(c.key)), policies };
  }
  return { clients, policies };
}
