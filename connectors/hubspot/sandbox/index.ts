// Mounts the HubSpot sandbox: the vendor API at the prefix root, the admin API under /_admin.
import { Hono } from 'hono';
import { hubspotAdmin } from './admin.ts';
import { hubspotApi } from './api.ts';
import { hubspotOAuth } from './oauth.ts';
import { HubSpotSandbox, staticOAuthApp, staticPrivateAppToken } from './sandbox.ts';

export { HubSpotSandbox, staticOAuthApp, staticPrivateAppToken };

export function createHubSpotSandboxApp(sandbox = new HubSpotSandbox()): {
  app: Hono;
  sandbox: HubSpotSandbox;
} {
  const app = new Hono();
  app.route('/_admin', hubspotAdmin(sandbox));
  app.route('/', hubspotOAuth(sandbox));
  app.route('/', hubspotApi(sandbox));
  return { app, sandbox };
}
