// The codec endpoint Temporal UI calls to show an operator the hub's encrypted payloads in the
// clear (and to encode what the UI sends). Temporal's codec-server protocol: POST
// /codec/{encode|decode} with {payloads: [{metadata: {k: base64}, data: base64}]}. One key
// decrypts every tenant's payloads, so this is for operators only: CODEC_TOKEN as a bearer token
// (the `temporal` CLI's --codec-auth), or in the query for Temporal UI, which cannot send a header
// (runtime/codec-endpoint.ts). No tenant's API key opens it; unset, the codec is not there at all.
// CORS is open only to the Temporal UI's origin.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec.ts';
import type { AppEnv } from '../deps.ts';
import { ProblemError } from '../problem.ts';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** The Temporal UI's origin; on loopback under each of its names (npm start prints one, people type another). */
function uiOrigins(c: Context<AppEnv>): Set<string> {
  let ui: URL;
  try {
    ui = new URL(c.get('deps').temporalUiUrl || process.env.TEMPORAL_UI_URL || 'http://localhost:8233');
  } catch {
    return new Set();
  }
  if (!LOOPBACK.includes(ui.hostname)) return new Set([ui.origin]);
  return new Set(LOOPBACK.map((host) => `${ui.protocol}//${host}${ui.port ? `:${ui.port}` : ''}`));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const operatorOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = process.env.CODEC_TOKEN;
  if (!token) throw new ProblemError('not-found', `No route for ${c.req.method} ${c.req.path}.`);
  const header = c.req.header('authorization');
  const sent = header?.startsWith('Bearer ') ? header.slice(7).trim() : c.req.query('token');
  if (!sent || !timingSafeEqual(digest(sent), digest(token)))
    throw new ProblemError('unauthorized', 'The codec is for operators: send CODEC_TOKEN as a bearer token.');
  await next();
};

async function run(c: Context<AppEnv>, direction: 'encode' | 'decode') {
  const body = (await c.req.json().catch(() => null)) as { payloads?: JsonPayload[] } | null;
  if (!body || !Array.isArray(body.payloads))
    throw new ProblemError('validation', 'Expected {"payloads": [...]}.');
  const codec = new AesGcmPayloadCodec(c.get('deps').payloadKeys);
  try {
    const payloads = body.payloads.map(toPayload);
    const out = direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    return c.json({ payloads: out.map(toJson) });
  } catch {
    throw new ProblemError('validation', `A payload could not be ${direction}d with the hub's keys.`);
  }
}

export const codecRoutes = new Hono<AppEnv>();
// `/codec/*` covers `/codec` too.
codecRoutes.use(
  '/codec/*',
  cors({
    origin: (origin, c) => (uiOrigins(c).has(origin) ? origin : null),
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type', 'x-namespace'],
    credentials: true,
    maxAge: 600,
  }),
  operatorOnly,
);
for (const direction of ['encode', 'decode'] as const)
  codecRoutes.post(`/codec/${direction}`, (c) => run(c, direction));
// Temporal UI's form: `<api>/codec?token=…&op=` + `/decode`.
codecRoutes.post('/codec', (c) => {
  const op = c.req.query('op');
  if (op !== '/encode' && op !== '/decode')
    throw new ProblemError('not-found', 'Expected op=/encode or op=/decode (Temporal UI appends it).');
  return run(c, op.slice(1) as 'encode' | 'decode');
});
