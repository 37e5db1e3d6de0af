// The connector contract. A vendor is a folder with the same files in the same order
// (definition, client, streams, writes, webhooks, errors, index, sandbox/) plus one line in
// registry.ts. The definition is data (auth, rate budget, streams); code exists only for what
// cannot be declared: talking to the vendor and reading its errors.
import type { CanonicalType } from '../domain/canonical.ts';

export const providerIds = [
  'hubspot',
  'salesforce',
  'quickbooks',
  'applied-epic',
  'ezlynx',
  'hawksoft',
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

export interface ConnectorDefinition {
  provider: ProviderId;
  displayName: string;
  category: 'crm' | 'ams' | 'accounting';
  /** Supported ways to authenticate, preferred first. */
  auth: AuthSpec[];
  rateBudget: RateBudget;
  /** In dependency order: a stream's references point only at streams before it. */
  streams: StreamSpec[];
}

/** Credentials as stored (encrypted) on the connection; the shape depends on the auth kind. */
export type Credentials = Record<string, string | number | null>;

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

export interface Connector {
  definition: ConnectorDefinition;
  open(ctx: ConnectionContext): ConnectorSession;
  /** Turns whatever the client library threw into a ConnectorError. */
  classifyError(err: unknown): ConnectorError;
  webhooks?: ConnectorWebhooks;
}
