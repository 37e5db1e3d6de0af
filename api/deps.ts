import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Orm } from '../db/orm.ts';
import type { Pool, PoolClient } from '../db/pool.ts';
import type { Logger } from '../runtime/logger.ts';
import type { Keyring } from '../runtime/secret-box.ts';
import type { ApiKeyCache } from './api-key-cache.ts';

export interface ApiDeps {
  pool: Pool;
  orm: Orm;
  temporal: Client;
  keyring: Keyring;
  /** Keys of the Temporal payload codec (the /codec endpoint for Temporal UI uses them). */
  payloadKeys: Keyring;
  logger: Logger;
  taskQueue: string;
  temporalUiUrl?: string;
  namespace: string;
  /** Set when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): each request gets a server span. */
  tracer?: Tracer;
}

export type AppEnv = {
  Variables: {
    deps: ApiDeps;
    apiKeys: ApiKeyCache;
    requestId: string;
    tenantId: string;
    scopes: string[];
    apiKeyId: string;
    /** The request's tenant-scoped transaction (row-level security applies). */
    db: PoolClient;
    /** Runs the function after the request's transaction commits (never after a rollback). */
    afterCommit: (fn: () => Promise<unknown>) => void;
  };
};
