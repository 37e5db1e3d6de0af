// One sync of one connection at a time, under the fixed workflow id sync/<connectionId>.
// Requests arrive as signals (signal-with-start from the API and the schedules): the first
// starts a run; any that arrive while it runs are folded into a single follow-up run. The run
// walks the connector's streams in order, one bounded activity call at a time; each call
// checkpoints in the database, so the workflow carries only ids, positions and counts, and
// continues as new long before its history grows large.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync.ts';
import { Stream, SyncMode as SyncModeAttr, SyncPhase } from '../runtime/search-attributes.ts';
import { vendorTaskQueue } from '../runtime/task-queues.ts';
import {
  progressQuery,
  requestSyncSignal,
  type SyncCounts,
  type SyncMode,
  type SyncProgress,
  type SyncRequest,
  zeroSyncCounts,
} from './shared.ts';
import { failureClass, vendorUnavailable, vendorUnavailableMessage } from './sync-failures.ts';

export interface SyncConnectionInput {
  connectionId: string;
  /** A request carried over from the previous run (continue-as-new). */
  request?: SyncRequest | null;
  /** The run in progress, when continuing as new in the middle of one. */
  run?: RunState | null;
  /** Tunables, inputs so tests can shorten them. */
  options?: Partial<SyncOptions>;
}

interface SyncOptions {
  /** How long one activity call works through pages before reporting back. */
  budgetMs: number;
  /** Activity calls per workflow run before continuing as new. */
  callsPerRun: number;
  /** How long a freshly started workflow waits for its first request. */
  idleTimeoutMs: number;
  /** A worker silent this long is presumed dead and its activity moves to another worker. */
  heartbeatTimeoutMs: number;
  /**
   * How long one call to the vendor may keep failing (retried with backoff) before the sync fails
   * VendorUnavailable; the connection's schedule tries again at its next tick.
   */
  vendorOutageMs: number;
}

interface RunState {
  syncRunId: string;
  provider: string;
  expectedRecords: number | null;
  mode: SyncMode;
  remap: boolean;
  streams: string[];
  streamIndex: number;
  counts: SyncCounts;
  startedAt: string;
}

export interface SyncSummary {
  syncRunId: string | null;
  mode: SyncMode | null;
  status: 'completed' | 'idle';
  counts: SyncCounts;
}

const defaults: SyncOptions = {
  budgetMs: 10_000,
  callsPerRun: 200,
  idleTimeoutMs: 60_000,
  heartbeatTimeoutMs: 30_000,
  vendorOutageMs: 10 * 60_000,
};

const { beginSyncRun, completeSyncRun, failSyncRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Vendor work runs on the vendor's task queue, so the vendor's ceiling holds across workers. Its
 * retries are bounded in time: while they go on, the sync's status shows the attempt and the
 * vendor's last error (Temporal's pending activity, GET /v1/syncs/...); past the bound it fails.
 */
function vendorActivities(provider: string, opts: SyncOptions) {
  return proxyActivities<SyncActivities>({
    taskQueue: vendorTaskQueue(workflowInfo().taskQueue, provider),
    startToCloseTimeout: '5 minutes',
    scheduleToCloseTimeout: Math.max(opts.vendorOutageMs, 2 * opts.budgetMs),
    heartbeatTimeout: opts.heartbeatTimeoutMs,
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: 25,
      nonRetryableErrorTypes: ['AuthInvalid', 'VendorRejected', 'ConnectionNotActive'],
    },
  });
}

function merge(a: SyncRequest | null, b: SyncRequest): SyncRequest {
  if (!a) return { ...b };
  return {
    mode: a.mode === 'full' || b.mode === 'full' ? 'full' : 'incremental',
    remap: Boolean(a.remap || b.remap),
  };
}

function add(a: SyncCounts, b: Partial<SyncCounts>): SyncCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof SyncCounts)[]) out[k] += b[k] ?? 0;
  return out;
}

