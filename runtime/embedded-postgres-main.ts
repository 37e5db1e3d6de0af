// The embedded database as its own process, so PGlite's single thread never competes with the
// API or the worker. Started with fork(); tells its parent the URL once it listens.
import { startEmbeddedPostgres } from './embedded-postgres.ts';

const port = Number(process.env.EMBEDDED_DB_PORT ?? 5433);
const dataDir = process.env.EMBEDDED_DB_DIR || undefined;
const db = await startEmbeddedPostgres({ port, dataDir });
process.send?.({ ready: true, url: db.url });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await db.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop); // the parent went away: close the data directory cleanly
