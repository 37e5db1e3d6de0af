// The embedded database serves several connections from one PGlite backend. The `pg` driver's
// extended protocol (Parse/Bind/Execute/Sync) from two connections must never interleave:
// pglite-socket's own queue lets them, and a Bind then lands on another client's statement.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../runtime/embedded-postgres.ts';

let db: EmbeddedPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  db = await startEmbeddedPostgres({ port: 0 });
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  await pool.query('create table t (id int primary key, v text)');
});

afterAll(async () => {
  await pool.end();
  await db.stop();
});

describe('embedded PostgreSQL over pglite-socket', () => {
  test('eight connections running parameterised queries and transactions at once stay separate', async () => {
    const workers = Array.from({ length: 8 }, (_, c) =>
      (async () => {
        for (let i = 0; i < 60; i++) {
          const id = c * 1000 + i;
          if (i % 6 === 0) {
            const client = await pool.connect();
            try {
              await client.query('begin');
              await client.query('insert into t values ($1, $2)', [id, `tx${id}`]);
              const r = await client.query('select v from t where id = $1', [id]);
              expect(r.rows[0].v).toBe(`tx${id}`);
              await client.query('commit');
            } finally {
              client.release();
            }
          } else {
            await pool.query('insert into t values ($1, $2)', [id, `v${id}`]);
            const r = await pool.query('select v, $2::text as echo from t where id = $1', [id, `e${id}`]);
            expect(r.rows[0]).toEqual({ v: `v${id}`, echo: `e${id}` });
          }
        }
      })(),
    );
    await Promise.all(workers);
    const { rows } = await pool.query('select count(*)::int as n from t');
    expect(rows[0].n).toBe(480);
  });

  test('an error on one connection does not stall the others', async () => {
    await expect(pool.query('select no_such_column from t')).rejects.toThrow(/does not exist/);
    const { rows } = await pool.query('select 1 as ok');
    expect(rows[0].ok).toBe(1);
  });

  test('a client that disconnects inside a transaction has it rolled back', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('begin');
    await client.query('insert into t values (99999, $1)', ['abandoned']);
    await client.end();
    const { rows } = await pool.query('select count(*)::int as n from t where id = 99999');
    expect(rows[0].n).toBe(0);
  });
});
