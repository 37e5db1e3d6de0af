// The connector contract. A vendor is a folder with the same files in the same order
// (definition, client, streams, writes, webhooks, errors, index, sandbox/) plus one line in
// registry.ts. The definition is data (auth, rate budget, streams); code exists only for what
// cannot be declared: talking to the vendor and reading its errors.
import type { ZodType } from 'zod';
import type { Queryable } from '../db/pool.ts';
import type { ChartOfAccounts, JournalEntry } from '../domain/accounting/journal.ts';
import type { CanonicalType } from '../domain/canonical.ts';

export const providerIds = [
  'hubspot',
  'salesforce',
  'quickbooks',
  'applied-epic',
  'ezlynx',
  'hawksoft',
  'ams360',
  'xero',
] as const;
export type ProviderId = (typeof providerIds)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type AuthSpec =
  | {
      kind: 'oauth2_authorization_code';
      authorizePath: string;
      tokenPath: string;
      /** RFC 7009 token revocation (QuickBooks, Salesforce). */
      revokePath?: string;
      /** No RFC 7009 endpoint: `DELETE <path>/<refresh token>` ends the grant (HubSpot). */
      deleteRefreshTokenPath?: string;
      scopes: string[];
      pkce: boolean;
      /** Values the vendor hands back beside the code or token that we must keep (realmId, instance_url). */
      keepFromRedirect?: string[];
      keepFromToken?: string[];
      /** Whether a refresh can return a new refresh token that replaces the old one at once. */
      rotatesRefreshToken: boolean;
      /** How the app authenticates at the token endpoint: form fields, or HTTP Basic (Intuit). */
      clientAuth: 'post' | 'basic';
    }
  | { kind: 'oauth2_client_credentials'; tokenPath: string; scopes: string[]; clientAuth: 'post' | 'basic' }
  | { kind: 'api_key'; header: string }
  | { kind: 'basic' }
  | { kind: 'private_app_token' };

export type CursorKind = 'modified_since' | 'page_token' | 'cdc_window';
export type DeleteSignal =
  | 'archived_flag'
  | 'deleted_feed'
  | 'cdc_status'
  | 'status_field'
  | 'full_sweep_only';

export interface StreamSpec {
  name: string;
  /** The canonical entity this stream maps to, or null for streams read only for references. */
  entity: CanonicalType | null;
  cursor: CursorKind;
  deletes: DeleteSignal;
}

export interface RateBudget {
  /** Requests allowed per window per vendor account. */
  requests: number;
  windowMs: number;
  /** Requests in flight at once per vendor account. */
  concurrency: number;
}

export type ConnectorCategory = 'crm' | 'ams' | 'accounting';

export interface ConnectorDefinition {
  provider: ProviderId;
  displayName: string;
  /** The name on a "Connect …" button, when shorter than the display name. */
  shortName?: string;
  category: ConnectorCategory;
  /** Supported ways to authenticate, preferred first. */
  auth: AuthSpec[];
  /** How an agency connects an account: a key form (POST /v1/connections) or an OAuth redirect. */
  connect?: ConnectForm;
  rateBudget: RateBudget;
  /** In dependency order: a stream's references point only at streams before it. */
  streams: StreamSpec[];
}

/** Credentials as stored (encrypted) on the connection; the shape depends on the auth kind. */
export type Credentials = Record<string, string | number | null>;

/** What the vendor handed back on an OAuth connect: the tokens (with kept values) and the redirect. */
export interface OAuthGrant {
  credentials: Credentials;
  /** The callback's query (the code, the state and anything the vendor put beside them). */
  redirect: URLSearchParams;
  /** The vendor API root the connection will use. */
  baseUrl: string;
}

/**
 * How an account is connected. `keys`: the body fields of POST /v1/connections (zod, documented in
 * the OpenAPI document as one member of the request's union), how they become stored credentials
 * and which vendor account they name, and whether a first token must prove them before anything is
 * stored. `oauth`: the authorization-code spec in `auth` drives the redirect; this says which
 * account the grant is for (ConnectorError `bad_request` when the vendor sent too little,
 * `vendor_outage` when it could not be asked).
 */
