// Starts the shared parts once for the whole test run, the way `npm start` does: a Temporal dev
// server (the real CLI), the database (embedded PGlite unless DATABASE_URL is set), migrations,
// the vendor sandboxes, and the workflow bundle. Test files attach to them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startSandboxServer } from '../connectors/sandbox-server.ts';
import { createOrm, migrate } from '../db/orm.ts';
import { startEmbeddedDatabase } from '../runtime/database.ts';
import { newKeySpec } from '../runtime/secret-box.ts';
import { freePort, startTemporalDevServer } from '../runtime/temporal-server.ts';
import { workflowBundleOptions } from '../runtime/worker.ts';
import { createFreshDatabase } from './support/fresh-database.ts';
import { TEST_PAYLOAD_KEYS } from './support/test-keys.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    databaseKind: 'postgresql' | 'pglite';
    sandboxUrl: string;
    workflowBundlePath: string;
    credentialsKeys: string;
    payloadKeys: string;
  }
}

export default async function setup(project: TestProject) {
  const started = Date.now();
  const [temporal, database, bundle] = await Promise.all([
    freePort().then((port) => startTemporalDevServer({ port })),
    process.env.DATABASE_URL
      ? createFreshDatabase(process.env.DATABASE_URL).then((db) => ({
          url: db.url,
          stop: db.drop,
          kind: 'postgresql' as const,
        }))
      : freePort().then((port) =>
          startEmbeddedDatabase({ port }).then((db) => ({ ...db, kind: 'pglite' as const })),
        ),
    bundleWorkflowCode({
      ...workflowBundleOptions,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    }),
  ]);
  const orm = await createOrm({ url: database.url, poolSize: 2 });
  await migrate(orm);
  await orm.close();
  const sandbox = await startSandboxServer({ port: 0, demo: false });
  const dir = mkdtempSync(join(tmpdir(), 'chub-test-'));
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('databaseUrl', database.url);
  project.provide('databaseKind', database.kind);
  project.provide('sandboxUrl', sandbox.url);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('credentialsKeys', newKeySpec('test1'));
  project.provide('payloadKeys', TEST_PAYLOAD_KEYS);
  console.log(
    `test stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${database.kind}, Temporal ${temporal.address})`,
  );

  return async () => {
    await sandbox.stop();
    await temporal.stop();
    await database.stop();
  };
}
