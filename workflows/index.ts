// Every workflow type the worker runs. Workflow code is deterministic and Node-free.
export { accountingExport } from './accounting-export.ts';
export { commissionRecalculation } from './commission-recalculation.ts';
export { demoCommissions } from './demo-commissions.ts';
export { reconcileStatement } from './reconcile-statement.ts';
export { renewalOutreach } from './renewal-outreach.ts';
export { resolveConflict } from './resolve-conflict.ts';
export { scheduledSync } from './scheduled-sync.ts';
export { syncConnection } from './sync-connection.ts';
export { webhookDelivery } from './webhook-delivery.ts';
