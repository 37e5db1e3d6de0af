// Mounts the HubSpot sandbox: the vendor API at the prefix root, the admin API under /_admin.
import { Hono } from 'hono';
import type { VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { hubspotAdmin } from './admin.ts';
import { hubspotApi } from './api.ts';
import { hubspotOAuth } from './oauth.ts';
import { HubSpotSandbox, staticOAuthApp, staticPrivateAppToken } from './sandbox.ts';

export { HubSpotSandbox, staticOAuthApp, staticPrivateAppToken };

export function createHubSpotSandboxApp(sandbox = new HubSpotSandbox()): VendorSandbox<HubSpotSandbox> {
  const app = new Hono();
  app.route('/_admin', hubspotAdmin(sandbox));
  app.route('/', hubspotOAuth(sandbox));
  app.route('/', hubspotApi(sandbox));
  return {
    prefix: '/hubspot',
    app,
    sandbox,
    demoAccount(o) {
      const token = staticPrivateAppToken(o.seed);
      const oauthApp = staticOAuthApp(o.seed);
      const { portal } = sandbox.createPortal({ ...o, accessToken: token, oauthApp });
      // The public app's client id and secret let the console's "Connect HubSpot" run OAuth.
      return { accountId: String(portal.portalId), credentials: { accessToken: token, ...oauthApp } };
    },
  };
}
