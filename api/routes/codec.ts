// The codec endpoint Temporal UI calls to show an operator the hub's encrypted payloads in the
// clear (and to encode what the UI sends). Temporal's codec-server protocol: POST
// /codec/{encode|decode} with {payloads: [{metadata: {k: base64}, data: base64}]}. Authenticated
// (an API key or console token with the codec scope), CORS open only to the Temporal UI's origin.
import type { Payload } from '@temporalio/common';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec.ts';
import type { AppEnv } from '../deps.ts';
import { apiKeyAuth, requireScope } from '../middleware.ts';
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

export const codecRoutes = new Hono<AppEnv>();
codecRoutes.use(
  '/codec/*',
  cors({
    origin: (origin) => (origin === (process.env.TEMPORAL_UI_URL || 'http://localhost:8233') ? origin : null),
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type', 'x-namespace'],
    credentials: true,
  }),
);
codecRoutes.use('/codec/*', apiKeyAuth, requireScope('codec:decode'));
for (const direction of ['encode', 'decode'] as const) {
  codecRoutes.post(`/codec/${direction}`, async (c) => {
    const body = (await c.req.json().catch(() => null)) as { payloads?: JsonPayload[] } | null;
    if (!body || !Array.isArray(body.payloads))
      throw new ProblemError('validation', 'Expected {"payloads": [...]}.');
    const codec = new AesGcmPayloadCodec(c.get('deps').payloadKeys);
    const payloads = body.payloads.map(toPayload);
    const out = direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    return c.json({ payloads: out.map(toJson) });
  });
}
