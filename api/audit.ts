// The audit log of API calls: who (API key or console user), what, the outcome, how long. Rows
// are batched and written every 200 ms so auditing never sits on a request's critical path; a
// shutdown flushes what is pending.
import type { MiddlewareHandler } from 'hono';
import type { Pool } from '../db/pool.ts';
import type { AppEnv } from './deps.ts';

interface AuditRow {
  tenantId: string;
  actor: string;
  method: string;
  path: string;
  status: number;
  requestId: string;
  durationMs: number;
}

export class AuditWriter {
  private pending: AuditRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  add(row: AuditRow): void {
    this.pending.push(row);
    this.timer ??= setTimeout(() => void this.flush(), 200);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.pending.splice(0);
    if (!rows.length) return;
    await this.pool
      .query(
        `insert into audit_log (tenant_id, actor, method, path, status, request_id, duration_ms)
         select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[])`,
        [
          rows.map((r) => r.tenantId),
          rows.map((r) => r.actor),
          rows.map((r) => r.method),
          rows.map((r) => r.path),
          rows.map((r) => r.status),
          rows.map((r) => r.requestId),
          rows.map((r) => r.durationMs),
        ],
      )
      .catch(() => {}); // a tenant deleted meanwhile; auditing never fails a request
  }
}

export function auditCalls(writer: AuditWriter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const tenantId = c.get('tenantId');
      if (tenantId) {
        writer.add({
          tenantId,
          actor: c.get('apiKeyId') ? `api_key:${c.get('apiKeyId')}` : 'unknown',
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          requestId: c.get('requestId'),
          durationMs: Math.round(performance.now() - started),
        });
      }
    }
  };
}
