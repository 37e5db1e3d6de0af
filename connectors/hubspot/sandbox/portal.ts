// One HubSpot account ("portal") held in memory: CRM objects with string properties,
// associations, owners, its access tokens, its rate-limit windows and its chaos settings.
//
// Assumptions where HubSpot's public docs are thin (kept deliberately close to observed behaviour):
// - Object ids are numeric strings assigned in increasing order, and list paging walks ids in
//   ascending order; the `after` cursor is the next id to return, as a string.
// - Date properties (effective_date, expiration_date, closedate) hold "YYYY-MM-DD" strings.
// - Archived objects are kept 90 days and listed only with `archived=true`; search never
//   returns them.
import { createHmac, randomUUID } from 'node:crypto';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export const objectTypes = ['companies', 'contacts', 'deals'] as const;
export type HsObjectType = (typeof objectTypes)[number];

/** HubSpot accepts object type ids as path segments too. */
export const objectTypeAliases: Record<string, HsObjectType> = {
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
};

export interface HsRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  associations: Record<HsObjectType, Set<string>>;
}

export interface HsOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** The property each object type keeps its last-modified time in. */
export const lastModifiedProperty: Record<HsObjectType, string> = {
  companies: 'hs_lastmodifieddate',
  contacts: 'lastmodifieddate',
  deals: 'hs_lastmodifieddate',
};

const builtInProperties: Record<HsObjectType, string[]> = {
  companies: [
    'name',
    'domain',
    'phone',
    'address',
    'city',
    'state',
    'zip',
    'country',
    'industry',
    'hubspot_owner_id',
    'agency_client_code',
  ],
  contacts: [
    'firstname',
    'lastname',
    'email',
    'phone',
    'address',
    'city',
    'state',
    'zip',
    'company',
    'hubspot_owner_id',
    'agency_client_code',
  ],
  deals: [
    'dealname',
    'amount',
    'closedate',
    'pipeline',
    'dealstage',
    'hubspot_owner_id',
    // The demo agency's custom deal properties (created in the portal like any HubSpot custom property).
    'policy_number',
    'carrier_name',
    'line_of_business',
    'effective_date',
    'expiration_date',
    'policy_status',
    'prior_policy_number',
    'agent_code',
    'renewal_probability',
    'agency_policy_id',
  ],
};

export class HubSpotPortal {
  readonly portalId: number;
  readonly tokens = new Map<string, number | null>(); // token → expiry (ms) or null for private-app tokens
  readonly objects: Record<HsObjectType, Map<string, HsRecord>> = {
    companies: new Map(),
    contacts: new Map(),
    deals: new Map(),
  };
  readonly owners = new Map<string, HsOwner>();
  readonly properties: Record<HsObjectType, Set<string>>;
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly window = new RollingWindow(190, 10_000);
  readonly searchWindow = new RollingWindow(5, 1_000);
  requestCount = 0;
  /** Where the portal's app subscription sends change events, signed with the app's secret. */
  webhook: { url: string; secret: string } | null = null;
  private eventId = 1;
  readonly deliveries: { eventIds: number[]; status: number | null; error?: string }[] = [];
  private nextId = 5_000_000_001;
  private lastStamp = 0;

  constructor(portalId: number) {
    this.portalId = portalId;
    this.properties = {
      companies: new Set([
        ...builtInProperties.companies,
        'createdate',
        'hs_lastmodifieddate',
        'hs_object_id',
      ]),
      contacts: new Set([...builtInProperties.contacts, 'createdate', 'lastmodifieddate', 'hs_object_id']),
      deals: new Set([...builtInProperties.deals, 'createdate', 'hs_lastmodifieddate', 'hs_object_id']),
    };
  }

