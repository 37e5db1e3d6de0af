// Mounts the AMS360 sandbox: the API at the prefix root, the admin API under /_admin.
import { Hono } from 'hono';
import { asStrings, type VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { ams360Admin } from './admin.ts';
import { ams360Api } from './api.ts';
import { Ams360Sandbox, staticAgencyNo, staticWsapiCredentials } from './sandbox.ts';

export { Ams360Sandbox };

/** The demo's AMS360 slice is an eighth of the agency's client count (50 for the usual 400). */
export const demoSliceClients = (clients: number | undefined): number =>
  Math.max(8, Math.round((clients ?? 400) / 8));

export function createAms360SandboxApp(sandbox = new Ams360Sandbox()): VendorSandbox<Ams360Sandbox> {
  const app = new Hono();
  app.route('/_admin', ams360Admin(sandbox));
  app.route('/', ams360Api(sandbox));
  return {
    prefix: '/ams360',
    app,
    sandbox,
    demoAccount(o) {
      const login = staticWsapiCredentials(o.seed);
      const { agency, credentials } = sandbox.createAccount({
        seed: o.seed,
        asOf: o.asOf,
        clients: demoSliceClients(o.clients),
        agencyNo: staticAgencyNo(o.seed),
        ...login,
      });
      return { accountId: agency.agencyNo, credentials: asStrings(credentials) };
    },
  };
}
