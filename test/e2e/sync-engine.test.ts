// The sync engine under pressure: concurrent "sync now", vendor chaos, a failed full sync,
// continue-as-new, schedules, and the change feed. Real worker, real dev server, real sandbox.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  deleteConnectionSchedules,
  describeConnectionSchedules,
  ensureConnectionSchedules,
} from '../../runtime/schedules.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';

let h: Harness;
let apiKey: string;
let tenantId: string;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  ({ tenantId, apiKey } = await h.newTenant('Sync Engine Agency'));
});
afterAll(async () => {
  await h?.close();
});

async function connection(opts: Record<string, unknown>) {
  const account = await sandboxAccount(h.sandboxUrl, 'hubspot', { asOf: '2026-11-01', ...opts });
  const connectionId = await hubspotConnection(h, tenantId, account);
  return { account, connectionId };
}

async function runs(connectionId: string) {
  const { rows } = await h.pool.query(
    'select * from sync_runs where connection_id = $1 order by started_at',
    [connectionId],
  );
  return rows;
}

describe('one sync at a time per connection', () => {
  test('five concurrent "sync now" calls run one sync and at most one follow-up, never side by side', async () => {
    const { account, connectionId } = await connection({ seed: 'coalesce', clients: 40, clean: true });
    await sandboxAdmin(`${account.adminUrl}/chaos`, 'PUT', { latencyMs: 40 });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.request('POST', `/v1/connections/${connectionId}/syncs`, { apiKey, body: { mode: 'full' } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    await syncResult(h, connectionId);
    const all = await runs(connectionId);
    expect(all.length).toBeGreaterThanOrEqual(1);
    expect(all.length).toBeLessThanOrEqual(2);
    expect(all.every((r) => r.status === 'completed')).toBe(true);
    if (all.length === 2)
      expect(all[1].started_at.getTime()).toBeGreaterThanOrEqual(all[0].finished_at.getTime());
  });
});

describe('vendor trouble', () => {
  test('a 429 and a 502 mid-sync: the sync completes, after waiting out HubSpot’s rolling window', async () => {
    const { account, connectionId } = await connection({ seed: 'chaos', clients: 30, clean: true });
    const truth = (
      await sandboxAdmin<{ results: { archived: boolean }[] }>(`${account.adminUrl}/objects/deals`)
    ).results.filter((d) => !d.archived);
    // The first request fails with a 502, its retry is throttled with a 429, then all is well.
    await sandboxAdmin(`${account.adminUrl}/chaos`, 'PUT', { rateLimitNext: 1, serverErrorNext: 1 });
    const started = Date.now();
    await startSync(h, { connectionId, tenantId }, 'full', { budgetMs: 60_000 });
    const result = await syncResult(h, connectionId, 90_000);
    expect(result.status).toBe('completed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    const { rows } = await h.pool.query(
      `select count(*)::int as n from source_records where connection_id = $1 and stream = 'deals'`,
      [connectionId],
    );
    expect(rows[0].n).toBe(truth.length);
    // Temporal's history shows the vendor activity retried after a classified rate limit.
    const history = await h.temporal.workflow.getHandle(`sync/${connectionId}`).fetchHistory();
    const retried = (history.events ?? []).filter(
      (e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1,
    );
    const reasons = retried.map(
      (e) => e.activityTaskStartedEventAttributes?.lastFailure?.applicationFailureInfo?.type,
    );
    expect(reasons.some((r) => r === 'RateLimited' || r === 'VendorOutage')).toBe(true);
  });

  test('a full sync that fails deletes nothing, and refused credentials pause the connection', async () => {
    const { account, connectionId } = await connection({ seed: 'revoked', clients: 60, clean: true });
    await startSync(h, { connectionId, tenantId }, 'full');
    expect((await syncResult(h, connectionId)).status).toBe('completed');
    await ensureConnectionSchedules(
      h.temporal,
      h.taskQueue,
      { connectionId, tenantId, provider: 'hubspot' },
      {
        incrementalEveryMinutes: 60,
        fullSyncHourUtc: 2,
        paused: false,
      },
    );

    // Deals archived in HubSpot would be swept by a completed full sync; this one will not complete.
    const deals = (
      await sandboxAdmin<{ results: { id: string; archived: boolean }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results;
    for (const d of deals.filter((x) => !x.archived).slice(0, 3))
      await sandboxAdmin(`${account.adminUrl}/objects/deals/${d.id}`, 'DELETE');
    // The vendor holds the sync's fourth request, so the token is certainly revoked mid-sync.
    await sandboxAdmin(`${account.adminUrl}/chaos`, 'PUT', { latencyMs: 60, holdAfterRequests: 3 });
    await startSync(h, { connectionId, tenantId }, 'full', { budgetMs: 500 });
    await waitFor(
      async () =>
        (await runs(connectionId)).at(-1)?.counts?.pages >= 2 && (await runs(connectionId)).length === 2,
      'the second full sync to be under way',
    );
    await sandboxAdmin(`${account.adminUrl}/tokens/${account.accessToken}`, 'DELETE');
    await sandboxAdmin(`${account.adminUrl}/chaos`, 'PUT', { holdAfterRequests: -1 });

    await expect(syncResult(h, connectionId)).rejects.toThrow();
    const last = (await runs(connectionId)).at(-1);
    expect(last.status).toBe('failed');
    expect(last.failure_class).toBe('AuthInvalid');
    const { rows: deleted } = await h.pool.query(
      'select count(*)::int as n from source_records where connection_id = $1 and deleted_at is not null',
      [connectionId],
    );
    expect(deleted[0].n).toBe(0);
    const { rows: conn } = await h.pool.query('select status, status_reason from connections where id = $1', [
      connectionId,
    ]);
    expect(conn[0]).toEqual({ status: 'paused', status_reason: 'reauth_required' });
    const { rows: events } = await h.pool.query(
      `select type, data from change_events where connection_id = $1 and type in ('sync.failed', 'connection.paused') order by seq`,
      [connectionId],
    );
    expect(events.map((e) => e.type)).toEqual(['sync.failed', 'connection.paused']);
    expect(events[1].data).toEqual({ reason: 'reauth_required' });
    const schedules = await describeConnectionSchedules(h.temporal, connectionId);
    expect(schedules.incremental?.paused).toBe(true);
    expect(schedules.full?.paused).toBe(true);
    const again = await h.request('POST', `/v1/connections/${connectionId}/syncs`, {
      apiKey,
      body: { mode: 'incremental' },
    });
    expect(again.status).toBe(409);
    await deleteConnectionSchedules(h.temporal, connectionId);
  });
});

describe('long syncs', () => {
  test('continue-as-new keeps every history small and the sync whole', async () => {
    const { account, connectionId } = await connection({ seed: 'long', clients: 200, clean: true });
    const truth = (
      await sandboxAdmin<{ results: { archived: boolean }[] }>(`${account.adminUrl}/objects/deals`)
    ).results.filter((d) => !d.archived);
    await startSync(h, { connectionId, tenantId }, 'full', { budgetMs: 1, callsPerRun: 2 });
    const result = await syncResult(h, connectionId);
    expect(result.status).toBe('completed');
    const executions = [];
    for await (const wf of h.temporal.workflow.list({ query: `WorkflowId = "sync/${connectionId}"` }))
      executions.push(wf);
    expect(executions.length).toBeGreaterThanOrEqual(3);
    for (const wf of executions) {
      const history = await h.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      expect(history.events!.length).toBeLessThan(80);
    }
    const { rows } = await h.pool.query(
      `select count(*)::int as n from source_records where connection_id = $1 and stream = 'deals'`,
      [connectionId],
    );
    expect(rows[0].n).toBe(truth.length);
    expect(result.counts.read).toBe((await runs(connectionId))[0].counts.read);
  });
});

describe('schedules', () => {
  test('a connection’s schedule fires incremental syncs, and the API shows and pauses it', async () => {
    const { connectionId } = await connection({ seed: 'scheduled', clients: 10, clean: true });
    await ensureConnectionSchedules(
      h.temporal,
      h.taskQueue,
      { connectionId, tenantId, provider: 'hubspot' },
      {
        incrementalEveryMinutes: 15,
        incrementalEverySeconds: 2,
        fullSyncHourUtc: 3,
        paused: false,
      },
    );
    const fired = await waitFor(
      async () => (await runs(connectionId)).find((r) => r.status === 'completed'),
      'a scheduled sync',
      30_000,
    );
    expect(fired.workflow_id).toBe(`sync/${connectionId}`);

    const view = (await (
      await h.request('GET', `/v1/connections/${connectionId}/schedule`, { apiKey })
    ).json()) as {
      schedules: Record<string, { paused: boolean; next_runs: string[] } | null>;
    };
    expect(view.schedules.incremental?.paused).toBe(false);
    expect(view.schedules.full?.next_runs.length).toBeGreaterThan(0);
    const paused = await h.request('PATCH', `/v1/connections/${connectionId}/schedule`, {
      apiKey,
      body: { paused: true, note: 'agency on vacation' },
    });
    expect(paused.status).toBe(200);
    expect(
      ((await paused.json()) as { schedules: Record<string, { paused: boolean }> }).schedules.incremental!
        .paused,
    ).toBe(true);
    await deleteConnectionSchedules(h.temporal, connectionId);
  });
});

describe('the change feed', () => {
  test('serves created, updated and deleted entities in order, resumable by cursor and filterable by type', async () => {
    const { tenantId: feedTenant, apiKey: feedKey } = await h.newTenant('Feed Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'feed',
      clients: 15,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotConnection(h, feedTenant, account);
    await startSync(h, { connectionId, tenantId: feedTenant }, 'full');
    await syncResult(h, connectionId);

    const seen: { seq: number; type: string; entity_type: string }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const res = await h.request(
        'GET',
        `/v1/changes?types=policy&limit=25${cursor ? `&cursor=${cursor}` : ''}`,
        { apiKey: feedKey },
      );
      const page = (await res.json()) as {
        data: { seq: number; type: string; entity_type: string }[];
        next_cursor: string;
        has_more: boolean;
      };
      seen.push(...page.data);
      cursor = page.next_cursor;
      if (!page.has_more) break;
    }
    const { rows } = await h.pool.query('select count(*)::int as n from policies where tenant_id = $1', [
      feedTenant,
    ]);
    expect(seen.filter((e) => e.type === 'policy.created').length).toBe(rows[0].n);
    expect(seen.every((e) => e.entity_type === 'policy')).toBe(true);
    expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((a, b) => a - b));

    // Resuming from the last cursor returns nothing new, and keeps the cursor.
    const empty = (await (
      await h.request('GET', `/v1/changes?types=policy&cursor=${cursor}`, { apiKey: feedKey })
    ).json()) as { data: unknown[]; next_cursor: string };
    expect(empty.data).toEqual([]);
    expect(empty.next_cursor).toBe(cursor);

    // A change in HubSpot appears after the cursor.
    const deal = (
      await sandboxAdmin<{ results: { id: string; archived: boolean }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results.find((d) => !d.archived)!;
    await sandboxAdmin(`${account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { amount: '1.00' },
    });
    await startSync(h, { connectionId, tenantId: feedTenant }, 'incremental');
    await syncResult(h, connectionId);
    const next = (await (
      await h.request('GET', `/v1/changes?types=policy&cursor=${cursor}`, { apiKey: feedKey })
    ).json()) as { data: { type: string; changed_fields: string[] }[] };
    expect(next.data).toEqual([
      expect.objectContaining({ type: 'policy.updated', changed_fields: ['termPremiumCents'] }),
    ]);

    // Policies filter by the connection they came from.
    const byConnection = (await (
      await h.request('GET', `/v1/policies?connection=${connectionId}&limit=200`, { apiKey: feedKey })
    ).json()) as { data: unknown[] };
    expect(byConnection.data.length).toBe(rows[0].n);
  });
});
