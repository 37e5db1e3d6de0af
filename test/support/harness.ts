// What a test file needs to drive the real system: database pool, Temporal client, a worker on
// a task queue of its own, the API app, and helpers to make tenants, sandbox accounts and
// connections. Every test works inside its own tenant, so files can run side by side.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createApp } from '../../api/app.ts';
import type { ApiDeps } from '../../api/deps.ts';
import type { ProviderId } from '../../connectors/types.ts';
import { createConnection } from '../../db/connection-store.ts';
import { createOrm, type Orm } from '../../db/orm.ts';
import { createPool, type Pool } from '../../db/pool.ts';
import { createTenant, issueApiKey } from '../../db/tenant-store.ts';
import { hubDataConverter } from '../../runtime/data-converter.ts';
import { createLogger } from '../../runtime/logger.ts';
import { type Keyring, parseKeyring } from '../../runtime/secret-box.ts';
import { mainTaskQueue } from '../../runtime/task-queues.ts';
import { clientInterceptors } from '../../runtime/temporal-client.ts';
import { apiTracer, type Tracing } from '../../runtime/tracing.ts';
import { createWorkers } from '../../runtime/worker.ts';

export interface Harness {
  pool: Pool;
  orm: Orm;
  temporal: Client;
  keyring: Keyring;
  sandboxUrl: string;
  taskQueue: string;
  /** The prefix of this file's task queues (TASK_QUEUE_PREFIX for a worker process). */
  taskQueuePrefix: string;
  app: ReturnType<typeof createApp>;
  /** Another API process on the same parts: its own in-memory state (caches, leases), some deps swapped. */
  newApp(overrides?: Partial<ApiDeps>): ReturnType<typeof createApp>;
  startWorker(): Promise<RunningWorker>;
  newTenant(name?: string): Promise<{ tenantId: string; apiKey: string }>;
  request(
    method: string,
    path: string,
    opts?: { apiKey?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export interface RunningWorker {
  workers: Worker[];
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * `tracing`: from startTracing, for a file that checks the spans (one provider per process).
 * `temporalAddress`: a dev server of the file's own instead of the shared one.
 */
export async function createHarness(
  opts: { tracing?: Tracing; temporalAddress?: string } = {},
): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG_LEVEL as 'WARN') ?? 'WARN') });
    runtimeInstalled = true;
  }
  const databaseUrl = inject('databaseUrl');
  const pool = createPool(databaseUrl, 5);
  const orm = await createOrm({ url: databaseUrl, poolSize: 2 });
  // One dev server for the whole run (started by the global setup); each file attaches to it
  // (unless it brought its own).
  const temporalAddress = opts.temporalAddress ?? inject('temporalAddress');
  const payloadKeys = parseKeyring(inject('payloadKeys'));
  const dataConverter = hubDataConverter(payloadKeys);
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: temporalAddress,
    client: { dataConverter, interceptors: clientInterceptors() },
  });
  const temporal = env.client;
  const keyring = parseKeyring(inject('credentialsKeys'));
  const taskQueuePrefix = `t-${randomUUID().slice(0, 8)}-`;
  const taskQueue = mainTaskQueue(taskQueuePrefix);
  const logger = createLogger('test', (process.env.TEST_LOG_LEVEL as 'warn') ?? 'warn');
  const appDeps: ApiDeps = {
    pool,
    orm,
    temporal,
    keyring,
    payloadKeys,
    logger,
    taskQueue,
    namespace: 'default',
    tracer: opts.tracing?.enabled ? apiTracer() : undefined,
  };
  const app = createApp(appDeps);
  const workers: RunningWorker[] = [];

  return {
    pool,
    orm,
    temporal,
    keyring,
    sandboxUrl: inject('sandboxUrl'),
    taskQueue,
    taskQueuePrefix,
    app,
    newApp: (overrides = {}) => createApp({ ...appDeps, ...overrides }),
    async startWorker() {
      const group = await createWorkers({
        address: temporalAddress,
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        deps: { pool, keyring, logger },
        dataConverter,
        workflowBundlePath: inject('workflowBundlePath'),
        tracing: opts.tracing,
      });
      const running = group.run();
      const handle: RunningWorker = {
        workers: group.workers,
        async stop() {
          group.shutdown();
          await running;
        },
      };
      workers.push(handle);
      return handle;
    },
    async newTenant(name = 'Test Agency') {
      const tenantId = await createTenant(pool, { name });
      const { key } = await issueApiKey(pool, { tenantId, name: 'test' });
      return { tenantId, apiKey: key };
    },
    request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      return Promise.resolve(
        app.request(path, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        }),
      );
    },
    async close() {
      for (const w of workers) await w.stop();
      await env.teardown();
      await orm.close();
      await pool.end();
    },
  };
}

