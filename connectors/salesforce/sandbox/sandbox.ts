// The Salesforce sandbox: a set of orgs, each with one connected app (client id and secret), its
// OAuth authorization codes, access and refresh tokens, and the change-event relay that POSTs
// CDC-shaped JSON to the URL registered through the admin API.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { type ChangeEvent, SalesforceOrg } from './org.ts';
import { type SalesforceSeedOptions, seedOrg } from './seed.ts';

/** The default session timeout of an org: two hours. */
export const DEFAULT_SESSION_SECONDS = 2 * 60 * 60;

/** Headers the org's change-event relay (an Apex callout) signs its POSTs with. */
export const signatureHeader = 'x-sfdc-signature';
export const timestampHeader = 'x-sfdc-timestamp';

export interface Session {
  org: SalesforceOrg;
  userId: string;
  expiresAt: number;
  scope: string;
}

interface Grant {
  org: SalesforceOrg;
  userId: string;
  scope: string;
}

interface AuthorizationCode extends Grant {
  redirectUri: string;
  codeChallenge: string | null;
  expiresAt: number;
}

export interface CreatedOrg {
  org: SalesforceOrg;
  agency: DemoAgency | null;
  accessToken: string;
  refreshToken: string;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export interface DemoCredentials {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Credentials that stay the same for the same seed, so a demo connection stored by the hub keeps
 * working across sandbox restarts (the access token gets a fresh session timeout; after that the
 * hub refreshes with the refresh token). The demo org is the server's first: 00DHp0000000001MAA.
 */
export function staticSalesforceCredentials(seed: string): DemoCredentials {
  const h = (label: string) => createHash('sha256').update(`salesforce:${seed}:${label}`).digest('base64url');
  return {
    accessToken: `00DHp0000000001!${h('access')}${h('access2')}`,
    refreshToken: `5Aep861${h('refresh')}`,
    clientId: `3MVG9${h('client').replace(/[-_]/g, '').slice(0, 32)}`,
    clientSecret: h('secret').replace(/[-_]/g, '').slice(0, 32).toUpperCase(),
  };
}

/** The HMAC the relay sends: base64 of HMAC-SHA256(secret, "<timestamp>.<raw body>"). */
export function signChangeEvents(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('base64');
}

export class SalesforceSandbox {
  readonly orgs = new AccountRegistry<SalesforceOrg>();
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly deliveries = new Map<string, Promise<void>>();
  private readonly replayIds = new Map<string, number>();
  private nextOrg = 1;
  /** Calls to the token endpoint per org (tests count refreshes with it). */
  readonly tokenRequests = new Map<string, number>();

  countTokenRequest(orgId: string): void {
    this.tokenRequests.set(orgId, (this.tokenRequests.get(orgId) ?? 0) + 1);
  }

  createOrg(
    opts: SalesforceSeedOptions & { empty?: boolean; name?: string; credentials?: DemoCredentials } = {},
  ): CreatedOrg {
    const org = new SalesforceOrg(this.nextOrg++, opts.name ?? 'Demo Insurance Agency');
    this.orgs.set(org.orgId, org);
    if (opts.credentials) {
      org.connectedApp.clientId = opts.credentials.clientId;
      org.connectedApp.clientSecret = opts.credentials.clientSecret;
    }
    const agency = opts.empty ? null : seedOrg(org, opts);
    if (opts.empty) {
      const admin = org.create(
        'User',
        { Username: `admin@${org.orgId.toLowerCase()}.test`, LastName: 'Admin', Email: 'admin@example.test' },
        { quiet: true },
      );
      org.adminUserId = admin.fields.Id as string;
    }
    org.onCommit = (events) => this.deliver(org, events);
    const grant = { org, userId: org.adminUserId, scope: 'api refresh_token' };
    const refreshToken = this.issueRefreshToken(grant, opts.credentials?.refreshToken);
    const accessToken = this.issueAccessToken(grant, null, opts.credentials?.accessToken);
    return { org, agency, accessToken, refreshToken };
  }

  orgForClient(clientId: string): SalesforceOrg | undefined {
    for (const org of this.orgs.values()) if (org.connectedApp.clientId === clientId) return org;
    return undefined;
  }

  /** Access tokens look like Salesforce's: the org id, "!", then opaque text. */
  issueAccessToken(grant: Grant, ttlSeconds?: number | null, fixed?: string): string {
    const accessToken = fixed ?? `${grant.org.orgId.slice(0, 15)}!${token(72)}`;
    const ttl = ttlSeconds ?? (grant.org.chaos.tokenTtlSeconds || DEFAULT_SESSION_SECONDS);
    this.sessions.set(accessToken, { ...grant, expiresAt: Date.now() + ttl * 1000 });
    return accessToken;
  }

  issueRefreshToken(grant: Grant, fixed?: string): string {
    const refreshToken = fixed ?? `5Aep861${token(60)}`;
    this.refreshTokens.set(refreshToken, grant);
    return refreshToken;
  }

  issueCode(grant: Grant, redirectUri: string, codeChallenge: string | null): string {
    const code = `aPrx${token(48)}==`;
    this.codes.set(code, { ...grant, redirectUri, codeChallenge, expiresAt: Date.now() + 15 * 60_000 });
    return code;
  }

  /** Codes are single use: taking one removes it, valid or not. */
  takeCode(code: string): AuthorizationCode | undefined {
    const found = this.codes.get(code);
    this.codes.delete(code);
    return found && found.expiresAt > Date.now() ? found : undefined;
  }

  refreshGrant(refreshToken: string): Grant | undefined {
    return this.refreshTokens.get(refreshToken);
  }

  revokeRefreshToken(refreshToken: string): boolean {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant) return false;
    this.refreshTokens.delete(refreshToken);
    // Revoking a refresh token ends the sessions it granted.
    for (const [t, s] of this.sessions)
      if (s.org === grant.org && s.userId === grant.userId) this.sessions.delete(t);
    return true;
  }

  revokeAccessToken(accessToken: string): boolean {
    return this.sessions.delete(accessToken);
  }

  /** The session an access token opens; expired sessions are reported as such, then forgotten. */
  session(accessToken: string): Session | undefined {
    const s = this.sessions.get(accessToken);
    if (s && s.expiresAt <= Date.now()) return undefined;
    return s;
  }

  /** Posts an org's committed change events to its registered URL, one transaction per POST, in order. */
  private deliver(org: SalesforceOrg, events: ChangeEvent[]): void {
    const hook = org.webhook;
    if (!hook) return;
    let replayId = this.replayIds.get(org.orgId) ?? 0;
    const body = JSON.stringify({
      organizationId: org.orgId,
      events: events.map((e) => ({
        channel: `/data/${e.entityName}ChangeEvent`,
        replayId: ++replayId,
        payload: {
          ChangeEventHeader: {
            entityName: e.entityName,
            recordIds: e.recordIds,
            changeType: e.changeType,
            changeOrigin: e.changeOrigin,
            transactionKey: e.transactionKey,
            sequenceNumber: events.indexOf(e) + 1,
            commitTimestamp: e.commitTimestamp,
            commitNumber: org.commitNumber,
            commitUser: e.commitUser,
            changedFields: e.changedFields,
            nulledFields: e.nulledFields,
            diffFields: [],
          },
          ...e.values,
        },
      })),
    });
    this.replayIds.set(org.orgId, replayId);
    const previous = this.deliveries.get(org.orgId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const timestamp = String(Date.now());
      try {
        await fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [timestampHeader]: timestamp,
            [signatureHeader]: signChangeEvents(hook.secret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
      } catch {
        // Like a failed callout: the event is gone; the hub's polling still sees the change.
      }
    });
    this.deliveries.set(org.orgId, next);
  }
}

/** The sandbox's own root URL as the caller reached it (the prefix it is mounted under included). */
export function rootUrlOf(requestUrl: string, marker: string): string {
  const url = new URL(requestUrl);
  const at = url.pathname.indexOf(marker);
  return url.origin + (at >= 0 ? url.pathname.slice(0, at) : '');
}

/** The S256 PKCE challenge of a verifier. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
