// The thin API's frame: health, authentication, tenant isolation and problem documents.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHarness, type Harness, hubspotConnection, sandboxAccount } from '../support/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('the API frame', () => {
  test('/healthz reports the database and Temporal', async () => {
    const res = await h.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { database: { status: 'ok' }, temporal: { status: 'ok' } },
    });
  });

  test('without an API key, /v1 answers 401 as a problem document', async () => {
    const res = await h.request('GET', '/v1/policies');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      type: '/problems/unauthorized',
      status: 401,
      title: 'Authentication required',
    });
    const wrong = await h.request('GET', '/v1/policies', { apiKey: 'chk_live_nope' });
    expect(wrong.status).toBe(401);
  });

  test('another tenant’s connection is not found, not forbidden', async () => {
    const a = await h.newTenant('Agency A');
    const b = await h.newTenant('Agency B');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', { empty: true });
    const connectionOfA = await hubspotConnection(h, a.tenantId, account);
    const res = await h.request('POST', `/v1/connections/${connectionOfA}/syncs`, {
      apiKey: b.apiKey,
      body: { mode: 'full' },
    });
    expect(res.status).toBe(404);
    const status = await h.request('GET', `/v1/syncs/sync/${connectionOfA}`, { apiKey: b.apiKey });
    expect(status.status).toBe(404);
    const list = (await (await h.request('GET', '/v1/connections', { apiKey: b.apiKey })).json()) as {
      data: unknown[];
    };
    expect(list.data).toEqual([]);
  });

  test('a malformed request lists the failing fields', async () => {
    const { apiKey } = await h.newTenant();
    const res = await h.request('GET', '/v1/policies?limit=5000&cursor=garbage', { apiKey });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body.errors.map((e) => e.field)).toContain('limit');
  });

  test('the OpenAPI document describes the routes', async () => {
    const doc = (await (await h.request('GET', '/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/policies',
        '/v1/clients',
        '/v1/connections/{id}/syncs',
        '/v1/syncs/{workflowId}',
        '/healthz',
      ]),
    );
  });
});

describe('row-level security, the second wall', () => {
  test('as the API’s role, a query without a tenant filter still sees only its tenant’s rows', async () => {
    const mine = await h.newTenant('RLS Mine');
    const theirs = await h.newTenant('RLS Theirs');
    for (const [tenant, n] of [
      [mine.tenantId, 2],
      [theirs.tenantId, 3],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await h.pool.query(
          `insert into policies (tenant_id, policy_number, policy_number_normalized) values ($1, $2, $2)`,
          [tenant, `RLS-${tenant.slice(0, 4)}-${i}`],
        );
      }
    }
    const client = await h.pool.connect();
    try {
      await client.query('begin; set local role chub_app');
      await client.query(`select set_config('app.tenant_id', $1, true)`, [mine.tenantId]);
      const { rows } = await client.query('select count(*)::int as n from policies');
      expect(rows[0].n).toBe(2);
      await expect(
        client.query(
          `insert into policies (tenant_id, policy_number, policy_number_normalized) values ($1, 'X', 'X')`,
          [theirs.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
