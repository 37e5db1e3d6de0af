// Benchmark: a full sync of a HubSpot portal with N deals (plus its companies, contacts and
// owners), end to end — Temporal workflow, activities, the real @hubspot/api-client over HTTP
// against the sandbox, mapping, hashing, and the page writer into the database — against the
// physical limit: a raw bulk load of exactly the rows the sync wrote, into the same database,
// in large set-based batches with no HTTP, no mapping and no Temporal.
//
// The sandbox's rate limit is lifted for the run (an account with HubSpot's API add-on), so
// this measures the hub, not HubSpot's throttle: at the standard 190 requests per 10 s, the
// listing alone would take ~55 s per 100k deals whatever the hub did.
import { randomUUID } from 'node:crypto';
import { createConnection } from '../db/connection-store.ts';
import { withTransaction } from '../db/pool.ts';
import { createTenant } from '../db/tenant-store.ts';
import { ConnectionId, Provider, TenantId } from '../runtime/search-attributes.ts';
import { requestSyncSignal, syncWorkflowId } from '../workflows/shared.ts';
import type { BenchStack } from './stack.ts';

async function post<T>(url: string, body: unknown, method = 'POST'): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const canonicalTables = ['carriers', 'producers', 'clients', 'policies'] as const;

export interface HubSpotSyncResult {
  deals: number;
  records: number;
  syncSeconds: number;
  syncRecordsPerSecond: number;
  bulkSeconds: number;
  bulkRecordsPerSecond: number;
  ratio: number;
  historyEvents: number;
  database: string;
}

