// OpenTelemetry traces from an API request through the workflow it starts and that workflow's
// activities. On only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only variable) is set: then
// spans go by OTLP/HTTP to that collector; otherwise nothing is registered and tracing costs
// nothing. Trace context crosses Temporal in headers (@temporalio/interceptors-opentelemetry),
// so a trace survives worker restarts and retries like the work itself.
import { type Attributes, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  enabled: boolean;
  resource: Resource;
  /** Where spans end: the OTLP batch exporter, or a no-op when tracing is off. */
  spanProcessor: SpanProcessor;
  /** Sends what is buffered (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;

export function tracingEnabled(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Installs the process-wide tracer provider for `service` (commission-hub-api, -worker). The
 * exporter also reads the other standard OTEL_EXPORTER_OTLP_* variables (headers, timeout).
 */
export function startTracing(service: string, env: Env = process.env): Tracing {
  const resource = new Resource({
    'service.name': env.OTEL_SERVICE_NAME || service,
    'service.namespace': 'commission-hub',
  });
  if (!tracingEnabled(env)) return tracingOff(resource);
  // The spec's rule: the generic endpoint gets /v1/traces appended, the traces-only one is used as is.
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/$/, '')}/v1/traces`;
  const spanProcessor = safeSpans(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The AsyncLocalStorage context manager and W3C trace-context propagation only: a caller's
  // baggage would otherwise ride into workflow headers and history.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    enabled: true,
    resource,
    spanProcessor,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

export function tracingOff(resource = new Resource({ 'service.name': 'commission-hub' })): Tracing {
  const spanProcessor = new NoopSpanProcessor();
  return { enabled: false, resource, spanProcessor, flush: async () => {}, shutdown: async () => {} };
}

export const apiTracer = () => trace.getTracer('commission-hub-api');

/**
 * What leaves the process is identifiers and timings only. Workflow spans arrive from the
 * sandbox with the whole WorkflowInfo merged into their attributes (memo, last result…), and
 * error messages and exception events can quote vendor responses (an email in a validation
 * error): object-valued attributes, events and status messages are dropped from every span.
 */
export function safeSpans(next: SpanProcessor): SpanProcessor {
  return {
    onStart: () => {},
    onEnd(span: ReadableSpan) {
      const attributes: Attributes = {};
      for (const [key, value] of Object.entries(span.attributes)) {
        if (value === undefined || value === null) continue;
        if (typeof value === 'object' && !Array.isArray(value)) continue;
        if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) continue;
        attributes[key] = value;
      }
      // Keeps the span's prototype (spanContext(), duration…) and replaces what may carry data.
      const safe = Object.assign(Object.create(Object.getPrototypeOf(span)), span, {
        attributes,
        events: [],
        status: { code: span.status.code },
      }) as ReadableSpan;
      next.onEnd(safe);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
