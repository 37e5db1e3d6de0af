// An API process: the Hono app on PORT. Stateless; run as many as needed.
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.ts';
import { createOrm } from '../db/orm.ts';
import { createPool } from '../db/pool.ts';
import { prewarmStatementImports } from '../domain/statements/import-thread.ts';
import { config, dataDir } from './config.ts';
import { hubDataConverter } from './data-converter.ts';
import { createLogger } from './logger.ts';
import { keyringFromEnv } from './secret-box.ts';
import { mainTaskQueue } from './task-queues.ts';
import { connectTemporalClient } from './temporal-client.ts';
import { apiTracer, startTracing } from './tracing.ts';

const cfg = config();
const logger = createLogger('api');
const tracing = startTracing('commission-hub-api');
if (!cfg.DATABASE_URL || !cfg.TEMPORAL_ADDRESS)
  throw new Error('the API needs DATABASE_URL and TEMPORAL_ADDRESS');
const pool = createPool(cfg.DATABASE_URL, 10);
const orm = await createOrm({ url: cfg.DATABASE_URL, poolSize: 5 });
const payloadKeys = keyringFromEnv('PAYLOAD_KEYS', cfg.PAYLOAD_KEYS, dataDir(cfg), cfg.NODE_ENV);
const temporal = await connectTemporalClient(
  cfg.TEMPORAL_ADDRESS,
  cfg.TEMPORAL_NAMESPACE,
  hubDataConverter(payloadKeys),
);
const app = createApp({
  pool,
  orm,
  temporal,
  keyring: keyringFromEnv('CREDENTIALS_KEYS', cfg.CREDENTIALS_KEYS, dataDir(cfg), cfg.NODE_ENV),
  payloadKeys,
  logger,
  taskQueue: mainTaskQueue(cfg.TASK_QUEUE_PREFIX),
  namespace: cfg.TEMPORAL_NAMESPACE,
  temporalUiUrl: process.env.TEMPORAL_UI_URL || undefined,
  tracer: tracing.enabled ? apiTracer() : undefined,
});
// Statement uploads parse in worker threads; the first is started now rather than on an upload.
await prewarmStatementImports();
const server = serve(
  { fetch: app.fetch, port: cfg.PORT, hostname: process.env.HOST ?? '127.0.0.1' },
  (info) => {
    logger.info({ port: info.port }, 'API listening');
    process.send?.({ ready: true, port: info.port });
  },
);
const stop = () => {
  server.close(async () => {
    await Promise.allSettled([pool.end(), orm.close(), temporal.connection.close(), tracing.shutdown()]);
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
