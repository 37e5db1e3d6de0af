// One keyset-paginated listing for every canonical entity: tenant-scoped, live rows only,
// ordered by (updated_at, id), optionally limited to rows a given connection contributed to.
import type { Queryable } from '../db/pool.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';

export interface ListOptions {
  table: string;
  tenantId: string;
  limit: number;
  cursor?: string;
  updatedSince?: string;
  connectionId?: string;
  extraWhere?: { sql: string; params: unknown[] }[];
}

export async function listPage<Row extends Record<string, unknown>>(
  db: Queryable,
  o: ListOptions,
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const params: unknown[] = [o.tenantId];
  const where = ['t.tenant_id = $1', 't.deleted_at is null'];
  const position = decodeCursor(o.cursor);
  if (position) {
    params.push(position.t, position.id);
    where.push(`(t.updated_at, t.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  if (o.updatedSince) {
    params.push(o.updatedSince);
    where.push(`t.updated_at >= $${params.length}::timestamptz`);
  }
  if (o.connectionId) {
    params.push(o.connectionId);
    where.push(
      `exists (select 1 from source_records s where s.canonical_id = t.id and s.connection_id = $${params.length} and s.deleted_at is null)`,
    );
  }
  for (const extra of o.extraWhere ?? []) {
    const offset = params.length;
    params.push(...extra.params);
    where.push(extra.sql.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`));
  }
  params.push(o.limit + 1);
  const { rows } = await db.query<Row & { _position: string }>(
    `select t.*, t.updated_at::text as _position from ${o.table} t
      where ${where.join(' and ')}
      order by t.updated_at, t.id
      limit $${params.length}`,
    params,
  );
  const more = rows.length > o.limit;
  const page = more ? rows.slice(0, o.limit) : rows;
  const last = page[page.length - 1];
  return {
    rows: page,
    nextCursor: more && last ? encodeCursor({ t: last._position, id: last.id as string }) : null,
  };
}
