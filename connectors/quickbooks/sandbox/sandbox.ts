// The QuickBooks sandbox: companies (realms), the OAuth app each was connected with, and the
// token lookup both the API and the token endpoint need. Refresh tokens rotate on every
// refresh; the replaced one keeps answering for a grace period (returning the token that
// replaced it, so two workers racing to refresh converge on one) and is refused after it.
// Changes are announced to the registered webhook URL, signed the way Intuit signs them.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { type EntityName, QuickBooksRealm } from './realm.ts';
import { type QuickBooksSeedOptions, seedRealm } from './seed.ts';

export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 8_726_400; // 101 days, as Intuit reports it
/** How long a replaced refresh token still works, unless an account is created with another. */
export const DEFAULT_REFRESH_GRACE_SECONDS = 120;

export interface QuickBooksCredentials {
  accessToken: string;
  refreshToken: string;
  realmId: string;
  clientId: string;
  clientSecret: string;
}

interface OAuthApp {
  clientId: string;
  clientSecret: string;
  realmId: string;
  refreshGraceMs: number;
}

interface RefreshGrant {
  realmId: string;
  clientId: string;
  expiresAt: number;
  replacedBy: string | null;
  replacedAt: number | null;
  revoked: boolean;
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  x_refresh_token_expires_in: number;
}

export type RefreshOutcome =
  | { ok: true; tokens: TokenSet }
  | { ok: false; error: 'invalid_grant' | 'invalid_client' };

export interface CreateRealmOptions extends QuickBooksSeedOptions {
  empty?: boolean;
  /** Fixed credentials (the dev server's demo company keeps the same ones across restarts). */
  credentials?: Partial<Omit<QuickBooksCredentials, 'realmId'>>;
  refreshTokenGraceSeconds?: number;
}

