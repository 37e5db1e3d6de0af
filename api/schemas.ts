// Response schemas shared by routes. Field names are the database's, in snake_case.
import { z } from '@hono/zod-openapi';

export const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const syncCountsSchema = z
  .object({
    read: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    deleted: z.number().int(),
    quarantined: z.number().int(),
    skipped: z.number().int(),
    pages: z.number().int(),
  })
  .partial()
  .openapi('SyncCounts');

export const syncRunSchema = z
  .object({
    id: z.uuid(),
    connection_id: z.uuid(),
    workflow_id: z.string(),
    mode: z.enum(['full', 'incremental']),
    status: z.enum(['running', 'completed', 'failed', 'cancelled']),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    counts: syncCountsSchema,
    error: z.string().nullable(),
    failure_class: z.string().nullable(),
  })
  .openapi('SyncRun');

export const connectionSchema = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    display_name: z.string(),
    status: z.enum(['active', 'paused', 'error', 'disconnected']),
    status_reason: z.string().nullable(),
    account_id: z.string().nullable(),
    created_at: z.string(),
    last_sync: syncRunSchema.nullable(),
  })
  .openapi('Connection');

export function toSyncRun(row: Record<string, unknown>) {
  return {
    id: row.id as string,
    connection_id: row.connection_id as string,
    workflow_id: row.workflow_id as string,
    mode: row.mode as 'full' | 'incremental',
    status: row.status as 'running' | 'completed' | 'failed' | 'cancelled',
    started_at: (row.started_at as Date).toISOString(),
    finished_at: row.finished_at ? (row.finished_at as Date).toISOString() : null,
    counts: row.counts as Record<string, number>,
    error: (row.error as string | null) ?? null,
    failure_class: (row.failure_class as string | null) ?? null,
  };
}
