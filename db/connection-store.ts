// Connections with their credentials sealed at rest. Activities call loadConnection on every
// execution, so a refreshed or rotated token is always the one used (never a stale snapshot).
import { randomUUID } from 'node:crypto';
import type { Credentials, ProviderId } from '../connectors/types.ts';
import { type Keyring, openJson, sealJson } from '../runtime/secret-box.ts';
import type { Queryable } from './pool.ts';

export interface ConnectionSettings {
  /** The vendor API root this connection talks to. */
  baseUrl: string;
  /** The vendor's id for the account (HubSpot portal, QuickBooks realm, Salesforce org). */
  accountId?: string;
  mappingOverrides?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LoadedConnection {
  id: string;
  tenantId: string;
  provider: ProviderId;
  displayName: string;
  status: string;
  statusReason: string | null;
  settings: ConnectionSettings;
  credentials: Credentials;
}

export async function createConnection(
  db: Queryable,
  keyring: Keyring,
  input: {
    tenantId: string;
    provider: ProviderId;
    displayName: string;
    credentials: Credentials;
    settings: ConnectionSettings;
    id?: string;
  },
): Promise<string> {
  const id = input.id ?? randomUUID();
  const sealed = sealJson(keyring, input.credentials, id);
  await db.query(
    `insert into connections (id, tenant_id, provider, display_name, credentials, credentials_key_id, settings)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [
      id,
      input.tenantId,
      input.provider,
      input.displayName,
      sealed.box,
      sealed.keyId,
      JSON.stringify(input.settings),
    ],
  );
  return id;
}

export async function loadConnection(db: Queryable, keyring: Keyring, id: string): Promise<LoadedConnection> {
  const { rows } = await db.query(
    `select id, tenant_id, provider, display_name, status, status_reason, settings, credentials, credentials_key_id
       from connections where id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new Error(`connection ${id} does not exist`);
  const credentials = row.credentials
    ? openJson<Credentials>(keyring, { keyId: row.credentials_key_id, box: row.credentials }, id)
    : {};
  return {
    id: row.id,
    tenantId: row.tenant_id,
    provider: row.provider,
    displayName: row.display_name,
    status: row.status,
    statusReason: row.status_reason,
    settings: row.settings,
    credentials,
  };
}

export async function saveCredentials(
  db: Queryable,
  keyring: Keyring,
  id: string,
  credentials: Credentials,
): Promise<void> {
  const sealed = sealJson(keyring, credentials, id);
  await db.query(
    'update connections set credentials = $2, credentials_key_id = $3, updated_at = now() where id = $1',
    [id, sealed.box, sealed.keyId],
  );
}