/** Credentials that stay the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticQuickBooksCredentials(seed: string): Omit<QuickBooksCredentials, 'realmId'> {
  const h = createHash('sha256').update(`quickbooks:${seed}`).digest('hex');
  return {
    accessToken: `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.demo-${h.slice(0, 40)}`,
    refreshToken: `AB11${h.slice(40, 64).toUpperCase()}`,
    clientId: `ABdemo${h.slice(0, 12)}`,
    clientSecret: h.slice(12, 52),
  };
}

export class QuickBooksSandbox {
  readonly realms = new AccountRegistry<QuickBooksRealm>();
  private readonly accessIndex = new Map<string, QuickBooksRealm>();
  private readonly refreshGrants = new Map<string, RefreshGrant>();
  private readonly apps = new Map<string, OAuthApp>();
  private readonly codes = new Map<
    string,
    { clientId: string; realmId: string; redirectUri: string; expiresAt: number }
  >();
  private nextRealm = 9_341_455_000_001;
  /** Calls to the token endpoint per realm (tests count refreshes with it). */
  readonly tokenRequests = new Map<string, number>();

  countTokenRequest(realmId: string): void {
    this.tokenRequests.set(realmId, (this.tokenRequests.get(realmId) ?? 0) + 1);
  }

  createRealm(opts: CreateRealmOptions = {}): {
    realm: QuickBooksRealm;
    credentials: QuickBooksCredentials;
    agency: DemoAgency | null;
  } {
    const realm = new QuickBooksRealm(String(this.nextRealm++), 'Demo Insurance Agency');
    this.realms.set(realm.realmId, realm);
    realm.onChange = (entity, id, operation, atMs) => this.announce(realm, entity, id, operation, atMs);
    const agency = opts.empty ? null : seedRealm(realm, opts);
    const fixed = opts.credentials ?? {};
    const app: OAuthApp = {
      clientId: fixed.clientId ?? `AB${randomBytes(24).toString('base64url')}`,
      clientSecret: fixed.clientSecret ?? randomBytes(30).toString('base64url'),
      realmId: realm.realmId,
      refreshGraceMs: (opts.refreshTokenGraceSeconds ?? DEFAULT_REFRESH_GRACE_SECONDS) * 1000,
    };
    this.apps.set(app.clientId, app);
    const accessToken = fixed.accessToken ?? this.issueAccessToken(realm, ACCESS_TOKEN_TTL_SECONDS);
    if (fixed.accessToken) {
      // The demo's fixed token never expires, so a restarted dev server keeps working.
      realm.accessTokens.set(accessToken, null);
      this.accessIndex.set(accessToken, realm);
    }
    const refreshToken = fixed.refreshToken ?? this.newRefreshToken();
    this.refreshGrants.set(refreshToken, this.grant(realm.realmId, app.clientId));
    return {
      realm,
      agency,
      credentials: {
        accessToken,
        refreshToken,
        realmId: realm.realmId,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
      },
    };
  }

  /** An access token for a realm; a negative TTL gives one that has already expired. */
  issueAccessToken(realm: QuickBooksRealm, ttlSeconds: number | null): string {
    const token = `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${randomBytes(48).toString('base64url')}`;
    realm.accessTokens.set(token, ttlSeconds === null ? null : Date.now() + ttlSeconds * 1000);
    this.accessIndex.set(token, realm);
    return token;
  }

  revokeAccessToken(realm: QuickBooksRealm, token: string): void {
    realm.accessTokens.delete(token);
    if (this.accessIndex.get(token) === realm) this.accessIndex.delete(token);
  }

  /** The realm a bearer token belongs to, and whether it has expired. */
  realmForToken(token: string): { realm: QuickBooksRealm; expired: boolean } | undefined {
    const realm = this.accessIndex.get(token);
    if (!realm) return undefined;
    const expiry = realm.accessTokens.get(token);
    return { realm, expired: expiry !== null && expiry !== undefined && expiry < Date.now() };
  }

  /** HTTP Basic client authentication at the token endpoint. */
  app(clientId: string, clientSecret: string): OAuthApp | undefined {
    const app = this.apps.get(clientId);
    return app && app.clientSecret === clientSecret ? app : undefined;
  }

  appById(clientId: string): OAuthApp | undefined {
    return this.apps.get(clientId);
  }

  /** The consent screen, skipped: the app's company is connected at once. */
  authorize(app: OAuthApp, redirectUri: string): { code: string; realmId: string } {
    const code = `AB11${randomBytes(24).toString('hex')}`;
    this.codes.set(code, {
      clientId: app.clientId,
      realmId: app.realmId,
      redirectUri,
      expiresAt: Date.now() + 5 * 60_000,
    });
    return { code, realmId: app.realmId };
  }

  exchangeCode(app: OAuthApp, code: string, redirectUri: string): RefreshOutcome {
    const grant = this.codes.get(code);
    this.codes.delete(code); // single use
    if (
      !grant ||
      grant.clientId !== app.clientId ||
      grant.redirectUri !== redirectUri ||
      grant.expiresAt < Date.now()
    )
      return { ok: false, error: 'invalid_grant' };
    const realm = this.realms.get(grant.realmId)!;
    const refreshToken = this.newRefreshToken();
    this.refreshGrants.set(refreshToken, this.grant(realm.realmId, app.clientId));
    return { ok: true, tokens: this.tokenSet(realm, refreshToken) };
  }

  /**
   * A refresh always rotates. A replaced token still works within the app's grace period and
   * answers with the token that replaced it (no fork); after the grace it is invalid_grant.
   */
  refresh(app: OAuthApp, refreshToken: string): RefreshOutcome {
    const grant = this.refreshGrants.get(refreshToken);
    if (!grant || grant.clientId !== app.clientId || grant.revoked || grant.expiresAt < Date.now())
      return { ok: false, error: 'invalid_grant' };
    const realm = this.realms.get(grant.realmId)!;
    if (grant.replacedBy) {
      if (Date.now() - grant.replacedAt! > app.refreshGraceMs) return { ok: false, error: 'invalid_grant' };
      let current = grant.replacedBy;
      let latest = this.refreshGrants.get(current)!;
      while (latest.replacedBy) {
        current = latest.replacedBy;
        latest = this.refreshGrants.get(current)!;
      }
      if (latest.revoked) return { ok: false, error: 'invalid_grant' };
      return { ok: true, tokens: this.tokenSet(realm, current) };
    }
    const next = this.newRefreshToken();
    grant.replacedBy = next;
    grant.replacedAt = Date.now();
    this.refreshGrants.set(next, this.grant(realm.realmId, app.clientId));
    return { ok: true, tokens: this.tokenSet(realm, next) };
  }

  /** Revoking either token of a grant disconnects the app: every token it holds stops working. */
  revoke(app: OAuthApp, token: string): void {
    const realm = this.realms.get(app.realmId);
    const grant = this.refreshGrants.get(token);
    if (grant && grant.clientId === app.clientId) {
      for (const g of this.refreshGrants.values()) if (g.clientId === app.clientId) g.revoked = true;
    }
    if (realm && (grant || this.accessIndex.get(token) === realm)) {
      for (const t of realm.accessTokens.keys()) this.accessIndex.delete(t);
      realm.accessTokens.clear();
    }
  }

  private tokenSet(realm: QuickBooksRealm, refreshToken: string): TokenSet {
    const ttl = realm.chaos.tokenTtlSeconds > 0 ? realm.chaos.tokenTtlSeconds : ACCESS_TOKEN_TTL_SECONDS;
    const grant = this.refreshGrants.get(refreshToken)!;
    return {
      access_token: this.issueAccessToken(realm, ttl),
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: ttl,
      x_refresh_token_expires_in: Math.max(0, Math.round((grant.expiresAt - Date.now()) / 1000)),
    };
  }

  private grant(realmId: string, clientId: string): RefreshGrant {
    return {
      realmId,
      clientId,
      expiresAt: Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000,
      replacedBy: null,
      replacedAt: null,
      revoked: false,
    };
  }

  private newRefreshToken(): string {
    return `AB11${Date.now()}${randomBytes(20).toString('hex')}`;
  }

  // Outbound webhooks. Intuit batches a realm's changes into one notification a few moments
  // after they happen; the sandbox waits 20 ms. Deliveries are not retried.
  private readonly pending = new Map<
    QuickBooksRealm,
    { entity: EntityName; id: string; operation: string; atMs: number }[]
  >();

  private announce(
    realm: QuickBooksRealm,
    entity: EntityName,
    id: string,
    operation: string,
    atMs: number,
  ): void {
    if (!realm.webhook) return;
    const queue = this.pending.get(realm);
    if (queue) {
      queue.push({ entity, id, operation, atMs });
      return;
    }
    this.pending.set(realm, [{ entity, id, operation, atMs }]);
    setTimeout(() => void this.deliver(realm), 20).unref();
  }

  private async deliver(realm: QuickBooksRealm): Promise<void> {
    const events = this.pending.get(realm) ?? [];
    this.pending.delete(realm);
    const hook = realm.webhook;
    if (!hook || !events.length) return;
    const body = JSON.stringify(
      hook.format === 'classic' ? classicNotification(realm, events) : cloudEvents(realm, events),
    );
    const signature = createHmac('sha256', hook.secret).update(body).digest('base64');
    await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'intuit-signature': signature,
        'intuit-t-id': randomUUID(),
        'intuit-created-time': realm.formatTime(Date.now()),
        'intuit-notification-schema-version': hook.format === 'classic' ? '0.1' : '1.0',
        'user-agent': 'intuit_notification_server/0.1',
      },
      body,
    }).catch(() => undefined);
  }
}

type Pending = { entity: EntityName; id: string; operation: string; atMs: number };

function classicNotification(realm: QuickBooksRealm, events: Pending[]) {
  return {
    eventNotifications: [
      {
        realmId: realm.realmId,
        dataChangeEvent: {
          entities: events.map((e) => ({
            name: e.entity,
            id: e.id,
            operation: e.operation,
            lastUpdated: new Date(e.atMs).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
          })),
        },
      },
    ],
  };
}

const cloudVerbs: Record<string, string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
  Merge: 'merged',
  Void: 'voided',
};

function cloudEvents(realm: QuickBooksRealm, events: Pending[]) {
  return events.map((e) => ({
    specversion: '1.0',
    id: `${randomUUID()}-${e.entity}-${e.id}`,
    source: `intuit.${createHash('sha256').update(realm.realmId).digest('hex').slice(0, 44)}`,
    type: `qbo.${e.entity.toLowerCase()}.${cloudVerbs[e.operation] ?? e.operation.toLowerCase()}.v1`,
    datacontenttype: 'application/json',
    time: new Date(e.atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    intuitentityid: e.id,
    intuitaccountid: realm.realmId,
    data: {},
  }));
}
