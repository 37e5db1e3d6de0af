// Webhook endpoints (secrets sealed at rest), their deliveries and attempts. The API manages
// endpoints inside its tenant transaction; the delivery activity claims due deliveries and
// records whole batches of attempts in one transaction.

import type { OutboxRow } from '../runtime/outbound/event-payloads.ts';
import { activeSecrets, newEndpointSecret } from '../runtime/outbound/webhook-signing.ts';
import type { Keyring } from '../runtime/secret-box.ts';
import { open, seal } from '../runtime/secret-box.ts';
import type { Pool, PoolClient, Queryable } from './pool.ts';
import { withTransaction } from './pool.ts';

export interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  secret: string;
  secret_key_id: string;
  previous_secrets: { box: string; key_id: string; expires_at: string }[];
  rate_limit_per_second: number | null;
  strict_ordering: boolean;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EndpointInput {
  url: string;
  eventTypes: string[];
  description?: string | null;
  enabled?: boolean;
  rateLimitPerSecond?: number | null;
  strictOrdering?: boolean;
}

// The sealed secret is bound to its endpoint: a ciphertext copied onto another row does not open.
const bound = (endpointId: string) => Buffer.from(`webhook-endpoint:${endpointId}`);

function sealSecret(keyring: Keyring, endpointId: string, secret: string) {
  return seal(keyring, Buffer.from(secret), bound(endpointId));
}

function openSecret(keyring: Keyring, endpointId: string, box: string, keyId: string): string {
  return open(keyring, { box, keyId }, bound(endpointId)).toString('utf8');
}

/** Creates an endpoint; the plain secret is returned once and never again. */
export async function createEndpoint(
  db: Queryable,
  keyring: Keyring,
  tenantId: string,
  input: EndpointInput,
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const { rows: ids } = await db.query<{ id: string }>('select gen_random_uuid() as id');
  const id = ids[0]!.id;
  const secret = newEndpointSecret();
  const sealed = sealSecret(keyring, id, secret);
  const { rows } = await db.query<EndpointRow>(
    `insert into webhook_endpoints (id, tenant_id, url, description, event_types, enabled, secret, secret_key_id,
                                    rate_limit_per_second, strict_ordering)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning *`,
    [
      id,
      tenantId,
      input.url,
      input.description ?? null,
      input.eventTypes,
      input.enabled ?? true,
      sealed.box,
      sealed.keyId,
      input.rateLimitPerSecond ?? null,
      input.strictOrdering ?? false,
    ],
  );
  return { endpoint: rows[0]!, secret };
}

