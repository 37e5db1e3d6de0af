// Mounts the QuickBooks sandbox: Intuit's OAuth endpoints and the v3 API at the prefix root (the
// base URL plays quickbooks.api.intuit.com, oauth.platform.intuit.com and appcenter.intuit.com
// at once), the admin API under /_admin.
import { Hono } from 'hono';
import { quickbooksAdmin } from './admin.ts';
import { quickbooksApi } from './api.ts';
import { quickbooksAuth } from './auth.ts';
import { QuickBooksSandbox, staticQuickBooksCredentials } from './sandbox.ts';

export { QuickBooksSandbox, staticQuickBooksCredentials };

export function createQuickBooksSandboxApp(sandbox = new QuickBooksSandbox()): {
  app: Hono;
  sandbox: QuickBooksSandbox;
} {
  const app = new Hono();
  app.route('/_admin', quickbooksAdmin(sandbox));
  app.route('/', quickbooksAuth(sandbox));
  app.route('/', quickbooksApi(sandbox) as unknown as Hono);
  return { app, sandbox };
}
