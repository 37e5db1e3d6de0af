// The demo agency as a tenant of the hub: one tenant, its API key and console user, and a
// connection to each vendor sandbox's demo account; on the first start, its first full syncs and
// the workflow that gives it a commission picture. Idempotent, so every `npm start` can run it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { DemoCommissionsInput } from '../activities/demo-commissions.ts';
import { createConsoleUser } from '../api/sessions.ts';
import { registry } from '../connectors/registry.ts';
import type { SandboxDescription } from '../connectors/sandbox-server.ts';
import type { ProviderId } from '../connectors/types.ts';
import { createConnection, saveCredentials } from '../db/connection-store.ts';
import type { Pool } from '../db/pool.ts';
import { createTenant, issueApiKey, newApiKey } from '../db/tenant-store.ts';
import { TenantId } from './search-attributes.ts';
import type { Keyring } from './secret-box.ts';
import { requestSync } from './sync-requests.ts';

export const DEMO_TENANT_ID = '00000000-0000-4000-8000-0000000000de';
/** Each connector's demo connection id, as it declares it (`demo`). */
const demoConnectionIds: Record<string, string> = Object.fromEntries(
  Object.entries(registry).flatMap(([provider, entry]) =>
    entry?.connector.demo ? [[provider, entry.connector.demo.connectionId]] : [],
  ),
);

export interface DemoCredentials {
  apiKey: string;
  /** The console user of the demo agency (signs in at /console). */
  email: string;
  password: string;
}

export const DEMO_CONSOLE_EMAIL = 'demo@demo-agency.example';

/**
 * The demo's API key (DEMO_API_KEY when set) and console password, made on the first start and
 * kept in .data/demo.json (readable by the owner only).
 */
export function demoCredentials(dataDir: string, apiKeyFromEnv?: string): DemoCredentials {
  const file = join(dataDir, 'demo.json');
  const saved: Partial<DemoCredentials> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const credentials: DemoCredentials = {
    apiKey: apiKeyFromEnv ?? saved.apiKey ?? newApiKey(),
    email: saved.email ?? DEMO_CONSOLE_EMAIL,
    password: saved.password ?? randomBytes(12).toString('base64url'),
  };
  const kept = { ...credentials, apiKey: saved.apiKey ?? credentials.apiKey };
  if (JSON.stringify(kept) !== JSON.stringify(saved))
    writeFileSync(file, JSON.stringify(kept, null, 2), { mode: 0o600 });
  return credentials;
}

export async function seedDemo(
  pool: Pool,
  keyring: Keyring,
  opts: { credentials: DemoCredentials; sandboxes: Record<string, SandboxDescription> },
): Promise<{ tenantId: string; connections: Record<string, string>; firstStart: boolean }> {
  const { rows } = await pool.query('select 1 from tenants where id = $1', [DEMO_TENANT_ID]);
  if (!rows.length)
    await createTenant(pool, { id: DEMO_TENANT_ID, name: 'Demo Insurance Agency', plan: 'professional' });
  await issueApiKey(pool, { tenantId: DEMO_TENANT_ID, name: 'demo', key: opts.credentials.apiKey });
  const { rows: users } = await pool.query('select 1 from console_users where lower(email) = lower($1)', [
    opts.credentials.email,
  ]);
  if (!users.length)
    await createConsoleUser(pool, {
      tenantId: DEMO_TENANT_ID,
      email: opts.credentials.email,
      password: opts.credentials.password,
    });
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
  const { rows: runs } = await pool.query('select 1 from sync_runs where tenant_id = $1 limit 1', [
    DEMO_TENANT_ID,
  ]);
  return { tenantId: DEMO_TENANT_ID, connections, firstStart: runs.length === 0 };
}

/**
 * On the first start, the demo's first full syncs (rather than waiting for the nightly one); on
 * every start, the demo-commissions workflow, which runs once per tenant and then refuses again.
 */
export async function startDemoWork(
  client: Client,
  taskQueue: string,
  demo: Awaited<ReturnType<typeof seedDemo>>,
  agency: Omit<DemoCommissionsInput, 'tenantId'>,
): Promise<void> {
  if (demo.firstStart) {
    for (const [provider, connectionId] of Object.entries(demo.connections)) {
      await requestSync(
        client,
        taskQueue,
        { connectionId, tenantId: demo.tenantId, provider },
        { mode: 'full' },
      );
    }
  }
  try {
    await client.workflow.start('demoCommissions', {
      workflowId: `demo-commissions/${demo.tenantId}`,
      taskQueue,
      args: [{ tenantId: demo.tenantId, ...agency }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: TenantId, value: demo.tenantId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
