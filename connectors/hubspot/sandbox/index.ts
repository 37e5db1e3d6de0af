// Mounts the HubSpot sandbox: the vendor API at the prefix root, the admin API under /_admin.
import { Hono } from 'hono';
import { hubspotAdmin } from './admin.ts';
import { hubspotApi } from './api.ts';
import { HubSpotSandbox, staticPrivateAppToken } from './sandbox.ts';

export { HubSpotSandbox, staticPrivateAppToken };

export function createHubSpotSandboxApp(sandbox = new HubSpotSandbox()): {
  app: Hono;
  sandbox: HubSpotSandbox;
} {
  const app = new Hono();
  app.route('/_admin', hubspotAdmin(sandbox));
  app.route('/', hubspotApi(sandbox));
  return { app, sandbox };
}
