// What activities need from the process: database, keys, logger. Built once per worker.
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Keyring } from '../runtime/secret-box.ts';

export interface ActivityDeps {
  pool: Pool;
  keyring: Keyring;
  logger: Logger;
}