export async function getEndpoint(db: Queryable, tenantId: string, id: string): Promise<EndpointRow | null> {
  const { rows } = await db.query<EndpointRow>(
    'select * from webhook_endpoints where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  return rows[0] ?? null;
}

export async function listEndpoints(db: Queryable, tenantId: string): Promise<EndpointRow[]> {
  const { rows } = await db.query<EndpointRow>(
    'select * from webhook_endpoints where tenant_id = $1 order by created_at, id',
    [tenantId],
  );
  return rows;
}

export async function updateEndpoint(
  db: Queryable,
  tenantId: string,
  id: string,
  patch: Partial<EndpointInput>,
): Promise<EndpointRow | null> {
  const { rows } = await db.query<EndpointRow>(
    `update webhook_endpoints set
        url = coalesce($3, url),
        event_types = coalesce($4, event_types),
        description = case when $5::boolean then $6 else description end,
        rate_limit_per_second = case when $7::boolean then $8::integer else rate_limit_per_second end,
        strict_ordering = coalesce($9, strict_ordering),
        enabled = coalesce($10, enabled),
        -- Enabling again starts with a clean slate; disabling by hand says so.
        disabled_reason = case when $10 is true then null
                               when $10 is false and enabled then 'Disabled through the API'
                               else disabled_reason end,
        disabled_at = case when $10 is true then null when $10 is false and enabled then now() else disabled_at end,
        failing_since = case when $10 is true then null else failing_since end,
        updated_at = now()
      where id = $1 and tenant_id = $2 returning *`,
    [
      id,
      tenantId,
      patch.url ?? null,
      patch.eventTypes ?? null,
      patch.description !== undefined,
      patch.description ?? null,
      patch.rateLimitPerSecond !== undefined,
      patch.rateLimitPerSecond ?? null,
      patch.strictOrdering ?? null,
      patch.enabled ?? null,
    ],
  );
  return rows[0] ?? null;
}

export async function deleteEndpoint(db: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from webhook_endpoints where id = $1 and tenant_id = $2', [
    id,
    tenantId,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * A new secret signs from now on; the current one keeps signing alongside it until the overlap
 * window ends, so receivers can switch at their own pace. Older retiring secrets are dropped.
 */
export async function rotateSecret(
  db: Queryable,
  keyring: Keyring,
  endpoint: EndpointRow,
  overlapSeconds: number,
): Promise<{ secret: string; previousExpiresAt: Date | null }> {
  const secret = newEndpointSecret();
  const sealed = sealSecret(keyring, endpoint.id, secret);
  const expiresAt = new Date(Date.now() + overlapSeconds * 1000);
  const previous =
    overlapSeconds > 0
      ? [{ box: endpoint.secret, key_id: endpoint.secret_key_id, expires_at: expiresAt.toISOString() }]
      : [];
  await db.query(
    `update webhook_endpoints set secret = $2, secret_key_id = $3, previous_secrets = $4::jsonb, updated_at = now()
      where id = $1`,
    [endpoint.id, sealed.box, sealed.keyId, JSON.stringify(previous)],
  );
  return { secret, previousExpiresAt: overlapSeconds > 0 ? expiresAt : null };
}

/** The secrets that sign right now: the current one, then retiring ones inside their window. */
export function signingSecrets(keyring: Keyring, endpoint: EndpointRow, now = Date.now()): string[] {
  const current = openSecret(keyring, endpoint.id, endpoint.secret, endpoint.secret_key_id);
  const previous = endpoint.previous_secrets
    .filter((p) => Date.parse(p.expires_at) > now)
    .map((p) => ({
      secret: openSecret(keyring, endpoint.id, p.box, p.key_id),
      expiresAt: Date.parse(p.expires_at),
    }));
  return activeSecrets(current, previous, now);
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_seq: number;
  event_type: string;
  msg_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_response: string | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export async function listDeliveries(
  db: Queryable,
  tenantId: string,
  endpointId: string,
  opts: { status?: string; limit: number; beforeSeq?: number | null },
): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `select * from webhook_deliveries
      where tenant_id = $1 and endpoint_id = $2 and ($3::text is null or status = $3)
        and ($4::bigint is null or event_seq < $4)
      order by event_seq desc limit $5`,
    [tenantId, endpointId, opts.status ?? null, opts.beforeSeq ?? null, opts.limit],
  );
  return rows;
}

export interface AttemptRow {
  attempt: number;
  attempted_at: Date;
  outcome: string;
  status_code: number | null;
  response_body: string | null;
  response_truncated: boolean;
  duration_ms: number;
  error: string | null;
}

export async function getDelivery(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<(DeliveryRow & { attempt_log: AttemptRow[] }) | null> {
  const { rows } = await db.query<DeliveryRow>(
    'select * from webhook_deliveries where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  if (!rows[0]) return null;
  const { rows: attempts } = await db.query<AttemptRow>(
    `select attempt, attempted_at, outcome, status_code, response_body, response_truncated, duration_ms, error
       from webhook_attempts where delivery_id = $1 order by attempt, id`,
    [id],
  );
  return { ...rows[0], attempt_log: attempts };
}

/** One more attempt, now; a manual retry of a delivery that gave up gets exactly one. */
export async function requeueDelivery(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>(
    `update webhook_deliveries set status = 'pending', next_attempt_at = now(), finished_at = null
      where id = $1 and tenant_id = $2 and status <> 'pending' returning *`,
    [id, tenantId],
  );
  return rows[0] ?? null;
}

/** Requeues every delivery of the endpoint that failed for good and was created since `since`. */
export async function recoverFailed(
  db: Queryable,
  tenantId: string,
  endpointId: string,
  since: Date,
): Promise<number> {
  const { rowCount } = await db.query(
    `update webhook_deliveries set status = 'pending', next_attempt_at = now(), finished_at = null
      where tenant_id = $1 and endpoint_id = $2 and status = 'failed' and created_at >= $3`,
    [tenantId, endpointId, since],
  );
  return rowCount ?? 0;
}

// ---- The delivery activity's side ----

export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  msgId: string;
  eventType: string;
  attempts: number;
  createdAt: Date;
  event: OutboxRow;
}

/**
 * Takes up to `limit` due deliveries, leasing them for `leaseMs` (a crashed sender's deliveries
 * come back when the lease ends). With strict ordering only the oldest unfinished delivery is
 * ever taken, and only once it is due: later events wait behind it.
 */
export async function claimDue(
  pool: Pool,
  endpointId: string,
  opts: { limit: number; leaseMs: number; strict: boolean },
): Promise<ClaimedDelivery[]> {
  const pick = opts.strict
    ? `select id from (select id, next_attempt_at from webhook_deliveries
                        where endpoint_id = $1 and next_attempt_at is not null order by event_seq limit 1) head
        where head.next_attempt_at <= now()`
    : `select id from webhook_deliveries where endpoint_id = $1 and next_attempt_at <= now()
        order by next_attempt_at, event_seq limit $3 for update skip locked`;
  const { rows } = await pool.query<{
    id: string;
    tenant_id: string;
    msg_id: string;
    event_type: string;
    attempts: number;
    created_at: Date;
    entity_type: string;
    entity_id: string;
    op: string | null;
    connection_id: string | null;
    changed_fields: string[];
    data: Record<string, unknown> | null;
    occurred_at: Date;
  }>(
    `with claimed as (
       update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
        where d.id in (${pick}) returning d.*)
     select c.id, c.tenant_id, c.msg_id, c.event_type, c.attempts, c.created_at, e.entity_type, e.entity_id::text,
            e.op, e.connection_id::text, e.changed_fields, e.data, e.occurred_at
       from claimed c join change_events e on e.seq = c.event_seq
      order by c.event_seq`,
    opts.strict ? [endpointId, opts.leaseMs] : [endpointId, opts.leaseMs, opts.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    msgId: r.msg_id,
    eventType: r.event_type,
    attempts: r.attempts,
    createdAt: r.created_at,
    event: {
      type: r.event_type,
      entity_type: r.entity_type,
      entity_id: r.entity_id,
      op: r.op,
      connection_id: r.connection_id,
      changed_fields: r.changed_fields,
      data: r.data,
      occurred_at: r.occurred_at,
    },
  }));
}

export interface AttemptResult {
  deliveryId: string;
  tenantId: string;
  attempt: number;
  attemptedAt: Date;
  outcome: 'delivered' | 'retry' | 'gone' | 'rejected' | 'blocked';
  statusCode: number | null;
  responseBody: string;
  responseTruncated: boolean;
  durationMs: number;
  error: string | null;
  /** The delivery's state after this attempt. */
  status: 'pending' | 'succeeded' | 'failed';
  nextAttemptAt: Date | null;
}

/**
 * Records a batch of attempts and their deliveries' new state in one transaction, then the
 * endpoint's health: a success clears `failing_since`; failures only ever start it; 410 or
 * failing for longer than `disableAfterMs` disables the endpoint with the reason.
 * Returns the reason when this batch disabled it.
 */
export async function recordAttempts(
  pool: Pool,
  endpointId: string,
  results: AttemptResult[],
  disableAfterMs: number,
): Promise<string | null> {
  if (!results.length) return null;
  return withTransaction(pool, async (db) => {
    // Locked first, so an endpoint deleted meanwhile (its deliveries with it) is noticed, not violated.
    const { rowCount } = await db.query('select 1 from webhook_endpoints where id = $1 for no key update', [
      endpointId,
    ]);
    if (!rowCount) return null;
    await insertAttempts(db, results);
    await db.query(
      `update webhook_deliveries d set status = u.status, attempts = u.attempt, next_attempt_at = u.next_at,
              last_attempt_at = u.attempted_at, last_status_code = u.code, last_response = u.body, last_error = u.error,
              finished_at = case when u.status = 'pending' then null else u.attempted_at end
         from unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::text[], $8::text[])
              as u(id, status, attempt, next_at, attempted_at, code, body, error)
        where d.id = u.id`,
      [
        results.map((r) => r.deliveryId),
        results.map((r) => r.status),
        results.map((r) => r.attempt),
        results.map((r) => r.nextAttemptAt),
        results.map((r) => r.attemptedAt),
        results.map((r) => r.statusCode),
        results.map((r) => r.responseBody),
        results.map((r) => r.error),
      ],
    );
    const gone = results.find((r) => r.outcome === 'gone');
    const lastSuccess = results.findLast((r) => r.outcome === 'delivered');
    const failuresAfter = results.filter(
      (r) => r.outcome !== 'delivered' && (!lastSuccess || r.attemptedAt > lastSuccess.attemptedAt),
    );
    const firstFailure = failuresAfter.reduce<Date | null>(
      (min, r) => (!min || r.attemptedAt < min ? r.attemptedAt : min),
      null,
    );
    const { rows } = await db.query<{ failing_since: Date | null; enabled: boolean }>(
      `update webhook_endpoints set failing_since = case when $2::boolean then $3::timestamptz
                                                       else coalesce(failing_since, $3::timestamptz) end
        where id = $1 returning failing_since, enabled`,
      [endpointId, Boolean(lastSuccess), firstFailure],
    );
    const endpoint = rows[0];
    if (!endpoint?.enabled) return null;
    let reason: string | null = null;
    if (gone) {
      reason = `The endpoint answered 410 Gone at ${gone.attemptedAt.toISOString()}.`;
    } else if (endpoint.failing_since && Date.now() - endpoint.failing_since.getTime() >= disableAfterMs) {
      reason = `Every attempt has failed since ${endpoint.failing_since.toISOString()} (more than ${formatDuration(disableAfterMs)}).`;
    }
    if (reason) {
      await db.query(
        `update webhook_endpoints set enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
          where id = $1`,
        [endpointId, reason],
      );
    }
    return reason;
  });
}

async function insertAttempts(db: PoolClient, results: AttemptResult[]): Promise<void> {
  await db.query(
    `insert into webhook_attempts (tenant_id, delivery_id, attempt, attempted_at, outcome, status_code, response_body,
                                   response_truncated, duration_ms, error)
     select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[], $5::text[], $6::int[], $7::text[],
                          $8::boolean[], $9::int[], $10::text[])`,
    [
      results.map((r) => r.tenantId),
      results.map((r) => r.deliveryId),
      results.map((r) => r.attempt),
      results.map((r) => r.attemptedAt),
      results.map((r) => r.outcome),
      results.map((r) => r.statusCode),
      results.map((r) => r.responseBody),
      results.map((r) => r.responseTruncated),
      results.map((r) => r.durationMs),
      results.map((r) => r.error),
    ],
  );
}

export interface Backlog {
  /** Milliseconds until the next delivery is due (0: now), null when nothing is pending. */
  nextDueMs: number | null;
  pending: number;
  /** Pending deliveries that have failed at least once. */
  retrying: number;
  /** The event type of the oldest pending delivery: what an operator sees waiting. */
  headEventType: string | null;
}

export async function endpointBacklog(pool: Pool, endpointId: string, strict: boolean): Promise<Backlog> {
  const { rows } = await pool.query<{
    due_ms: number | null;
    head_due_ms: number | null;
    pending: number;
    retrying: number;
    head_type: string | null;
  }>(
    `select greatest(0, extract(epoch from (min(next_attempt_at) - now())) * 1000)::float8 as due_ms,
            count(*)::int as pending, count(*) filter (where attempts > 0)::int as retrying,
            (select event_type from webhook_deliveries h where h.endpoint_id = $1 and h.next_attempt_at is not null
              order by event_seq limit 1) as head_type,
            (select greatest(0, extract(epoch from (h.next_attempt_at - now())) * 1000)::float8 from webhook_deliveries h
              where h.endpoint_id = $1 and h.next_attempt_at is not null order by event_seq limit 1) as head_due_ms
       from webhook_deliveries where endpoint_id = $1 and next_attempt_at is not null`,
    [endpointId],
  );
  const r = rows[0]!;
  // With strict ordering nothing moves before the head, so its due time is the next one.
  const due = strict ? r.head_due_ms : r.due_ms;
  return {
    nextDueMs: due === null ? null : Math.ceil(Number(due)),
    pending: r.pending,
    retrying: r.retrying,
    headEventType: r.head_type,
  };
}

/** The endpoint as the sender needs it, or null when it no longer exists. */
export async function loadEndpointForDelivery(pool: Pool, endpointId: string): Promise<EndpointRow | null> {
  const { rows } = await pool.query<EndpointRow>('select * from webhook_endpoints where id = $1', [
    endpointId,
  ]);
  return rows[0] ?? null;
}

function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 48) return `${Math.round(hours / 24)} days`;
  if (hours >= 1) return `${Math.round(hours)} hours`;
  return `${Math.round(ms / 1000)} seconds`;
}
