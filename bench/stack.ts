// The stack a benchmark measures: the real Temporal dev server, the database (DATABASE_URL, else
// embedded PGlite), the vendor sandboxes in their own process, and an in-process worker.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createOrm, migrate } from '../db/orm.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { forkEntry, stopChild, waitForReady } from '../runtime/child-process.ts';
import { hubDataConverter } from '../runtime/data-converter.ts';
import { startEmbeddedDatabase } from '../runtime/database.ts';
import { createLogger } from '../runtime/logger.ts';
import { type Keyring, newKeySpec, parseKeyring } from '../runtime/secret-box.ts';
import { mainTaskQueue } from '../runtime/task-queues.ts';
import { connectTemporalClient } from '../runtime/temporal-client.ts';
import { freePort, startTemporalDevServer } from '../runtime/temporal-server.ts';
import { createWorkers } from '../runtime/worker.ts';
import { createFreshDatabase } from '../test/support/fresh-database.ts';

export interface BenchStack {
  pool: Pool;
  temporal: Client;
  keyring: Keyring;
  sandboxUrl: string;
  taskQueue: string;
  databaseKind: 'postgresql' | 'pglite';
  stop(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporalServer = await startTemporalDevServer({ port: await freePort() });
  const database = process.env.DATABASE_URL
    ? await createFreshDatabase(process.env.DATABASE_URL).then((d) => ({
        url: d.url,
        stop: d.drop,
        kind: 'postgresql' as const,
      }))
    : await startEmbeddedDatabase({ port: await freePort() }).then((d) => ({
        ...d,
        kind: 'pglite' as const,
      }));
  const orm = await createOrm({ url: database.url, poolSize: 1 });
  await migrate(orm);
  await orm.close();
  const sandboxPort = await freePort();
  const sandbox = forkEntry('sandbox-main.ts', {
    ...process.env,
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_DEMO: '0',
    LOG_LEVEL: 'warn',
  });
  const { url: sandboxUrl } = await waitForReady(sandbox, 'the sandboxes');
  const pool = createPool(database.url, 10);
  const keyring = parseKeyring(newKeySpec('bench'));
  const dataConverter = hubDataConverter(parseKeyring(newKeySpec('bench-payload')));
  const temporal = await connectTemporalClient(temporalServer.address, 'default', dataConverter);
  const taskQueue = mainTaskQueue(`bench-${randomUUID().slice(0, 6)}-`);
  const group = await createWorkers({
    address: temporalServer.address,
    namespace: 'default',
    taskQueue,
    deps: { pool, keyring, logger: createLogger('bench', 'warn') },
    dataConverter,
  });
  const running = group.run();
  return {
    pool,
    temporal,
    keyring,
    sandboxUrl: String(sandboxUrl),
    taskQueue,
    databaseKind: database.kind,
    async stop() {
      group.shutdown();
      await running;
      await group.connection.close();
      await temporal.connection.close();
      await pool.end();
      await stopChild(sandbox);
      await temporalServer.stop();
      await database.stop();
    },
  };
}
