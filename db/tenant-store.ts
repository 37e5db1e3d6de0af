// Tenants and their API keys. A key is shown once (`chk_live_…`); only its SHA-256 is stored,
// with a short prefix so people can tell their keys apart.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from './pool.ts';

export const allScopes = [
  'policies:read',
  'policies:write',
  'clients:read',
  'connections:read',
  'connections:write',
  'syncs:write',
  'commissions:read',
  'commissions:write',
  'webhooks:read',
  'webhooks:write',
  'analytics:read',
  'api-keys:write',
] as const;
export type Scope = (typeof allScopes)[number] | '*';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return `chk_live_${randomBytes(24).toString('base64url')}`;
}

export async function createTenant(
  db: Queryable,
  input: { name: string; plan?: string; id?: string },
): Promise<string> {
  const id = input.id ?? randomUUID();
  await db.query('insert into tenants (id, name, plan) values ($1, $2, $3)', [
    id,
    input.name,
    input.plan ?? 'starter',
  ]);
  return id;
}

/** Stores a key (given, or freshly made) for the tenant and returns the plain key once. */
export async function issueApiKey(
  db: Queryable,
  input: { tenantId: string; name: string; scopes?: Scope[]; key?: string },
): Promise<{ id: string; key: string; prefix: string }> {
  const key = input.key ?? newApiKey();
  const id = randomUUID();
  const prefix = key.slice(0, 13);
  await db.query(
    `insert into api_keys (id, tenant_id, name, prefix, key_hash, scopes) values ($1, $2, $3, $4, $5, $6)
     on conflict (key_hash) do nothing`,
    [id, input.tenantId, input.name, prefix, hashApiKey(key), input.scopes ?? ['*']],
  );
  return { id, key, prefix };
}

export interface ApiKeyOwner {
  apiKeyId: string;
  tenantId: string;
  scopes: string[];
}

export async function findApiKey(db: Queryable, key: string): Promise<ApiKeyOwner | null> {
  const { rows } = await db.query<{ id: string; tenant_id: string; scopes: string[] }>(
    'select id, tenant_id, scopes from api_keys where key_hash = $1 and revoked_at is null',
    [hashApiKey(key)],
  );
  const row = rows[0];
  return row ? { apiKeyId: row.id, tenantId: row.tenant_id, scopes: row.scopes } : null;
}
