// Mounts the HawkSoft sandbox: the Partner API at the prefix root, the admin API under /_admin.
import { Hono } from 'hono';
import type { VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { hawksoftAdmin } from './admin.ts';
import { hawksoftApi } from './api.ts';
import { HawkSoftSandbox, type PartnerCredentials, staticPartnerCredentials } from './sandbox.ts';

export { HawkSoftSandbox, type PartnerCredentials, staticPartnerCredentials };

export function createHawkSoftSandboxApp(sandbox = new HawkSoftSandbox()): VendorSandbox<HawkSoftSandbox> {
  const app = new Hono();
  app.route('/_admin', hawksoftAdmin(sandbox));
  app.route('/', hawksoftApi(sandbox));
  return {
    prefix: '/hawksoft',
    app,
    sandbox,
    demoAccount(o) {
      const partner = staticPartnerCredentials(o.seed);
      const { agency } = sandbox.createAccount({ ...o, credentials: partner });
      return {
        accountId: String(agency.agencyId),
        credentials: { ...partner, agencyId: String(agency.agencyId) },
      };
    },
  };
}
