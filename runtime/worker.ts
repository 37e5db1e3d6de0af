// Builds a Temporal worker for this process: workflows from the prebuilt bundle (or bundled on
// the fly from workflows/), every activity with its dependencies.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.ts';
import { createActivities } from '../activities/index.ts';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface WorkerSetup {
  address: string;
  /** An open connection to reuse (tests share the environment's); else one is made. */
  connection?: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A bundle made once by bundleWorkflowCode (tests and production); else bundled at start. */
  workflowBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(
  setup: WorkerSetup,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = setup.connection ?? (await NativeConnection.connect({ address: setup.address }));
  const options: WorkerOptions = {
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    activities: createActivities(setup.deps),
    maxConcurrentActivityTaskExecutions: setup.maxConcurrentActivityTaskExecutions ?? 20,
    ...(setup.workflowBundlePath
      ? { workflowBundle: { codePath: setup.workflowBundlePath } }
      : { workflowsPath }),
  };
  const worker = await Worker.create(options);
  return { worker, connection };
}
