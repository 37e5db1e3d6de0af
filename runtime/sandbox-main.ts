// `npm run sandbox`: the vendor sandboxes alone, seeded with the demo agency. Writes each
// sandbox's base URL and development credentials to .data/sandboxes.json.
// SANDBOX_DEMO=0 starts empty sandboxes (benchmarks make their own accounts) and writes no file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandboxServer } from '../connectors/sandbox-server.ts';
import { config, dataDir } from './config.ts';
import { createLogger } from './logger.ts';

const cfg = config();
const logger = createLogger('sandbox');
const withDemo = process.env.SANDBOX_DEMO !== '0';
const server = await startSandboxServer({
  port: cfg.SANDBOX_PORT,
  demo: withDemo && {
    seed: process.env.DEMO_SEED ?? 'demo',
    clients: process.env.DEMO_CLIENTS ? Number(process.env.DEMO_CLIENTS) : undefined,
  },
});
if (withDemo) {
  const file = join(dataDir(cfg), 'sandboxes.json');
  writeFileSync(file, `${JSON.stringify({ url: server.url, sandboxes: server.describe() }, null, 2)}\n`);
}
logger.info({ url: server.url }, 'vendor sandboxes listening');
process.send?.({ ready: true, url: server.url, sandboxes: server.describe() });

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
