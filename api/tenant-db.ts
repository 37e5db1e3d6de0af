// Every /v1 request works inside one database transaction that runs as the restricted role
// chub_app with app.tenant_id set: PostgreSQL's row-level security then hides every other
// tenant's rows even from a query that forgot its tenant filter. The transaction commits when
// the handler succeeds and rolls back when it throws or answers 4xx or 5xx. Work that must see
// the committed rows (a signal to a workflow that will read them) is queued with afterCommit and
// runs after the commit.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const tenantTransaction: MiddlewareHandler<AppEnv> = async (c, next) => {
  const client = await c.get('deps').pool.connect();
  let failed = false;
  const afterCommit: Array<() => Promise<unknown>> = [];
  c.set('afterCommit', (fn) => afterCommit.push(fn));
  try {
    // One round trip (a simple-protocol batch takes no parameters: the id is checked to be a
    // UUID before it is written into the statement).
    const tenantId = c.get('tenantId');
    if (!UUID.test(tenantId)) throw new Error('the request has no valid tenant id');
    await client.query(
      `begin; set local role chub_app; set local statement_timeout = '30s'; select set_config('app.tenant_id', '${tenantId}', true)`,
    );
    c.set('db', client);
    await next();
    // A refused request changes nothing, whatever the handler wrote before it refused.
    failed = c.error !== undefined || c.res.status >= 400;
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await client.query(failed ? 'rollback' : 'commit').catch(() => {});
    client.release();
  }
  for (const fn of failed ? [] : afterCommit) {
    // The change is stored; a failed follow-up is logged, and the next change or pass catches up.
    await fn().catch((err) =>
      c.get('deps').logger.error({ err, requestId: c.get('requestId') }, 'after-commit work failed'),
    );
  }
};
