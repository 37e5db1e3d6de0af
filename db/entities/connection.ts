import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

export const connectionStatuses = ['active', 'paused', 'error', 'disconnected'] as const;

export const ConnectionSchema = defineEntity({
  name: 'Connection',
  tableName: 'connections',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    provider: p.text(),
    displayName: p.text(),
    status: p.enum(connectionStatuses).default('active'),
    statusReason: p.text().nullable(),
    /** AES-256-GCM ciphertext of the credentials JSON (runtime/secret-box.ts). */
    credentials: p.text().nullable().lazy(),
    credentialsKeyId: p.text().nullable(),
    settings: p.json<Record<string, unknown>>().onCreate(() => ({})),
    /** Set at the first failed sync after a success; a connection failing for days is paused. */
    failingSince: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Connection = InferEntity<typeof ConnectionSchema>;
