// Messages and types shared by workflow code and its callers (API, tests). Node-free.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export type SyncMode = 'full' | 'incremental';

export interface SyncCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  skipped: number;
  pages: number;
}

export interface SyncProgress {
  connectionId: string;
  syncRunId: string | null;
  mode: SyncMode | null;
  phase: 'waiting' | 'starting' | 'reading' | 'finishing' | 'completed' | 'failed';
  stream: string | null;
  streamIndex: number;
  streams: string[];
  counts: SyncCounts;
  startedAt: string | null;
  /** Records read per second since the run started. */
  recordsPerSecond: number | null;
  /** Estimated completion, from the last full sync's size (null when unknown). */
  eta: string | null;
  /** A sync requested while this one runs; it starts when this one ends. */
  followUp: SyncMode | null;
}

export interface SyncRequest {
  mode: SyncMode;
  /** Re-map unchanged records (after a mapping change). */
  remap?: boolean;
}

/** "Sync now": starts a run, or queues one follow-up run if a sync is already going. */
export const requestSyncSignal = defineSignal<[SyncRequest]>('requestSync');
export const progressQuery = defineQuery<SyncProgress>('progress');

export function syncWorkflowId(connectionId: string): string {
  return `sync/${connectionId}`;
}

export const zeroSyncCounts = (): SyncCounts => ({
  read: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  quarantined: 0,
  skipped: 0,
  pages: 0,
});

export function conflictWorkflowId(conflictId: string): string {
  return `conflict/${conflictId}`;
}

export interface ConflictDecision {
  /** Keep the current value, take the incoming one, or set `value`. */
  resolution: 'current' | 'incoming' | 'value';
  value?: unknown;
  /** Who decided (an API key id or a console user), for the audit trail. */
  decidedBy?: string;
}

/** A person's decision on a conflict, sent by POST /v1/conflicts/{id}/resolve. */
export const decideConflictSignal = defineSignal<[ConflictDecision]>('decide');

export function commissionsWorkflowId(tenantId: string): string {
  return `commissions/${tenantId}`;
}

/** Something that affects expected commissions changed: recalculate (everything, for rule changes). */
/** all: every policy (a rule or plan changed); policyIds: just these terms (a policy-level override). */
export const recalculateCommissionsSignal =
  defineSignal<[{ all?: boolean; policyIds?: string[] } | undefined]>('recalculate');

export function reconcileWorkflowId(statementId: string): string {
  return `reconcile/${statementId}`;
}
