export * from './api-key.ts';
export * from './carrier.ts';
export * from './change-event.ts';
export * from './client.ts';
export * from './conflict.ts';
export * from './connection.ts';
export * from './connection-stream.ts';
export * from './merge-rule.ts';
export * from './policy.ts';
export * from './policy-transaction.ts';
export * from './producer.ts';
export type * from './provenance.ts';
export * from './quarantined-record.ts';
export * from './source-record.ts';
export * from './sync-run.ts';
export * from './tenant.ts';

import { ApiKeySchema } from './api-key.ts';
import { CarrierSchema } from './carrier.ts';
import { ChangeEventSchema } from './change-event.ts';
import { ClientSchema } from './client.ts';
import { ConflictSchema } from './conflict.ts';
import { ConnectionSchema } from './connection.ts';
import { ConnectionStreamSchema } from './connection-stream.ts';
import { MergeRuleSchema } from './merge-rule.ts';
import { PolicySchema } from './policy.ts';
import { PolicyTransactionSchema } from './policy-transaction.ts';
import { ProducerSchema } from './producer.ts';
import { QuarantinedRecordSchema } from './quarantined-record.ts';
import { SourceRecordSchema } from './source-record.ts';
import { SyncRunSchema } from './sync-run.ts';
import { TenantSchema } from './tenant.ts';

export const allEntities = [
  TenantSchema,
  ApiKeySchema,
  ConnectionSchema,
  ConnectionStreamSchema,
  SyncRunSchema,
  SourceRecordSchema,
  QuarantinedRecordSchema,
  ClientSchema,
  CarrierSchema,
  ProducerSchema,
  PolicySchema,
  PolicyTransactionSchema,
  ChangeEventSchema,
  MergeRuleSchema,
  ConflictSchema,
];