export type ConnectForm =
  | {
      kind: 'keys';
      /** Body fields beside `provider` and `display_name`, in document order. */
      fields: Record<string, ZodType>;
      /** The stored credentials and the vendor account id from a validated body. */
      credentials(body: Record<string, string | undefined>): { credentials: Credentials; accountId: string };
      /** `first_token`: mint a token through the declared client-credentials grant before storing. */
      verify: 'first_token' | null;
      /**
       * A first call that proves the keys before anything is stored (a login, for vendors without a
       * token grant); throws ConnectorError (auth_invalid: refused; vendor_outage: not reachable).
       */
      check?(credentials: Credentials, baseUrl: string): Promise<void>;
    }
  | { kind: 'oauth'; identifyAccount(grant: OAuthGrant): Promise<string> };

export interface ConnectionContext {
  connectionId: string;
  tenantId: string;
  /** The vendor API root (a sandbox prefix in development). */
  baseUrl: string;
  credentials: Credentials;
  settings: Record<string, unknown>;
  /** Vendor fields the connection's mappings read, per stream, so reads ask for exactly those. */
  fields: Record<string, string[]>;
  /**
   * Fresh credentials after the vendor said the access token expired. The hub refreshes once per
   * connection at a time (concurrent callers share the refresh), persists a rotated refresh token
   * atomically, and returns the new credentials; the connector retries its call once with them.
   */
  refreshCredentials(): Promise<Credentials>;
}

export interface ReadRequest {
  stream: string;
  mode: 'full' | 'incremental';
  /** Where the last completed sync of this stream ended (null: never synced). */
  cursor: Json;
  /** Where this run stands within the stream (null: at the start). */
  checkpoint: Json;
  /** When this sync run started (ISO); a full sync's cursor is this moment. */
  runStartedAt: string;
}

export interface VendorRecord {
  externalId: string;
  /** The vendor's own last-modified time (ISO), if it has one. */
  updatedAt: string | null;
  /** The record normalised to one shape per stream, whichever endpoint it came from. */
  payload: Record<string, unknown>;
}

export interface DeletedRecord {
  externalId: string;
  deletedAt: string | null;
  reason: string;
}

export interface Page {
  records: VendorRecord[];
  deleted: DeletedRecord[];
  /** Where the next page starts; null when the stream is finished for this run. */
  checkpoint: Json;
  /** The cursor to keep once the stream is finished (only meaningful when checkpoint is null). */
  cursor: Json;
}

export interface UpsertResult {
  externalId: string;
  vendorId: string;
  created: boolean;
}

export interface ConnectorSession {
  read(request: ReadRequest): Promise<Page>;
  /** Write fields (vendor field names) to an existing vendor record, e.g. a conflict's write-back. */
  update?(stream: string, externalId: string, fields: Record<string, unknown>): Promise<void>;
  /** Create-or-update by an external id the vendor indexes (HubSpot idProperty, Salesforce ExternalId). */
  upsert?(
    stream: string,
    idField: string,
    records: { externalId: string; fields: Record<string, unknown> }[],
  ): Promise<UpsertResult[]>;
  /**
   * Delete the records of a set the hub owns (external ids starting with `prefix`) that are not
   * in `keep`, e.g. a month's journal entries for carriers whose month came to nothing.
   * Returns the external ids deleted.
   */
  removeAbsent?(stream: string, idField: string, prefix: string, keep: string[]): Promise<string[]>;
}

export type ErrorKind =
  | 'rate_limited'
  | 'auth_expired'
  | 'auth_invalid'
  | 'forbidden'
  | 'not_found'
  | 'vendor_outage'
  | 'bad_request';

/** A vendor error read by the connector, so the sync engine can react without knowing the vendor. */
export class ConnectorError extends Error {
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | null;
  readonly status: number | null;
  readonly vendorCode: string | null;

