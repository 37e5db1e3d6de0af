import { Client, type ClientInterceptors, Connection, ServiceError } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';

/** Starting, signalling or updating a workflow carries the caller's trace context in headers. */
export const clientInterceptors = (): ClientInterceptors => ({
  workflow: [new OpenTelemetryWorkflowClientInterceptor()],
});

export async function connectTemporalClient(
  address: string,
  namespace: string,
  dataConverter: DataConverter,
): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, dataConverter, interceptors: clientInterceptors() });
}

// gRPC codes a server that is still starting up answers with: DEADLINE_EXCEEDED, UNAVAILABLE.
const STARTING_UP = new Set([4, 14]);

/**
 * An idempotent call tried again while the Temporal server is still coming up: a dev server that
 * has just opened a large `.data` file can time out its first calls (seen on `npm start`).
 * Anything else fails at once.
 */
export async function whileTemporalStarts<T>(
  call: () => Promise<T>,
  attempts = 5,
  pauseMs = 2_000,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const code = (err as { cause?: { code?: unknown } }).cause?.code;
      if (!(err instanceof ServiceError) || !STARTING_UP.has(code as number) || attempt >= attempts)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, pauseMs * attempt));
    }
  }
}
