// Serves a Hono app (a vendor sandbox, a webhook receiver) on a free loopback port for a test.
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export async function serveApp(app: Hono, listenPort = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: listenPort, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
