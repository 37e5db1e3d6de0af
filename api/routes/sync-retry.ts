// A sync step being retried, as Temporal knows it: the workflow's pending activity carries the
// attempt, the last failure (its message encrypted in history by the hub's codec), when the next
// attempt runs and when its schedule-to-close bound expires.
import { z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { LoadedDataConverter, ProtoFailure } from '@temporalio/common';
import type { google, temporal } from '@temporalio/proto';

export const syncRetrySchema = z
  .object({
    activity: z.string(),
    attempt: z
      .number()
      .int()
      .openapi({ description: 'The attempt running or about to run (2 = first retry).' }),
    last_error: z.object({ class: z.string(), message: z.string() }).nullable(),
    last_attempt_at: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    gives_up_at: z.string().nullable(),
  })
  .openapi('SyncRetry');

type Description = temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse;

function iso(ts: google.protobuf.ITimestamp | null | undefined): string | null {
  if (!ts?.seconds) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** What a failure says: its type, and its message. */
async function lastError(failure: ProtoFailure, converter: LoadedDataConverter) {
  let message = failure.message ?? '';
  if (failure.encodedAttributes) {
    let attributes = [failure.encodedAttributes];
    for (const codec of [...converter.payloadCodecs].reverse()) attributes = await codec.decode(attributes);
    message = converter.payloadConverter.fromPayload<{ message?: string }>(attributes[0]!).message ?? message;
  }
  const type = failure.applicationFailureInfo?.type ?? (failure.timeoutFailureInfo ? 'Timeout' : 'Error');
  return { class: type, message: message.slice(0, 500) };
}

export async function retryOf(
  client: Client,
  raw: Description,
): Promise<z.infer<typeof syncRetrySchema> | null> {
  const pending = (raw.pendingActivities ?? []).find((a) => (a.attempt ?? 1) > 1 || a.lastFailure);
  if (!pending) return null;
  return {
    activity: pending.activityType?.name ?? 'unknown',
    attempt: pending.attempt ?? 1,
    last_error: pending.lastFailure
      ? await lastError(pending.lastFailure, client.options.loadedDataConverter)
      : null,
    last_attempt_at: iso(pending.lastAttemptCompleteTime),
    next_attempt_at: iso(pending.nextAttemptScheduleTime),
    gives_up_at: iso(pending.expirationTime),
  };
}
