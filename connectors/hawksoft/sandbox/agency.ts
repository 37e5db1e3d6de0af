// One HawkSoft agency held in memory: its client files (every section, policies embedded), which
// were deleted and when, whether it shares data with partners, and its rate window and chaos.
// Every change stamps the changed record's `modified` and rolls it up to the client's
// `details.modified`, the timestamp the changed-clients call filters on.
import { randomUUID } from 'node:crypto';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';
import type { HsClaim, HsClientDetails, HsContact, HsPerson, HsPolicy } from '../client.ts';

/** A client with every section, as the agency's file holds it. */
export interface StoredClient {
  clientNumber: number;
  details: HsClientDetails;
  people: HsPerson[];
  contacts: HsContact[];
  policies: HsPolicy[];
  claims: HsClaim[];
}

export interface ClientFile {
  client: StoredClient;
  /** Set when the client was deleted: it is then absent from reads and listed only with deleted=true. */
  deletedAt: string | null;
}

export interface ClientInput {
  details?: Partial<HsClientDetails>;
  people?: Partial<HsPerson>[];
  contacts?: Partial<HsContact>[];
}

/** The assumed limit (see api.ts): requests per minute per agency for one partner. */
export const DEFAULT_REQUESTS_PER_MINUTE = 300;

export function newPerson(stamp: string, p: Partial<HsPerson> = {}): HsPerson {
  return {
    id: p.id ?? randomUUID(),
    modified: stamp,
    firstName: p.firstName ?? null,
    middleName: p.middleName ?? null,
    lastName: p.lastName ?? null,
    relationship: p.relationship ?? 'Insured',
    dateOfBirth: p.dateOfBirth ?? null,
    gender: p.gender ?? null,
  };
}

export function newContact(stamp: string, c: Partial<HsContact> = {}): HsContact {
  return {
    id: c.id ?? randomUUID(),
    modified: stamp,
    personId: c.personId ?? null,
    type: c.type ?? 'Email',
    description: c.description ?? null,
    data: c.data ?? '',
    priority: c.priority ?? 1,
    isBillingContact: c.isBillingContact ?? false,
    allowMassEmail: c.allowMassEmail ?? false,
  };
}

export function newDetails(stamp: string, d: Partial<HsClientDetails> = {}): HsClientDetails {
  return {
    id: d.id ?? randomUUID(),
    modified: stamp,
    officeId: d.officeId ?? 1,
    clientType: d.clientType ?? 'Customer',
    status: d.status ?? 'Active',
    isPersonal: d.isPersonal ?? !d.isCommercial,
    isCommercial: d.isCommercial ?? false,
    companyName: d.companyName ?? null,
    agencyNum: d.agencyNum ?? null,
    clientSince: d.clientSince ?? `${stamp.slice(0, 10)}T00:00:00`,
    producer: d.producer ?? null,
    csr: d.csr ?? null,
    mailingAddress: d.mailingAddress ?? null,
    allowCrossSell: d.allowCrossSell ?? true,
  };
}

export function newPolicy(stamp: string, policyIndex: number, p: Partial<HsPolicy> = {}): HsPolicy {
  return {
    id: p.id ?? randomUUID(),
    legacyId: p.legacyId ?? null,
    modified: stamp,
    policyIndex,
    policyNumber: p.policyNumber ?? null,
    title: p.title ?? null,
    type: p.type ?? 'General',
    applicationType: p.applicationType ?? 'Personal',
    loBs: p.loBs ?? [],
    carrier: p.carrier ?? null,
    writingCarrier: p.writingCarrier ?? null,
    naic: p.naic ?? null,
    effectiveDate: p.effectiveDate ?? null,
    expirationDate: p.expirationDate ?? null,
    inceptionDate: p.inceptionDate ?? p.effectiveDate ?? null,
    soldDate: p.soldDate ?? null,
    status: p.status ?? 'New',
    statusDate: p.statusDate ?? p.effectiveDate ?? null,
    subStatus: p.subStatus ?? null,
    numberOfTerms: p.numberOfTerms ?? 1,
    term: p.term ?? '12 Months',
    premium: p.premium ?? null,
    premiumMode: p.premiumMode ?? 'Term',
    quotedPremium: p.quotedPremium ?? null,
    nonCommissionable: p.nonCommissionable ?? null,
    billingType: p.billingType ?? 'Direct',
    billingPlan: p.billingPlan ?? null,
    paymentPlan: p.paymentPlan ?? 'Annual',
    policyState: p.policyState ?? null,
    agent1: p.agent1 ?? null,
    agent2: p.agent2 ?? null,
    agent3: p.agent3 ?? null,
    agentCode: p.agentCode ?? null,
    officeId: p.officeId ?? 1,
    program: p.program ?? null,
    raterCode: p.raterCode ?? 0,
    accountNumber: p.accountNumber ?? null,
    source: p.source ?? null,
    note: p.note ?? null,
  };
}

