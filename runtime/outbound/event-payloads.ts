// What a webhook says: the event types an endpoint can subscribe to, and the body sent for one
// outbox event. Bodies are "thin" (ids, amounts in cents, changed field names; never names,
// emails or addresses): the receiver reads the full record through the API if it needs it.
// The body is built from the immutable outbox row, so every attempt sends the same bytes.

/** Body format version, sent as `version`; a breaking change to any payload bumps it. */
export const PAYLOAD_VERSION = 'v1';

export const WEBHOOK_EVENT_TYPES = [
  'policy.created',
  'policy.updated',
  'policy.deleted',
  'policy.renewed',
  'policy.cancelled',
  'commission.calculated',
  'commission.paid',
  'commission.discrepancy',
  'renewal.upcoming',
  'conflict.opened',
  'conflict.resolved',
  'sync.completed',
  'sync.failed',
  'connection.paused',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** An outbox row as the delivery activity reads it. */
export interface OutboxRow {
  type: string;
  entity_type: string;
  entity_id: string;
  op: string | null;
  connection_id: string | null;
  changed_fields: string[];
  data: Record<string, unknown> | null;
  occurred_at: Date;
}

// The id field each outbox entity is named by in a payload.
const ID_FIELD: Record<string, string> = {
  policy: 'policy_id',
  policy_transaction: 'transaction_id',
  conflict: 'conflict_id',
  sync_run: 'sync_run_id',
  connection: 'connection_id',
};

export interface WebhookPayload {
  type: string;
  version: typeof PAYLOAD_VERSION;
  timestamp: string;
  data: Record<string, unknown>;
}

export function buildPayload(row: OutboxRow): WebhookPayload {
  const data: Record<string, unknown> = {
    [ID_FIELD[row.entity_type] ?? `${row.entity_type}_id`]: row.entity_id,
  };
  if (row.connection_id && data.connection_id === undefined) data.connection_id = row.connection_id;
  if (row.op === 'updated') data.changed_fields = row.changed_fields;
  for (const [key, value] of Object.entries(row.data ?? {})) if (!(key in data)) data[key] = value;
  return { type: row.type, version: PAYLOAD_VERSION, timestamp: row.occurred_at.toISOString(), data };
}

/** The exact bytes sent and signed. */
export function payloadBody(row: OutboxRow): string {
  return JSON.stringify(buildPayload(row));
}
