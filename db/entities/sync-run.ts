import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

export interface SyncCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  pages: number;
}

export const SyncRunSchema = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_runs',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    connectionId: p.uuid(),
    workflowId: p.text(),
    mode: p.enum(['full', 'incremental'] as const),
    status: p.enum(['running', 'completed', 'failed', 'cancelled'] as const).default('running'),
    startedAt: p.datetime().onCreate(() => new Date()),
    finishedAt: p.datetime().nullable(),
    attempts: p.integer().default(1),
    counts: p.json<Partial<SyncCounts>>().onCreate(() => ({})),
    error: p.text().nullable(),
    failureClass: p.text().nullable(),
  },
});
export type SyncRun = InferEntity<typeof SyncRunSchema>;
