// One server span per API request, continuing the caller's W3C `traceparent` when it sends one.
// Workflows the request starts continue this trace (the Temporal client's interceptor). The span
// names the route pattern and keeps the path only: query strings (OAuth codes, search terms)
// and bodies never reach a collector.
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './deps.ts';

export function traceRequests(tracer: Tracer): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.header());
    const method = c.req.method;
    return tracer.startActiveSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': c.req.path } },
      parent,
      async (span) => {
        try {
          await next();
        } catch (err) {
          span.recordException(err as Error);
          throw err;
        } finally {
          const route = routePath(c, -1);
          span.updateName(`${method} ${route}`);
          span.setAttribute('http.route', route);
          span.setAttribute('http.response.status_code', c.res.status);
          const tenantId = c.get('tenantId');
          if (tenantId) span.setAttribute('commission_hub.tenant_id', tenantId);
          span.setAttribute('commission_hub.request_id', c.get('requestId') ?? '');
          if (c.res.status >= 500 || c.error) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      },
    );
  };
}
