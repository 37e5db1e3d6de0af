// Finds or builds the Temporal CLI and runs its dev server. Order of preference:
// TEMPORAL_ADDRESS (an existing cluster: nothing to start), TEMPORAL_CLI, `temporal` on PATH,
// the Go bin folder, `go install` of the pinned version, and last the SDK's ephemeral-server
// download (only works with internet access).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from './logger.ts';
import { searchAttributeFlags } from './search-attributes.ts';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface DevServerOptions {
  port: number;
  uiPort?: number; // omitted: headless
  /** Where the UI decodes payloads (runtime/codec-endpoint.ts); omitted, it shows ciphertext. */
  uiCodecEndpoint?: string;
  dbFile?: string; // omitted: in memory
  namespace?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

function onPath(binary: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

function goBinDir(): string | undefined {
  try {
    const gobin = execFileSync('go', ['env', 'GOBIN'], { encoding: 'utf8' }).trim();
    if (gobin) return gobin;
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim().split(delimiter)[0];
    return gopath ? join(gopath, 'bin') : undefined;
  } catch {
    return undefined; // no Go toolchain
  }
}

/** Returns the path of a usable `temporal` binary, building it with Go when needed. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, logger?: Logger): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!existsSync(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} does not exist`);
    return env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const bin = goBinDir();
  if (!bin) return undefined;
  const built = join(bin, 'temporal');
  if (existsSync(built)) return built;
  logger?.info({ module: TEMPORAL_CLI_MODULE }, 'building the Temporal CLI with go install (first run only)');
  execFileSync('go', ['install', TEMPORAL_CLI_MODULE], { stdio: 'inherit', env });
  return existsSync(built) ? built : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function waitForTemporal(address: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready: ${String(lastError)}`);
}

function devServerArgs(opts: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-level',
    'error',
    // Update-with-start ("sync now" attaching to a running sync) is a multi-operation.
    '--dynamic-config-value',
    'frontend.enableExecuteMultiOperation=true',
    ...searchAttributeFlags(),
  ];
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.uiPort && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  return args;
}

/** Starts `temporal server start-dev` (or the SDK's downloaded one) and waits until it answers. */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningTemporal> {
  const env = opts.env ?? process.env;
  const cli = findTemporalCli(env, opts.logger);
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined;
  if (!cli) return startDownloadedServer(opts);

  const child: ChildProcess = spawn(cli, devServerArgs(opts), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') {
      opts.logger?.error({ code, signal }, 'temporal dev server exited');
    }
  });
  try {
    await waitForTemporal(address);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startDownloadedServer(opts: DevServerOptions): Promise<RunningTemporal> {
  opts.logger?.warn('no Temporal CLI and no Go toolchain: downloading the dev server through the SDK');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const { allSearchAttributes } = await import('./search-attributes.ts');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      port: opts.port,
      ui: Boolean(opts.uiPort),
      uiPort: opts.uiPort,
      dbFilename: opts.dbFile,
      namespace: opts.namespace,
      searchAttributes: allSearchAttributes,
      extraArgs: [
        '--dynamic-config-value',
        'frontend.enableExecuteMultiOperation=true',
        ...(opts.uiPort && opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
      ],
    },
  });
  return {
    address: env.address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