  constructor(
    kind: ErrorKind,
    message: string,
    opts: {
      retryAfterMs?: number | null;
      status?: number | null;
      vendorCode?: string | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.status = opts.status ?? null;
    this.vendorCode = opts.vendorCode ?? null;
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'vendor_outage' || this.kind === 'auth_expired';
  }
}

/** An inbound vendor webhook exactly as it arrived (the raw body is what signatures cover). */
export interface WebhookRequest {
  method: string;
  /** The full URL the vendor called, as it signed it. */
  url: string;
  headers: Record<string, string>;
  rawBody: string;
}

/** "These records changed": what a vendor webhook means to the sync engine. */
export interface WebhookChange {
  stream: string;
  externalId: string;
  op: 'upsert' | 'delete';
  occurredAt: string | null;
}

export interface ConnectorWebhooks {
  /** Checks the vendor's signature (and its timestamp window) with the connection's webhook secret. */
  verify(req: WebhookRequest, secret: string, now?: Date): boolean;
  /** The vendor account the notification is for (portal, realm, org) and what changed. */
  parse(req: WebhookRequest): { accountId: string | null; changes: WebhookChange[] };
}

/** One upcoming renewal as the hub pushes it to a CRM, its texts already written. */
export interface CrmRenewal {
  policyId: string;
  /** The hub's id for the renewal record (`ch-renewal-<policyId>`), unique in the CRM. */
  externalId: string;
  title: string;
  /** The expiring term's premium as text, when known. */
  amount: string | undefined;
  expirationDate: string;
  windowDays: number;
  probability: number | null;
  riskLevel: string | null;
  policyNumber: string;
  carrierName: string | null;
  lineOfBusiness: string | null;
  producerEmail: string | null;
  /** The client's record in this CRM (its stream and id), if synced. */
  crmClient: { stream: string; externalId: string } | null;
  /** The producer's follow-up task; its body ends in a line naming the renewal's external id. */
  task: { subject: string; body: string; dueDate: string; urgent: boolean };
}

export interface CrmPushCounts {
  created: number;
  updated: number;
  tasksCreated: number;
  tasksUpdated: number;
  /** Renewals the CRM refused to record (its reason each); the rest of the page went on. */
  refused?: { policyId: string; reason: string }[];
}

export interface DecidedRenewal {
  policyId: string;
  externalId: string;
  outcome: 'renewed' | 'lost';
}

/** A CRM's renewal outreach: one record and one task per renewal, found again by external id. */
export interface CrmCapability {
  /** The streams whose records are the hub's clients in this CRM, preferred first. */
  clientStreams: string[];
  pushRenewals(
    ctx: ConnectionContext,
    session: ConnectorSession,
    renewals: CrmRenewal[],
  ): Promise<CrmPushCounts>;
  /** Closes the open records of decided renewals as won or lost; returns how many it closed. */
  closeRenewals(
    ctx: ConnectionContext,
    session: ConnectorSession,
    decided: DecidedRenewal[],
  ): Promise<number>;
}

export interface JournalToPost {
  period: string;
  entries: JournalEntry[];
  chart: ChartOfAccounts;
  /** The doc numbers of this month's entries all start with it (what removeAbsent may delete). */
  docNumberPrefix: string;
}

/** The books: a month's commission journal posted, and deposits read as carrier statements. */
export interface AccountingCapability {
  /** Creates or updates the month's entries, then deletes the hub's entries of the month not among them. */
  postJournal(
    ctx: ConnectionContext,
    session: ConnectorSession,
    journal: JournalToPost,
  ): Promise<{ created: number; existing: number; removed: number }>;
  /** Carrier commission deposits synced from the books, imported as statements. */
  deposits?: {
    /** The statements' `source`. */
    statementSource: string;
    /** A deposit statement's content hash starts with this, then `<connectionId>:`. */
    contentHashPrefix: string;
    /** New deposits of the connection become statements; returns their ids. */
    importStatements(db: Queryable, tenantId: string, connectionId: string): Promise<string[]>;
  };
}

/** The connector in the demo: its fixed connection id and its part of the demo book. */
export interface DemoDeclaration {
  connectionId: string;
  /** The demo's book of record lives here: the demo waits for its first full sync. */
  holdsBook?: boolean;
  /** The system records no commission rates, so the demo schedules its carriers' rates. */
  recordsNoRates?: boolean;
}

export interface Connector {
  definition: ConnectorDefinition;
  open(ctx: ConnectionContext): ConnectorSession;
  /** Turns whatever the client library threw into a ConnectorError. */
  classifyError(err: unknown): ConnectorError;
  webhooks?: ConnectorWebhooks;
  /** Renewal outreach into the CRM (category 'crm'). */
  crm?: CrmCapability;
  /** Journal posting and deposit statements (category 'accounting'). */
  accounting?: AccountingCapability;
  /** Its connection in the demo agency. */
  demo?: DemoDeclaration;
}
