// Every workflow type the worker runs. Workflow code is deterministic and Node-free.
export { commissionRecalculation } from './commission-recalculation.ts';
export { reconcileStatement } from './reconcile-statement.ts';
export { resolveConflict } from './resolve-conflict.ts';
export { scheduledSync } from './scheduled-sync.ts';
export { syncConnection } from './sync-connection.ts';
