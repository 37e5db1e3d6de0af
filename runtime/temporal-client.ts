import { Client, type ClientInterceptors, Connection } from '@temporalio/client';
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
