// The sync activities: everything a sync does that touches the outside world. The workflow
// passes ids and gets counts back; records never travel through Temporal. Each call re-reads
// the connection (credentials may have been refreshed), resumes from the checkpoint committed
// in the database, and works through pages for a bounded time, heartbeating its position.
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { registered } from '../connectors/registry.ts';
import { ConnectorError, type Json, type Page } from '../connectors/types.ts';
import { loadConnection } from '../db/connection-store.ts';
import {
  addCounts,
  hasOpenQuarantine,
  type PageCounts,
  STREAM_DONE,
  sweepUnseen,
  writePage,
  zeroCounts,
} from '../db/page-writer.ts';
import { withTransaction } from '../db/pool.ts';
import { pathsRead, withOverrides } from '../mappings/engine.ts';
import { refreshConnectionCredentials } from './credentials.ts';
import type { ActivityDeps } from './deps.ts';
import { combinePages, pagePipeline } from './page-pipeline.ts';

export type SyncMode = 'full' | 'incremental';

export interface BeginSyncInput {
  syncRunId: string;
  connectionId: string;
  mode: SyncMode;
  workflowId: string;
}
export interface BeginSyncResult {
  streams: string[];
  startedAt: string;
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

/** A vendor error, as Temporal should treat it: when to retry and whether to at all. */
export function toActivityFailure(err: ConnectorError): ApplicationFailure {
  const details = [{ kind: err.kind, status: err.status, vendorCode: err.vendorCode }];
  switch (err.kind) {
    case 'rate_limited':
      return ApplicationFailure.create({
        message: err.message,
        type: 'RateLimited',
        details,
        nextRetryDelay: err.retryAfterMs ?? 1_000,
        category: ApplicationFailureCategory.BENIGN,
      });
    case 'vendor_outage':
      return ApplicationFailure.create({ message: err.message, type: 'VendorOutage', details });
    case 'auth_expired':
      return ApplicationFailure.create({ message: err.message, type: 'AuthExpired', details });
    case 'auth_invalid':
    case 'forbidden':
      return ApplicationFailure.create({
        message: err.message,
        type: 'AuthInvalid',
        details,
        nonRetryable: true,
      });
    default:
      return ApplicationFailure.create({
        message: err.message,
        type: 'VendorRejected',
        details,
        nonRetryable: true,
      });
  }
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
    return {
      streams: registered(conn.provider).connector.definition.streams.map((s) => s.name),
      startedAt: rows[0]!.started_at.toISOString(),
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
    const read = (cp: Json): Promise<Page> =>
      session
        .read({ stream: input.stream, mode: input.mode, cursor, checkpoint: cp, runStartedAt })
        .catch((err: unknown) => {
          throw err instanceof ConnectorError ? toActivityFailure(err) : err;
        });

    // Resolving quarantine costs a statement per page; skip it while the stream has none open.
    let openQuarantine = await hasOpenQuarantine(pool, conn.id, input.stream);
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
          }),
        { asyncCommit: true },
      );
      if (pageCounts.quarantined) openQuarantine = true;
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
    return withTransaction(pool, async (db) => {
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
      await db.query(
        `update sync_runs set status = 'completed', finished_at = now(),
                counts = jsonb_set(counts, '{deleted}', to_jsonb(coalesce((counts->>'deleted')::bigint, 0) + $2))
          where id = $1`,
        [input.syncRunId, swept],
      );
      return { swept };
    });
  }

  async function failSyncRun(input: FailSyncInput): Promise<void> {
    await pool.query(
      `update sync_runs set status = 'failed', finished_at = now(), error = $2, failure_class = $3
        where id = $1 and status = 'running'`,
      [input.syncRunId, input.message.slice(0, 2000), input.failureClass],
    );
  }

  return { beginSyncRun, syncStream, completeSyncRun, failSyncRun };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
