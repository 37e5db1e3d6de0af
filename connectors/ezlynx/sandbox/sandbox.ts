// The EZLynx sandbox: integration groups, each giving our integration access to one agency, and
// the lookups the API needs (client id → agency at the token endpoint, bearer token → agency on
// every call). Integrators are known to ask agencies for an "Integration Group ID" beside their
// client credentials; here every sandbox account is one agency in its own integration group.
import { createHash, randomBytes } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { EzlynxAgency } from './agency.ts';
import { type EzlynxSeedOptions, seedAgency } from './seed.ts';

/** Access tokens live 30 minutes unless chaos says otherwise (our assumption). */
export const DEFAULT_TOKEN_TTL_SECONDS = 1800;

export interface EzlynxCredentials {
  clientId: string;
  /** The API key, sent as the client secret of a client-credentials grant. */
  apiKey: string;
}

export interface CreatedAgency {
  agency: EzlynxAgency;
  credentials: EzlynxCredentials & { clientSecret: string; accessToken: string };
  demo: DemoAgency | null;
}

/** Credentials that stay the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticEzlynxCredentials(seed: string): EzlynxCredentials {
  const h = createHash('sha256').update(`ezlynx:${seed}`).digest('hex');
  return { clientId: `ezl-int-${h.slice(0, 12)}`, apiKey: `ezk_${h.slice(12, 52)}` };
}

export class EzlynxSandbox {
  readonly agencies = new AccountRegistry<EzlynxAgency>();
  private readonly byClientId = new Map<string, EzlynxAgency>();
  private nextAgencyId = 71_001;
  private nextGroupId = 501;

  createAgency(
    opts: EzlynxSeedOptions & { empty?: boolean; credentials?: EzlynxCredentials } = {},
  ): CreatedAgency {
    const credentials = opts.credentials ?? {
      clientId: `ezl-int-${randomBytes(6).toString('hex')}`,
      apiKey: `ezk_${randomBytes(20).toString('hex')}`,
    };
    const agency = new EzlynxAgency({
      agencyId: String(this.nextAgencyId++),
      integrationGroupId: `IG-${this.nextGroupId++}`,
      clientId: credentials.clientId,
      apiKey: credentials.apiKey,
    });
    this.agencies.set(agency.agencyId, agency);
    this.byClientId.set(agency.clientId, agency);
    const demo = opts.empty ? null : seedAgency(agency, opts);
    const accessToken = this.issueToken(agency);
    return {
      agency,
      credentials: { ...credentials, clientSecret: credentials.apiKey, accessToken },
      demo,
    };
  }

  /** A bearer token for the agency; the TTL defaults to chaos `tokenTtlSeconds`, then 30 minutes. */
  issueToken(agency: EzlynxAgency, ttlSeconds?: number): string {
    const ttl = ttlSeconds ?? (agency.chaos.tokenTtlSeconds || DEFAULT_TOKEN_TTL_SECONDS);
    const token = agency.issueToken(ttl);
    this.agencies.bindToken(token, agency);
    return token;
  }

  agencyForClient(clientId: string): EzlynxAgency | undefined {
    return this.byClientId.get(clientId);
  }

  agencyForToken(token: string): EzlynxAgency | undefined {
    return this.agencies.forToken(token);
  }
}
