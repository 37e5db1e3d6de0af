// MikroORM over the `pg` driver, for PostgreSQL and for embedded PGlite alike.
import { Migrator } from '@mikro-orm/migrations';
import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { allEntities } from './entities/index.ts';
import { migrations } from './migrations/index.ts';

export type Orm = MikroORM;
export type Em = EntityManager;

export interface OrmOptions {
  url: string;
  poolSize?: number;
  debug?: boolean;
}

export async function createOrm(opts: OrmOptions): Promise<Orm> {
  return MikroORM.init({
    clientUrl: opts.url,
    entities: allEntities,
    extensions: [Migrator],
    pool: { min: 0, max: opts.poolSize ?? 10 },
    debug: opts.debug ?? false,
    // Entities are plain schemas; there is nothing to discover on disk.
    discovery: { warnWhenNoEntities: true },
    migrations: {
      migrationsList: migrations,
      transactional: true,
      allOrNothing: true,
      tableName: 'schema_migrations',
      silent: true,
      // Migrations are written by hand; no schema snapshot files.
      snapshot: false,
    },
    // Identity map per request/activity: callers fork.
    allowGlobalContext: false,
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: Orm): Promise<string[]> {
  return (await orm.migrator.getPending()).map((m) => m.name);
}
