// The sync activities: everything a sync does that touches the outside world. The workflow
// passes ids and gets counts back; records never travel through Temporal. Each call re-reads
// the connection (credentials may have been refreshed), resumes from the checkpoint committed
// in the database, and works through pages for a bounded time, heartbeating its position.
import { Context, getClient, heartbeat } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { registered } from '../connectors/registry.ts';
import { type AccountingCapability, ConnectorError, type Json, type Page } from '../connectors/types.ts';
import { loadConnection } from '../db/connection-store.ts';
import { loadMergeRules } from '../db/merge-rules.ts';
import { appendEvents } from '../db/outbox.ts';
import {
  addCounts,
  hasOpenQuarantine,
  type PageCounts,
  STREAM_DONE,
  writePage,
  zeroCounts,
} from '../db/page-writer.ts';
import { type Pool, withTransaction } from '../db/pool.ts';
import { sweepUnseen } from '../db/tombstones.ts';
import { pathsRead, withOverrides } from '../mappings/engine.ts';
import { requestCommissionRecalculation } from '../runtime/commission-requests.ts';
import { recordSyncRecords } from '../runtime/metrics.ts';
import { markReconciling, requestReconciliation } from '../runtime/reconciliation-requests.ts';
import { pauseConnectionSchedules } from '../runtime/schedules.ts';
import { TenantId } from '../runtime/search-attributes.ts';
import { conflictWorkflowId } from '../workflows/shared.ts';
import { ensureFreshCredentials, refreshConnectionCredentials } from './credentials.ts';
import type { ActivityDeps } from './deps.ts';
import { toActivityFailure } from './failures.ts';
import { combinePages, pagePipeline } from './page-pipeline.ts';

export type SyncMode = 'full' | 'incremental';

export interface BeginSyncInput {
  syncRunId: string;
  connectionId: string;
  mode: SyncMode;
  workflowId: string;
}
export interface BeginSyncResult {
  provider: string;
  streams: string[];
  startedAt: string;
  /** Records the last completed full sync read: the basis of the progress ETA. */
  expectedRecords: number | null;
}

export interface SyncStreamInput {
  syncRunId: string;
  connectionId: string;
  stream: string;
  mode: SyncMode;
  /** Stop starting new pages after this long, so progress reaches the workflow regularly. */
  budgetMs: number;
  /** Re-map unchanged records too (after a mapping change). */
  remap?: boolean;
  /** The workflow's task queue, where follow-up workflows (conflict decisions) are started. */
  workflowTaskQueue: string;
}
export interface SyncStreamResult {
  done: boolean;
  pages: number;
  counts: PageCounts;
}

export interface CompleteSyncInput {
  syncRunId: string;
  connectionId: string;
  mode: SyncMode;
}
export interface CompleteSyncResult {
  swept: number;
}

export interface FailSyncInput {
  syncRunId: string;
  message: string;
  failureClass: string;
}

