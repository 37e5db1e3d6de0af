// A vendor that is down or stops answering (issue 13, item 8): within seconds the sync's status
// says it is retrying and quotes the vendor's error (the API from Temporal's pending activity, the
// connection's runs from the run row); after the retry bound (shortened here) the sync fails
// VendorUnavailable, the connection shows it and stays active, and its schedule tries again.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createConnection } from '../../db/connection-store.ts';
import { deleteConnectionSchedules, ensureConnectionSchedules } from '../../runtime/schedules.ts';
import {
  createHarness,
  type Harness,
  sandboxAccount,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  ({ tenantId, apiKey } = await h.newTenant('Vendor Outage Agency'));
});
afterAll(async () => {
  await h?.close();
});

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A server that accepts connections and never says a word. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

async function hubspotAt(baseUrl: string, accessToken = 'pat-outage'): Promise<string> {
  return createConnection(h.pool, h.keyring, {
    tenantId,
    provider: 'hubspot',
    displayName: 'HubSpot',
    credentials: { accessToken },
    settings: { baseUrl, accountId: 'outage' },
  });
}

interface SyncStatus {
  status: string;
  retry: {
    activity: string;
    attempt: number;
    last_error: { class: string; message: string } | null;
    next_attempt_at: string | null;
    gives_up_at: string | null;
  } | null;
  run: { status: string; error: string | null; failure_class: string | null } | null;
}

async function get<T>(path: string): Promise<T> {
  const res = await h.request('GET', path, { apiKey });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

describe('a vendor outage is visible, and bounded', () => {
  test('a vendor that refuses connections: retrying with its error within seconds, then VendorUnavailable after the bound; the schedule tries again', async () => {
    const connectionId = await hubspotAt(`http://127.0.0.1:${await closedPort()}`);
    const started = Date.now();
    await startSync(h, { connectionId, tenantId }, 'full', { vendorOutageMs: 10_000, budgetMs: 1000 });

    const retrying = await waitFor(
      async () => {
        const s = await get<SyncStatus>(`/v1/syncs/sync/${connectionId}`);
        return s.retry?.last_error ? s : null;
      },
      'the sync to show it is retrying',
      8_000,
    );
    const visibleAfter = seconds(started);
    expect(retrying.status).toBe('running');
    expect(retrying.retry).toMatchObject({ activity: 'syncStream', last_error: { class: 'VendorOutage' } });
    expect(retrying.retry!.attempt).toBeGreaterThanOrEqual(2);
    expect(retrying.retry!.last_error!.message).toMatch(/HubSpot unreachable.*ECONNREFUSED/);
    expect(Date.parse(retrying.retry!.gives_up_at!)).toBeLessThanOrEqual(started + 15_000);
    // The same through the workflow id, and in the connection's runs (from the run row).
    const byId = await get<SyncStatus>(`/v1/syncs/${encodeURIComponent(`sync/${connectionId}`)}`);
    expect(byId.retry?.last_error?.class).toBe('VendorOutage');
    const runs = await get<{ data: SyncStatus['run'][] }>(`/v1/connections/${connectionId}/runs`);
    expect(runs.data[0]).toMatchObject({ status: 'running', failure_class: 'VendorOutage' });
    expect(runs.data[0]!.error).toMatch(/HubSpot unreachable/);

    await expect(syncResult(h, connectionId, 30_000)).rejects.toThrow();
    const failedAfter = seconds(started);
    const failed = await get<SyncStatus>(`/v1/syncs/sync/${connectionId}`);
    expect(failed.status).toBe('failed');
    expect(failed.retry).toBeNull();
    expect(failed.run).toMatchObject({ status: 'failed', failure_class: 'VendorUnavailable' });
    expect(failed.run!.error).toBe(
      'hubspot could not be reached: retries stopped at the 10-second bound. Last error: HubSpot unreachable: fetch failed (ECONNREFUSED)',
    );
    console.log(
      `refused connections: retrying visible after ${visibleAfter} s (${retrying.retry!.last_error!.message}), failed VendorUnavailable after ${failedAfter} s (${failed.run!.error})`,
    );
    expect(failedAfter).toBeLessThan(20);

    // The connection shows it and stays active: nothing a person must do, the schedule tries again.
    const connections = await get<{ data: { id: string; status: string; last_sync: SyncStatus['run'] }[] }>(
      '/v1/connections',
    );
    const conn = connections.data.find((c) => c.id === connectionId)!;
    expect(conn.status).toBe('active');
    expect(conn.last_sync).toMatchObject({ status: 'failed', failure_class: 'VendorUnavailable' });
    await ensureConnectionSchedules(
      h.temporal,
      h.taskQueue,
      { connectionId, tenantId, provider: 'hubspot' },
      { incrementalEveryMinutes: 15, incrementalEverySeconds: 2, fullSyncHourUtc: 3, paused: false },
    );
    try {
      await waitFor(
        async () => (await get<{ data: unknown[] }>(`/v1/connections/${connectionId}/runs`)).data.length >= 2,
        'the schedule to start the next sync',
        30_000,
      );
    } finally {
      await deleteConnectionSchedules(h.temporal, connectionId);
      await h.temporal.workflow
        .getHandle(`sync/${connectionId}`)
        .terminate('test over')
        .catch(() => {});
    }
  });

  test('a vendor that stops answering: the page deadline names it; when it answers again the error clears and the sync completes', async () => {
    const silent = await silentServer();
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'outage',
      clients: 10,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotAt(silent.url, account.accessToken);
    try {
      const started = Date.now();
      await startSync(h, { connectionId, tenantId }, 'full', {
        heartbeatTimeoutMs: 3000,
        vendorOutageMs: 60_000,
        budgetMs: 1000,
      });
      const retrying = await waitFor(
        async () => {
          const s = await get<SyncStatus>(`/v1/syncs/sync/${connectionId}`);
          return s.retry?.last_error ? s : null;
        },
        'the silent vendor to show as retrying',
        10_000,
      );
      console.log(`silent vendor: retrying visible after ${seconds(started)} s`);
      expect(retrying.retry!.last_error).toEqual({
        class: 'VendorOutage',
        message: 'no page from hubspot within 2.4 s',
      });

      // The vendor is back: the next attempt reads, and the run's noted error is cleared.
      await h.pool.query(`update connections set settings = settings || $2::jsonb where id = $1`, [
        connectionId,
        JSON.stringify({ baseUrl: account.baseUrl }),
      ]);
      expect((await syncResult(h, connectionId, 60_000)).status).toBe('completed');
      const done = await get<SyncStatus>(`/v1/syncs/sync/${connectionId}`);
      expect(done.run).toMatchObject({ status: 'completed', error: null, failure_class: null });
    } finally {
      await silent.close();
    }
  });
});
