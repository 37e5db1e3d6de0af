// One Salesforce org held in memory: the schema of the objects an agency's org uses (standard
// User, Account, Contact, Opportunity and Financial Services Cloud's InsurancePolicy, with the
// agency's custom fields), its records with Salesforce's system fields, the recycle bin and delete
// log, open query cursors, its connected app and tokens' settings, its API allowance and chaos,
// and the change events every committed write produces.
//
// Writes follow Salesforce's rules as the REST API reports them: unknown fields (INVALID_FIELD),
// read-only fields (INVALID_FIELD_FOR_INSERT_UPDATE), missing required fields
// (REQUIRED_FIELD_MISSING), values of the wrong type (JSON_PARSER_ERROR), lookups to missing or
// wrong-typed records (INVALID_CROSS_REFERENCE_KEY / FIELD_INTEGRITY_EXCEPTION) and duplicate
// values in unique external ids (DUPLICATE_VALUE).
//
// Assumptions for the renewal outreach the hub writes (Salesforce documents the objects; the
// org's own setup is the agency's choice):
// - Opportunity has RecordTypeId, and the org defines the record types "New_Business" and
//   "Renewal" (RecordType rows with SobjectType 'Opportunity', readable by SOQL, created with the
//   org as record types are: through setup, not the REST API).
// - Opportunity carries the integration's External_Id__c (External ID, unique, case-insensitive),
//   so upserts by it update rather than duplicate.
// - Task: Status and Priority are required and default to "Not Started" and "Normal"; WhatId
//   points at an Opportunity (Salesforce allows any object there; the sandbox keeps the one the
//   hub uses), WhoId at a Contact; IsClosed follows Status = "Completed". Activity fields cannot
//   be External IDs in Salesforce, so a task is found again by its WhatId.
import { randomUUID } from 'node:crypto';
import { formatCents, parseMoneyToCents } from '../../../domain/money.ts';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export const sobjectTypes = [
  'User',
  'Account',
  'Contact',
  'Opportunity',
  'InsurancePolicy',
  'Task',
  'RecordType',
] as const;
export type SObjectType = (typeof sobjectTypes)[number];

export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'email'
  | 'phone'
  | 'boolean'
  | 'currency'
  | 'double'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime';

export interface FieldDef {
  name: string;
  type: FieldType;
  referenceTo?: SObjectType;
  /** The name a SOQL relationship path uses (`NameInsured.Name` for NameInsuredId). */
  relationshipName?: string;
  required?: boolean;
  readOnly?: boolean;
  externalId?: boolean;
  unique?: boolean;
}

export interface ObjectDef {
  name: SObjectType;
  keyPrefix: string;
  fields: FieldDef[];
  /** Lower-cased field name → definition; SOQL and the REST API ignore case in names. */
  byName: Map<string, FieldDef>;
  /** Lower-cased relationship name → the lookup field it follows. */
  byRelationship: Map<string, FieldDef>;
  /** Whether getDeleted()/deletes apply (Users are deactivated, never deleted). */
  deletable: boolean;
}

const f = (name: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type,
  ...extra,
});
const lookup = (name: string, to: SObjectType, extra: Partial<FieldDef> = {}): FieldDef =>
  f(name, 'reference', { referenceTo: to, relationshipName: name.replace(/Id$/, ''), ...extra });

const systemFields = (): FieldDef[] => [
  f('Id', 'id', { readOnly: true }),
  f('IsDeleted', 'boolean', { readOnly: true }),
  f('CreatedDate', 'datetime', { readOnly: true }),
  lookup('CreatedById', 'User', { readOnly: true }),
  f('LastModifiedDate', 'datetime', { readOnly: true }),
  lookup('LastModifiedById', 'User', { readOnly: true }),
  f('SystemModstamp', 'datetime', { readOnly: true }),
];

function objectDef(name: SObjectType, keyPrefix: string, fields: FieldDef[], deletable = true): ObjectDef {
  const all = [...systemFields(), ...fields];
  return {
    name,
    keyPrefix,
    fields: all,
    byName: new Map(all.map((d) => [d.name.toLowerCase(), d])),
    byRelationship: new Map(
      all.filter((d) => d.relationshipName).map((d) => [d.relationshipName!.toLowerCase(), d]),
    ),
    deletable,
  };
}

