// Mounts the HawkSoft sandbox: the Partner API at the prefix root, the admin API under /_admin.
import { Hono } from 'hono';
import { hawksoftAdmin } from './admin.ts';
import { hawksoftApi } from './api.ts';
import { HawkSoftSandbox, type PartnerCredentials, staticPartnerCredentials } from './sandbox.ts';

export { HawkSoftSandbox, type PartnerCredentials, staticPartnerCredentials };

export function createHawkSoftSandboxApp(sandbox = new HawkSoftSandbox()): {
  app: Hono;
  sandbox: HawkSoftSandbox;
} {
  const app = new Hono();
  app.route('/_admin', hawksoftAdmin(sandbox));
  app.route('/', hawksoftApi(sandbox));
  return { app, sandbox };
}