export async function benchHubSpotSync(stack: BenchStack, deals: number): Promise<HubSpotSyncResult> {
  const seedStarted = Date.now();
  const account = await post<{ accountId: string; accessToken: string }>(
    `${stack.sandboxUrl}/hubspot/_admin/accounts`,
    {
      seed: 'bench',
      deals,
      asOf: '2026-11-01',
      clean: true,
    },
  );
  await post(
    `${stack.sandboxUrl}/hubspot/_admin/accounts/${account.accountId}/chaos`,
    { requestsPerWindow: 10_000_000 },
    'PUT',
  );
  console.log(`  sandbox seeded with ${deals} deals in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

  const tenantId = await createTenant(stack.pool, { name: 'Bench Agency' });
  const connectionId = await createConnection(stack.pool, stack.keyring, {
    tenantId,
    provider: 'hubspot',
    displayName: 'HubSpot (bench)',
    credentials: { accessToken: account.accessToken },
    settings: {
      baseUrl: `${stack.sandboxUrl}/hubspot`,
      accountId: account.accountId,
      rateBudget: { requests: 10_000_000, windowMs: 10_000, concurrency: 4 },
    },
  });

  const workflowId = syncWorkflowId(connectionId);
  const started = performance.now();
  await stack.temporal.workflow.signalWithStart('syncConnection', {
    workflowId,
    taskQueue: stack.taskQueue,
    args: [{ connectionId }],
    signal: requestSyncSignal,
    signalArgs: [{ mode: 'full' }],
    typedSearchAttributes: [
      { key: TenantId, value: tenantId },
      { key: ConnectionId, value: connectionId },
      { key: Provider, value: 'hubspot' },
    ],
  });
  const summary = (await stack.temporal.workflow.getHandle(workflowId).result()) as {
    counts: { read: number; quarantined: number };
  };
  const syncSeconds = (performance.now() - started) / 1000;
  const records = summary.counts.read;
  let historyEvents = 0;
  for await (const wf of stack.temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await stack.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    historyEvents += history.events?.length ?? 0;
  }

  // The physical limit: the same rows, copied set-wise into a fresh tenant and connection.
  const copyTenant = await createTenant(stack.pool, { name: 'Bench bulk copy' });
  const copyConnection = randomUUID();
  await stack.pool.query(
    `insert into connections (id, tenant_id, provider, display_name, settings) values ($1, $2, 'hubspot', 'copy', '{}')`,
    [copyConnection, copyTenant],
  );
  const { rows: sources } = await stack.pool.query(
    `select stream, external_id, payload::text as payload, payload_hash, vendor_updated_at from source_records where connection_id = $1`,
    [connectionId],
  );
  const canonical: Record<string, Record<string, unknown>[]> = {};
  for (const table of canonicalTables) {
    canonical[table] = (
      await stack.pool.query(`select * from ${table} where tenant_id = $1`, [tenantId])
    ).rows;
  }
  const bulkStarted = performance.now();
  const batch = 5_000;
  await withTransaction(stack.pool, async (db) => {
    for (let i = 0; i < sources.length; i += batch) {
      const part = sources.slice(i, i + batch);
      await db.query(
        `insert into source_records (tenant_id, connection_id, stream, external_id, payload, payload_hash, vendor_updated_at)
         select $1, $2, u.stream, u.external_id, u.payload::jsonb, u.hash, u.updated_at
           from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) as u(stream, external_id, payload, hash, updated_at)`,
        [
          copyTenant,
          copyConnection,
          part.map((r) => r.stream),
          part.map((r) => r.external_id),
          part.map((r) => r.payload),
          part.map((r) => r.payload_hash),
          part.map((r) => r.vendor_updated_at),
        ],
      );
    }
    for (const table of canonicalTables) {
      const rows = canonical[table]!;
      if (!rows.length) continue;
      const columns = Object.keys(rows[0]!).filter((c) => c !== 'tenant_id');
      const { rows: types } = await db.query<{ column_name: string; udt_name: string }>(
        `select column_name, udt_name from information_schema.columns where table_name = $1`,
        [table],
      );
      const typeOf = new Map(types.map((t) => [t.column_name, t.udt_name.replace(/^_/, '')]));
      const arrayType = (c: string) =>
        typeOf.get(c) === 'jsonb' ? 'text' : typeOf.get(c) === 'bpchar' ? 'text' : typeOf.get(c);
      for (let i = 0; i < rows.length; i += batch) {
        const part = rows.slice(i, i + batch);
        const params: unknown[] = [copyTenant];
        const selects: string[] = [];
        columns.forEach((c, n) => {
          const isArrayColumn = types.find((t) => t.column_name === c)?.udt_name.startsWith('_');
          if (isArrayColumn) {
            params.push(part.map((r) => JSON.stringify(r[c] ?? [])));
            selects.push(`(select array(select jsonb_array_elements_text(u.c${n}::jsonb)))`);
          } else {
            params.push(part.map((r) => (typeOf.get(c) === 'jsonb' ? JSON.stringify(r[c]) : r[c])));
            selects.push(typeOf.get(c) === 'jsonb' ? `u.c${n}::jsonb` : `u.c${n}`);
          }
        });
        // A fresh id per copied row; references keep pointing at the synced rows, which exist.
        const arrays = columns.map((c, n) => {
          const isArrayColumn = types.find((t) => t.column_name === c)?.udt_name.startsWith('_');
          return `$${n + 2}::${isArrayColumn ? 'text' : arrayType(c)}[]`;
        });
        const list = columns.map((c) => (c === 'id' ? 'id' : c));
        await db.query(
          `insert into ${table} (tenant_id, ${list.join(', ')})
           select $1, ${selects.map((s, n) => (columns[n] === 'id' ? 'gen_random_uuid()' : s)).join(', ')}
             from unnest(${arrays.join(', ')}) as u(${columns.map((_, n) => `c${n}`).join(', ')})`,
          params,
        );
      }
    }
  });
  const bulkSeconds = (performance.now() - bulkStarted) / 1000;
  return {
    deals,
    records,
    syncSeconds,
    syncRecordsPerSecond: records / syncSeconds,
    bulkSeconds,
    bulkRecordsPerSecond: records / bulkSeconds,
    ratio: bulkSeconds / syncSeconds,
    historyEvents,
    database: stack.databaseKind,
  };
}
