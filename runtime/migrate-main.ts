// `node runtime/migrate-main.ts`: applies pending migrations to DATABASE_URL and exits.
import { createOrm, migrate } from '../db/orm.ts';
import { config } from './config.ts';
import { createLogger } from './logger.ts';

const cfg = config();
const logger = createLogger('migrate');
if (!cfg.DATABASE_URL) throw new Error('DATABASE_URL is required');
const orm = await createOrm({ url: cfg.DATABASE_URL, poolSize: 1 });
const applied = await migrate(orm);
logger.info({ applied }, applied.length ? 'migrations applied' : 'schema is current');
await orm.close();
