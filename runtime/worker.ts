// The workers of one process: the main task queue (workflows and database activities) and one
// activity-only worker per vendor queue. Workflows come from a prebuilt bundle (tests,
// production images) or are bundled at start from workflows/.

import { createRequire } from 'node:module';
import type { DataConverter } from '@temporalio/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type WorkerInterceptors, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.ts';
import { createActivities } from '../activities/index.ts';
import { registry } from '../connectors/registry.ts';
import { failureConverterPath } from './data-converter.ts';
import { vendorTaskQueue } from './task-queues.ts';
import { clientInterceptors } from './temporal-client.ts';
import { type Tracing, tracingOff } from './tracing.ts';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

/**
 * Every workflow bundle (built once or at start) carries the tracing interceptors: a workflow
 * continues the trace of whoever started it. With tracing off their spans end in a no-op.
 */
const workflowTracingModule = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);
export const workflowBundleOptions = {
  workflowsPath,
  failureConverterPath,
  workflowInterceptorModules: [workflowTracingModule],
};

export interface WorkerSetup {
  address: string;
  /** An open connection to reuse (tests share the environment's); else one is made. */
  connection?: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  dataConverter: DataConverter;
  /** A bundle made once by bundleWorkflowCode (tests and production); else bundled at start. */
  workflowBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** From startTracing; without it spans are dropped (the interceptors stay, at little cost). */
  tracing?: Tracing;
}

/** Activity spans continue the workflow's trace; activities that start workflows pass it on. */
function tracingInterceptors(): WorkerInterceptors {
  return {
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    client: clientInterceptors(),
  };
}

export interface WorkerGroup {
  workers: Worker[];
  connection: NativeConnection;
  /** Runs every worker until shutdown; rejects if one fails. */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createWorkers(setup: WorkerSetup): Promise<WorkerGroup> {
  const connection = setup.connection ?? (await NativeConnection.connect({ address: setup.address }));
  const activities = createActivities(setup.deps);
  const tracing = setup.tracing ?? tracingOff();
  const main: WorkerOptions = {
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    dataConverter: setup.dataConverter,
    activities,
    maxConcurrentActivityTaskExecutions: setup.maxConcurrentActivityTaskExecutions ?? 20,
    ...(setup.workflowBundlePath
      ? { workflowBundle: { codePath: setup.workflowBundlePath } }
      : { workflowsPath }),
    interceptors: {
      ...tracingInterceptors(),
      ...(setup.workflowBundlePath ? {} : { workflowModules: [workflowTracingModule] }),
    },
    // The workflow interceptors hand finished spans to this sink; off, they go nowhere.
    sinks: {
      exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource),
    },
  };
  const workers = [await Worker.create(main)];
  for (const [provider, entry] of Object.entries(registry)) {
    if (!entry) continue;
    workers.push(
      await Worker.create({
        connection,
        namespace: setup.namespace,
        taskQueue: vendorTaskQueue(setup.taskQueue, provider),
        dataConverter: setup.dataConverter,
        activities,
        interceptors: tracingInterceptors(),
        // A few long page-walking activities per vendor per process; the account throttle paces requests.
        maxConcurrentActivityTaskExecutions: 4,
      }),
    );
  }
  return {
    workers,
    connection,
    async run() {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
