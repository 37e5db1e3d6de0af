// A worker process killed with SIGKILL in the middle of a full sync: Temporal notices the silence
// (heartbeat timeout), hands the activity to a new worker, which resumes at the checkpoint the
// database committed with the last page. The end state is exactly the vendor's records: nothing
// lost, nothing doubled, one creation event per entity, and counts that add up.
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { forkEntry, stopChild, waitForReady } from '../../runtime/child-process.ts';
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

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('crash-proof resume', () => {
  test('SIGKILL of the worker mid-sync, a new worker finishes it with exact counts', async () => {
    const { tenantId } = await h.newTenant('Crash Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'crash',
      clients: 300,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotConnection(h, tenantId, account);
    // The vendor holds the sync's ninth request until the worker is dead, whatever the load.
    await sandboxAdmin(`${account.adminUrl}/chaos`, 'PUT', { latencyMs: 25, holdAfterRequests: 8 });

    // A separate worker process, as in production; this test file runs no worker of its own yet.
    const worker = forkEntry(
      'worker-main.ts',
      {
        ...process.env,
        DATABASE_URL: inject('databaseUrl'),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE_PREFIX: h.taskQueuePrefix,
        CREDENTIALS_KEYS: inject('credentialsKeys'),
        PAYLOAD_KEYS: inject('payloadKeys'),
        WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        DATA_DIR: tmpdir(),
        LOG_LEVEL: 'error',
      },
      { silent: true },
    );
    await waitForReady(worker, 'the worker process');
    await startSync(h, { connectionId, tenantId }, 'full', { heartbeatTimeoutMs: 3_000, budgetMs: 1_500 });
    const before = await waitFor(async () => {
      const { rows } = await h.pool.query(`select counts from sync_runs where connection_id = $1`, [
        connectionId,
      ]);
      const { chaos } = await sandboxAdmin<{ chaos: { heldRequests: number } }>(account.adminUrl);
      return rows[0]?.counts?.pages >= 4 && chaos.heldRequests > 0 ? rows[0].counts : null;
    }, 'the sync to commit a few pages and wait on the vendor');
    worker.kill('SIGKILL');
    await stopChild(worker);
    await sandboxAdmin(`${account.adminUrl}/chaos`, 'PUT', { holdAfterRequests: -1 });

    await h.startWorker();
    const result = await syncResult(h, connectionId, 120_000);
    expect(result.status).toBe('completed');

    const live = async (type: string) =>
      (
        await sandboxAdmin<{ results: { archived?: boolean }[] }>(`${account.adminUrl}/objects/${type}`)
      ).results.filter((r) => !r.archived).length;
    const truth = {
      companies: await live('companies'),
      contacts: await live('contacts'),
      deals: await live('deals'),
      owners: await live('owners'),
    };
    const { rows: sources } = await h.pool.query(
      'select stream, count(*)::int as n from source_records where connection_id = $1 and deleted_at is null group by stream',
      [connectionId],
    );
    expect(Object.fromEntries(sources.map((r) => [r.stream, r.n]))).toEqual(truth);

    const { rows: policies } = await h.pool.query(
      'select count(*)::int as n from policies where tenant_id = $1',
      [tenantId],
    );
    const { rows: clients } = await h.pool.query(
      'select count(*)::int as n from clients where tenant_id = $1',
      [tenantId],
    );
    expect(policies[0].n).toBe(truth.deals);
    expect(clients[0].n).toBe(truth.companies + truth.contacts);
    const { rows: events } = await h.pool.query(
      `select type, count(*)::int as n from change_events where tenant_id = $1 and op = 'created' group by type`,
      [tenantId],
    );
    const created = Object.fromEntries(events.map((e) => [e.type, e.n]));
    expect(created['policy.created']).toBe(truth.deals);
    expect(created['client.created']).toBe(truth.companies + truth.contacts);

    const total = truth.companies + truth.contacts + truth.deals + truth.owners;
    const { rows: run } = await h.pool.query('select counts from sync_runs where connection_id = $1', [
      connectionId,
    ]);
    expect(run[0].counts.read).toBe(total);
    expect(run[0].counts.created).toBe(total);
    expect(before.read).toBeLessThan(total);

    // The activity the killed worker held was retried elsewhere after the heartbeat timeout.
    const retried = [];
    for await (const wf of h.temporal.workflow.list({ query: `WorkflowId = "sync/${connectionId}"` })) {
      const history = await h.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const e of history.events ?? []) {
        const started = e.activityTaskStartedEventAttributes;
        if (started && (started.attempt ?? 1) > 1)
          retried.push(started.lastFailure?.timeoutFailureInfo?.timeoutType);
      }
    }
    expect(retried.length).toBeGreaterThan(0);
  });
});
