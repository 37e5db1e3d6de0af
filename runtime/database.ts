// Which database this process uses: DATABASE_URL when set, else the embedded PGlite (a child
// process serving a folder under .data/ over the PostgreSQL protocol).
import { join } from 'node:path';
import { forkEntry, stopChild, waitForReady } from './child-process.ts';

export interface RunningDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(opts: {
  port: number;
  dataDir?: string;
}): Promise<RunningDatabase> {
  const child = forkEntry('embedded-postgres-main.ts', {
    ...process.env,
    EMBEDDED_DB_PORT: String(opts.port),
    EMBEDDED_DB_DIR: opts.dataDir ?? '',
  });
  const ready = await waitForReady(child, 'the embedded database');
  return { url: String(ready.url), embedded: true, stop: () => stopChild(child) };
}

export async function resolveDatabase(
  cfg: { DATABASE_URL?: string; EMBEDDED_DB_PORT: number },
  dataDir: string,
): Promise<RunningDatabase> {
  if (cfg.DATABASE_URL) return { url: cfg.DATABASE_URL, embedded: false, stop: async () => {} };
  return startEmbeddedDatabase({ port: cfg.EMBEDDED_DB_PORT, dataDir: join(dataDir, 'pglite') });
}
