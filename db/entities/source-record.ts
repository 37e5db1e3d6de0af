import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** A vendor record exactly as the vendor sent it, with its hash for change detection. */
export const SourceRecordSchema = defineEntity({
  name: 'SourceRecord',
  tableName: 'source_records',
  properties: {
    id: p.bigint('number').primary(),
    tenantId: p.uuid(),
    connectionId: p.uuid(),
    stream: p.text(),
    externalId: p.text(),
    payload: p.json<Record<string, unknown>>(),
    payloadHash: p.text(),
    vendorUpdatedAt: p.datetime().nullable(),
    firstSeenAt: p.datetime(),
    lastChangedAt: p.datetime(),
    lastSeenRunId: p.uuid().nullable(),
    deletedAt: p.datetime().nullable(),
    deleteReason: p.text().nullable(),
    canonicalType: p.text().nullable(),
    canonicalId: p.uuid().nullable(),
  },
});
export type SourceRecord = InferEntity<typeof SourceRecordSchema>;
