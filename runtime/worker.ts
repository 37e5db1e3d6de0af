// The workers of one process: the main task queue (workflows and database activities) and one
// activity-only worker per vendor queue. Workflows come from a prebuilt bundle (tests,
// production images) or are bundled at start from workflows/.

import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.ts';
import { createActivities } from '../activities/index.ts';
import { registry } from '../connectors/registry.ts';
import { vendorTaskQueue } from './task-queues.ts';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

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
