// The API frame, route by route from the OpenAPI document: every /v1 route answers 401 without a
// key and 403 to a key without its scope; another tenant's ids are 404, never 403. Plus API keys,
// operator-made tenants, Idempotency-Key replay, and the per-plan rate limit with its headers.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leaseSize } from '../../api/rate-limit.ts';
import { issueApiKey } from '../../db/tenant-store.ts';
import { createHarness, type Harness, hubspotConnection, sandboxAccount } from '../support/harness.ts';

let h: Harness;
let a: { tenantId: string; apiKey: string };
let b: { tenantId: string; apiKey: string };
const ids: Record<string, string> = {};

interface Operation {
  method: string;
  path: string;
}

async function operations(): Promise<Operation[]> {
  const doc = (await (await h.request('GET', '/openapi.json')).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
}

/** A's ids in B's requests: every path parameter filled with one of tenant A's resources. */
function fill(path: string): string {
  return path
    .replace('/v1/syncs/{workflowId}', `/v1/syncs/${encodeURIComponent(`sync/${ids.connection}`)}`)
    .replace('{connectionId}', ids.connection!)
    .replace(
      /\/v1\/(\w[\w-]*)\/\{id\}/,
      (_, resource: string) => `/v1/${resource}/${ids[resource] ?? ids.connection}`,
    )
    .replace('{line}', '1')
    .replace(/\{[^}]+\}/g, ids.connection!)
    .replace(/\/recover$/, '/recover?since=2026-01-01T00:00:00Z');
}

beforeAll(async () => {
  h = await createHarness();
  a = await h.newTenant('Security A');
  b = await h.newTenant('Security B');
  const account = await sandboxAccount(h.sandboxUrl, 'hubspot', { empty: true });
  ids.connection = await hubspotConnection(h, a.tenantId, account);
  ids.connections = ids.connection;
  const { rows: p } = await h.pool.query(
    `insert into policies (tenant_id, policy_number, policy_number_normalized) values ($1, 'SEC-1', 'SEC1') returning id`,
    [a.tenantId],
  );
  const { rows: conflict } = await h.pool.query(
    `insert into conflicts (tenant_id, entity_type, entity_id, field, incoming_source, deadline_at) values ($1, 'policy', $2, 'state', '{}', now() + interval '1 day') returning id`,
    [a.tenantId, p[0].id],
  );
  ids.conflicts = conflict[0].id;
  ids['api-keys'] = (await issueApiKey(h.pool, { tenantId: a.tenantId, name: 'victim' })).id;
});
afterAll(async () => {
  await h?.close();
});

