// One local HTTP server for every vendor sandbox, each under its own prefix, seeded with the
// same demo agency. `describe()` lists each sandbox's base URL and the static development
// credential its demo account accepts (written to .data/sandboxes.json by the dev supervisor).
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  type AppliedEpicSandbox,
  createAppliedEpicSandboxApp,
  staticConsumerCredentials,
} from './applied-epic/sandbox/index.ts';
import {
  createEzlynxSandboxApp,
  type EzlynxSandbox,
  staticEzlynxCredentials,
} from './ezlynx/sandbox/index.ts';
import {
  createHawkSoftSandboxApp,
  type HawkSoftSandbox,
  staticPartnerCredentials,
} from './hawksoft/sandbox/index.ts';
import {
  createHubSpotSandboxApp,
  type HubSpotSandbox,
  staticOAuthApp,
  staticPrivateAppToken,
} from './hubspot/sandbox/index.ts';
import {
  createQuickBooksSandboxApp,
  type QuickBooksSandbox,
  staticQuickBooksCredentials,
} from './quickbooks/sandbox/index.ts';
import {
  createSalesforceSandboxApp,
  type SalesforceSandbox,
  staticSalesforceCredentials,
} from './salesforce/sandbox/index.ts';

export interface SandboxServerOptions {
  port: number;
  host?: string;
  /** Seed a demo account in every sandbox (false for tests that make their own). */
  demo?: { seed?: string; clients?: number; asOf?: string } | false;
}

export interface SandboxDescription {
  baseUrl: string;
  adminUrl: string;
  accountId: string | null;
  credentials: Record<string, string>;
}

type DemoOptions = { seed: string; clients?: number; asOf?: string };

/** A vendor sandbox as the server mounts it. */
interface MountedSandbox {
  prefix: string;
  app: Hono;
  /** The demo agency's account in this sandbox, with static development credentials. */
  demoAccount(opts: DemoOptions): { accountId: string; credentials: Record<string, string> };
}

export interface SandboxServer {
  url: string;
  port: number;
  hubspot: HubSpotSandbox;
  appliedEpic: AppliedEpicSandbox;
  hawksoft: HawkSoftSandbox;
  ezlynx: EzlynxSandbox;
  quickbooks: QuickBooksSandbox;
  salesforce: SalesforceSandbox;
  describe(): Record<string, SandboxDescription>;
  stop(): Promise<void>;
}

export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const hubspot = createHubSpotSandboxApp();
  const appliedEpic = createAppliedEpicSandboxApp();
  const hawksoft = createHawkSoftSandboxApp();
  const ezlynx = createEzlynxSandboxApp();
  const quickbooks = createQuickBooksSandboxApp();
  const salesforce = createSalesforceSandboxApp();
  const mounted: Record<string, MountedSandbox> = {
    hubspot: {
      prefix: '/hubspot',
      app: hubspot.app,
      demoAccount(o) {
        const token = staticPrivateAppToken(o.seed);
        const oauthApp = staticOAuthApp(o.seed);
        const { portal } = hubspot.sandbox.createPortal({
          seed: o.seed,
          clients: o.clients,
          asOf: o.asOf,
          accessToken: token,
          oauthApp,
        });
        // The public app's client id and secret let the console's "Connect HubSpot" run OAuth.
        return { accountId: String(portal.portalId), credentials: { accessToken: token, ...oauthApp } };
      },
    },
    'applied-epic': {
      prefix: '/applied-epic',
      app: appliedEpic.app,
      demoAccount(o) {
        const { database, credentials } = appliedEpic.sandbox.createDatabase({
          seed: o.seed,
          clients: o.clients,
          asOf: o.asOf,
          credentials: staticConsumerCredentials(o.seed),
        });
        return {
          accountId: database.name,
          credentials: Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, String(v)])),
        };
      },
    },
    hawksoft: {
      prefix: '/hawksoft',
      app: hawksoft.app,
      demoAccount(o) {
        const partner = staticPartnerCredentials(o.seed);
        const { agency } = hawksoft.sandbox.createAccount({
          seed: o.seed,
          clients: o.clients,
          asOf: o.asOf,
          credentials: partner,
        });
        return {
          accountId: String(agency.agencyId),
          credentials: { ...partner, agencyId: String(agency.agencyId) },
        };
      },
    },
    ezlynx: {
      prefix: '/ezlynx',
      app: ezlynx.app,
      demoAccount(o) {
        const c = staticEzlynxCredentials(o.seed);
        const { agency } = ezlynx.sandbox.createAgency({
          seed: o.seed,
          clients: o.clients,
          asOf: o.asOf,
          credentials: c,
        });
        return {
          accountId: agency.agencyId,
          credentials: { clientId: c.clientId, clientSecret: c.apiKey, apiKey: c.apiKey },
        };
      },
    },
    quickbooks: {
      prefix: '/quickbooks',
      app: quickbooks.app,
      demoAccount(o) {
        const { credentials } = quickbooks.sandbox.createRealm({
          seed: o.seed,
          clients: o.clients,
          asOf: o.asOf,
          credentials: staticQuickBooksCredentials(o.seed),
        });
        return { accountId: credentials.realmId, credentials: { ...credentials } };
      },
    },
    salesforce: {
      prefix: '/salesforce',
      app: salesforce.app,
      demoAccount(o) {
        // The same for the same seed; after the two-hour session the hub refreshes with the refresh token.
        const c = staticSalesforceCredentials(o.seed);
        const { org } = salesforce.sandbox.createOrg({
          seed: o.seed,
          clients: o.clients,
          asOf: o.asOf,
          credentials: c,
        });
        return { accountId: org.orgId, credentials: { ...c } };
      },
    },
  };

  const app = new Hono();
  for (const sandbox of Object.values(mounted)) app.route(sandbox.prefix, sandbox.app);
  app.get('/', (c) => c.json({ sandboxes: Object.keys(mounted) }));

  const demo: Record<string, { accountId: string; credentials: Record<string, string> }> = {};
  if (opts.demo !== false) {
    const o = { seed: opts.demo?.seed ?? 'demo', clients: opts.demo?.clients, asOf: opts.demo?.asOf };
    for (const [vendor, sandbox] of Object.entries(mounted)) demo[vendor] = sandbox.demoAccount(o);
  }

  const host = opts.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: host }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${host}:${port}`;
  return {
    url,
    port,
    hubspot: hubspot.sandbox,
    appliedEpic: appliedEpic.sandbox,
    hawksoft: hawksoft.sandbox,
    ezlynx: ezlynx.sandbox,
    quickbooks: quickbooks.sandbox,
    salesforce: salesforce.sandbox,
    describe() {
      return Object.fromEntries(
        Object.entries(mounted).map(([vendor, sandbox]) => [
          vendor,
          {
            baseUrl: `${url}${sandbox.prefix}`,
            adminUrl: `${url}${sandbox.prefix}/_admin`,
            accountId: demo[vendor]?.accountId ?? null,
            credentials: demo[vendor]?.credentials ?? {},
          },
        ]),
      );
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
