import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** A vendor record that could not be mapped, kept whole with the reason, so nothing is lost. */
export const QuarantinedRecordSchema = defineEntity({
  name: 'QuarantinedRecord',
  tableName: 'quarantined_records',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    connectionId: p.uuid(),
    syncRunId: p.uuid().nullable(),
    stream: p.text(),
    externalId: p.text(),
    payload: p.json<unknown>(),
    field: p.text().nullable(),
    reason: p.text(),
    firstSeenAt: p.datetime(),
    lastSeenAt: p.datetime(),
    resolvedAt: p.datetime().nullable(),
  },
});
export type QuarantinedRecord = InferEntity<typeof QuarantinedRecordSchema>;
