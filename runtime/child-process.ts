// Starting our own TypeScript entry points as child processes (Node runs them directly), and
// waiting for a child's "ready" message.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function entryPath(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

export interface Ready {
  ready: true;
  [key: string]: unknown;
}

export function forkEntry(
  name: string,
  env: NodeJS.ProcessEnv,
  opts: { silent?: boolean } = {},
): ChildProcess {
  return fork(entryPath(name), [], {
    env,
    stdio: opts.silent ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export function waitForReady(child: ChildProcess, what: string, timeoutMs = 60_000): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    child.on('message', (msg: unknown) => {
      if (msg && typeof msg === 'object' && (msg as Ready).ready) {
        clearTimeout(timer);
        resolve(msg as Ready);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready`));
    });
  });
}

export function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
