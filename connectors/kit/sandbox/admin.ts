// The admin API every sandbox serves under /<vendor>/_admin (not part of any vendor): create
// accounts seeded from the demo agency, read their counts and chaos, set chaos, issue and revoke
// tokens, register the webhook, and read or change records as a vendor user would. The kit owns
// the routes and the account lookup; a vendor supplies what only it knows (its account shape, its
// tokens, its records), and plugs in any admin call of its own as an extra route.
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { type Chaos, chaosSchema } from './chaos.ts';

/** The options every sandbox takes for a new account; a vendor extends them with its own. */
export const accountOptions = z.object({
  seed: z.string().optional(),
  clients: z.number().int().min(0).max(500_000).optional(),
  asOf: z.string().optional(),
  clean: z.boolean().optional(),
  empty: z.boolean().optional(),
});

/** An admin call on one account, once the kit has found it. */
export type AccountHandler<A> = (c: Context, account: A) => Response | Promise<Response>;

/** What a vendor without a feature answers when asked for it (status and body as it always did). */
export interface Unsupported {
  status: ContentfulStatusCode;
  body: object;
}

export interface SandboxAdminSpec<A extends { chaos: Chaos }, O> {
  /** The account an admin URL names. */
  find(id: string): A | undefined;
  /** `POST /accounts`: the options accepted (extending `accountOptions`), and the JSON answered (201). */
  options: z.ZodType<O>;
  create(options: O, c: Context): object;
  /** `GET /accounts/:id`: counts, chaos, request count and whatever else the vendor reports. */
  describe(account: A): object;
  /** `POST /accounts/:id/tokens` (201), or what the vendor answers when it has no tokens. */
  issueToken: ((account: A, body: unknown) => object) | Unsupported;
  /** `DELETE /accounts/:id/tokens/:token` (204), where tokens can be revoked. */
  revokeToken?(account: A, token: string): void;
  /** `PUT /accounts/:id/webhook`, or what the vendor answers when it sends none. */
  webhook: ((account: A, body: unknown) => object) | Unsupported;
  /** `GET /accounts/:id/webhook/deliveries`, where the sandbox keeps them. */
  deliveries?(account: A): unknown[];
  /** `GET|POST|PATCH|DELETE /accounts/:id/objects/:type[/:objectId]` (type and id in the params). */
  objects: {
    list: AccountHandler<A>;
    create: AccountHandler<A>;
    update: AccountHandler<A>;
    remove: AccountHandler<A>;
  };
  /** Vendor-only admin calls under `/accounts/:id`, keyed `'<METHOD> <path>'`, e.g. `'PUT /settings'`. */
  routes?: Record<string, AccountHandler<A>>;
  onError?: Parameters<Hono['onError']>[0];
}

const noAccount = { error: 'no such account' };

export function sandboxAdmin<A extends { chaos: Chaos }, O>(spec: SandboxAdminSpec<A, O>): Hono {
  const app = new Hono();
  if (spec.onError) app.onError(spec.onError);
  /** Finds the account named by `:id` before the handler runs; 404 when there is none. */
  const on =
    (handler: AccountHandler<A>) =>
    (c: Context): Response | Promise<Response> => {
      const account = spec.find(c.req.param('id') ?? '');
      return account ? handler(c, account) : c.json(noAccount, 404);
    };
  const bodyOf = (c: Context): Promise<unknown> => c.req.json().catch(() => ({}));
  const answer = (handler: ((a: A, body: unknown) => object) | Unsupported, status: ContentfulStatusCode) =>
    typeof handler === 'function'
      ? on(async (c, a) => c.json(handler(a, await bodyOf(c)), status))
      : (c: Context) => c.json(handler.body, handler.status);

  app.post('/accounts', async (c) => c.json(spec.create(spec.options.parse(await bodyOf(c)), c), 201));
  app.get(
    '/accounts/:id',
    on((c, a) => c.json(spec.describe(a))),
  );
  app.put(
    '/accounts/:id/chaos',
    on(async (c, a) => {
      a.chaos = chaosSchema.parse({ ...a.chaos, ...(await c.req.json()) });
      return c.json(a.chaos);
    }),
  );
  app.post('/accounts/:id/tokens', answer(spec.issueToken, 201));
  const { revokeToken, deliveries } = spec;
  if (revokeToken)
    app.delete(
      '/accounts/:id/tokens/:token',
      on((c, a) => {
        revokeToken(a, c.req.param('token') ?? '');
        return c.body(null, 204);
      }),
    );
  app.put('/accounts/:id/webhook', answer(spec.webhook, 200));
  if (deliveries)
    app.get(
      '/accounts/:id/webhook/deliveries',
      on((c, a) => c.json({ results: deliveries(a) })),
    );
  app.get('/accounts/:id/objects/:type', on(spec.objects.list));
  app.post('/accounts/:id/objects/:type', on(spec.objects.create));
  app.patch('/accounts/:id/objects/:type/:objectId', on(spec.objects.update));
  app.delete('/accounts/:id/objects/:type/:objectId', on(spec.objects.remove));
  for (const [route, handler] of Object.entries(spec.routes ?? {})) {
    const [method, path] = route.split(' ') as [string, string];
    app.on(method, `/accounts/:id${path}`, on(handler));
  }
  return app;
}