/**
 * Key prefixes are Salesforce's: 005 User, 001 Account, 003 Contact, 006 Opportunity, 00T Task,
 * 012 RecordType, and 0YT for Financial Services Cloud's InsurancePolicy.
 */
export const schema: Record<SObjectType, ObjectDef> = {
  User: objectDef(
    'User',
    '005',
    [
      f('Username', 'string', { required: true, unique: true }),
      f('FirstName', 'string'),
      f('LastName', 'string', { required: true }),
      f('Name', 'string', { readOnly: true }),
      f('Email', 'email', { required: true }),
      f('Alias', 'string'),
      f('IsActive', 'boolean'),
      f('UserType', 'picklist', { readOnly: true }),
      f('Title', 'string'),
      f('Department', 'string'),
      f('EmployeeNumber', 'string'),
      f('FederationIdentifier', 'string'),
      // The agency's custom picklist: producer, csr or house; blank for admins and integrations.
      f('Agency_Role__c', 'picklist'),
    ],
    false,
  ),
  Account: objectDef('Account', '001', [
    lookup('OwnerId', 'User'),
    f('Name', 'string', { required: true }),
    f('Type', 'picklist'),
    f('Industry', 'picklist'),
    f('Phone', 'phone'),
    f('Website', 'string'),
    f('BillingStreet', 'textarea'),
    f('BillingCity', 'string'),
    f('BillingState', 'string'),
    f('BillingPostalCode', 'string'),
    f('BillingCountry', 'string'),
    f('NumberOfEmployees', 'int'),
    f('AnnualRevenue', 'currency'),
    f('Description', 'textarea'),
    f('Agency_Client_Code__c', 'string', { externalId: true, unique: true }),
  ]),
  Contact: objectDef('Contact', '003', [
    lookup('OwnerId', 'User'),
    lookup('AccountId', 'Account'),
    f('FirstName', 'string'),
    f('LastName', 'string', { required: true }),
    f('Name', 'string', { readOnly: true }),
    f('Title', 'string'),
    f('Email', 'email'),
    f('Phone', 'phone'),
    f('MobilePhone', 'phone'),
    f('MailingStreet', 'textarea'),
    f('MailingCity', 'string'),
    f('MailingState', 'string'),
    f('MailingPostalCode', 'string'),
    f('MailingCountry', 'string'),
  ]),
  Opportunity: objectDef('Opportunity', '006', [
    lookup('OwnerId', 'User'),
    lookup('AccountId', 'Account'),
    f('Name', 'string', { required: true }),
    f('StageName', 'picklist', { required: true }),
    f('CloseDate', 'date', { required: true }),
    f('Amount', 'currency'),
    f('Probability', 'percent'),
    f('Type', 'picklist'),
    f('LeadSource', 'picklist'),
    f('IsClosed', 'boolean', { readOnly: true }),
    f('IsWon', 'boolean', { readOnly: true }),
    // The agency's custom policy fields, as agencies without FSC keep policies on opportunities.
    f('Policy_Number__c', 'string'),
    f('Carrier_Name__c', 'string'),
    f('Line_Of_Business__c', 'picklist'),
    f('Effective_Date__c', 'date'),
    f('Expiration_Date__c', 'date'),
    f('Policy_Status__c', 'picklist'),
    f('Prior_Policy_Number__c', 'string'),
    f('Agency_Policy_Id__c', 'string', { externalId: true, unique: true }),
    lookup('RecordTypeId', 'RecordType'),
    f('External_Id__c', 'string', { externalId: true, unique: true }),
  ]),
  InsurancePolicy: objectDef('InsurancePolicy', '0YT', [
    lookup('OwnerId', 'User'),
    // Name is labelled "Policy Number" on InsurancePolicy.
    f('Name', 'string', { required: true }),
    f('PolicyName', 'string'),
    lookup('NameInsuredId', 'Account', { required: true }),
    f('PolicyType', 'picklist'),
    f('EffectiveDate', 'datetime'),
    f('ExpirationDate', 'datetime'),
    f('CancellationDate', 'datetime'),
    f('Status', 'picklist'),
    f('Substatus', 'picklist'),
    f('PremiumAmount', 'currency'),
    f('GrossWrittenPremium', 'currency'),
    f('IsActive', 'boolean'),
    lookup('ProducerId', 'User'),
    lookup('PriorPolicyId', 'InsurancePolicy'),
    lookup('SourceOpportunityId', 'Opportunity'),
    f('Carrier_Name__c', 'string'),
    f('Agency_Policy_Id__c', 'string', { externalId: true, unique: true }),
  ]),
  Task: objectDef('Task', '00T', [
    lookup('OwnerId', 'User'),
    lookup('WhatId', 'Opportunity', { relationshipName: 'What' }),
    lookup('WhoId', 'Contact', { relationshipName: 'Who' }),
    f('Subject', 'string'),
    f('Description', 'textarea'),
    f('ActivityDate', 'date'),
    f('Status', 'picklist', { required: true }),
    f('Priority', 'picklist', { required: true }),
    f('Type', 'picklist'),
    f('IsClosed', 'boolean', { readOnly: true }),
  ]),
  RecordType: objectDef(
    'RecordType',
    '012',
    [
      f('Name', 'string', { required: true }),
      f('DeveloperName', 'string', { required: true }),
      f('SobjectType', 'picklist', { required: true }),
      f('Description', 'string'),
      f('IsActive', 'boolean'),
    ],
    false,
  ),
};

