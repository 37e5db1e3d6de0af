// All activities, registered with the worker under their function names.
import { createAccountingActivities } from './accounting.ts';
import { createCommissionActivities } from './commissions.ts';
import { createConflictActivities } from './conflicts.ts';
import { createDemoCommissionActivities } from './demo-commissions.ts';
import type { ActivityDeps } from './deps.ts';
import { createReconciliationActivities } from './reconciliation.ts';
import { createRenewalOutreachActivities } from './renewal-outreach.ts';
import { createSyncActivities } from './sync.ts';
import { createSyncRequestActivities } from './sync-requests.ts';
import { createWebhookActivities } from './webhooks.ts';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSyncActivities(deps),
    ...createConflictActivities(deps),
    ...createCommissionActivities(deps),
    ...createReconciliationActivities(deps),
    ...createRenewalOutreachActivities(deps),
    ...createAccountingActivities(deps),
    ...createSyncRequestActivities(deps),
    ...createWebhookActivities(deps),
    ...createDemoCommissionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
