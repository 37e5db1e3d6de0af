// A worker process: polls the task queue and runs workflows and activities. Scale out by
// starting more of these against the same Temporal and database.
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { createPool } from '../db/pool.ts';
import { config, dataDir } from './config.ts';
import { hubDataConverter } from './data-converter.ts';
import { createLogger } from './logger.ts';
import { useTemporalMeter } from './metrics.ts';
import { keyringFromEnv } from './secret-box.ts';
import { mainTaskQueue } from './task-queues.ts';
import { temporalLogger } from './temporal-logger.ts';
import { startTracing } from './tracing.ts';
import { createWorkers } from './worker.ts';

const cfg = config();
const logger = createLogger('worker');
const tracing = startTracing('commission-hub-worker');
if (!cfg.DATABASE_URL || !cfg.TEMPORAL_ADDRESS)
  throw new Error('the worker needs DATABASE_URL and TEMPORAL_ADDRESS');
// WORKER_METRICS_PORT: the Temporal SDK's Prometheus metrics (task latencies, slots, polls…) and
// ours (sync records, webhook outcomes) at http://<WORKER_METRICS_HOST>:<port>/metrics.
const metricsPort = process.env.WORKER_METRICS_PORT;
Runtime.install({
  logger: temporalLogger(logger),
  telemetryOptions: {
    logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
    ...(metricsPort
      ? {
          metrics: {
            prometheus: {
              bindAddress: `${process.env.WORKER_METRICS_HOST ?? '127.0.0.1'}:${metricsPort}`,
              countersTotalSuffix: true,
              useSecondsForDurations: true,
            },
          },
        }
      : {}),
  },
});
if (metricsPort) useTemporalMeter(Runtime.instance().metricMeter);

const pool = createPool(cfg.DATABASE_URL, 10);
const keyring = keyringFromEnv('CREDENTIALS_KEYS', cfg.CREDENTIALS_KEYS, dataDir(cfg), cfg.NODE_ENV);
const payloadKeys = keyringFromEnv('PAYLOAD_KEYS', cfg.PAYLOAD_KEYS, dataDir(cfg), cfg.NODE_ENV);
const group = await createWorkers({
  address: cfg.TEMPORAL_ADDRESS,
  namespace: cfg.TEMPORAL_NAMESPACE,
  taskQueue: mainTaskQueue(cfg.TASK_QUEUE_PREFIX),
  deps: { pool, keyring, logger },
  dataConverter: hubDataConverter(payloadKeys),
  workflowBundlePath: process.env.WORKFLOW_BUNDLE || undefined,
  tracing,
});
process.on('SIGTERM', () => group.shutdown());
process.on('SIGINT', () => group.shutdown());
logger.info({ taskQueue: mainTaskQueue(cfg.TASK_QUEUE_PREFIX), pid: process.pid }, 'worker polling');
process.send?.({ ready: true, pid: process.pid });
await group.run();
await group.connection.close();
await pool.end();
await tracing.shutdown();
logger.info('worker stopped');