const typeByPrefix = new Map(sobjectTypes.map((t) => [schema[t].keyPrefix, t]));

/** The object type an API name names, ignoring case as Salesforce does. */
export function sobjectType(name: string): SObjectType | undefined {
  return sobjectTypes.find((t) => t.toLowerCase() === name.toLowerCase());
}

export function typeOfId(id: string): SObjectType | undefined {
  return typeByPrefix.get(id.slice(0, 3));
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const suffixChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Salesforce's case-safe suffix: one character per five, flagging which of them are upper case. */
function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15[chunk * 5 + i]!;
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    out += suffixChars[bits];
  }
  return out;
}

/** An 18-character id: key prefix, pod "Hp", a reserved 0, a fixed-width base-62 counter, the suffix. */
export function salesforceId(prefix: string, n: number): string {
  let digits = '';
  let v = n;
  for (let i = 0; i < 9; i++) {
    digits = base62[v % 62] + digits;
    v = Math.floor(v / 62);
  }
  const id15 = `${prefix}Hp0${digits}`;
  return id15 + idSuffix(id15);
}

/** Accepts the 15- or 18-character form; null when the text is not an id at all. */
export function toId18(id: string): string | null {
  if (/^[a-zA-Z0-9]{18}$/.test(id)) return id.slice(0, 15) + idSuffix(id.slice(0, 15));
  if (/^[a-zA-Z0-9]{15}$/.test(id)) return id + idSuffix(id);
  return null;
}

/** A stored value: text, numbers (currency in integer cents), booleans, ISO instants, or null. */
export type FieldValue = string | number | boolean | null;

export interface SfRecord {
  type: SObjectType;
  fields: Record<string, FieldValue>;
}

/** An error the REST API answers with `[{message, errorCode, fields}]`. */
export class SalesforceApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[] | undefined;
  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }
  body(): { message: string; errorCode: string; fields?: string[] }[] {
    return [
      { message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) },
    ];
  }
}

/** A value as the REST API returns it (currency as a JSON number, instants in Salesforce's format). */
export function renderValue(def: FieldDef | undefined, value: FieldValue | undefined): FieldValue {
  if (value === undefined || value === null) return null;
  if (def?.type === 'currency' && typeof value === 'number') return Number(formatCents(value));
  if (def?.type === 'datetime' && typeof value === 'string') return renderInstant(value);
  return value;
}