export function createSyncActivities(deps: ActivityDeps) {
  const { pool, keyring } = deps;

  async function beginSyncRun(input: BeginSyncInput): Promise<BeginSyncResult> {
    const conn = await loadConnection(pool, keyring, input.connectionId);
    const { rows } = await pool.query<{ started_at: Date }>(
      `insert into sync_runs (id, tenant_id, connection_id, workflow_id, mode)
       values ($1, $2, $3, $4, $5)
       on conflict (id) do update set attempts = sync_runs.attempts + 1
       returning started_at`,
      [input.syncRunId, conn.tenantId, conn.id, input.workflowId, input.mode],
    );
    const { rows: last } = await pool.query<{ read: number }>(
      `select (counts->>'read')::bigint as read from sync_runs
        where connection_id = $1 and mode = 'full' and status = 'completed' order by finished_at desc limit 1`,
      [conn.id],
    );
    return {
      provider: conn.provider,
      streams: registered(conn.provider).connector.definition.streams.map((s) => s.name),
      startedAt: rows[0]!.started_at.toISOString(),
      expectedRecords: last[0]?.read ?? null,
    };
  }

  async function syncStream(input: SyncStreamInput): Promise<SyncStreamResult> {
    const ctx = Context.current();
    const conn = await loadConnection(pool, keyring, input.connectionId);
    if (conn.status !== 'active') {
      throw ApplicationFailure.create({
        message: `connection is ${conn.status}`,
        type: 'ConnectionNotActive',
        nonRetryable: true,
      });
    }
    conn.credentials = await ensureFreshCredentials(pool, keyring, conn); // ahead of expiry, at least daily
    const entry = registered(conn.provider);
    const mappings = withOverrides(entry.mappings, conn.settings.mappingOverrides as never);
    const session = entry.connector.open({
      connectionId: conn.id,
      tenantId: conn.tenantId,
      baseUrl: conn.settings.baseUrl,
      credentials: conn.credentials,
      settings: conn.settings,
      fields: Object.fromEntries(Object.entries(mappings).map(([stream, m]) => [stream, pathsRead(m)])),
      refreshCredentials: () => refreshConnectionCredentials(pool, keyring, conn.id, conn.credentials),
    });

    const [{ rows: runRows }, { rows: streamRows }] = await Promise.all([
      pool.query<{ started_at: Date }>('select started_at from sync_runs where id = $1', [input.syncRunId]),
      pool.query<{ cursor: Json; checkpoint: Json; checkpoint_run_id: string | null }>(
        'select cursor, checkpoint, checkpoint_run_id from connection_streams where connection_id = $1 and stream = $2',
        [input.connectionId, input.stream],
      ),
    ]);
    const runStartedAt = runRows[0]!.started_at.toISOString();
    const state = streamRows[0];
    let checkpoint: Json = state?.checkpoint_run_id === input.syncRunId ? state.checkpoint : null;
    if (
      checkpoint &&
      typeof checkpoint === 'object' &&
      (checkpoint as Record<string, unknown>).done === STREAM_DONE.done
    ) {
      return { done: true, pages: 0, counts: zeroCounts() };
    }
    const cursor = state?.cursor ?? null;
    const answerWithinMs = vendorDeadline(ctx.info.heartbeatTimeoutMs);
    const read = (cp: Json): Promise<Page> =>
      withinDeadline(
        session.read({ stream: input.stream, mode: input.mode, cursor, checkpoint: cp, runStartedAt }),
        answerWithinMs,
        conn.provider,
      ).catch(async (err: unknown) => {
        if (!(err instanceof ConnectorError)) throw err;
        // The run shows the vendor's last error while Temporal retries (cleared by the next page).
        if (err.retryable) await noteVendorError(pool, input.syncRunId, err);
        throw toActivityFailure(err);
      });

    // Resolving quarantine costs a statement per page; skip it while the stream has none open.
    let openQuarantine = await hasOpenQuarantine(pool, conn.id, input.stream);
    const rules = await loadMergeRules(pool, conn.tenantId);
    let counts = zeroCounts();
    let pages = 0;
    const batches = pagePipeline(read, checkpoint, {
      maxAhead: 8,
      deadline: Date.now() + input.budgetMs,
      aborted: () => ctx.cancellationSignal.aborted,
    });
    for await (const batch of batches) {
      const page = combinePages(batch);
      const pageCounts = await withTransaction(
        pool,
        (db) =>
          writePage(db, {
            tenantId: conn.tenantId,
            connectionId: conn.id,
            provider: conn.provider,
            stream: input.stream,
            syncRunId: input.syncRunId,
            mode: input.mode,
            mapping: mappings[input.stream] ?? null,
            records: page.records,
            deleted: page.deleted,
            checkpoint: page.checkpoint,
            cursor: page.cursor,
            pages: batch.length,
            remap: input.remap,
            openQuarantine,
            rules,
          }),
        { asyncCommit: true },
      );
      const { read, created, updated, unchanged, deleted, quarantined } = pageCounts;
      recordSyncRecords(conn.provider, { read, created, updated, unchanged, deleted, quarantined });
      if (pageCounts.quarantined) openQuarantine = true;
      if (pageCounts.openedConflicts.length)
        await startConflictWorkflows(pool, pageCounts.openedConflicts, input.workflowTaskQueue);
      counts = addCounts(counts, pageCounts);
      pages += batch.length;
      checkpoint = page.checkpoint;
      heartbeat({ stream: input.stream, pages, checkpoint });
      if (checkpoint === null) return { done: true, pages, counts };
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('sync cancelled');
    }
    return { done: false, pages, counts };
  }

  async function completeSyncRun(input: CompleteSyncInput): Promise<CompleteSyncResult> {
    const conn = await loadConnection(pool, keyring, input.connectionId);
    const streams = registered(conn.provider).connector.definition.streams;
    const result = await withTransaction(pool, async (db) => {
      const { rows } = await db.query<{ status: string; counts: Record<string, number> }>(
        'select status, counts from sync_runs where id = $1 for update',
        [input.syncRunId],
      );
      if (rows[0]?.status === 'completed') return { swept: 0 }; // a retry after the commit
      let swept = 0;
      if (input.mode === 'full') {
        for (const s of streams) {
          swept += await sweepUnseen(db, {
            tenantId: conn.tenantId,
            connectionId: conn.id,
            stream: s.name,
            syncRunId: input.syncRunId,
          });
        }
        await db.query('update connection_streams set last_full_sync_at = now() where connection_id = $1', [
          conn.id,
        ]);
      }
      const { rows: done } = await db.query<{ counts: Record<string, number> }>(
        `update sync_runs set status = 'completed', finished_at = now(),
                counts = jsonb_set(counts, '{deleted}', to_jsonb(coalesce((counts->>'deleted')::bigint, 0) + $2))
          where id = $1 returning counts`,
        [input.syncRunId, swept],
      );
      await db.query('update connections set failing_since = null where id = $1', [conn.id]);
      await appendEvents(db, { tenantId: conn.tenantId, connectionId: conn.id }, [
        {
          type: 'sync.completed',
          entityType: 'sync_run',
          entityId: input.syncRunId,
          data: { mode: input.mode, counts: done[0]?.counts ?? {} },
        },
      ]);
      return { swept };
    });
    // Conflicts whose workflow did not start (a crash between commit and start) start now.
    const { rows: pending } = await pool.query<{ id: string }>(
      `select id from conflicts where tenant_id = $1 and status = 'open' and not workflow_started`,
      [conn.tenantId],
    );
    if (pending.length) {
      await startConflictWorkflows(
        pool,
        pending.map((p) => p.id),
        Context.current().info.taskQueue,
      );
    }
    // Whatever the run changed may change expected commissions; the tenant's commission workflow
    // reads the outbox to see what exactly.
    const { rows: run } = await pool.query<{ counts: Record<string, number> }>(
      'select counts from sync_runs where id = $1',
      [input.syncRunId],
    );
    const counts = run[0]?.counts ?? {};
    if ((counts.created ?? 0) + (counts.updated ?? 0) + (counts.deleted ?? 0) > 0) {
      await requestCommissionRecalculation(getClient(), Context.current().info.taskQueue, conn.tenantId);
    }
    const deposits = registered(conn.provider).connector.accounting?.deposits;
    if (deposits)
      // The sync's records are stored either way; a deposit that cannot be imported waits for the
      // next sync or the statements API's deposits route.
      await reconcileNewDeposits(deposits, conn.tenantId, conn.id).catch((err: unknown) =>
        deps.logger.error({ err, connectionId: conn.id }, 'deposits could not become statements'),
      );
    return result;
  }

  /**
   * Carrier commission deposits booked in the books are cash received: each new one becomes a
   * statement and is reconciled at once, without anyone asking. Statements still marked
   * reconciling (a retry after the commit) get their workflow too; a running one is joined.
   */
  async function reconcileNewDeposits(
    deposits: NonNullable<AccountingCapability['deposits']>,
    tenantId: string,
    connectionId: string,
  ): Promise<void> {
    const pending = await withTransaction(pool, async (db) => {
      await markReconciling(db, await deposits.importStatements(db, tenantId, connectionId));
      const { rows } = await db.query<{ id: string }>(
        `select id from statements where tenant_id = $1 and source = $3 and status = 'reconciling'
            and content_hash like $4 || $2 || ':%'`,
        [tenantId, connectionId, deposits.statementSource, deposits.contentHashPrefix],
      );
      return rows.map((r) => r.id);
    });
    for (const id of pending)
      await requestReconciliation(getClient(), Context.current().info.taskQueue, tenantId, id);
  }

  /**
   * A run failed: record why, emit sync.failed, and decide about the connection. Credentials the
   * vendor refuses pause it at once (reauth_required: retrying cannot help); any other failure
   * pauses it once it has been failing for longer than the connection allows (3 days by default).
   */
  async function failSyncRun(input: FailSyncInput): Promise<{ paused: string | null }> {
    const outcome = await withTransaction(pool, async (db) => {
      const { rows } = await db.query<{ tenant_id: string; connection_id: string }>(
        `update sync_runs set status = 'failed', finished_at = now(), error = $2, failure_class = $3
          where id = $1 and status = 'running' returning tenant_id, connection_id`,
        [input.syncRunId, input.message.slice(0, 2000), input.failureClass],
      );
      const run = rows[0];
      if (!run) return { paused: null, connectionId: null }; // already recorded (a retry)
      const scope = { tenantId: run.tenant_id, connectionId: run.connection_id };
      const events = [
        {
          type: 'sync.failed',
          entityType: 'sync_run',
          entityId: input.syncRunId,
          data: { failure_class: input.failureClass, error: input.message.slice(0, 500) },
        },
      ];
      const { rows: conn } = await db.query<{ failing_since: Date; settings: Record<string, unknown> }>(
        'update connections set failing_since = coalesce(failing_since, now()) where id = $1 returning failing_since, settings',
        [run.connection_id],
      );
      const allowedMs = Number(conn[0]?.settings.pauseAfterFailingHours ?? 72) * 3_600_000;
      const reason = ['AuthInvalid', 'AuthExpired'].includes(input.failureClass)
        ? 'reauth_required'
        : conn[0] && Date.now() - conn[0].failing_since.getTime() >= allowedMs
          ? `failing since ${conn[0].failing_since.toISOString()}`
          : null;
      if (reason) {
        await db.query(
          `update connections set status = 'paused', status_reason = $2, updated_at = now() where id = $1 and status = 'active'`,
          [run.connection_id, reason],
        );
        events.push({
          type: 'connection.paused',
          entityType: 'connection',
          entityId: run.connection_id,
          data: { reason } as never,
        });
      }
      await appendEvents(db, scope, events);
      return { paused: reason, connectionId: run.connection_id };
    });
    if (outcome.paused && outcome.connectionId)
      await pauseConnectionSchedules(getClient(), outcome.connectionId, outcome.paused);
    return { paused: outcome.paused };
  }

  return { beginSyncRun, syncStream, completeSyncRun, failSyncRun };
}

