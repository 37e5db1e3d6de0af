// Migrations in the order they apply. Append only: an applied migration never changes.
import { CanonicalCore } from './0001-canonical-core.ts';
import { MergeConflictsOutbox } from './0002-merge-conflicts-outbox.ts';

export const migrations = [
  { name: '0001-canonical-core', class: CanonicalCore },
  { name: '0002-merge-conflicts-outbox', class: MergeConflictsOutbox },
];
