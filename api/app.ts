// The HTTP API: a thin layer that authenticates, validates, starts workflows and serves
// results. Cross-cutting concerns are middleware; resources are sub-apps in api/routes/.
import { OpenAPIHono } from '@hono/zod-openapi';
import { trace } from '@opentelemetry/api';
import { httpMetrics } from '../runtime/metrics.ts';
import { ApiKeyCache } from './api-key-cache.ts';
import { AuditWriter, auditCalls } from './audit.ts';
import { consoleRoutes } from './console/routes.ts';
import type { ApiDeps, AppEnv } from './deps.ts';
import { problemForError } from './error-problems.ts';
import { idempotency } from './idempotency.ts';
import { apiKeyAuth, requestId } from './middleware.ts';
import { announceLimits, limitsDescription } from './openapi-limits.ts';
import { problemResponse } from './problem.ts';
import { RateLimiter, rateLimit } from './rate-limit.ts';
import { requestLimits } from './request-limits.ts';
import { routeBodies } from './route-bodies.ts';
import { adminRoutes } from './routes/admin.ts';
import { agentMergeRoutes } from './routes/agent-merges.ts';
import { agentRoutes } from './routes/agents.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { carrierRoutes } from './routes/carriers.ts';
import { changeRoutes } from './routes/changes.ts';
import { clientRoutes } from './routes/clients.ts';
import { codecRoutes } from './routes/codec.ts';
import { commissionRoutes } from './routes/commissions.ts';
import { conflictRoutes } from './routes/conflicts.ts';
import { connectCallbackAuth, connectRoutes } from './routes/connect.ts';
import { connectionRoutes } from './routes/connections.ts';
import { exportRoutes } from './routes/exports.ts';
import { healthRoutes } from './routes/health.ts';
import { inboundRoutes } from './routes/inbound.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { mappingRoutes } from './routes/mappings.ts';
import { mergeRuleRoutes } from './routes/merge-rules.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { policyRoutes } from './routes/policies.ts';
import { policyTransactionRoutes } from './routes/policy-transactions.ts';
import { rateProposalRoutes } from './routes/rate-proposals.ts';
import { renewalRoutes } from './routes/renewals.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { statementMappingRoutes } from './routes/statement-mappings.ts';
import { statementRoutes } from './routes/statements.ts';
import { syncRoutes } from './routes/syncs.ts';
import { vendorWebhookRoutes } from './routes/vendor-webhooks.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { sessionAuth } from './sessions.ts';
import { tenantTransaction } from './tenant-db.ts';
import { traceRequests } from './tracing.ts';

export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures are problem documents listing every failing field.
    defaultHook: (result, c) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({
          field: i.path.join('.') || null,
          message: i.message,
        }));
        return problemResponse(c, 'validation', `${errors.length} field(s) failed validation`, { errors });
      }
    },
  });

  if (deps.tracer) app.use('*', traceRequests(deps.tracer));
  app.use('*', httpMetrics);
  app.use('*', requestId);
  const apiKeys = new ApiKeyCache(deps.pool);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('apiKeys', apiKeys);
    const started = performance.now();
    await next();
    deps.logger.debug(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        tenantId: c.get('tenantId'),
        traceId: deps.tracer ? trace.getActiveSpan()?.spanContext().traceId : undefined,
      },
      'request',
    );
  });
  const audit = new AuditWriter(deps.pool);
  app.use('/v1/connect/callback', connectCallbackAuth);
  app.use('/v1/*', sessionAuth);
  app.use('/v1/*', apiKeyAuth);
  app.use('/v1/*', rateLimit(new RateLimiter(deps.pool)));
  app.use('/v1/*', auditCalls(audit));
  // Bounds on the URL and the body, for every documented route (after authentication, so an
  // unknown caller's body is never read): api/request-limits.ts.
  app.use(
    '*',
    requestLimits(() => app.openAPIRegistry.definitions),
  );
  app.use('/v1/*', idempotency);
  app.use('/v1/*', tenantTransaction);

  app.route('/', healthRoutes);
  app.route('/', metricsRoutes);
  app.route('/', codecRoutes);
  app.route('/', adminRoutes);
  app.route('/', apiKeyRoutes);
  app.route('/', connectionRoutes);
  app.route('/', connectRoutes);
  app.route('/', sessionRoutes);
  app.route('/', consoleRoutes);
  app.route('/', syncRoutes);
  app.route('/', policyRoutes);
  app.route('/', policyTransactionRoutes);
  app.route('/', inboundRoutes);
  app.route('/', clientRoutes);
  app.route('/', changeRoutes);
  app.route('/', conflictRoutes);
  app.route('/', mergeRuleRoutes);
  app.route('/', mappingRoutes);
  app.route('/', vendorWebhookRoutes);
  app.route('/', carrierRoutes);
  app.route('/', agentRoutes);
  app.route('/', agentMergeRoutes);
  // Before the commission routes: /v1/commissions/statements is not /v1/commissions/{id}.
  app.route('/', statementRoutes);
  app.route('/', statementMappingRoutes);
  app.route('/', rateProposalRoutes);
  app.route('/', commissionRoutes);
  app.route('/', renewalRoutes);
  app.route('/', exportRoutes);
  app.route('/', analyticsRoutes);
  app.route('/', ledgerRoutes);
  app.route('/', webhookRoutes);

  // The document announces the request limits it is enforced with (api/openapi-limits.ts).
  app.get('/openapi.json', (c) =>
    c.json(
      announceLimits(
        app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: {
            title: 'Commission Hub API',
            version: '1.0.0',
            description: `Commission intelligence for insurance agencies.\n\n${limitsDescription}`,
          },
        }),
        routeBodies(app.openAPIRegistry.definitions),
      ),
    ),
  );
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'chk_live_… API key',
  });

  app.notFound((c) => problemResponse(c, 'not-found', `No route for ${c.req.method} ${c.req.path}.`));
  app.onError((err, c) => {
    // A bad request, however deep it got, is answered as one: api/error-problems.ts.
    const mapped = problemForError(err);
    if (mapped) return problemResponse(c, mapped.problem, mapped.detail || undefined, mapped.extra);
    deps.logger.error(
      { err, requestId: c.get('requestId'), tenantId: c.get('tenantId'), path: c.req.path },
      'unhandled error',
    );
    return problemResponse(c, 'internal', 'Something went wrong; the request id identifies it in the logs.', {
      request_id: c.get('requestId'),
    });
  });
  return Object.assign(app, { flushAudit: () => audit.flush() });
}