  /** Strictly increasing timestamps, so "modified since" never misses two edits in one millisecond. */
  stamp(at?: string): string {
    if (at) return at;
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  issueToken(prefix: string, ttlSeconds: number | null): string {
    const token = `${prefix}-${randomUUID()}`;
    this.tokens.set(token, ttlSeconds === null ? null : Date.now() + ttlSeconds * 1000);
    return token;
  }

  create(
    type: HsObjectType,
    properties: Record<string, string | null>,
    opts: { createdAt?: string; updatedAt?: string; id?: string } = {},
  ): HsRecord {
    const id = opts.id ?? String(this.nextId++);
    const createdAt = opts.createdAt ?? this.stamp();
    const updatedAt = opts.updatedAt ?? createdAt;
    const record: HsRecord = {
      id,
      properties: {
        ...properties,
        hs_object_id: id,
        createdate: createdAt,
        [lastModifiedProperty[type]]: updatedAt,
      },
      createdAt,
      updatedAt,
      archived: false,
      associations: { companies: new Set(), contacts: new Set(), deals: new Set() },
    };
    this.objects[type].set(id, record);
    return record;
  }

  update(type: HsObjectType, id: string, properties: Record<string, string | null>): HsRecord | undefined {
    const record = this.objects[type].get(id);
    if (!record || record.archived) return undefined;
    const updatedAt = this.stamp();
    Object.assign(record.properties, properties, { [lastModifiedProperty[type]]: updatedAt });
    record.updatedAt = updatedAt;
    return record;
  }

  archive(type: HsObjectType, id: string): boolean {
    const record = this.objects[type].get(id);
    if (!record || record.archived) return false;
    record.archived = true;
    record.archivedAt = this.stamp();
    record.updatedAt = record.archivedAt;
    return true;
  }

  associate(fromType: HsObjectType, fromId: string, toType: HsObjectType, toId: string): void {
    const from = this.objects[fromType].get(fromId);
    const to = this.objects[toType].get(toId);
    if (!from || !to) throw new Error(`cannot associate ${fromType}/${fromId} with ${toType}/${toId}`);
    from.associations[toType].add(toId);
    to.associations[fromType].add(fromId);
  }

  /**
   * Tells the subscribed app what changed, the way HubSpot does: a JSON array of events POSTed with
   * the v3 signature. One attempt here; HubSpot retries failed deliveries for up to three days.
   */
  notify(
    type: HsObjectType,
    id: string,
    action: 'creation' | 'propertyChange' | 'deletion',
    propertyName?: string,
  ): void {
    if (!this.webhook) return;
    const { url, secret } = this.webhook;
    const objectType = type.slice(0, -1).replace(/ie$/, 'y'); // companies → company
    const event = {
      eventId: this.eventId++,
      subscriptionId: 1,
      portalId: this.portalId,
      appId: 4_000_001,
      occurredAt: Date.now(),
      subscriptionType: `${objectType}.${action}`,
      attemptNumber: 0,
      objectId: Number(id),
      changeSource: 'CRM_UI',
      ...(propertyName
        ? { propertyName, propertyValue: this.objects[type].get(id)?.properties[propertyName] ?? null }
        : {}),
    };
    const body = JSON.stringify([event]);
    const timestamp = String(Date.now());
    const signature = createHmac('sha256', secret).update(`POST${url}${body}${timestamp}`).digest('base64');
    const delivery: { eventIds: number[]; status: number | null; error?: string } = {
      eventIds: [event.eventId],
      status: null,
    };
    this.deliveries.push(delivery);
    void fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': timestamp,
      },
      body,
    })
      .then((res) => {
        delivery.status = res.status;
      })
      .catch((err: unknown) => {
        delivery.error = String(err);
      });
  }

  /** A HubSpot-shaped correlation id for error bodies. */
  correlationId(): string {
    return randomUUID();
  }

  counts(): Record<string, { live: number; archived: number }> {
    const out: Record<string, { live: number; archived: number }> = {};
    for (const type of objectTypes) {
      let live = 0;
      let archived = 0;
      for (const r of this.objects[type].values()) r.archived ? archived++ : live++;
      out[type] = { live, archived };
    }
    out.owners = { live: this.owners.size, archived: 0 };
    return out;
  }
}