export interface SandboxAccount {
  accountId: string;
  /** HubSpot's private-app token (the other vendors carry theirs in `credentials`). */
  accessToken: string;
  credentials: Record<string, string>;
  baseUrl: string;
  adminUrl: string;
}

/** A fresh account in a vendor sandbox, made through the sandbox's admin API. */
export async function sandboxAccount(
  sandboxUrl: string,
  vendor: string,
  opts: Record<string, unknown> = {},
): Promise<SandboxAccount> {
  const res = await fetch(`${sandboxUrl}/${vendor}/_admin/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(opts),
  });
  if (!res.ok)
    throw new Error(`could not create a ${vendor} sandbox account: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as {
    accountId: string;
    accessToken?: string;
    credentials?: Record<string, string>;
  };
  return {
    accountId: String(body.accountId),
    accessToken: body.accessToken ?? body.credentials?.accessToken ?? '',
    credentials: body.credentials ?? (body.accessToken ? { accessToken: body.accessToken } : {}),
    baseUrl: `${sandboxUrl}/${vendor}`,
    adminUrl: `${sandboxUrl}/${vendor}/_admin/accounts/${body.accountId}`,
  };
}

export async function sandboxAdmin<T = unknown>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A connection of the tenant to a sandbox account of any vendor. */
export async function vendorConnection(
  h: Harness,
  tenantId: string,
  provider: ProviderId,
  account: SandboxAccount,
): Promise<string> {
  return createConnection(h.pool, h.keyring, {
    tenantId,
    provider,
    displayName: provider,
    credentials: account.credentials,
    settings: { baseUrl: account.baseUrl, accountId: account.accountId },
  });
}

export async function hubspotConnection(
  h: Harness,
  tenantId: string,
  account: { accountId: string; accessToken: string; baseUrl: string },
): Promise<string> {
  return createConnection(h.pool, h.keyring, {
    tenantId,
    provider: 'hubspot',
    displayName: 'HubSpot',
    credentials: { accessToken: account.accessToken },
    settings: { baseUrl: account.baseUrl, accountId: account.accountId },
  });
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Starts (or signals) a connection's sync with workflow options the API does not expose. */
export async function startSync(
  h: Harness,
  target: { connectionId: string; tenantId: string; provider?: string; taskQueue?: string },
  mode: 'full' | 'incremental',
  options: Record<string, number> = {},
): Promise<string> {
  const { requestSyncSignal, syncWorkflowId } = await import('../../workflows/shared.ts');
  const { ConnectionId, Provider, TenantId } = await import('../../runtime/search-attributes.ts');
  const workflowId = syncWorkflowId(target.connectionId);
  await h.temporal.workflow.signalWithStart('syncConnection', {
    workflowId,
    taskQueue: target.taskQueue ?? h.taskQueue,
    args: [{ connectionId: target.connectionId, options }],
    signal: requestSyncSignal,
    signalArgs: [{ mode }],
    typedSearchAttributes: [
      { key: TenantId, value: target.tenantId },
      { key: ConnectionId, value: target.connectionId },
      { key: Provider, value: target.provider ?? 'hubspot' },
    ],
  });
  return workflowId;
}

/** Waits until the connection's sync workflow has finished (following continue-as-new) and returns its result. */
export async function syncResult(
  h: Harness,
  connectionId: string,
  timeoutMs = 120_000,
): Promise<{ status: string; counts: Record<string, number>; syncRunId: string | null }> {
  const handle = h.temporal.workflow.getHandle(`sync/${connectionId}`);
  return (await Promise.race([
    handle.result(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('sync did not finish in time')), timeoutMs)),
  ])) as { status: string; counts: Record<string, number>; syncRunId: string | null };
}
