// A plain `pg` pool for the bulk paths (syncing pages, sweeping, the change feed), where one
// set-based statement beats an ORM unit of work. MikroORM keeps the entity CRUD.
import pg from 'pg';

// Dates stay ISO strings and bigints (cents, sequence numbers) become numbers, checked safe.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${v} is beyond the safe integer range`);
  return n;
});

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

export function createPool(url: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 10_000 });
  pool.on('error', () => {}); // an idle client's error is reported on its next use
  return pool;
}

export interface TransactionOptions {
  /**
   * Commit without waiting for the WAL flush. Only for transactions whose loss in a database
   * crash is harmless: a sync page commits its checkpoint with its data, so losing the last
   * pages just means reading them again.
   */
  asyncCommit?: boolean;
}

export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(opts.asyncCommit ? 'begin; set local synchronous_commit = off' : 'begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
