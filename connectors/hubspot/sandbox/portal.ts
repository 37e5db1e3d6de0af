// One HubSpot account ("portal") held in memory: CRM objects with string properties,
// associations, owners, its access tokens, its rate-limit windows and its chaos settings.
//
// Assumptions where HubSpot's public docs are thin (kept deliberately close to observed behaviour):
// - Object ids are numeric strings assigned in increasing order, and list paging walks ids in
//   ascending order; the `after` cursor is the next id to return, as a string.
// - Date properties (effective_date, expiration_date, closedate) hold "YYYY-MM-DD" strings.
// - Archived objects are kept 90 days and listed only with `archived=true`; search never
//   returns them.
// - Tasks (object type 0-27) are CRM objects like the others: `hs_timestamp` (the due time) is
//   required on create, `hs_task_status` is NOT_STARTED unless given, and a task is tied to a
//   deal by an association given at create (HUBSPOT_DEFINED type 216, task to deal). Search
//   accepts the pseudo-property `associations.deal` (EQ a deal id), as HubSpot's search does.
// - Deal pipelines: every portal has the "default" Sales Pipeline; more are created through
//   /crm/v3/pipelines/deals. A deal written through the API must name a pipeline that exists
//   and a stage of that pipeline (HubSpot answers 400 VALIDATION_ERROR otherwise).
// - Properties: custom properties are created through /crm/v3/properties/{type}; one created
//   with `hasUniqueValue: true` can be the idProperty of a batch upsert (and only such a
//   property, or hs_object_id, can be). The demo agency's `agency_policy_id` is unique.
// - Asking for a property the portal does not define is not an error: it is left out of the
//   answer (a defined property with no value comes back as null).
// - Owners are PERSON (a user) or QUEUE (a shared inbox: no user, no email; the sandbox puts the
//   queue's name in firstName). Generated portals that are not `clean` hold two queues.
import { createHmac, randomUUID } from 'node:crypto';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export const objectTypes = ['companies', 'contacts', 'deals', 'tasks'] as const;
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
  tasks: 'tasks',
  task: 'tasks',
  '0-27': 'tasks',
};

/** HubSpot-defined association type ids between the object types the sandbox keeps. */
export const associationTypeIds: Record<number, { from: HsObjectType; to: HsObjectType }> = {
  3: { from: 'deals', to: 'contacts' },
  5: { from: 'deals', to: 'companies' },
  204: { from: 'tasks', to: 'contacts' },
  192: { from: 'tasks', to: 'companies' },
  216: { from: 'tasks', to: 'deals' },
};

export interface HsPipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HsPipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: HsPipelineStage[];
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HsProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  createdAt: string;
  updatedAt: string;
}

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
  type: 'PERSON' | 'QUEUE';
  email?: string;
  firstName: string;
  lastName: string;
  userId?: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** The property each object type keeps its last-modified time in. */
export const lastModifiedProperty: Record<HsObjectType, string> = {
  companies: 'hs_lastmodifieddate',
  contacts: 'lastmodifieddate',
  deals: 'hs_lastmodifieddate',
  tasks: 'hs_lastmodifieddate',
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
  tasks: [
    'hs_timestamp',
    'hs_task_subject',
    'hs_task_body',
    'hs_task_status',
    'hs_task_priority',
    'hs_task_type',
    'hubspot_owner_id',
  ],
};

/** The demo agency's own properties among the built-in ones (hubspotDefined: false). */
const agencyProperties = new Set([
  'agency_client_code',
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
]);

/** Property data types the sandbox reports; anything not listed is a single-line string. */
const propertyTypes: Record<string, [type: string, fieldType: string]> = {
  createdate: ['datetime', 'date'],
  hs_lastmodifieddate: ['datetime', 'date'],
  lastmodifieddate: ['datetime', 'date'],
  closedate: ['datetime', 'date'],
  hs_timestamp: ['datetime', 'date'],
  amount: ['number', 'number'],
  renewal_probability: ['number', 'number'],
  hs_object_id: ['number', 'number'],
  pipeline: ['enumeration', 'select'],
  dealstage: ['enumeration', 'radio'],
  hubspot_owner_id: ['enumeration', 'select'],
  hs_task_status: ['enumeration', 'select'],
  hs_task_priority: ['enumeration', 'select'],
  hs_task_type: ['enumeration', 'select'],
  email: ['string', 'text'],
};

const defaultStages = [
  ['appointmentscheduled', 'Appointment Scheduled', '0.2'],
  ['qualifiedtobuy', 'Qualified To Buy', '0.4'],
  ['presentationscheduled', 'Presentation Scheduled', '0.6'],
  ['decisionmakerboughtin', 'Decision Maker Bought-In', '0.8'],
  ['contractsent', 'Contract Sent', '0.9'],
  ['closedwon', 'Closed Won', '1.0'],
  ['closedlost', 'Closed Lost', '0.0'],
] as const;

