// `npm start`: the whole hub on one machine with nothing installed but Node. Starts what is
// missing (Temporal dev server with UI, embedded PostgreSQL, the vendor sandboxes), applies
// migrations, seeds the demo agency, then runs the worker and the API as child processes and
// restarts any that dies, as a process manager would in production. Ctrl-C stops everything;
// the next start reuses .data/.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createOrm, migrate } from '../db/orm.ts';
import { createPool } from '../db/pool.ts';
import { forkEntry, stopChild, waitForReady } from './child-process.ts';
import { config, dataDir } from './config.ts';
import { hubDataConverter } from './data-converter.ts';
import { resolveDatabase } from './database.ts';
import { demoCredentials, seedDemo, startDemoWork } from './demo-seed.ts';
import { createLogger } from './logger.ts';
import { defaultScheduleSettings, ensureConnectionSchedules } from './schedules.ts';
import { keyringFromEnv } from './secret-box.ts';
import { mainTaskQueue } from './task-queues.ts';
import { connectTemporalClient, whileTemporalStarts } from './temporal-client.ts';
import { startTemporalDevServer } from './temporal-server.ts';

const cfg = config();
const logger = createLogger('supervisor');
const dir = dataDir(cfg);
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  logger.info('stopping');
  for (const cleanup of cleanups.reverse())
    await cleanup().catch((err) => logger.error({ err }, 'cleanup failed'));
  process.exit(code);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

/** Runs a child and starts it again when it dies unexpectedly, backing off up to 30 s. */
function supervise(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<void> {
  let child: ChildProcess;
  let restarts = 0;
  let firstReady: (() => void) | undefined;
  const ready = new Promise<void>((r) => {
    firstReady = r;
  });
  const launch = () => {
    child = forkEntry(entry, env);
    waitForReady(child, name, 120_000)
      .then(() => {
        firstReady?.();
        firstReady = undefined;
      })
      .catch(() => {});
    child.once('exit', (code, signal) => {
      if (stopping) return;
      const delay = Math.min(30_000, 1_000 * 2 ** Math.min(restarts, 5));
      restarts++;
      logger.warn({ name, code, signal, restartInMs: delay }, `${name} exited; restarting`);
      setTimeout(() => !stopping && launch(), delay);
    });
  };
  launch();
  cleanups.push(() => stopChild(child));
  return ready;
}

try {
  const temporal = cfg.TEMPORAL_ADDRESS
    ? { address: cfg.TEMPORAL_ADDRESS, uiUrl: process.env.TEMPORAL_UI_URL }
    : await startTemporalDevServer({
        port: cfg.TEMPORAL_PORT,
        uiPort: cfg.TEMPORAL_UI_PORT,
        dbFile: join(dir, 'temporal.db'),
        logger,
      });
  if ('stop' in temporal) cleanups.push(() => temporal.stop());

  const database = await resolveDatabase(cfg, dir);
  cleanups.push(() => database.stop());

  const orm = await createOrm({ url: database.url, poolSize: 2 });
  const applied = await migrate(orm);
  await orm.close();
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const sandbox = forkEntry('sandbox-main.ts', { ...process.env, SANDBOX_PORT: String(cfg.SANDBOX_PORT) });
  cleanups.push(() => stopChild(sandbox));
  const sandboxes = (await waitForReady(sandbox, 'the vendor sandboxes')).sandboxes as Parameters<
    typeof seedDemo
  >[2]['sandboxes'];

  const keyring = keyringFromEnv('CREDENTIALS_KEYS', cfg.CREDENTIALS_KEYS, dir, cfg.NODE_ENV);
  const credentials = demoCredentials(dir, cfg.DEMO_API_KEY);
  const apiKey = credentials.apiKey;
  const pool = createPool(database.url, 2);
  const demo = await seedDemo(pool, keyring, { credentials, sandboxes });
  await pool.end();
  // Each demo connection syncs on its own schedule (incremental every 15 minutes, full nightly).
  const payloadKeys = keyringFromEnv('PAYLOAD_KEYS', cfg.PAYLOAD_KEYS, dir, cfg.NODE_ENV);
  const scheduler = await connectTemporalClient(
    temporal.address,
    cfg.TEMPORAL_NAMESPACE,
    hubDataConverter(payloadKeys),
  );
  for (const [provider, connectionId] of Object.entries(demo.connections)) {
    await whileTemporalStarts(() =>
      ensureConnectionSchedules(
        scheduler,
        mainTaskQueue(cfg.TASK_QUEUE_PREFIX),
        { connectionId, tenantId: demo.tenantId, provider },
        defaultScheduleSettings,
      ),
    );
  }
  // The same demo agency the sandboxes were seeded with (sandbox-main.ts), as of today.
  await whileTemporalStarts(() =>
    startDemoWork(scheduler, mainTaskQueue(cfg.TASK_QUEUE_PREFIX), demo, {
      seed: process.env.DEMO_SEED ?? 'demo',
      clients: process.env.DEMO_CLIENTS ? Number(process.env.DEMO_CLIENTS) : undefined,
      asOf: new Date().toISOString().slice(0, 10),
    }),
  );
  await scheduler.connection.close();

  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: temporal.uiUrl ?? '',
    DATA_DIR: dir,
  };
  await supervise('worker', 'worker-main.ts', env);
  await supervise('api', 'api-main.ts', env);

  const api = `http://127.0.0.1:${cfg.PORT}`;
  const lines = [
    '',
    'Commission Hub is running.',
    `  API            ${api}   (OpenAPI: ${api}/openapi.json)`,
    `  API key        ${apiKey}`,
    `  Console        ${api}/console   (sign in: ${credentials.email} / ${credentials.password})`,
    `  Temporal UI    ${temporal.uiUrl ?? '(external cluster)'}`,
    `  Sandboxes      ${join(dir, 'sandboxes.json')}`,
    `  Database       ${database.embedded ? `embedded PGlite in ${join(dir, 'pglite')}` : 'DATABASE_URL'}`,
    '',
    'Try:',
    `  curl -s -X POST -H "Authorization: Bearer ${apiKey}" -H 'content-type: application/json' \\`,
    `       -d '{"mode":"full"}' ${api}/v1/connections/${demo.connections.hubspot}/syncs`,
    `  curl -s -H "Authorization: Bearer ${apiKey}" ${api}/v1/syncs/sync/${demo.connections.hubspot}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (err) {
  logger.error({ err }, 'start-up failed');
  await shutdown(1);
}
