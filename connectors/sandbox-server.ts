// One local HTTP server for every vendor sandbox, each under its own prefix, seeded with the
// same demo agency. `describe()` lists each sandbox's base URL and the static development
// credential its demo account accepts (written to .data/sandboxes.json by the dev supervisor).
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  createHubSpotSandboxApp,
  type HubSpotSandbox,
  staticPrivateAppToken,
} from './hubspot/sandbox/index.ts';

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
  describe(): Record<string, SandboxDescription>;
  stop(): Promise<void>;
}

export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const hub = createHubSpotSandboxApp();
  const app = new Hono();
  app.route('/hubspot', hub.app);
  app.get('/', (c) => c.json({ sandboxes: ['hubspot'] }));

  const demo: Record<string, { accountId: string; credentials: Record<string, string> }> = {};
  if (opts.demo !== false) {
    const seed = opts.demo?.seed ?? 'demo';
    const token = staticPrivateAppToken(seed);
    const { portal } = hub.sandbox.createPortal({
      seed,
      clients: opts.demo?.clients,
      asOf: opts.demo?.asOf,
      accessToken: token,
    });
    demo.hubspot = { accountId: String(portal.portalId), credentials: { accessToken: token } };
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
    hubspot: hub.sandbox,
    describe() {
      return {
        hubspot: {
          baseUrl: `${url}/hubspot`,
          adminUrl: `${url}/hubspot/_admin`,
          accountId: demo.hubspot?.accountId ?? null,
          credentials: demo.hubspot?.credentials ?? {},
        },
      };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
