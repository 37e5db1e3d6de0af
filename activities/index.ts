// All activities, registered with the worker under their function names.
import type { ActivityDeps } from './deps.ts';
import { createSyncActivities } from './sync.ts';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSyncActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