describe('every /v1 route', () => {
  test('answers 401 without a key', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(15);
    for (const op of ops) {
      const res = await h.request(op.method, fill(op.path), {
        body: op.method === 'GET' || op.method === 'DELETE' ? undefined : {},
      });
      expect([op.path, res.status]).toEqual([op.path, 401]);
    }
  });

  test('answers 403 to a key without the route’s scope', async () => {
    const { key } = await issueApiKey(h.pool, { tenantId: a.tenantId, name: 'no scopes', scopes: [] });
    for (const op of await operations()) {
      const res = await h.request(op.method, fill(op.path), {
        apiKey: key,
        body: op.method === 'GET' || op.method === 'DELETE' ? undefined : {},
      });
      expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 403]);
    }
  });

  test('answers 404, not 403, for another tenant’s ids', async () => {
    // A period is not an id: nothing of another tenant's is named by it.
    const withIds = (await operations()).filter(
      (op) => op.path.includes('{') && !op.path.includes('{period}'),
    );
    expect(withIds.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const op of withIds) {
      const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : validBody(op.path);
      const res = await h.request(op.method, fill(op.path), { apiKey: b.apiKey, body });
      if (res.status !== 404) wrong.push(`${op.method} ${op.path} ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });
});

/** A request body that passes validation, so the route gets as far as looking the id up. */
function validBody(path: string): unknown {
  if (path.endsWith('/syncs')) return { mode: 'incremental' };
  if (path.endsWith('/resolve')) return { resolution: 'current' };
  if (path.endsWith('/schedule')) return { paused: true };
  if (path.endsWith('/backfill')) return { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' };
  if (path.endsWith('/mappings')) return { overrides: {} };
  if (path.endsWith('/commission-schedules') || path.endsWith('/rates')) return { data: [] };
  if (path.endsWith('/lines/{line}')) return { action: 'confirm' };
  if (path.endsWith('/payments')) return { paid_on: '2026-01-01' };
  if (path.endsWith('/merge')) return { into: '00000000-0000-4000-8000-000000000000' };
  return {};
}

describe('API keys and tenants', () => {
  test('a key is shown once, listed by prefix, scoped, and revocable', async () => {
    const made = await h.request('POST', '/v1/api-keys', {
      apiKey: a.apiKey,
      body: { name: 'reporting', scopes: ['policies:read'] },
    });
    expect(made.status).toBe(201);
    const key = (await made.json()) as { id: string; key: string; prefix: string };
    expect(key.key).toMatch(/^chk_live_/);
    const list = (await (await h.request('GET', '/v1/api-keys', { apiKey: a.apiKey })).json()) as {
      data: Record<string, unknown>[];
    };
    const listed = list.data.find((k) => k.id === key.id)!;
    expect(listed.prefix).toBe(key.prefix);
    expect(JSON.stringify(list)).not.toContain(key.key);
    expect((await h.request('GET', '/v1/policies', { apiKey: key.key })).status).toBe(200);
    expect((await h.request('GET', '/v1/connections', { apiKey: key.key })).status).toBe(403);
    const { key: limited } = await issueApiKey(h.pool, {
      tenantId: a.tenantId,
      name: 'limited',
      scopes: ['api-keys:write', 'policies:read'],
    });
    expect(
      (
        await h.request('POST', '/v1/api-keys', {
          apiKey: limited,
          body: { name: 'wider', scopes: ['connections:write'] },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('DELETE', `/v1/api-keys/${key.id}`, { apiKey: a.apiKey })).status).toBe(204);
    expect((await h.request('GET', '/v1/policies', { apiKey: key.key })).status).toBe(401);
  });

  test('an operator makes tenants with ADMIN_TOKEN; without it the route does not exist', async () => {
    process.env.ADMIN_TOKEN = 'operator-secret-for-tests';
    try {
      expect((await h.request('POST', '/admin/tenants', { body: { name: 'New Agency' } })).status).toBe(401);
      const res = await h.request('POST', '/admin/tenants', {
        body: { name: 'New Agency', plan: 'free' },
        headers: { authorization: 'Bearer operator-secret-for-tests' },
      });
      expect(res.status).toBe(201);
      const made = (await res.json()) as { tenant: { plan: string }; api_key: { key: string } };
      expect(made.tenant.plan).toBe('free');
      expect((await h.request('GET', '/v1/policies', { apiKey: made.api_key.key })).status).toBe(200);
    } finally {
      delete process.env.ADMIN_TOKEN;
    }
    expect(
      (
        await h.request('POST', '/admin/tenants', {
          body: { name: 'x' },
          headers: { authorization: 'Bearer anything' },
        })
      ).status,
    ).toBe(404);
  });
});

describe('Idempotency-Key', () => {
  test('the same key and body replay the first response; a different body is a conflict', async () => {
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const body = { name: 'idempotent key', scopes: ['policies:read'] };
    const first = await h.request('POST', '/v1/api-keys', { apiKey: a.apiKey, body, headers });
    const again = await h.request('POST', '/v1/api-keys', { apiKey: a.apiKey, body, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const { rows } = await h.pool.query(
      `select count(*)::int as n from api_keys where tenant_id = $1 and name = 'idempotent key'`,
      [a.tenantId],
    );
    expect(rows[0].n).toBe(1);
    const different = await h.request('POST', '/v1/api-keys', {
      apiKey: a.apiKey,
      body: { ...body, name: 'other' },
      headers,
    });
    expect(different.status).toBe(409);
  });
});

describe('rate limits', () => {
  test('a free plan gets 100 requests an hour, with RateLimit headers and then 429 + Retry-After', async () => {
    const { rows } = await h.pool.query(
      `insert into tenants (name, plan) values ('Free Agency', 'free') returning id`,
    );
    const { key } = await issueApiKey(h.pool, { tenantId: rows[0].id, name: 'free' });
    let last: Response | undefined;
    for (let i = 0; i < 100; i++) {
      last = await h.request('GET', '/v1/policies?limit=1', { apiKey: key });
      expect(last.status).toBe(200);
    }
    expect(last!.headers.get('ratelimit-limit')).toBe('100');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
    const limited = await h.request('GET', '/v1/policies?limit=1', { apiKey: key });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ type: '/problems/rate-limited', status: 429 });
  });

  test('two API processes share one window: together they admit the plan’s 1,000 an hour, within a lease', async () => {
    const { rows } = await h.pool.query(
      `insert into tenants (name, plan) values ('Starter Agency', 'starter') returning id`,
    );
    const { key } = await issueApiKey(h.pool, { tenantId: rows[0].id, name: 'starter' });
    // A second process: its own app, with its own in-memory leases, on the same database.
    const other = h.newApp();
    const apps = [h.app, other];
    const admitted = [0, 0];
    let rejected = 0;
    for (let i = 0; rejected < 4 && i < 1100; i++) {
      const res = await apps[i % 2]!.request('/v1/policies?limit=1', {
        headers: { authorization: `Bearer ${key}` },
      });
      if (res.status === 200) admitted[i % 2]!++;
      else {
        expect(res.status).toBe(429);
        rejected++;
      }
    }
    const total = admitted[0]! + admitted[1]!;
    // Each process admitted its share, and the two together stopped at the limit, less at most
    // the other process's unspent lease (5 requests).
    expect(admitted[0]).toBeGreaterThan(400);
    expect(admitted[1]).toBeGreaterThan(400);
    expect(total).toBeLessThanOrEqual(1000);
    expect(total).toBeGreaterThanOrEqual(1000 - leaseSize(1000));
    expect(rejected).toBe(4);
  });
});