/** Salesforce writes instants as 2024-05-07T22:07:19.000+0000. */
export function renderInstant(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

export interface ChangeEvent {
  entityName: SObjectType;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  recordIds: string[];
  commitTimestamp: number;
  commitUser: string;
  changeOrigin: string;
  transactionKey: string;
  changedFields: string[];
  nulledFields: string[];
  values: Record<string, FieldValue>;
}

export interface OrgSettings {
  /** The org's rolling 24-hour API request allowance. */
  dailyApiRequests: number;
  /** Whether a refresh returns a new refresh token (Salesforce's "rotate refresh tokens" app policy). */
  rotateRefreshTokens: boolean;
  /** Query cursors expire after this long without use. */
  queryLocatorTtlSeconds: number;
  /** Open query cursors per user; opening one more closes the least recently used. */
  maxQueryCursors: number;
  /** How long the delete log keeps entries (getDeleted's earliestDateAvailable). */
  deleteLogRetentionDays: number;
  /** getUpdated()/getDeleted() refuse windows returning more ids than this (EXCEEDED_ID_LIMIT). */
  replicationIdLimit: number;
}

export const defaultOrgSettings = (): OrgSettings => ({
  dailyApiRequests: 100_000,
  rotateRefreshTokens: false,
  queryLocatorTtlSeconds: 15 * 60,
  maxQueryCursors: 10,
  deleteLogRetentionDays: 15,
  replicationIdLimit: 600_000,
});

export interface QueryCursor {
  id: string;
  type: SObjectType;
  fields: string[];
  ids: string[];
  scanAll: boolean;
  batchSize: number;
  lastUsedAt: number;
}

export interface DeleteLogEntry {
  type: SObjectType;
  id: string;
  deletedDate: string;
}

export interface WriteOptions {
  /** The acting user (CreatedById / LastModifiedById); the org's admin by default. */
  userId?: string;
  /** CDC changeOrigin: the REST API's client id, or empty for changes made in the UI. */
  origin?: string;
  /** Seeding only: historical timestamps instead of now. */
  createdAt?: string;
  modifiedAt?: string;
  /** Seeding only: no change events. */
  quiet?: boolean;
  /** Collects the events instead of committing them (sObject collections commit once, or roll back). */
  collect?: ChangeEvent[];
}

export class SalesforceOrg {
  readonly orgId: string;
  readonly name: string;
  readonly records = new Map<SObjectType, Map<string, SfRecord>>(sobjectTypes.map((t) => [t, new Map()]));
  readonly deleteLog: DeleteLogEntry[] = [];
  readonly cursors = new Map<string, QueryCursor>();
  readonly connectedApp: { clientId: string; clientSecret: string; callbackUrls: string[] };
  settings: OrgSettings = defaultOrgSettings();
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly apiUsage = new RollingWindow(100_000, 86_400_000);
  requestCount = 0;
  adminUserId = '';
  webhook: { url: string; secret: string } | null = null;
  /** Called once per committed transaction with its change events. */
  onCommit: ((events: ChangeEvent[]) => void) | null = null;
  private readonly counters = new Map<string, number>();
  private lastStamp = 0;
  private cursorCounter = 0;
  commitNumber = 10_000_000;

  constructor(orgNumber: number, name: string) {
    this.orgId = salesforceId('00D', orgNumber);
    this.name = name;
    this.connectedApp = {
      clientId: `3MVG9${randomUUID().replace(/-/g, '')}`,
      clientSecret: randomUUID().replace(/-/g, '').toUpperCase(),
      callbackUrls: [],
    };
    // The agency's opportunity record types, defined in setup when the org was configured.
    for (const [name, developerName] of [
      ['New Business', 'New_Business'],
      ['Renewal', 'Renewal'],
    ] as const) {
      this.create(
        'RecordType',
        { Name: name, DeveloperName: developerName, SobjectType: 'Opportunity', IsActive: true },
        { quiet: true },
      );
    }
  }

  /** Strictly increasing instants, so changes made within one millisecond still order. */
  stamp(): string {
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  nextId(type: SObjectType): string {
    const prefix = schema[type].keyPrefix;
    const n = (this.counters.get(prefix) ?? 1_000) + 1;
    this.counters.set(prefix, n);
    return salesforceId(prefix, n);
  }

  table(type: SObjectType): Map<string, SfRecord> {
    return this.records.get(type)!;
  }

  /** A record by id of any type (deleted ones included), with the type its prefix names. */
  byId(id: string): SfRecord | undefined {
    const id18 = toId18(id);
    const type = id18 ? typeOfId(id18) : undefined;
    return type && id18 ? this.table(type).get(id18) : undefined;
  }

  live(type: SObjectType, id: string): SfRecord | undefined {
    const id18 = toId18(id);
    const r = id18 ? this.table(type).get(id18) : undefined;
    return r && !r.fields.IsDeleted ? r : undefined;
  }

  /** Live records whose field equals the value (external id matching ignores case). */
  findBy(type: SObjectType, field: string, value: string): SfRecord[] {
    const def = schema[type].byName.get(field.toLowerCase());
    if (!def) return [];
    const wanted = value.toLowerCase();
    const out: SfRecord[] = [];
    for (const r of this.table(type).values()) {
      if (r.fields.IsDeleted) continue;
      const v = r.fields[def.name];
      if (v !== null && v !== undefined && String(v).toLowerCase() === wanted) out.push(r);
    }
    return out;
  }

  create(type: SObjectType, values: Record<string, unknown>, opts: WriteOptions = {}): SfRecord {
    const record = this.insert(type, values, opts);
    this.commit(opts, [this.event('CREATE', record, Object.keys(record.fields), opts)]);
    return record;
  }

  update(type: SObjectType, id: string, values: Record<string, unknown>, opts: WriteOptions = {}): SfRecord {
    const record = this.live(type, id);
    if (!record) throw notFound();
    const coerced = this.coerce(type, values, 'update', record.fields.Id as string);
    const changed = Object.keys(coerced).filter((k) => coerced[k] !== record.fields[k]);
    Object.assign(record.fields, coerced);
    this.derive(record);
    const at = opts.modifiedAt ?? this.stamp();
    record.fields.LastModifiedDate = at;
    record.fields.SystemModstamp = at;
    record.fields.LastModifiedById = opts.userId ?? this.adminUserId;
    this.commit(opts, [this.event('UPDATE', record, [...changed, 'LastModifiedDate'], opts)]);
    return record;
  }

  /**
   * Moves a record (and, as master-detail and Salesforce's cascade do, an account's contacts,
   * opportunities and policies) to the recycle bin; `hard` skips the bin, as a purge or a
   * Bulk API hard delete does, leaving only the delete log.
   */
  delete(type: SObjectType, id: string, opts: WriteOptions & { hard?: boolean } = {}): string[] {
    if (!schema[type].deletable)
      throw new SalesforceApiError(
        400,
        'INVALID_OPERATION',
        `${type} records cannot be deleted; deactivate them`,
      );
    const record = this.live(type, id);
    if (!record) throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const victims: SfRecord[] = [record];
    if (type === 'Account') {
      for (const child of ['Contact', 'Opportunity', 'InsurancePolicy'] as const) {
        const field = child === 'InsurancePolicy' ? 'NameInsuredId' : 'AccountId';
        for (const r of this.table(child).values())
          if (!r.fields.IsDeleted && r.fields[field] === record.fields.Id) victims.push(r);
      }
    }
    const at = opts.modifiedAt ?? this.stamp();
    const events: ChangeEvent[] = [];
    for (const r of victims) {
      r.fields.IsDeleted = true;
      r.fields.SystemModstamp = at;
      r.fields.LastModifiedById = opts.userId ?? this.adminUserId;
      this.deleteLog.push({ type: r.type, id: r.fields.Id as string, deletedDate: at });
      if (opts.hard) this.table(r.type).delete(r.fields.Id as string);
      events.push(this.event('DELETE', r, [], opts));
    }
    this.commit(opts, events);
    return victims.map((r) => r.fields.Id as string);
  }

  undelete(type: SObjectType, id: string, opts: WriteOptions = {}): SfRecord {
    const id18 = toId18(id);
    const record = id18 ? this.table(type).get(id18) : undefined;
    if (!record?.fields.IsDeleted)
      throw new SalesforceApiError(400, 'UNDELETE_FAILED', 'Entity is not in the recycle bin');
    const at = this.stamp();
    record.fields.IsDeleted = false;
    record.fields.LastModifiedDate = at;
    record.fields.SystemModstamp = at;
    this.commit(opts, [this.event('UNDELETE', record, Object.keys(record.fields), opts)]);
    return record;
  }

  private insert(type: SObjectType, values: Record<string, unknown>, opts: WriteOptions = {}): SfRecord {
    const id = this.nextId(type);
    const coerced = this.coerce(type, values, 'create', id);
    const missing = schema[type].fields
      .filter((d) => {
        const value = coerced[d.name] ?? defaults(type, id)[d.name];
        return d.required && (value === null || value === undefined);
      })
      .map((d) => d.name);
    if (missing.length)
      throw new SalesforceApiError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    const createdAt = opts.createdAt ?? this.stamp();
    const modifiedAt = opts.modifiedAt ?? createdAt;
    const user = opts.userId ?? this.adminUserId;
    const fields: Record<string, FieldValue> = {};
    for (const d of schema[type].fields) fields[d.name] = null;
    Object.assign(fields, defaults(type, user || id), coerced, {
      Id: id,
      IsDeleted: false,
      CreatedDate: createdAt,
      CreatedById: user || id,
      LastModifiedDate: modifiedAt,
      LastModifiedById: user || id,
      SystemModstamp: modifiedAt,
    });
    const record: SfRecord = { type, fields };
    this.derive(record);
    this.table(type).set(id, record);
    return record;
  }

  /** Checks and converts a REST body's values into stored ones, as Salesforce validates them. */
  coerce(
    type: SObjectType,
    values: Record<string, unknown>,
    mode: 'create' | 'update',
    selfId: string,
  ): Record<string, FieldValue> {
    const out: Record<string, FieldValue> = {};
    for (const [key, raw] of Object.entries(values)) {
      if (key === 'attributes') continue;
      const def = schema[type].byName.get(key.toLowerCase());
      if (!def)
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `No such column '${key}' on sobject of type ${type}`,
          [key],
        );
      if (def.readOnly)
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${def.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [def.name],
        );
      const value = coerceValue(def, raw);
      if (def.type === 'reference' && value !== null) this.checkReference(def, String(value));
      if (def.unique && value !== null) {
        const clash = this.findBy(type, def.name, String(value)).find((r) => r.fields.Id !== selfId);
        if (clash)
          throw new SalesforceApiError(
            400,
            'DUPLICATE_VALUE',
            `duplicate value found: ${def.name} duplicates value on record with id: ${clash.fields.Id}`,
            [def.name],
          );
      }
      if (mode === 'update' && def.required && value === null)
        throw new SalesforceApiError(
          400,
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${def.name}]`,
          [def.name],
        );
      out[def.name] = value;
    }
    return out;
  }

  private checkReference(def: FieldDef, id: string): void {
    const id18 = toId18(id);
    if (!id18)
      throw new SalesforceApiError(400, 'MALFORMED_ID', `${def.name}: id value of incorrect type: ${id}`, [
        def.name,
      ]);
    if (typeOfId(id18) !== def.referenceTo)
      throw new SalesforceApiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        `${def.name}: id value of incorrect type: ${id}`,
        [def.name],
      );
    if (!this.live(def.referenceTo!, id18))
      throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [
        def.name,
      ]);
  }

  /** Fields Salesforce computes from others. */
  private derive(record: SfRecord): void {
    const v = record.fields;
    if (record.type === 'User' || record.type === 'Contact')
      v.Name = [v.FirstName, v.LastName].filter((x) => typeof x === 'string' && x).join(' ') || null;
    if (record.type === 'Opportunity') {
      v.IsClosed = v.StageName === 'Closed Won' || v.StageName === 'Closed Lost';
      v.IsWon = v.StageName === 'Closed Won';
    }
    if (record.type === 'Task') v.IsClosed = v.Status === 'Completed';
  }

  private event(
    changeType: ChangeEvent['changeType'],
    record: SfRecord,
    changed: string[],
    opts: WriteOptions,
  ): ChangeEvent {
    const values: Record<string, FieldValue> = {};
    const shown = changeType === 'DELETE' ? [] : changed.filter((k) => k !== 'Id' && k !== 'IsDeleted');
    const defs = schema[record.type].byName;
    for (const k of shown) values[k] = renderValue(defs.get(k.toLowerCase()), record.fields[k]);
    return {
      entityName: record.type,
      changeType,
      recordIds: [record.fields.Id as string],
      commitTimestamp: Date.parse(record.fields.SystemModstamp as string),
      commitUser: opts.userId ?? this.adminUserId,
      changeOrigin: opts.origin ?? '',
      transactionKey: '',
      changedFields: changeType === 'UPDATE' ? shown : [],
      nulledFields: changeType === 'UPDATE' ? shown.filter((k) => record.fields[k] === null) : [],
      values:
        changeType === 'CREATE'
          ? Object.fromEntries(Object.entries(values).filter(([, x]) => x !== null))
          : values,
    };
  }

  /** One transaction's events go out together, with one transaction key. */
  commit(opts: WriteOptions, events: ChangeEvent[]): void {
    if (opts.collect) {
      opts.collect.push(...events);
      return;
    }
    if (opts.quiet || !events.length) return;
    const transactionKey = randomUUID();
    for (const e of events) e.transactionKey = transactionKey;
    this.commitNumber++;
    this.onCommit?.(events);
  }

  /** A copy of every record, so an all-or-none batch can be rolled back whole. */
  snapshot(): { tables: Map<SObjectType, Map<string, SfRecord>>; deleteLog: number } {
    const tables = new Map<SObjectType, Map<string, SfRecord>>();
    for (const [type, table] of this.records)
      tables.set(type, new Map([...table].map(([id, r]) => [id, { type: r.type, fields: { ...r.fields } }])));
    return { tables, deleteLog: this.deleteLog.length };
  }

  rollback(saved: ReturnType<SalesforceOrg['snapshot']>): void {
    for (const [type, table] of saved.tables) this.records.set(type, table);
    this.deleteLog.length = saved.deleteLog;
  }

  /** Queues a query's results; the locator is `<cursor id>-<offset>` and never contains a slash. */
  openCursor(c: Omit<QueryCursor, 'id' | 'lastUsedAt'>): QueryCursor {
    this.expireCursors();
    while (this.cursors.size >= this.settings.maxQueryCursors) {
      const oldest = [...this.cursors.values()].sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0]!;
      this.cursors.delete(oldest.id);
    }
    const id = salesforceId('01g', ++this.cursorCounter);
    const cursor: QueryCursor = { ...c, id, lastUsedAt: Date.now() };
    this.cursors.set(id, cursor);
    return cursor;
  }

  cursor(id: string): QueryCursor | undefined {
    this.expireCursors();
    const c = this.cursors.get(id);
    if (c) c.lastUsedAt = Date.now();
    return c;
  }

  private expireCursors(): void {
    const cutoff = Date.now() - this.settings.queryLocatorTtlSeconds * 1000;
    for (const [id, c] of this.cursors) if (c.lastUsedAt < cutoff) this.cursors.delete(id);
  }

  /** The daily allowance in force: chaos can lower it for a test. */
  dailyLimit(): number {
    return this.chaos.requestsPerWindow || this.settings.dailyApiRequests;
  }

  counts(): Record<string, { live: number; deleted: number }> {
    const out: Record<string, { live: number; deleted: number }> = {};
    for (const type of sobjectTypes) {
      let live = 0;
      let deleted = 0;
      for (const r of this.table(type).values()) r.fields.IsDeleted ? deleted++ : live++;
      out[type] = { live, deleted };
    }
    return out;
  }
}

function defaults(type: SObjectType, userId: string): Record<string, FieldValue> {
  switch (type) {
    case 'User':
      return { IsActive: true, UserType: 'Standard' };
    case 'InsurancePolicy':
      return { OwnerId: userId, IsActive: false };
    case 'Task':
      return { OwnerId: userId, Status: 'Not Started', Priority: 'Normal' };
    case 'RecordType':
      return { IsActive: true };
    default:
      return { OwnerId: userId };
  }
}

function notFound(): SalesforceApiError {
  return new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function parseError(def: FieldDef, raw: unknown): SalesforceApiError {
  const kind =
    typeof raw === 'string' ? 'VALUE_STRING' : typeof raw === 'number' ? 'VALUE_NUMBER' : 'VALUE_OTHER';
  return new SalesforceApiError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${def.type} from ${kind} value ${String(raw)} or request may be missing a required field`,
    [def.name],
  );
}

/** One REST value into its stored form. */
export function coerceValue(def: FieldDef, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  switch (def.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw parseError(def, raw);
    case 'currency': {
      if (typeof raw !== 'number' && typeof raw !== 'string') throw parseError(def, raw);
      try {
        return parseMoneyToCents(raw);
      } catch {
        throw parseError(def, raw);
      }
    }
    case 'double':
    case 'percent':
    case 'int': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(n) || (def.type === 'int' && !Number.isInteger(n))) throw parseError(def, raw);
      return n;
    }
    case 'date':
      if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw)))
        return raw;
      throw parseError(def, raw);
    case 'datetime': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw)) throw parseError(def, raw);
      const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(ms)) throw parseError(def, raw);
      return new Date(ms).toISOString();
    }
    case 'reference':
    case 'id': {
      if (typeof raw !== 'string') throw parseError(def, raw);
      return raw === '' ? null : raw;
    }
    default:
      if (typeof raw === 'string') return raw === '' ? null : raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw parseError(def, raw);
  }
}
