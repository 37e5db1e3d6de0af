// Keeping a child process running, as a process manager would in production: when it dies
// unexpectedly it is started again, backing off up to 30 s. `npm start` runs the vendor
// sandboxes, the worker and the API this way.
import type { ChildProcess } from 'node:child_process';
import { type Ready, stopChild, waitForReady } from './child-process.ts';
import type { Logger } from './logger.ts';

export interface Supervised {
  /** The first launch's ready message (a child that dies before it is ready is started again). */
  ready: Promise<Ready>;
  /** How many times it has been started again. */
  restarts(): number;
  /** Stops it for good: no restart after this. */
  stop(): Promise<void>;
}

export const restartDelayMs = (restarts: number) => Math.min(30_000, 1_000 * 2 ** Math.min(restarts, 5));

export function supervise(
  name: string,
  launchChild: () => ChildProcess,
  opts: { logger: Logger; readyTimeoutMs?: number; delayMs?: (restarts: number) => number },
): Supervised {
  const delayMs = opts.delayMs ?? restartDelayMs;
  let child: ChildProcess;
  let restarts = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let firstReady: ((ready: Ready) => void) | undefined;
  const ready = new Promise<Ready>((resolve) => {
    firstReady = resolve;
  });
  const launch = () => {
    child = launchChild();
    waitForReady(child, name, opts.readyTimeoutMs ?? 120_000)
      .then((msg) => {
        firstReady?.(msg);
        firstReady = undefined;
      })
      .catch(() => {}); // its exit is handled below
    child.once('exit', (code, signal) => {
      if (stopped) return;
      const delay = delayMs(restarts);
      restarts++;
      opts.logger.warn({ child: name, code, signal, restartInMs: delay }, `${name} exited; restarting`);
      timer = setTimeout(() => !stopped && launch(), delay);
    });
  };
  launch();
  return {
    ready,
    restarts: () => restarts,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await stopChild(child);
    },
  };
}
