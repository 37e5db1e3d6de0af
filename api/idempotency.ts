// Idempotency-Key on every POST: the same key with the same request replays the first response;
// the same key with a different request is a 409; a request still running under the key is a
// 409 too. The key is claimed in its own committed statement before the handler runs, so two
// concurrent requests with one key never both execute. Keys live for 24 hours.
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './deps.ts';
import { ProblemError } from './problem.ts';

const TTL = "interval '24 hours'";

export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || !key) return next();
  if (key.length > 255) throw new ProblemError('validation', 'Idempotency-Key is at most 255 characters.');
  const { pool } = c.get('deps');
  const tenantId = c.get('tenantId');
  const body = Buffer.from(await c.req.raw.clone().arrayBuffer());
  const bodyHash = createHash('sha256')
    .update(c.req.method)
    .update('\0')
    .update(c.req.path)
    .update('\0')
    .update(body)
    .digest('hex');

  await pool.query(
    `delete from idempotency_keys where tenant_id = $1 and key = $2 and created_at < now() - ${TTL}`,
    [tenantId, key],
  );
  const claimed = await pool.query(
    `insert into idempotency_keys (tenant_id, key, method, path, body_hash) values ($1, $2, $3, $4, $5)
     on conflict do nothing returning key`,
    [tenantId, key, c.req.method, c.req.path, bodyHash],
  );
  if (!claimed.rows.length) {
    const { rows } = await pool.query('select * from idempotency_keys where tenant_id = $1 and key = $2', [
      tenantId,
      key,
    ]);
    const prior = rows[0];
    if (!prior || prior.body_hash !== bodyHash)
      throw new ProblemError('conflict', 'This Idempotency-Key was used for a different request.');
    if (prior.state !== 'done')
      throw new ProblemError('conflict', 'A request with this Idempotency-Key is still being processed.');
    c.header('Idempotent-Replayed', 'true');
    return c.body(prior.response_body, prior.status as ContentfulStatusCode, {
      'content-type': prior.response_type ?? 'application/json',
    });
  }

  let stored = false;
  try {
    await next();
    if (c.res.status < 500) {
      const responseBody = await c.res.clone().text();
      await pool.query(
        `update idempotency_keys set state = 'done', status = $3, response_body = $4, response_type = $5 where tenant_id = $1 and key = $2`,
        [tenantId, key, c.res.status, responseBody, c.res.headers.get('content-type')],
      );
      stored = true;
    }
  } finally {
    // A failed request frees its key, so the client can retry it.
    if (!stored)
      await pool
        .query('delete from idempotency_keys where tenant_id = $1 and key = $2', [tenantId, key])
        .catch(() => {});
  }
};
