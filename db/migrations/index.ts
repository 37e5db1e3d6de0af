// Migrations in the order they apply. Append only: an applied migration never changes.
import { CanonicalCore } from './0001-canonical-core.ts';

export const migrations = [{ name: '0001-canonical-core', class: CanonicalCore }];
