// Every /v1 request works inside one database transaction that runs as the restricted role
// chub_app with app.tenant_id set: PostgreSQL's row-level security then hides every other
// tenant's rows even from a query that forgot its tenant filter. The transaction commits when
// the handler succeeds and rolls back when it throws.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.ts';

export const tenantTransaction: MiddlewareHandler<AppEnv> = async (c, next) => {
  const client = await c.get('deps').pool.connect();
  let failed = false;
  try {
    await client.query("begin; set local role chub_app; set local statement_timeout = '30s'");
    await client.query(`select set_config('app.tenant_id', $1, true)`, [c.get('tenantId')]);
    c.set('db', client);
    await next();
    failed = c.error !== undefined || c.res.status >= 500;
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await client.query(failed ? 'rollback' : 'commit').catch(() => {});
    client.release();
  }
};