/**
 * How long one page may take: within the heartbeat timeout (no heartbeat is sent while waiting
 * on the vendor, and a wait that long ended the attempt before), so a vendor that stops answering
 * fails as a vendor outage, with its name, rather than as a worker presumed dead.
 */
function vendorDeadline(heartbeatTimeoutMs: number | undefined): number | null {
  return heartbeatTimeoutMs ? Math.floor(heartbeatTimeoutMs * 0.8) : null;
}

function withinDeadline<T>(work: Promise<T>, ms: number | null, provider: string): Promise<T> {
  if (ms === null) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectorError('vendor_outage', `no page from ${provider} within ${(ms / 1000).toFixed(1)} s`),
        ),
      ms,
    );
  });
  // The request itself is abandoned, not aborted: connectors own their transports.
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function noteVendorError(pool: Pool, syncRunId: string, err: ConnectorError): Promise<void> {
  const failure = toActivityFailure(err);
  await pool
    .query(`update sync_runs set error = $2, failure_class = $3 where id = $1 and status = 'running'`, [
      syncRunId,
      err.message.slice(0, 2000),
      failure.type,
    ])
    .catch(() => {}); // the retry goes on whether or not the note was written
}

/** Starts (idempotently) the decision workflow of each newly opened conflict. */
export async function startConflictWorkflows(
  pool: Pool,
  conflictIds: string[],
  taskQueue: string,
): Promise<void> {
  const client = getClient();
  const { rows } = await pool.query<{ id: string; deadline_at: Date; tenant_id: string }>(
    'select id, deadline_at, tenant_id from conflicts where id = any($1::uuid[])',
    [conflictIds],
  );
  for (const c of rows) {
    await client.workflow.start('resolveConflict', {
      workflowId: conflictWorkflowId(c.id),
      taskQueue,
      args: [{ conflictId: c.id, deadlineAt: c.deadline_at.toISOString() }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: TenantId, value: c.tenant_id }],
    });
  }
  await pool.query('update conflicts set workflow_started = true where id = any($1::uuid[])', [conflictIds]);
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
