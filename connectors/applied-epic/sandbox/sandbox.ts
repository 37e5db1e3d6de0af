// The Applied Epic sandbox: a set of Epic enterprise databases, each reached with its own
// consumer key and secret. As in production, the database is bound to the credentials (no
// tenant header exists), so a bearer token alone says which database a request reads.
import { createHash, randomBytes } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { EpicDatabase } from './database.ts';
import { type AppliedEpicSeedOptions, seedDatabase } from './seed.ts';

/** Every read scope the sandbox knows; a consumer is granted these unless told otherwise. */
export const readScopes = [
  'epic/accounts:read',
  'epic/policies:read',
  'epic/lines:read',
  'epic/producer-broker-commissions:read',
  'epic/policy-types:read',
  'epic/policy-statuses:read',
  'epic/transactions:read',
];

/** Applied's documented token lifetime. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

export interface ConsumerCredentials {
  clientId: string;
  clientSecret: string;
}

interface Consumer extends ConsumerCredentials {
  database: EpicDatabase;
  scopes: string[];
}

export interface IssuedToken {
  database: EpicDatabase;
  scopes: Set<string>;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface CreatedDatabase {
  database: EpicDatabase;
  credentials: ConsumerCredentials & { accessToken: string };
  agency: DemoAgency | null;
}

/** A consumer key and secret that stay the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticConsumerCredentials(seed: string): ConsumerCredentials {
  const h = createHash('sha256').update(`applied-epic:${seed}`).digest('hex');
  return { clientId: `epic-${h.slice(0, 20)}`, clientSecret: h.slice(20, 64) };
}

export class AppliedEpicSandbox {
  readonly databases = new AccountRegistry<EpicDatabase>();
  private readonly consumers = new Map<string, Consumer>();
  private readonly tokens = new Map<string, IssuedToken>();
  private nextDatabase = 1;

  createDatabase(
    opts: AppliedEpicSeedOptions & {
      empty?: boolean;
      scopes?: string[];
      credentials?: ConsumerCredentials;
    } = {},
  ): CreatedDatabase {
    const name = `EPIC${String(this.nextDatabase++).padStart(3, '0')}`;
    const database = new EpicDatabase(name, `${opts.seed ?? 'demo'}:${name}`);
    this.databases.set(name, database);
    const agency = opts.empty ? null : seedDatabase(database, opts);
    const credentials = opts.credentials ?? {
      clientId: `epic-${randomBytes(10).toString('hex')}`,
      clientSecret: randomBytes(24).toString('hex'),
    };
    const consumer: Consumer = { ...credentials, database, scopes: opts.scopes ?? readScopes };
    this.consumers.set(credentials.clientId, consumer);
    const { accessToken } = this.issueToken(database, { scopes: consumer.scopes });
    return { database, credentials: { ...credentials, accessToken }, agency };
  }

  /** The consumer whose key and secret these are, or undefined. */
  authenticate(clientId: string, clientSecret: string): Consumer | undefined {
    const consumer = this.consumers.get(clientId);
    return consumer && consumer.clientSecret === clientSecret ? consumer : undefined;
  }

  issueToken(
    database: EpicDatabase,
    opts: { ttlSeconds?: number | null; scopes?: string[] } = {},
  ): { accessToken: string; expiresIn: number; scopes: string[] } {
    const expiresIn = opts.ttlSeconds ?? (database.chaos.tokenTtlSeconds || DEFAULT_TOKEN_TTL_SECONDS);
    const scopes = opts.scopes ?? readScopes;
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      database,
      scopes: new Set(scopes),
      expiresAt: Date.now() + expiresIn * 1000,
    });
    return { accessToken, expiresIn, scopes };
  }

  tokenInfo(token: string): IssuedToken | undefined {
    return this.tokens.get(token);
  }
}
