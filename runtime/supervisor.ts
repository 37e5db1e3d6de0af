// `npm start`: the whole hub on one machine with nothing installed but Node. Starts what is
// missing (Temporal dev server with UI, embedded PostgreSQL, the vendor sandboxes), applies
// migrations, seeds the demo agency, then runs the worker and the API as child processes;
// the sandboxes, the worker and the API are restarted when they die, as a process manager would
// in production. The Temporal UI decodes payloads through the API's codec with the local
// operator's CODEC_TOKEN. Ctrl-C stops everything; the next start reuses .data/.
import { join } from 'node:path';
import { createOrm, migrate } from '../db/orm.ts';
import { createPool } from '../db/pool.ts';
import { forkEntry } from './child-process.ts';
import { localCodecToken, uiCodecEndpoint } from './codec-endpoint.ts';
import { config, dataDir } from './config.ts';
import { hubDataConverter } from './data-converter.ts';
import { resolveDatabase } from './database.ts';
import { demoCredentials, seedDemo, startDemoWork } from './demo-seed.ts';
import { createLogger } from './logger.ts';
import { defaultScheduleSettings, ensureConnectionSchedules } from './schedules.ts';
import { keyringFromEnv } from './secret-box.ts';
import { supervise } from './supervise.ts';
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

/** Runs one of our entry points and starts it again whenever it dies; stopped with everything else. */
function keepRunning(name: string, entry: string, env: NodeJS.ProcessEnv) {
  const child = supervise(name, () => forkEntry(entry, env), { logger });
  cleanups.push(() => child.stop());
  return child.ready;
}

try {
  const api = `http://127.0.0.1:${cfg.PORT}`;
  // The local operator's: the dev server's UI sends it to the API's codec (runtime/codec-endpoint.ts).
  const codecToken = localCodecToken(dir, cfg.CODEC_TOKEN);
  const temporal = cfg.TEMPORAL_ADDRESS
    ? { address: cfg.TEMPORAL_ADDRESS, uiUrl: process.env.TEMPORAL_UI_URL }
    : await startTemporalDevServer({
        port: cfg.TEMPORAL_PORT,
        uiPort: cfg.TEMPORAL_UI_PORT,
        uiCodecEndpoint: uiCodecEndpoint(api, codecToken),
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

  // Restarted ones come back with the same demo accounts (their credentials follow from the seed).
  const sandbox = await keepRunning('the vendor sandboxes', 'sandbox-main.ts', {
    ...process.env,
    SANDBOX_PORT: String(cfg.SANDBOX_PORT),
  });
  const sandboxes = sandbox.sandboxes as Parameters<typeof seedDemo>[2]['sandboxes'];

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
    CODEC_TOKEN: codecToken,
  };
  await keepRunning('worker', 'worker-main.ts', env);
  await keepRunning('api', 'api-main.ts', env);

  // The first demo connection (in registry order) is the example of a sync to start by hand.
  const exampleConnection = Object.values(demo.connections)[0] ?? '<connection id>';
  const lines = [
    '',
    'Commission Hub is running.',
    `  API            ${api}   (OpenAPI: ${api}/openapi.json)`,
    `  API key        ${apiKey}`,
    `  Console        ${api}/console   (sign in: ${credentials.email} / ${credentials.password})`,
    `  Temporal UI    ${temporal.uiUrl ?? '(external cluster)'}   (payloads decoded by ${api}/codec)`,
    `  Codec token    ${codecToken}   (CODEC_TOKEN: the operators' key to /codec)`,
    `  Sandboxes      ${join(dir, 'sandboxes.json')}`,
    `  Database       ${database.embedded ? `embedded PGlite in ${join(dir, 'pglite')}` : 'DATABASE_URL'}`,
    '',
    'Try:',
    `  curl -s -X POST -H "Authorization: Bearer ${apiKey}" -H 'content-type: application/json' \\`,
    `       -d '{"mode":"full"}' ${api}/v1/connections/${exampleConnection}/syncs`,
    `  curl -s -H "Authorization: Bearer ${apiKey}" ${api}/v1/syncs/sync/${exampleConnection}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (err) {
  logger.error({ err }, 'start-up failed');
  await shutdown(1);
}