export async function syncConnection(input: SyncConnectionInput): Promise<SyncSummary> {
  const opts: SyncOptions = { ...defaults, ...input.options };
  let request: SyncRequest | null = input.request ?? null;
  let run: RunState | null = input.run ?? null;
  let phase: SyncProgress['phase'] = run ? 'reading' : 'waiting';

  setHandler(requestSyncSignal, (req) => {
    request = merge(request, req);
  });
  setHandler(progressQuery, () => {
    const elapsed = run ? (Date.now() - Date.parse(run.startedAt)) / 1000 : 0;
    const rate = run && elapsed > 0 ? run.counts.read / elapsed : null;
    const remaining = run?.expectedRecords ? Math.max(0, run.expectedRecords - run.counts.read) : null;
    return {
      connectionId: input.connectionId,
      syncRunId: run?.syncRunId ?? null,
      mode: run?.mode ?? null,
      phase,
      stream: run ? (run.streams[run.streamIndex] ?? null) : null,
      streamIndex: run?.streamIndex ?? 0,
      streams: run?.streams ?? [],
      counts: run?.counts ?? zeroSyncCounts(),
      startedAt: run?.startedAt ?? null,
      recordsPerSecond: rate === null ? null : Math.round(rate),
      eta: rate && remaining !== null ? new Date(Date.now() + (remaining / rate) * 1000).toISOString() : null,
      followUp: run ? (request?.mode ?? null) : null,
    };
  });

  if (!run) {
    if (!(await condition(() => request !== null, opts.idleTimeoutMs))) {
      return { syncRunId: null, mode: null, status: 'idle', counts: zeroSyncCounts() };
    }
    const req = request!;
    request = null;
    phase = 'starting';
    // A workflow run begins at most one sync run, so the run's id names it: the id recorded on its
    // start event, which a reset keeps (runId changes). It is fixed by Temporal, where a uuid4()
    // comes from the workflow's random stream, which interceptors draw on too (tracing span ids):
    // replayed under a different interceptor set, uuid4() gave another id than the one in the
    // database, and the full sync's sweep would have deleted every record. Histories begun before
    // this change keep their recorded path.
    const syncRunId = patched('sync-run-id-is-workflow-run-id')
      ? workflowInfo().originalExecutionRunId
      : uuid4();
    const begun = await beginSyncRun({
      syncRunId,
      connectionId: input.connectionId,
      mode: req.mode,
      workflowId: workflowInfo().workflowId,
    });
    run = {
      syncRunId,
      provider: begun.provider,
      expectedRecords: begun.expectedRecords,
      mode: req.mode,
      remap: Boolean(req.remap),
      streams: begun.streams,
      streamIndex: 0,
      counts: zeroSyncCounts(),
      startedAt: begun.startedAt,
    };
  }
  const current = run;
  const { syncStream } = vendorActivities(current.provider, opts);
  upsertSearchAttributes([
    { key: SyncModeAttr, value: current.mode },
    { key: SyncPhase, value: 'reading' },
  ]);
  phase = 'reading';

  let calls = 0;
  try {
    while (current.streamIndex < current.streams.length) {
      const stream = current.streams[current.streamIndex]!;
      upsertSearchAttributes([{ key: Stream, value: stream }]);
      const result = await syncStream({
        syncRunId: current.syncRunId,
        connectionId: input.connectionId,
        stream,
        mode: current.mode,
        budgetMs: opts.budgetMs,
        remap: current.remap,
        workflowTaskQueue: workflowInfo().taskQueue,
      });
      current.counts = add(current.counts, { ...result.counts, pages: result.pages });
      if (result.done) current.streamIndex++;
      calls++;
      if (
        current.streamIndex < current.streams.length &&
        (calls >= opts.callsPerRun || workflowInfo().continueAsNewSuggested)
      )
        break;
    }
    if (current.streamIndex >= current.streams.length) {
      phase = 'finishing';
      upsertSearchAttributes([{ key: SyncPhase, value: 'finishing' }]);
      const done = await completeSyncRun({
        syncRunId: current.syncRunId,
        connectionId: input.connectionId,
        mode: current.mode,
      });
      current.counts = add(current.counts, { deleted: done.swept });
    }
  } catch (err) {
    phase = 'failed';
    upsertSearchAttributes([{ key: SyncPhase, value: 'failed' }]);
    const failed = failureClass(err);
    const message =
      failed === vendorUnavailable
        ? vendorUnavailableMessage(current.provider, opts.vendorOutageMs, err)
        : describe(err);
    await failSyncRun({ syncRunId: current.syncRunId, message, failureClass: failed });
    log.warn('sync failed', {
      connectionId: input.connectionId,
      syncRunId: current.syncRunId,
      failureClass: failed,
    });
    throw err;
  }

  await condition(allHandlersFinished);
  if (current.streamIndex < current.streams.length) {
    // Mid-run: carry only the position and counts into a fresh history.
    return continueAsNew<typeof syncConnection>({
      connectionId: input.connectionId,
      request,
      run: current,
      options: input.options,
    });
  }
  phase = 'completed';
  upsertSearchAttributes([{ key: SyncPhase, value: 'completed' }]);
  if (request) {
    return continueAsNew<typeof syncConnection>({
      connectionId: input.connectionId,
      request,
      run: null,
      options: input.options,
    });
  }
  return { syncRunId: current.syncRunId, mode: current.mode, status: 'completed', counts: current.counts };
}

function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  while (e instanceof Error && parts.length < 4) {
    parts.push(e.message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.filter(Boolean).join(': ') || String(err);
}
