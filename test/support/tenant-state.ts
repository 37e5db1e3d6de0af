// A tenant's state in one number per table: rows of every table with a tenant_id (and their last
// change, where the table keeps one), so a test can show a refused request changed nothing.
// Bookkeeping of requests themselves (audit, rate limits, idempotency keys) is not state.
import type { Pool } from '../../db/pool.ts';

const bookkeeping = new Set(['audit_log', 'idempotency_keys', 'rate_limit_windows', 'sign_in_attempts']);

let query: Promise<string> | undefined;

async function stateQuery(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ table_name: string; updated: boolean }>(
    `select c.table_name, bool_or(u.column_name is not null) as updated
       from information_schema.columns c
       join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
       left join information_schema.columns u
         on u.table_name = c.table_name and u.table_schema = c.table_schema and u.column_name = 'updated_at'
      where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
      group by c.table_name order by c.table_name`,
  );
  const parts = rows
    .filter((r) => !bookkeeping.has(r.table_name))
    .map(
      (r) =>
        `select '${r.table_name}' as t, count(*)::text || '/' || ${r.updated ? `coalesce(max(updated_at)::text, '-')` : `'-'`} as v from ${r.table_name} where tenant_id = $1`,
    );
  return parts.join(' union all ');
}

/** The tenant's rows, table by table: compare two of these around a request. */
export async function tenantState(pool: Pool, tenantId: string): Promise<Record<string, string>> {
  query ??= stateQuery(pool);
  const { rows } = await pool.query<{ t: string; v: string }>(await query, [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.t, r.v]));
}
