// Mounts the EZLynx sandbox: the token endpoint and the /v1 API at the prefix root, the admin
// API under /_admin. Everything here is our design around EZLynx's public overview (api.ts).
import { Hono } from 'hono';
import { ZodError } from 'zod';
import type { VendorSandbox } from '../../kit/sandbox/vendor.ts';
import { ezlynxAdmin } from './admin.ts';
import { ezlynxApi } from './api.ts';
import { ezlynxAuth } from './auth.ts';
import { EzlynxSandbox, staticEzlynxCredentials } from './sandbox.ts';

export { EzlynxSandbox, staticEzlynxCredentials };

export function createEzlynxSandboxApp(sandbox = new EzlynxSandbox()): VendorSandbox<EzlynxSandbox> {
  const app = new Hono();
  app.route('/_admin', ezlynxAdmin(sandbox));
  app.route('/', ezlynxAuth(sandbox));
  app.route('/', ezlynxApi(sandbox));
  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  // Admin bodies are validated with zod: a bad one is the caller's mistake, not a crash.
  app.onError((err, c) =>
    err instanceof ZodError
      ? c.json({ error: { code: 'VALIDATION_ERROR', message: err.message } }, 400)
      : c.json({ error: { code: 'INTERNAL_ERROR', message: err.message } }, 500),
  );
  return {
    prefix: '/ezlynx',
    app,
    sandbox,
    demoAccount(o) {
      const c = staticEzlynxCredentials(o.seed);
      const { agency } = sandbox.createAgency({ ...o, credentials: c });
      return {
        accountId: agency.agencyId,
        credentials: { clientId: c.clientId, clientSecret: c.apiKey, apiKey: c.apiKey },
      };
    },
  };
}
