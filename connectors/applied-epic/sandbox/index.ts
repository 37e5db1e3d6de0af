// Mounts the Applied Epic sandbox: the admin API under /_admin, the OAuth token endpoint at
// /v1/auth/connect/token, and the REST API at the prefix root (playing api.myappliedproducts.com).
import { Hono } from 'hono';
import { asStrings, type VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { appliedEpicAdmin } from './admin.ts';
import { appliedEpicApi } from './api.ts';
import { appliedEpicTokenEndpoint } from './auth.ts';
import { AppliedEpicSandbox, readScopes, staticConsumerCredentials } from './sandbox.ts';

export { AppliedEpicSandbox, readScopes, staticConsumerCredentials };

export function createAppliedEpicSandboxApp(
  sandbox = new AppliedEpicSandbox(),
): VendorSandbox<AppliedEpicSandbox> {
  const app = new Hono();
  app.route('/_admin', appliedEpicAdmin(sandbox));
  app.route('/v1/auth', appliedEpicTokenEndpoint(sandbox));
  app.route('/', appliedEpicApi(sandbox) as unknown as Hono);
  return {
    prefix: '/applied-epic',
    app,
    sandbox,
    demoAccount(o) {
      const { database, credentials } = sandbox.createDatabase({
        ...o,
        credentials: staticConsumerCredentials(o.seed),
      });
      return { accountId: database.name, credentials: asStrings(credentials) };
    },
  };
}
