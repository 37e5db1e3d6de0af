// Mounts the Salesforce sandbox: one root plays login.salesforce.com (OAuth) and the instance
// (REST API under /services/data), with the admin API under /_admin.
import { Hono } from 'hono';
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

export function createSalesforceSandboxApp(sandbox = new SalesforceSandbox()): {
  app: Hono;
  sandbox: SalesforceSandbox;
} {
  const app = new Hono();
  app.route('/_admin', salesforceAdmin(sandbox));
  app.route('/', salesforceAuth(sandbox));
  app.route('/', salesforceApi(sandbox) as unknown as Hono);
  return { app, sandbox };
}
