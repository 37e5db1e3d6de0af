// Issue 13, cases 2 and 4: the answer and the state agree. A schedule change and a disconnect
// write the database first, so a write the database refuses leaves Temporal's schedules and the
// vendor's grant as they were (in the old order Temporal was paused and the grant revoked before
// the write failed); Temporal failing part-way is put back. One backfill call is bounded in days
// and ticks instead of starting days of syncs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { limits } from '../../api/limits.ts';
import { createConnection } from '../../db/connection-store.ts';
import type { Pool } from '../../db/pool.ts';
import { deleteConnectionSchedules, describeConnectionSchedules } from '../../runtime/schedules.ts';
import { createHarness, type Harness, hubspotConnection, sandboxAccount } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;
const cleanup: string[] = [];

beforeAll(async () => {
  h = await createHarness();
  ({ tenantId, apiKey } = await h.newTenant('Side effects'));
});
afterAll(async () => {
  for (const id of cleanup) await deleteConnectionSchedules(h.temporal, id).catch(() => {});
  await h?.close();
});

/** The pool, except that statements matching `pattern` fail as PostgreSQL fails a value it cannot store. */
function refusingPool(pool: Pool, pattern: RegExp): Pool {
  const refuse = () =>
    Promise.reject(Object.assign(new Error('refused by the test'), { code: '22P05', severity: 'ERROR' }));
  const wrap = <T extends object>(target: T, override: (key: PropertyKey) => unknown): T =>
    new Proxy(target, {
      get(t, key) {
        const own = override(key);
        if (own !== undefined) return own;
        const v = Reflect.get(t, key);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
  return wrap(pool, (key) =>
    key === 'connect'
      ? async () => {
          const client = await pool.connect();
          return wrap(client, (k) =>
            k === 'query'
              ? (sql: unknown, ...rest: unknown[]) =>
                  typeof sql === 'string' && pattern.test(sql)
                    ? refuse()
                    : (client.query as (...a: unknown[]) => unknown)(sql, ...rest)
              : undefined,
          );
        }
      : undefined,
  );
}

/** The Temporal client, except that updating the `full` schedule fails. */
function failingFullSchedule(temporal: Client): Client {
  return new Proxy(temporal, {
    get(t, key) {
      if (key !== 'schedule') return Reflect.get(t, key);
      return new Proxy(t.schedule, {
        get(s, k) {
          if (k !== 'getHandle') return Reflect.get(s, k);
          return (id: string) => {
            const handle = s.getHandle(id);
            if (!id.endsWith('/full')) return handle;
            return Object.assign(Object.create(handle), {
              update: () => Promise.reject(new Error('Temporal is unavailable (test)')),
            });
          };
        },
      });
    },
  });
}

async function scheduledConnection(): Promise<string> {
  const id = await hubspotConnection(
    h,
    tenantId,
    await sandboxAccount(h.sandboxUrl, 'hubspot', { empty: true }),
  );
  cleanup.push(id);
  const made = await h.request('PATCH', `/v1/connections/${id}/schedule`, {
    apiKey,
    body: { interval_minutes: 15 },
  });
  expect(made.status).toBe(200);
  return id;
}

async function scheduleState(id: string) {
  const temporal = await describeConnectionSchedules(h.temporal, id);
  const { rows } = await h.pool.query(
    `select settings->'schedule' as schedule from connections where id = $1`,
    [id],
  );
  return {
    temporal: { incremental: temporal.incremental?.paused, full: temporal.full?.paused },
    database: rows[0].schedule,
  };
}

describe('PATCH /v1/connections/{id}/schedule', () => {
  test('a write the database refuses leaves the Temporal schedules as they were', async () => {
    const id = await scheduledConnection();
    const before = await scheduleState(id);
    expect(before.temporal).toEqual({ incremental: false, full: false });
    const app = h.newApp({ pool: refusingPool(h.pool, /^update connections set settings/) });
    const res = await app.request(`/v1/connections/${id}/schedule`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paused: true, interval_minutes: 60, note: 'holiday' }),
    });
    expect(res.status).toBe(422);
    expect(await scheduleState(id)).toEqual(before);
  });

  test('a NUL in the note is refused before anything changes', async () => {
    const id = await scheduledConnection();
    const before = await scheduleState(id);
    const res = await h.request('PATCH', `/v1/connections/${id}/schedule`, {
      apiKey,
      body: { paused: true, note: 'a\u0000b' },
    });
    expect(res.status).toBe(422);
    expect(await scheduleState(id)).toEqual(before);
  });

  test('Temporal failing part-way is put back, refused with 503, and the database rolls back', async () => {
    const id = await scheduledConnection();
    const before = await scheduleState(id);
    const app = h.newApp({ temporal: failingFullSchedule(h.temporal) });
    const res = await app.request(`/v1/connections/${id}/schedule`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paused: true }),
    });
    expect(res.status).toBe(503);
    expect(await scheduleState(id)).toEqual(before);
  });
});