export class HubSpotPortal {
  readonly portalId: number;
  readonly tokens = new Map<string, number | null>(); // token → expiry (ms) or null for private-app tokens
  readonly objects: Record<HsObjectType, Map<string, HsRecord>> = {
    companies: new Map(),
    contacts: new Map(),
    deals: new Map(),
    tasks: new Map(),
  };
  readonly pipelines: HsPipeline[] = [];
  /** Custom properties created through the properties API, by object type and name. */
  readonly customProperties: Record<HsObjectType, Map<string, HsProperty>> = {
    companies: new Map(),
    contacts: new Map(),
    deals: new Map(),
    tasks: new Map(),
  };
  /** Properties whose values are unique per object type: what a batch upsert may key on. */
  readonly uniqueProperties: Record<HsObjectType, Set<string>> = {
    companies: new Set(['hs_object_id']),
    contacts: new Set(['hs_object_id', 'email']),
    deals: new Set(['hs_object_id', 'agency_policy_id']),
    tasks: new Set(['hs_object_id']),
  };
  private nextPipelineId = 1;
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
      tasks: new Set([...builtInProperties.tasks, 'createdate', 'hs_lastmodifieddate', 'hs_object_id']),
    };
    const at = new Date(0).toISOString();
    this.pipelines.push({
      id: 'default',
      label: 'Sales Pipeline',
      displayOrder: 0,
      stages: defaultStages.map(([id, label, probability], i) => ({
        id,
        label,
        displayOrder: i,
        metadata: { isClosed: String(id.startsWith('closed')), probability },
        createdAt: at,
        updatedAt: at,
        archived: false,
      })),
      createdAt: at,
      updatedAt: at,
      archived: false,
    });
  }

  /** A new deal pipeline, with numeric ids for it and its stages as HubSpot assigns them. */
  createPipeline(input: {
    label: string;
    displayOrder?: number;
    stages: { label: string; displayOrder?: number; metadata?: Record<string, string> }[];
  }): HsPipeline {
    const at = this.stamp();
    const id = String(700_000_000 + this.nextPipelineId++);
    const pipeline: HsPipeline = {
      id,
      label: input.label,
      displayOrder: input.displayOrder ?? this.pipelines.length,
      stages: input.stages.map((st, i) => ({
        id: String(Number(id) * 100 + i + 1),
        label: st.label,
        displayOrder: st.displayOrder ?? i,
        metadata: st.metadata ?? {},
        createdAt: at,
        updatedAt: at,
        archived: false,
      })),
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    this.pipelines.push(pipeline);
    return pipeline;
  }

  /** A property's definition in HubSpot's shape (GET /crm/v3/properties/{type}[/{name}]). */
  propertyDefinition(type: HsObjectType, name: string): Record<string, unknown> | undefined {
    if (!this.properties[type].has(name)) return undefined;
    const custom = this.customProperties[type].get(name);
    const [dataType, fieldType] = propertyTypes[name] ?? ['string', 'text'];
    const at = new Date(0).toISOString();
    const base = custom ?? {
      name,
      label: name.replace(/^hs_/, '').replace(/_/g, ' '),
      type: dataType,
      fieldType,
      groupName: `${type.slice(0, -1).replace(/ie$/, 'y')}information`,
      hasUniqueValue: this.uniqueProperties[type].has(name),
      hubspotDefined: !agencyProperties.has(name),
      createdAt: at,
      updatedAt: at,
    };
    const readOnly = name === 'hs_object_id' || name === 'createdate' || name === lastModifiedProperty[type];
    return {
      ...base,
      description: '',
      options: [],
      displayOrder: -1,
      calculated: false,
      externalOptions: false,
      hidden: false,
      formField: !readOnly,
      archived: false,
      modificationMetadata: {
        archivable: !base.hubspotDefined,
        readOnlyDefinition: base.hubspotDefined,
        readOnlyValue: readOnly,
      },
    };
  }

  createProperty(
    type: HsObjectType,
    input: Omit<HsProperty, 'hubspotDefined' | 'createdAt' | 'updatedAt'>,
  ): HsProperty {
    const at = this.stamp();
    const property: HsProperty = { ...input, hubspotDefined: false, createdAt: at, updatedAt: at };
    this.customProperties[type].set(input.name, property);
    this.properties[type].add(input.name);
    if (input.hasUniqueValue) this.uniqueProperties[type].add(input.name);
    return property;
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
      associations: { companies: new Set(), contacts: new Set(), deals: new Set(), tasks: new Set() },
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
