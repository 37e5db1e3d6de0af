// The demo agency as a tenant of the hub: one tenant, its API key, and a connection to each
// vendor sandbox's demo account. Idempotent, so every `npm start` can run it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxDescription } from '../connectors/sandbox-server.ts';
import type { ProviderId } from '../connectors/types.ts';
import { createConnection, saveCredentials } from '../db/connection-store.ts';
import type { Pool } from '../db/pool.ts';
import { createTenant, issueApiKey, newApiKey } from '../db/tenant-store.ts';
import type { Keyring } from './secret-box.ts';

export const DEMO_TENANT_ID = '00000000-0000-4000-8000-0000000000de';
const demoConnectionIds: Record<string, string> = {
  hubspot: '00000000-0000-4000-8000-000000000001',
  salesforce: '00000000-0000-4000-8000-000000000002',
  quickbooks: '00000000-0000-4000-8000-000000000003',
  'applied-epic': '00000000-0000-4000-8000-000000000004',
  ezlynx: '00000000-0000-4000-8000-000000000005',
  hawksoft: '00000000-0000-4000-8000-000000000006',
};

/** The demo API key: DEMO_API_KEY when set, else one made on the first start and kept in .data/. */
export function demoApiKey(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).apiKey;
  const apiKey = newApiKey();
  writeFileSync(file, JSON.stringify({ apiKey }, null, 2), { mode: 0o600 });
  return apiKey;
}

export async function seedDemo(
  pool: Pool,
  keyring: Keyring,
  opts: { apiKey: string; sandboxes: Record<string, SandboxDescription> },
): Promise<{ tenantId: string; connections: Record<string, string> }> {
  const { rows } = await pool.query('select 1 from tenants where id = $1', [DEMO_TENANT_ID]);
  if (!rows.length)
    await createTenant(pool, { id: DEMO_TENANT_ID, name: 'Demo Insurance Agency', plan: 'professional' });
  await issueApiKey(pool, { tenantId: DEMO_TENANT_ID, name: 'demo', key: opts.apiKey });
  const connections: Record<string, string> = {};
  for (const [provider, sandbox] of Object.entries(opts.sandboxes)) {
    const id = demoConnectionIds[provider];
    if (!id) continue;
    const settings = { baseUrl: sandbox.baseUrl, accountId: sandbox.accountId ?? undefined };
    const { rows: existing } = await pool.query('select 1 from connections where id = $1', [id]);
    if (existing.length) {
      // The sandbox may listen elsewhere this time; its demo credentials are static.
      await pool.query(
        `update connections set settings = settings || $2::jsonb, updated_at = now() where id = $1`,
        [id, JSON.stringify(settings)],
      );
      await saveCredentials(pool, keyring, id, sandbox.credentials);
    } else {
      await createConnection(pool, keyring, {
        id,
        tenantId: DEMO_TENANT_ID,
        provider: provider as ProviderId,
        displayName: `Demo ${provider}`,
        credentials: sandbox.credentials,
        settings,
      });
    }
    connections[provider] = id;
  }
  return { tenantId: DEMO_TENANT_ID, connections };
}
