// Mounts the QuickBooks sandbox: Intuit's OAuth endpoints and the v3 API at the prefix root (the
// base URL plays quickbooks.api.intuit.com, oauth.platform.intuit.com and appcenter.intuit.com
// at once), the admin API under /_admin.
import { Hono } from 'hono';
import type { VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { quickbooksAdmin } from './admin.ts';
import { quickbooksApi } from './api.ts';
import { quickbooksAuth } from './auth.ts';
import { QuickBooksSandbox, staticQuickBooksCredentials } from './sandbox.ts';

export { QuickBooksSandbox, staticQuickBooksCredentials };

export function createQuickBooksSandboxApp(
  sandbox = new QuickBooksSandbox(),
): VendorSandbox<QuickBooksSandbox> {
  const app = new Hono();
  app.route('/_admin', quickbooksAdmin(sandbox));
  app.route('/', quickbooksAuth(sandbox));
  app.route('/', quickbooksApi(sandbox) as unknown as Hono);
  return {
    prefix: '/quickbooks',
    app,
    sandbox,
    demoAccount(o) {
      const { credentials } = sandbox.createRealm({ ...o, credentials: staticQuickBooksCredentials(o.seed) });
      return { accountId: credentials.realmId, credentials: { ...credentials } };
    },
  };
}
