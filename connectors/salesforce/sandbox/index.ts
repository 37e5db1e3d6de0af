// Mounts the Salesforce sandbox: one root plays login.salesforce.com (OAuth) and the instance
// (REST API under /services/data), with the admin API under /_admin.
import { Hono } from 'hono';
import type { VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { salesforceAdmin } from './admin.ts';
import { salesforceApi } from './api.ts';
import { salesforceAuth } from './auth.ts';
import {
  SalesforceSandbox,
  signatureHeader,
  signChangeEvents,
  staticSalesforceCredentials,
  timestampHeader,
} from './sandbox.ts';

export { SalesforceSandbox, signatureHeader, signChangeEvents, staticSalesforceCredentials, timestampHeader };

export function createSalesforceSandboxApp(
  sandbox = new SalesforceSandbox(),
): VendorSandbox<SalesforceSandbox> {
  const app = new Hono();
  app.route('/_admin', salesforceAdmin(sandbox));
  app.route('/', salesforceAuth(sandbox));
  app.route('/', salesforceApi(sandbox) as unknown as Hono);
  return {
    prefix: '/salesforce',
    app,
    sandbox,
    demoAccount(o) {
      // The same for the same seed; after the two-hour session the hub refreshes with the refresh token.
      const c = staticSalesforceCredentials(o.seed);
      const { org } = sandbox.createOrg({ ...o, credentials: c });
      return { accountId: org.orgId, credentials: { ...c } };
    },
  };
}
