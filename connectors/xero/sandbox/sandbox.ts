// The Xero sandbox: organisations (tenants), the OAuth app each was connected with, codes and
// tokens. Access tokens live 30 minutes (expires_in 1800); refresh tokens rotate on every use
// (Xero's refresh tokens are single use; the replaced one is refused at once in the sandbox).
import { createHash, randomBytes } from 'node:crypto';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { XeroOrg } from './org.ts';
import { seedOrg, type XeroSeedOptions } from './seed.ts';

export const ACCESS_TOKEN_TTL_SECONDS = 1800;
export const SCOPES = 'offline_access accounting.transactions accounting.settings accounting.contacts';

export interface XeroCredentials {
  accessToken: string;
  refreshToken: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

interface OAuthApp {
  clientId: string;
  clientSecret: string;
  tenantId: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
}

export interface CreateOrgOptions extends XeroSeedOptions {
  empty?: boolean;
  credentials?: Partial<XeroCredentials>;
}

/** Credentials that stay the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticXeroCredentials(seed: string): XeroCredentials {
  const h = createHash('sha256').update(`xero:${seed}`).digest('hex');
  return {
    accessToken: `eyJhbGciOiJSUzI1NiIsImtpZCI6IjFDQUY4RTY2NzcyRDZEQzAyOEQ2NzI2RkQwMjYxNTgxNTcwRUZDMTkifQ.demo-${h.slice(0, 40)}`,
    refreshToken: h.slice(0, 64),
    clientId: h.slice(20, 52).toUpperCase(),
    clientSecret: h.slice(10, 58),
    // A UUID made of the hash, so the demo organisation keeps its tenant id across restarts.
    tenantId: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
  };
}

export class XeroSandbox {
  readonly orgs = new AccountRegistry<XeroOrg>();
  private readonly apps = new Map<string, OAuthApp>();
  private readonly refreshTokens = new Map<string, { tenantId: string; clientId: string }>();
  private readonly codes = new Map<
    string,
    { clientId: string; tenantId: string; redirectUri: string; expiresAt: number }
  >();
  readonly tokenRequests = new Map<string, number>();

  createOrg(opts: CreateOrgOptions = {}): { org: XeroOrg; credentials: XeroCredentials } {
    const org = new XeroOrg('Demo Insurance Agency', opts.credentials?.tenantId);
    this.orgs.set(org.tenantId, org);
    if (!opts.empty) seedOrg(org, opts);
    const fixed = opts.credentials ?? {};
    const app: OAuthApp = {
      clientId: fixed.clientId ?? randomBytes(16).toString('hex').toUpperCase(),
      clientSecret: fixed.clientSecret ?? randomBytes(24).toString('base64url'),
      tenantId: org.tenantId,
    };
    this.apps.set(app.clientId, app);
    let accessToken = fixed.accessToken;
    if (accessToken) {
      // The demo's fixed token never expires, so a restarted dev server keeps working.
      org.accessTokens.set(accessToken, null);
      this.orgs.bindToken(accessToken, org);
    } else accessToken = this.issueAccessToken(org, ACCESS_TOKEN_TTL_SECONDS);
    const refreshToken = fixed.refreshToken ?? randomBytes(32).toString('hex');
    this.refreshTokens.set(refreshToken, { tenantId: org.tenantId, clientId: app.clientId });
    return {
      org,
      credentials: {
        accessToken,
        refreshToken,
        tenantId: org.tenantId,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
      },
    };
  }

  /** An access token for an organisation; a negative TTL gives one that has already expired. */
  issueAccessToken(org: XeroOrg, ttlSeconds: number | null): string {
    const token = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(48).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    org.accessTokens.set(token, ttlSeconds === null ? null : Date.now() + ttlSeconds * 1000);
    this.orgs.bindToken(token, org);
    return token;
  }

  revokeAccessToken(org: XeroOrg, token: string): void {
    org.accessTokens.delete(token);
    this.orgs.revokeToken(token, org);
  }

  orgForToken(token: string): { org: XeroOrg; expired: boolean } | undefined {
    const org = this.orgs.forToken(token);
    if (!org) return undefined;
    const expiry = org.accessTokens.get(token);
    return { org, expired: expiry !== null && expiry !== undefined && expiry < Date.now() };
  }

  app(clientId: string, clientSecret: string): OAuthApp | undefined {
    const app = this.apps.get(clientId);
    return app && app.clientSecret === clientSecret ? app : undefined;
  }

  appById(clientId: string): OAuthApp | undefined {
    return this.apps.get(clientId);
  }

  countTokenRequest(tenantId: string): void {
    this.tokenRequests.set(tenantId, (this.tokenRequests.get(tenantId) ?? 0) + 1);
  }

  /** The consent screen, skipped: the app's organisation is connected at once. */
  authorize(app: OAuthApp, redirectUri: string): string {
    const code = randomBytes(24).toString('hex');
    this.codes.set(code, {
      clientId: app.clientId,
      tenantId: app.tenantId,
      redirectUri,
      expiresAt: Date.now() + 5 * 60_000,
    });
    return code;
  }

  exchangeCode(app: OAuthApp, code: string, redirectUri: string): TokenSet | null {
    const grant = this.codes.get(code);
    this.codes.delete(code);
    if (
      !grant ||
      grant.clientId !== app.clientId ||
      grant.redirectUri !== redirectUri ||
      grant.expiresAt < Date.now()
    )
      return null;
    return this.tokenSet(this.orgs.get(grant.tenantId)!, app.clientId);
  }

  /** Xero's refresh tokens are single use: a refresh rotates it. */
  refresh(app: OAuthApp, refreshToken: string): TokenSet | null {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant || grant.clientId !== app.clientId) return null;
    this.refreshTokens.delete(refreshToken);
    return this.tokenSet(this.orgs.get(grant.tenantId)!, app.clientId);
  }

  private tokenSet(org: XeroOrg, clientId: string): TokenSet {
    const ttl = org.chaos.tokenTtlSeconds || ACCESS_TOKEN_TTL_SECONDS;
    const refresh = randomBytes(32).toString('hex');
    this.refreshTokens.set(refresh, { tenantId: org.tenantId, clientId });
    return {
      access_token: this.issueAccessToken(org, ttl),
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: ttl,
      scope: SCOPES,
    };
  }
}
