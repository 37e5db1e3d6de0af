import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

export const ConnectionStreamSchema = defineEntity({
  name: 'ConnectionStream',
  tableName: 'connection_streams',
  properties: {
    connectionId: p.uuid().primary(),
    stream: p.text().primary(),
    tenantId: p.uuid(),
    /** Where the next incremental sync of this stream starts. */
    cursor: p.json<unknown>().nullable(),
    /** Where the run in progress resumes after a crash. */
    checkpoint: p.json<unknown>().nullable(),
    checkpointRunId: p.uuid().nullable(),
    lastFullSyncAt: p.datetime().nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type ConnectionStream = InferEntity<typeof ConnectionStreamSchema>;