describe('DELETE /v1/connections/{id}', () => {
  let vendor: Server;
  let vendorUrl: string;
  const revocations: string[] = [];

  beforeAll(async () => {
    // The vendor's OAuth server: counts refresh-token deletions (HubSpot's revocation).
    vendor = createServer((req, res) => {
      if (req.method === 'DELETE') revocations.push(req.url ?? '');
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => vendor.close(() => resolve())));

  const granted = (refreshToken: string) =>
    createConnection(h.pool, h.keyring, {
      tenantId,
      provider: 'hubspot',
      displayName: 'HubSpot (revocation)',
      credentials: { accessToken: 'access', refreshToken },
      settings: { baseUrl: vendorUrl, authBaseUrl: vendorUrl, accountId: refreshToken },
    });

  test('a write the database refuses leaves the vendor’s grant alone; a good one revokes it after', async () => {
    const id = await granted('rt-refused');
    const app = h.newApp({ pool: refusingPool(h.pool, /^update connections set credentials = null/) });
    const refused = await app.request(`/v1/connections/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(refused.status).toBe(422);
    expect(revocations).toEqual([]);
    const { rows } = await h.pool.query(
      'select status, credentials is not null as sealed from connections where id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ status: 'active', sealed: true });

    const done = await h.request('DELETE', `/v1/connections/${id}`, { apiKey });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ id, status: 'disconnected', revoked_at_vendor: true });
    expect(revocations).toEqual(['/oauth/v1/refresh-tokens/rt-refused']);
  });
});

describe('POST /v1/connections/{id}/schedule/backfill', () => {
  test('a 100-year range is refused with the limit named, and no tick runs', async () => {
    const id = await scheduledConnection();
    const century = await h.request('POST', `/v1/connections/${id}/schedule/backfill`, {
      apiKey,
      body: { start: '1926-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' },
    });
    expect(century.status).toBe(422);
    const problem = (await century.json()) as { detail: string; limit_days: number; limit_ticks: number };
    expect(problem).toMatchObject({ limit_days: limits.backfillDays, limit_ticks: limits.backfillTicks });
    expect(problem.detail).toContain('3506400 incremental ticks');
    // Within 7 days but past 200 ticks at 15 minutes (3 days = 288 ticks).
    const ticks = await h.request('POST', `/v1/connections/${id}/schedule/backfill`, {
      apiKey,
      body: { start: '2026-01-01T00:00:00Z', end: '2026-01-04T00:00:00Z' },
    });
    expect(ticks.status).toBe(422);
    // A full-sync backfill of a week is 7 ticks: accepted.
    const week = await h.request('POST', `/v1/connections/${id}/schedule/backfill`, {
      apiKey,
      body: { start: '2026-01-01T00:00:00Z', end: '2026-01-08T00:00:00Z', mode: 'full' },
    });
    expect(week.status).toBe(202);
    const { recent_runs } = (await describeConnectionSchedules(h.temporal, id)).incremental!;
    expect(recent_runs).toEqual([]);
  });
});
