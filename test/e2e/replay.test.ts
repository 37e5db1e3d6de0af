// Determinism guard for every workflow type: histories recorded from real runs (committed under
// test/fixtures/histories/) must replay against today's workflow code with the production bundle.
// A change that would break running workflows fails here and needs patched(). Runs of today's
// code are replayed too; with RECORD_HISTORIES=1 those of workflow types without a fixture become new fixtures.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrayFromPayloads, defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { hubDataConverter } from '../../runtime/data-converter.ts';
import { parseKeyring } from '../../runtime/secret-box.ts';
import { findTemporalCli } from '../../runtime/temporal-server.ts';
import { workflowBundleOptions } from '../../runtime/worker.ts';
import { decodeHistory } from '../support/decode-history.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';

const fixtures = new URL('../fixtures/histories/', import.meta.url).pathname;
/** The tracing interceptors hand spans to this sink; replay has nowhere to send them. */
const tracingSinkOff = { export: { fn: () => {} } };
const workflowTypes = [
  'syncConnection',
  'resolveConflict',
  'scheduledSync',
  'commissionRecalculation',
  'reconcileStatement',
  'webhookDelivery',
  'renewalOutreach',
  'accountingExport',
];

let h: Harness;
/** Histories of today's code, recorded by the fresh-runs test, for the input guard. */
const freshHistories: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