export class HawkSoftAgency {
  readonly agencyId: number;
  readonly name: string;
  readonly files = new Map<number, ClientFile>();
  /** Whether the agency shares its data with partners (opted in through the Marketplace). */
  sharing = true;
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly window = new RollingWindow(DEFAULT_REQUESTS_PER_MINUTE, 60_000);
  requestCount = 0;
  private nextClientNumber = 1;
  private lastStamp = 0;

  constructor(agencyId: number, name: string) {
    this.agencyId = agencyId;
    this.name = name;
  }

  /** Strictly increasing timestamps, so "changed since" never misses two edits in one millisecond. */
  stamp(): string {
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  /** Puts a fully formed client file in place (the seed uses it with its own stamps). */
  put(client: StoredClient): ClientFile {
    const file = { client, deletedAt: null };
    this.files.set(client.clientNumber, file);
    this.nextClientNumber = Math.max(this.nextClientNumber, client.clientNumber + 1);
    return file;
  }

  live(clientNumber: number): ClientFile | undefined {
    const file = this.files.get(clientNumber);
    return file && !file.deletedAt ? file : undefined;
  }

  createClient(input: ClientInput): StoredClient {
    const stamp = this.stamp();
    const people = (input.people ?? []).map((p) => newPerson(stamp, p));
    const contacts = (input.contacts ?? []).map((c) =>
      newContact(stamp, { personId: people[0]?.id ?? null, ...c }),
    );
    return this.put({
      clientNumber: this.nextClientNumber,
      details: newDetails(stamp, input.details),
      people,
      contacts,
      policies: [],
      claims: [],
    }).client;
  }

  /** Details are merged; people and contacts, when given, replace the lists (ids kept when given). */
  updateClient(clientNumber: number, input: ClientInput): StoredClient | undefined {
    const file = this.live(clientNumber);
    if (!file) return undefined;
    const stamp = this.stamp();
    const c = file.client;
    if (input.details) Object.assign(c.details, input.details);
    if (input.people) c.people = input.people.map((p) => newPerson(stamp, p));
    if (input.contacts) c.contacts = input.contacts.map((x) => newContact(stamp, x));
    c.details.modified = stamp;
    return c;
  }

  deleteClient(clientNumber: number): boolean {
    const file = this.live(clientNumber);
    if (!file) return false;
    file.deletedAt = this.stamp();
    return true;
  }

  findPolicy(policyId: string): { client: StoredClient; policy: HsPolicy } | undefined {
    for (const file of this.files.values()) {
      if (file.deletedAt) continue;
      const policy = file.client.policies.find((p) => p.id === policyId);
      if (policy) return { client: file.client, policy };
    }
    return undefined;
  }

  addPolicy(clientNumber: number, fields: Partial<HsPolicy>): HsPolicy | undefined {
    const file = this.live(clientNumber);
    if (!file) return undefined;
    const stamp = this.stamp();
    const policy = newPolicy(stamp, file.client.policies.length, fields);
    file.client.policies.push(policy);
    file.client.details.modified = stamp;
    return policy;
  }

  updatePolicy(policyId: string, fields: Partial<HsPolicy>): HsPolicy | undefined {
    const found = this.findPolicy(policyId);
    if (!found) return undefined;
    const stamp = this.stamp();
    const { id: _id, policyIndex: _index, ...rest } = fields;
    Object.assign(found.policy, rest, { modified: stamp });
    found.client.details.modified = stamp;
    return found.policy;
  }

  /** HawkSoft keeps a deleted policy on the client file with status "Void". */
  voidPolicy(policyId: string): boolean {
    const found = this.findPolicy(policyId);
    if (!found || found.policy.status.toLowerCase() === 'void') return false;
    const stamp = this.stamp();
    Object.assign(found.policy, {
      status: 'Void',
      statusDate: `${stamp.slice(0, 10)}T00:00:00`,
      modified: stamp,
    });
    found.client.details.modified = stamp;
    return true;
  }

  /** Client numbers changed at or after `asOf` (ms), ascending; deleted ones only when asked. */
  changedSince(asOf: number, includeDeleted: boolean): number[] {
    const out: number[] = [];
    for (const [n, file] of this.files) {
      if (file.deletedAt) {
        if (includeDeleted && Date.parse(file.deletedAt) >= asOf) out.push(n);
      } else if (Date.parse(file.client.details.modified) >= asOf) out.push(n);
    }
    return out.sort((a, b) => a - b);
  }

  counts(): Record<string, { live: number; deleted: number }> {
    const clients = { live: 0, deleted: 0 };
    const policies = { live: 0, deleted: 0 };
    for (const file of this.files.values()) {
      file.deletedAt ? clients.deleted++ : clients.live++;
      for (const p of file.client.policies) {
        file.deletedAt || p.status.toLowerCase() === 'void' ? policies.deleted++ : policies.live++;
      }
    }
    return { clients, policies };
  }
}
