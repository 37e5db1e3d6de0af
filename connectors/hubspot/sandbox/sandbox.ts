// The HubSpot sandbox: a set of portals (HubSpot accounts), each reached with its own tokens.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { HubSpotPortal } from './portal.ts';
import { type HubSpotSeedOptions, seedPortal } from './seed.ts';

export interface CreatedPortal {
  portal: HubSpotPortal;
  accessToken: string;
  agency: DemoAgency | null;
  oauthApp: { clientId: string; clientSecret: string };
}

/** A private-app token that stays the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticPrivateAppToken(seed: string): string {
  const h = createHash('sha256').update(`hubspot:${seed}`).digest('hex');
  return `pat-na1-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The demo portal's public app, the same for the same seed (the console's "Connect HubSpot" uses it). */
export function staticOAuthApp(seed: string): { clientId: string; clientSecret: string } {
  const h = createHash('sha256').update(`hubspot-app:${seed}`).digest('hex');
  return {
    clientId: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
    clientSecret: `${h.slice(32, 40)}-${h.slice(40, 44)}-4${h.slice(45, 48)}-8${h.slice(49, 52)}-${h.slice(52, 64)}`,
  };
}

/** A public app's OAuth client, installed in one portal (the sandbox has no account chooser). */
export interface HubSpotOAuthApp {
  clientId: string;
  clientSecret: string;
  portal: HubSpotPortal;
  /** HubSpot's numeric app id (token metadata's app_id). */
  appId: number;
}

/** The portal user who installs the app (the sandbox's consent screen approves as them). */
export const installingUser = (portal: HubSpotPortal) => ({
  userId: 9_000_001,
  email: `admin@portal-${portal.portalId}.hubspot.test`,
});

/** Scopes of tokens issued without a consent screen (admin-made tokens): what the hub asks for. */
export const defaultScopes = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.companies.read',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.owners.read',
];

/** HubSpot's OAuth access tokens live 30 minutes. */
export const OAUTH_ACCESS_TOKEN_TTL_SECONDS = 1800;

export class HubSpotSandbox {
  readonly portals = new AccountRegistry<HubSpotPortal>();
  private nextPortalId = 24_000_001;
  readonly apps = new Map<string, HubSpotOAuthApp>();
  private readonly codes = new Map<
    string,
    {
      app: HubSpotOAuthApp;
      redirectUri: string;
      codeChallenge: string | null;
      scope: string;
      expiresAt: number;
    }
  >();
  /** Refresh tokens never rotate at HubSpot; they last until the app is uninstalled. */
  readonly refreshTokens = new Map<string, { app: HubSpotOAuthApp; scope: string }>();
  /** Calls to the token endpoint per portal (tests count refreshes with it). */
  readonly tokenRequests = new Map<number, number>();
  /** Which app (and consented scopes) issued each OAuth access token. */
  private readonly accessGrants = new Map<string, { app: HubSpotOAuthApp; scope: string }>();

  createPortal(
    opts: HubSpotSeedOptions & {
      empty?: boolean;
      accessToken?: string;
      oauthApp?: { clientId: string; clientSecret: string };
    } = {},
  ): CreatedPortal {
    const portal = new HubSpotPortal(this.nextPortalId++);
    this.portals.set(portal.portalId, portal);
    const agency = opts.empty ? null : seedPortal(portal, opts);
    const accessToken = opts.accessToken ?? portal.issueToken('pat-na1', null);
    portal.tokens.set(accessToken, null);
    this.portals.bindToken(accessToken, portal);
    const app: HubSpotOAuthApp = {
      clientId: opts.oauthApp?.clientId ?? randomUUID(),
      clientSecret: opts.oauthApp?.clientSecret ?? randomUUID(),
      portal,
      appId: 4_000_000 + this.apps.size + 1,
    };
    this.apps.set(app.clientId, app);
    return {
      portal,
      accessToken,
      agency,
      oauthApp: { clientId: app.clientId, clientSecret: app.clientSecret },
    };
  }

  /** The consent screen, approved at once: an authorization code for the app's portal. */
  issueCode(app: HubSpotOAuthApp, redirectUri: string, codeChallenge: string | null, scope: string): string {
    const code = randomUUID();
    this.codes.set(code, { app, redirectUri, codeChallenge, scope, expiresAt: Date.now() + 5 * 60_000 });
    return code;
  }

  /** Codes are single use: taking one removes it, valid or not. */
  takeCode(code: string) {
    const found = this.codes.get(code);
    this.codes.delete(code);
    return found && found.expiresAt > Date.now() ? found : undefined;
  }

  issueRefreshToken(app: HubSpotOAuthApp, scope: string): string {
    const token = `na1-${randomBytes(4).toString('hex')}-${randomUUID()}`;
    this.refreshTokens.set(token, { app, scope });
    return token;
  }

  countTokenRequest(portal: HubSpotPortal): void {
    this.tokenRequests.set(portal.portalId, (this.tokenRequests.get(portal.portalId) ?? 0) + 1);
  }

  issueToken(
    portal: HubSpotPortal,
    ttlSeconds: number | null,
    grant?: { app: HubSpotOAuthApp; scope: string },
  ): string {
    const token = portal.issueToken(ttlSeconds === null ? 'pat-na1' : 'CO-na1', ttlSeconds);
    this.portals.bindToken(token, portal);
    if (grant) this.accessGrants.set(token, grant);
    return token;
  }

  /** The app and scopes behind an access token (token metadata), defaulting for admin-made tokens. */
  grantOf(token: string, portal: HubSpotPortal): { app: HubSpotOAuthApp | undefined; scopes: string[] } {
    const grant = this.accessGrants.get(token);
    const app = grant?.app ?? [...this.apps.values()].find((a) => a.portal === portal);
    const scopes = grant ? grant.scope.split(/[\s,]+/).filter(Boolean) : defaultScopes;
    return { app, scopes };
  }

  revokeToken(portal: HubSpotPortal, token: string): void {
    portal.tokens.delete(token);
    this.portals.revokeToken(token, portal);
    this.accessGrants.delete(token);
  }

  portalForToken(token: string): HubSpotPortal | undefined {
    return this.portals.forToken(token);
  }
}
