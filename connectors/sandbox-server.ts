// One local HTTP server for every vendor sandbox, each under its own prefix, seeded with the
// same demo agency. `describe()` lists each sandbox's base URL and the static development
// credential its demo account accepts (written to .data/sandboxes.json by the dev supervisor).
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createAms360SandboxApp } from './ams360/sandbox/index.ts';
import { type AppliedEpicSandbox, createAppliedEpicSandboxApp } from './applied-epic/sandbox/index.ts';
import { createEzlynxSandboxApp, type EzlynxSandbox } from './ezlynx/sandbox/index.ts';
import { createHawkSoftSandboxApp, type HawkSoftSandbox } from './hawksoft/sandbox/index.ts';
import { createHubSpotSandboxApp, type HubSpotSandbox } from './hubspot/sandbox/index.ts';
import type { DemoAccount, VendorSandbox } from './kit/sandbox/vendor.ts';
import { createQuickBooksSandboxApp, type QuickBooksSandbox } from './quickbooks/sandbox/index.ts';
import { createSalesforceSandboxApp, type SalesforceSandbox } from './salesforce/sandbox/index.ts';
import { createXeroSandboxApp } from './xero/sandbox/index.ts';

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
  const mounted: VendorSandbox<unknown>[] = [hubspot, appliedEpic, hawksoft, ezlynx, quickbooks, salesforce];
  mounted.push(createAms360SandboxApp() as VendorSandbox<unknown>);
  mounted.push(createXeroSandboxApp() as VendorSandbox<unknown>);
  /** A sandbox's vendor is its prefix without the slash (`/applied-epic` → `applied-epic`). */
  const vendorOf = (sandbox: VendorSandbox<unknown>) => sandbox.prefix.slice(1);

  const app = new Hono();
  for (const sandbox of mounted) app.route(sandbox.prefix, sandbox.app);
  app.get('/', (c) => c.json({ sandboxes: mounted.map(vendorOf) }));

  const demo: Record<string, DemoAccount> = {};
  if (opts.demo !== false) {
    const o = { seed: opts.demo?.seed ?? 'demo', clients: opts.demo?.clients, asOf: opts.demo?.asOf };
    for (const sandbox of mounted) demo[vendorOf(sandbox)] = sandbox.demoAccount(o);
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
        mounted.map((sandbox) => [
          vendorOf(sandbox),
          {
            baseUrl: `${url}${sandbox.prefix}`,
            adminUrl: `${url}${sandbox.prefix}/_admin`,
            accountId: demo[vendorOf(sandbox)]?.accountId ?? null,
            credentials: demo[vendorOf(sandbox)]?.credentials ?? {},
          },
        ]),
      );
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
