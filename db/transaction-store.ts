// Policy transactions written outside a sync (the API, inbound AMS and rater pushes): source
// records of the writing connection, merged like a sync page, so a transaction the AMS also
// reports (same policy, type and date) is one transaction with per-field provenance, and each
// write emits the outbox events the commission workflow recalculates from.
import type { TransactionDraft } from '../domain/canonical.ts';
import type { MergeRules } from '../domain/merge.ts';
import { appendEvents, entityEvent } from './outbox.ts';
import { apiSourceScope } from './policy-store.ts';
import type { Queryable } from './pool.ts';
import { type SourceScope, type SourceWrite, writeSourceRecords } from './source-writer.ts';

export const TRANSACTION_STREAM = 'policy_transactions';

export interface TransactionWrite {
  policyId: string;
  draft: TransactionDraft;
  /** The source record's key: the same key again amends the same transaction. */
  externalId: string;
  payload: unknown;
  /** Describe this transaction (an amendment of one another system reported). */
  canonicalId?: string;
  updatedAt?: string;
}

export interface TransactionWriteOutcome {
  id: string;
  status: 'created' | 'updated' | 'unchanged';
}

export async function apiTransactionScope(db: Queryable, tenantId: string): Promise<SourceScope> {
  return { ...(await apiSourceScope(db, tenantId)), stream: TRANSACTION_STREAM };
}

/**
 * Writes transactions in request order; outcomes by index. Records of one merge that share a
 * policy, type and date are taken for one transaction, so a second endorsement on the same day
 * goes in a later round and stays its own transaction.
 */
export async function writeTransactions(
  db: Queryable,
  scope: SourceScope,
  writes: TransactionWrite[],
  rules: MergeRules | undefined,
  opts: { skipUnchanged?: boolean } = {},
): Promise<{ outcomes: TransactionWriteOutcome[]; openedConflicts: string[] }> {
  const rounds: SourceWrite[][] = [];
  const seen = new Map<string, number>();
  for (const w of writes) {
    const key = `${w.policyId}|${w.draft.type}|${w.draft.effectiveDate}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    rounds[n] ??= [];
    rounds[n].push({
      externalId: w.externalId,
      payload: w.payload,
      entity: 'policy_transaction',
      draft: w.draft as unknown as Record<string, unknown>,
      resolved: { policyId: w.policyId },
      canonicalId: w.canonicalId,
      updatedAt: w.updatedAt,
    });
  }
  const byExternal = new Map<string, TransactionWriteOutcome>();
  const openedConflicts: string[] = [];
  for (const round of rounds) {
    const written = await writeSourceRecords(db, scope, round, rules, opts);
    for (const it of written.items) byExternal.set(it.externalId, { id: it.canonicalId, status: it.status });
    openedConflicts.push(...written.openedConflicts);
  }
  return { outcomes: writes.map((w) => byExternal.get(w.externalId)!), openedConflicts };
}

/**
 * A delete through the API removes the transaction now (whoever else reports it) and retires the
 * API's record of it; its expected commission goes with the next recalculation. A system that
 * still has the transaction brings it back on its next change, as after any delete on our side.
 */
export async function deleteTransaction(db: Queryable, scope: SourceScope, id: string): Promise<boolean> {
  const reason = 'deleted through the API';
  const { rows } = await db.query<{ id: string }>(
    `update policy_transactions set deleted_at = now(), delete_reason = $3, updated_at = now()
      where tenant_id = $1 and id = $2 and deleted_at is null returning id`,
    [scope.tenantId, id, reason],
  );
  if (!rows.length) return false;
  await db.query(
    `update source_records set deleted_at = now(), delete_reason = $4
      where tenant_id = $1 and connection_id = $2 and canonical_id = $3 and deleted_at is null`,
    [scope.tenantId, scope.connectionId, id, reason],
  );
  await appendEvents(db, scope, [entityEvent('policy_transaction', id, 'deleted')]);
  return true;
}

/** A transaction as listed: its fields, the caller's external id and its stored expectation. */
export async function loadTransactions(
  db: Queryable,
  scope: SourceScope,
  policyId: string,
  ids?: string[],
): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query(
    `select t.id, t.policy_id, t.type, t.effective_date, t.accounting_period, t.premium_delta_cents, t.taxes_fees_cents,
            t.broker_fee_cents, t.cancel_method, t.commission_rate, t.commission_cents, t.commission_source, t.provenance,
            t.created_at, t.updated_at, s.external_id,
            e.agency_cents, e.basis_cents, e.rate, e.rate_source, e.status as expected_status, e.paid_cents
       from policy_transactions t
       left join lateral (select payload ->> 'external_id' as external_id from source_records s
                           where s.canonical_id = t.id and s.connection_id = $3 and s.stream = $4 and s.deleted_at is null
                           limit 1) s on true
       left join expected_commissions e on e.transaction_id = t.id
      where t.tenant_id = $1 and t.policy_id = $2 and t.deleted_at is null and ($5::uuid[] is null or t.id = any($5::uuid[]))
      order by t.effective_date, t.created_at, t.id
      limit 1000`,
    [scope.tenantId, policyId, scope.connectionId, TRANSACTION_STREAM, ids ?? null],
  );
  return rows;
}

/** The current fields of one live transaction of the policy, or null. */
export async function loadTransaction(
  db: Queryable,
  tenantId: string,
  policyId: string,
  id: string,
): Promise<Record<string, unknown> | null> {
  const { rows } = await db.query(
    `select id, type, effective_date, accounting_period, premium_delta_cents, taxes_fees_cents, broker_fee_cents,
            cancel_method, commission_rate, commission_cents, commission_source
       from policy_transactions where tenant_id = $1 and policy_id = $2 and id = $3 and deleted_at is null`,
    [tenantId, policyId, id],
  );
  return rows[0] ?? null;
}

/** The API's record of a transaction it already describes: its key and the caller's external_id. */
export async function apiRecordOf(
  db: Queryable,
  scope: SourceScope,
  id: string,
): Promise<{ key: string; externalId: string | null } | null> {
  const { rows } = await db.query<{ external_id: string; caller_id: string | null }>(
    `select external_id, payload ->> 'external_id' as caller_id from source_records
      where tenant_id = $1 and connection_id = $2 and stream = $3 and canonical_id = $4
      order by deleted_at nulls first limit 1`,
    [scope.tenantId, scope.connectionId, TRANSACTION_STREAM, id],
  );
  return rows[0] ? { key: rows[0].external_id, externalId: rows[0].caller_id } : null;
}