async function replay(histories: { workflowId: string; history: unknown }[], jsonForm: boolean) {
  const failures: string[] = [];
  const keys = parseKeyring(inject('payloadKeys'));
  const decoded = await Promise.all(
    histories.map(async (h) => ({ ...h, history: await decodeHistory(h.history, keys, jsonForm) })),
  );
  const options = {
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dataConverter: hubDataConverter(keys),
    sinks: { exporter: tracingSinkOff },
  };
  for await (const r of Worker.runReplayHistories(options, decoded)) {
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  return failures;
}

describe('workflow determinism', () => {
  test('recorded histories of every workflow type replay against the current code', async () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
    // The worker reads the CLI's JSON form itself (string event ids mark it).
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as unknown,
    }));
    for (const type of workflowTypes) expect(files.some((f) => f.startsWith(`${type}-`))).toBe(true);
    expect(await replay(histories, true)).toEqual([]);
  });

  test('fresh runs of every workflow type replay deterministically', async () => {
    const { tenantId } = await h.newTenant('Replay Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'replay',
      clients: 8,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotConnection(h, tenantId, account);
    await startSync(h, { connectionId, tenantId }, 'full', { budgetMs: 1, callsPerRun: 3 });
    await syncResult(h, connectionId);
    const recorded: { name: string; workflowId: string; runId: string }[] = [];
    let n = 0;
    for await (const wf of h.temporal.workflow.list({ query: `WorkflowId = "sync/${connectionId}"` })) {
      recorded.push({ name: `syncConnection-${++n}`, workflowId: wf.workflowId, runId: wf.runId });
    }

    const tick = await h.temporal.workflow.start('scheduledSync', {
      taskQueue: h.taskQueue,
      workflowId: `sync-tick/${connectionId}/${randomUUID()}`,
      args: [{ connectionId, mode: 'incremental' }],
    });
    await tick.result();
    await syncResult(h, connectionId);
    recorded.push({ name: 'scheduledSync-1', workflowId: tick.workflowId, runId: tick.firstExecutionRunId });

    const { rows: policy } = await h.pool.query('select id from policies where tenant_id = $1 limit 1', [
      tenantId,
    ]);
    const { rows: conflict } = await h.pool.query(
      `insert into conflicts (tenant_id, entity_type, entity_id, field, current_value, current_source, incoming_value, incoming_source, deadline_at)
       values ($1, 'policy', $2, 'lineOfBusiness', '"HOME"', $3::jsonb, '"AUTOP"', $3::jsonb, now()) returning id`,
      [
        tenantId,
        policy[0].id,
        JSON.stringify({ connectionId, provider: 'hubspot', sourceRecordId: 0, sourceUpdatedAt: null }),
      ],
    );
    const decided = await h.temporal.workflow.start('resolveConflict', {
      taskQueue: h.taskQueue,
      workflowId: `conflict/${conflict[0].id}`,
      args: [{ conflictId: conflict[0].id, deadlineAt: new Date(Date.now() + 60_000).toISOString() }],
    });
    await decided.signal('decide', { resolution: 'current' });
    await decided.result();
    recorded.push({
      name: 'resolveConflict-1',
      workflowId: decided.workflowId,
      runId: decided.firstExecutionRunId,
    });

    // The sync woke the tenant's commission workflow: its first pass (recalculate, then age) is recorded.
    const commissions = h.temporal.workflow.getHandle(`commissions/${tenantId}`);
    await waitFor(async () => {
      const history = await commissions.fetchHistory();
      return (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length >= 2;
    }, 'the commission workflow to finish its first pass');
    recorded.push({
      name: 'commissionRecalculation-1',
      workflowId: commissions.workflowId,
      runId: (await commissions.describe()).runId,
    });

    // A statement with one line for a carrier: reconcile/<statementId> runs its single activity.
    const { rows: carrier } = await h.pool.query(
      `insert into carriers (tenant_id, name, name_normalized) values ($1, 'Replay Mutual', 'replay mutual') returning id`,
      [tenantId],
    );
    const { rows: statement } = await h.pool.query(
      `insert into statements (tenant_id, carrier_id, filename, format, content_hash, line_count)
       values ($1, $2, 'replay.csv', 'csv', $3, 1) returning id`,
      [tenantId, carrier[0].id, randomUUID()],
    );
    await h.pool.query(
      `insert into statement_lines (tenant_id, statement_id, line_no, raw, policy_number, policy_number_normalized, commission_cents)
       values ($1, $2, 1, '{}', 'RM-1', 'RM1', 1000)`,
      [tenantId, statement[0].id],
    );
    const reconciliation = await h.temporal.workflow.start('reconcileStatement', {
      taskQueue: h.taskQueue,
      workflowId: `reconcile/${statement[0].id}`,
      args: [{ tenantId, statementId: statement[0].id, asOf: '2026-11-01' }],
    });
    await reconciliation.result();
    recorded.push({
      name: 'reconcileStatement-1',
      workflowId: reconciliation.workflowId,
      runId: reconciliation.firstExecutionRunId,
    });

    const histories = [];
    for (const r of recorded) {
      const history = await h.temporal.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
      histories.push({ workflowId: r.workflowId, history });
      // Recording adds fixtures for new workflow types; existing ones stay, as histories of older code.
      if (process.env.RECORD_HISTORIES === '1' && !existsSync(join(fixtures, `${r.name}.json`))) {
        // The CLI writes the JSON form the SDK's replayer reads (historyFromJSON).
        const json = execFileSync(findTemporalCli()!, [
          'workflow',
          'show',
          '--address',
          inject('temporalAddress'),
          '--workflow-id',
          r.workflowId,
          '--run-id',
          r.runId,
          '--output',
          'json',
        ]);
        writeFileSync(join(fixtures, `${r.name}.json`), json);
      }
    }
    expect(histories.length).toBeGreaterThanOrEqual(3);
    expect(await replay(histories, false)).toEqual([]);
    freshHistories.push(...histories);
  });

  test('replayed under another interceptor set, every activity is scheduled with the inputs its history recorded', async () => {
    // Temporal's replay compares command types, not their inputs: a value drawn from the
    // workflow's random stream (uuid4) changes silently when interceptors draw on it too, as
    // tracing's span ids do. The guard bundle adds one that does, and reports every input.
    expect(freshHistories.length).toBeGreaterThanOrEqual(3);
    const keys = parseKeyring(inject('payloadKeys'));
    const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;
    const guardModule = new URL('../support/replay-guard-interceptors.ts', import.meta.url).pathname;
    const bundle = await bundleWorkflowCode({
      ...workflowBundleOptions,
      workflowInterceptorModules: [...workflowBundleOptions.workflowInterceptorModules, guardModule],
      logger: quiet,
    });
    for (const { workflowId, history } of freshHistories) {
      const decoded = await decodeHistory(history, keys, false);
      const recorded = (decoded.events ?? [])
        .map((e) => e.activityTaskScheduledEventAttributes)
        .filter((a) => a != null)
        .map((a) => ({
          type: a.activityType?.name,
          args: arrayFromPayloads(defaultPayloadConverter, (a.input?.payloads ?? []) as Payload[]),
        }));
      // The replayer runs on a task queue of its own; inputs naming the queue name the recorded one.
      const queue = decoded.events?.[0]?.workflowExecutionStartedEventAttributes?.taskQueue?.name;
      const onRecordedQueue = (v: unknown, replayQueue: string): unknown =>
        JSON.parse(JSON.stringify(v), (_k, x) => (x === replayQueue ? queue : x));
      const replayed: { type: string; args: unknown[] }[] = [];
      await Worker.runReplayHistory(
        {
          workflowBundle: bundle,
          dataConverter: hubDataConverter(keys),
          sinks: {
            exporter: tracingSinkOff,
            replayGuard: {
              scheduled: {
                fn: (info: { taskQueue: string }, ...call: unknown[]) => {
                  const args = onRecordedQueue(call[1], info.taskQueue) as unknown[];
                  replayed.push({ type: call[0] as string, args });
                },
                callDuringReplay: true,
              },
            },
          },
        },
        decoded,
        workflowId,
      );
      expect(recorded.length, workflowId).toBeGreaterThan(0);
      expect(replayed, workflowId).toEqual(recorded);
    }
  });
});
