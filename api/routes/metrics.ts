// GET /metrics for Prometheus. Open by default (bind the API to a private network); with
// METRICS_TOKEN set, a scraper must send it as a bearer token.
import { timingSafeEqual } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { registry } from '../../runtime/metrics.ts';
import type { AppEnv } from '../deps.ts';
import { ProblemError } from '../problem.ts';

function tokenMatches(sent: string | undefined, expected: string): boolean {
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const metricsRoutes = new OpenAPIHono<AppEnv>().get('/metrics', async (c) => {
  const token = process.env.METRICS_TOKEN;
  if (token && !tokenMatches(c.req.header('authorization')?.replace(/^Bearer /, ''), token))
    throw new ProblemError('unauthorized', 'Send the metrics token as "Authorization: Bearer …".');
  return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
});
