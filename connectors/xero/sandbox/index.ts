// Mounts the Xero sandbox: the identity endpoints, /connections and the Accounting API under
// /api.xro/2.0 at the prefix root (the base URL plays identity.xero.com and api.xero.com at
// once), the admin API under /_admin.
import { Hono } from 'hono';
import type { VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { xeroAdmin } from './admin.ts';
import { xeroApi } from './api.ts';
import { xeroAuth } from './auth.ts';
import { staticXeroCredentials, XeroSandbox } from './sandbox.ts';

export { staticXeroCredentials, XeroSandbox };

export function createXeroSandboxApp(sandbox = new XeroSandbox()): VendorSandbox<XeroSandbox> {
  const app = new Hono();
  app.route('/_admin', xeroAdmin(sandbox));
  app.route('/', xeroAuth(sandbox));
  app.route('/', xeroApi(sandbox) as unknown as Hono);
  return {
    prefix: '/xero',
    app,
    sandbox,
    demoAccount(o) {
      const { credentials } = sandbox.createOrg({ ...o, credentials: staticXeroCredentials(o.seed) });
      return { accountId: credentials.tenantId, credentials: { ...credentials } };
    },
  };
}
