// Policies written through the API: creates, updates, deletes and renewals, one or a thousand at
// a time, each answered on its own. Writes are source records of the tenant's "API" connection
// merged like any sync page (db/source-writer.ts); the checks that can fail an item (unknown id,
// unknown reference, a duplicate) run as set-based queries first, so a bulk of 1,000 costs a
// handful of statements and one merge.
import type { PolicyDraft } from '../domain/canonical.ts';
import { normalizePolicyNumber } from '../domain/normalize.ts';
import { loadMergeRules } from './merge-rules.ts';
import { appendEvents, entityEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';
import {
  ensureSourceConnection,
  newExternalId,
  type SourceScope,
  type SourceWrite,
  writeSourceRecords,
} from './source-writer.ts';

export interface PolicyFields {
  draft: PolicyDraft;
  clientId: string | null;
  carrierId: string | null;
  producerId: string | null;
  /** The MGA the business is placed through: a carrier record of the tenant. */
  mgaId: string | null;
}

export type PolicyOp =
  | { op: 'create'; fields: PolicyFields }
  | { op: 'update'; id: string; fields: PolicyFields }
  | { op: 'delete'; id: string };

export type PolicyOpResult =
  | { ok: true; id: string; status: 'created' | 'updated' | 'merged' | 'deleted' }
  | {
      ok: false;
      problem: 'not-found' | 'conflict' | 'validation';
      detail: string;
      errors?: { field: string; message: string }[];
      existingId?: string;
    };

export const API_STREAM = 'policies';

export async function apiSourceScope(db: Queryable, tenantId: string): Promise<SourceScope> {
  const connectionId = await ensureSourceConnection(db, tenantId, 'api', {
    provider: 'api',
    displayName: 'API',
  });
  return { tenantId, connectionId, provider: 'api', stream: API_STREAM };
}

/** Applies the operations in order of kind (checks, then one merge, then deletes); results by index. */
export async function applyPolicyOps(
  db: Queryable,
  tenantId: string,
  ops: (PolicyOp | null)[],
): Promise<{ results: (PolicyOpResult | null)[]; openedConflicts: string[] }> {
  const results: (PolicyOpResult | null)[] = ops.map(() => null);
  const scope = await apiSourceScope(db, tenantId);
  const fail = (i: number, r: Extract<PolicyOpResult, { ok: false }>) => {
    results[i] = r;
  };

  // An id may appear once per request: the order of two writes to one policy would be a guess.
  const targets = new Map<string, number>();
  ops.forEach((op, i) => {
    if (!op || op.op === 'create') return;
    if (targets.has(op.id))
      fail(i, {
        ok: false,
        problem: 'conflict',
        detail: `policy ${op.id} already appears at item ${targets.get(op.id)}`,
      });
    else targets.set(op.id, i);
  });
  if (targets.size) {
    const { rows } = await db.query<{ id: string }>(
      'select id from policies where tenant_id = $1 and id = any($2::uuid[]) and deleted_at is null',
      [tenantId, [...targets.keys()]],
    );
    const found = new Set(rows.map((r) => r.id));
    for (const [id, i] of targets)
      if (!found.has(id)) fail(i, { ok: false, problem: 'not-found', detail: `No policy ${id}.` });
  }

  await checkReferences(db, tenantId, ops, results);
  await checkDuplicates(db, scope, ops, results);

  // The API's own source record of each updated policy, if it has one already.
  const updateIds = ops.flatMap((op, i) => (op?.op === 'update' && !results[i] ? [op.id] : []));
  const apiRecordOf = new Map<string, string>();
  if (updateIds.length) {
    const { rows } = await db.query<{ canonical_id: string; external_id: string }>(
      `select canonical_id, external_id from source_records
        where tenant_id = $1 and connection_id = $2 and stream = $3 and canonical_id = any($4::uuid[])`,
      [tenantId, scope.connectionId, scope.stream, updateIds],
    );
    for (const r of rows) apiRecordOf.set(r.canonical_id, r.external_id);
  }

  const writes: { index: number; write: SourceWrite }[] = [];
  ops.forEach((op, i) => {
    if (!op || results[i] || op.op === 'delete') return;
    const id = op.op === 'update' ? op.id : undefined;
    writes.push({
      index: i,
      write: {
        externalId: (id && apiRecordOf.get(id)) ?? id ?? newExternalId(),
        payload: apiPayload(op.fields),
        entity: 'policy',
        draft: op.fields.draft as unknown as Record<string, unknown>,
        resolved: {
          clientId: op.fields.clientId,
          carrierId: op.fields.carrierId,
          producerId: op.fields.producerId,
          mgaId: op.fields.mgaId,
        },
        canonicalId: id,
      },
    });
  });
  let openedConflicts: string[] = [];
  if (writes.length) {
    const written = await writeSourceRecords(
      db,
      scope,
      writes.map((w) => w.write),
      await loadMergeRules(db, tenantId),
    );
    openedConflicts = written.openedConflicts;
    const byExternal = new Map(written.items.map((it) => [it.externalId, it]));
    for (const { index, write } of writes) {
      const out = byExternal.get(write.externalId)!;
      const op = ops[index]!;
      results[index] = {
        ok: true,
        id: out.canonicalId,
        // A create that matched a policy another system already described merged into it.
        status: op.op === 'update' ? 'updated' : out.status === 'created' ? 'created' : 'merged',
      };
    }
  }

  const deletes = ops.flatMap((op, i) => (op?.op === 'delete' && !results[i] ? [{ i, id: op.id }] : []));
  if (deletes.length) {
    await deletePolicies(
      db,
      scope,
      deletes.map((d) => d.id),
    );
    for (const d of deletes) results[d.i] = { ok: true, id: d.id, status: 'deleted' };
  }
  return { results, openedConflicts };
}

/** What the API source record keeps: the fields as the caller sent them. */
function apiPayload(f: PolicyFields): Record<string, unknown> {
  return {
    ...f.draft,
    clientId: f.clientId,
    carrierId: f.carrierId,
    producerId: f.producerId,
    mgaId: f.mgaId,
  };
}

async function checkReferences(
  db: Queryable,
  tenantId: string,
  ops: (PolicyOp | null)[],
  results: (PolicyOpResult | null)[],
): Promise<void> {
  const refs = [
    { key: 'clientId', field: 'client_id', table: 'clients' },
    { key: 'carrierId', field: 'carrier_id', table: 'carriers' },
    { key: 'producerId', field: 'producer_id', table: 'producers' },
    { key: 'mgaId', field: 'mga_id', table: 'carriers' },
  ] as const;
  for (const ref of refs) {
    const wanted = new Set<string>();
    ops.forEach((op, i) => {
      const v = op && op.op !== 'delete' && !results[i] ? op.fields[ref.key] : null;
      if (v) wanted.add(v);
    });
    if (!wanted.size) continue;
    const { rows } = await db.query<{ id: string }>(
      `select id from ${ref.table} where tenant_id = $1 and id = any($2::uuid[]) and deleted_at is null`,
      [tenantId, [...wanted]],
    );
    const known = new Set(rows.map((r) => r.id));
    ops.forEach((op, i) => {
      const v = op && op.op !== 'delete' && !results[i] ? op.fields[ref.key] : null;
      if (v && !known.has(v)) {
        const message = `no ${ref.table.slice(0, -1)} ${v}`;
        results[i] = {
          ok: false,
          problem: 'validation',
          detail: message,
          errors: [{ field: ref.field, message }],
        };
      }
    });
  }
}

/**
 * The API describes a policy term once: creating a term it already created (same number and
 * effective date) is a conflict naming the existing policy. A term another system described is
 * not a duplicate; the create merges into it.
 */
async function checkDuplicates(
  db: Queryable,
  scope: SourceScope,
  ops: (PolicyOp | null)[],
  results: (PolicyOpResult | null)[],
): Promise<void> {
  const keyOf = (d: PolicyDraft) => `${normalizePolicyNumber(d.policyNumber)}|${d.effectiveDate ?? ''}`;
  const seen = new Map<string, number>();
  const creates: { i: number; key: string }[] = [];
  ops.forEach((op, i) => {
    if (op?.op !== 'create' || results[i]) return;
    const key = keyOf(op.fields.draft);
    const first = seen.get(key);
    if (first !== undefined)
      results[i] = { ok: false, problem: 'conflict', detail: `the same policy term as item ${first}` };
    else {
      seen.set(key, i);
      creates.push({ i, key });
    }
  });
  if (!creates.length) return;
  const numbers = [...new Set(creates.map((c) => c.key.split('|')[0]!))];
  const { rows } = await db.query<{
    id: string;
    policy_number_normalized: string;
    effective_date: string | null;
  }>(
    `select p.id, p.policy_number_normalized, p.effective_date from policies p
      where p.tenant_id = $1 and p.deleted_at is null and p.policy_number_normalized = any($2::text[])
        and exists (select 1 from source_records s where s.canonical_id = p.id and s.connection_id = $3
                       and s.stream = $4 and s.deleted_at is null)`,
    [scope.tenantId, numbers, scope.connectionId, scope.stream],
  );
  const existing = new Map(
    rows.map((r) => [`${r.policy_number_normalized}|${r.effective_date ?? ''}`, r.id]),
  );
  for (const c of creates) {
    const id = existing.get(c.key);
    if (id)
      results[c.i] = {
        ok: false,
        problem: 'conflict',
        detail: `policy ${id} is this term already; update it instead`,
        existingId: id,
      };
  }
}

/**
 * A delete through the API removes the policy now (whoever else describes it) and retires the
 * API's record of it. A system that still has the policy brings it back on its next change, as
 * a vendor's record would after any delete on our side.
 */
async function deletePolicies(db: Queryable, scope: SourceScope, ids: string[]): Promise<void> {
  const reason = 'deleted through the API';
  const { rows } = await db.query<{ id: string }>(
    `update policies set deleted_at = now(), delete_reason = $3, updated_at = now()
      where tenant_id = $1 and id = any($2::uuid[]) and deleted_at is null returning id`,
    [scope.tenantId, ids, reason],
  );
  await db.query(
    `update source_records set deleted_at = now(), delete_reason = $4
      where tenant_id = $1 and connection_id = $2 and canonical_id = any($3::uuid[]) and deleted_at is null`,
    [scope.tenantId, scope.connectionId, ids, reason],
  );
  await appendEvents(
    db,
    scope,
    rows.map((r) => entityEvent('policy', r.id, 'deleted')),
  );
}

/**
 * A renewal through the API: the next term of a policy, as a new policy through the same merge
 * (so the AMS's own record of that term, if it has one, is the same policy). One renewal per term:
 * renewing a term the API already renewed is a conflict naming the renewal.
 */
export async function renewPolicy(
  db: Queryable,
  tenantId: string,
  priorId: string,
  build: (prior: Record<string, unknown>) => PolicyFields | { error: { field: string; message: string } },
): Promise<{ result: PolicyOpResult; openedConflicts: string[] }> {
  const prior = await loadPolicy(db, tenantId, priorId);
  if (!prior)
    return {
      result: { ok: false, problem: 'not-found', detail: `No policy ${priorId}.` },
      openedConflicts: [],
    };
  const fields = build(prior);
  if ('error' in fields)
    return {
      result: { ok: false, problem: 'validation', detail: fields.error.message, errors: [fields.error] },
      openedConflicts: [],
    };
  const scope = await apiSourceScope(db, tenantId);
  const externalId = `renewal:${priorId}`;
  const { rows } = await db.query<{ canonical_id: string }>(
    `select s.canonical_id from source_records s join policies p on p.id = s.canonical_id and p.deleted_at is null
      where s.tenant_id = $1 and s.connection_id = $2 and s.stream = $3 and s.external_id = $4 and s.deleted_at is null`,
    [tenantId, scope.connectionId, scope.stream, externalId],
  );
  if (rows[0])
    return {
      result: {
        ok: false,
        problem: 'conflict',
        detail: `policy ${priorId} was renewed already (policy ${rows[0].canonical_id})`,
        existingId: rows[0].canonical_id,
      },
      openedConflicts: [],
    };
  const written = await writeSourceRecords(
    db,
    scope,
    [
      {
        externalId,
        payload: { ...apiPayload(fields), renews: priorId },
        entity: 'policy',
        draft: fields.draft as unknown as Record<string, unknown>,
        resolved: {
          clientId: fields.clientId,
          carrierId: fields.carrierId,
          producerId: fields.producerId,
          mgaId: fields.mgaId,
        },
      },
    ],
    await loadMergeRules(db, tenantId),
  );
  const out = written.items[0]!;
  return {
    result: { ok: true, id: out.canonicalId, status: out.status === 'created' ? 'created' : 'merged' },
    openedConflicts: written.openedConflicts,
  };
}

export const POLICY_COLUMNS = `id, client_id, carrier_id, producer_id, mga_id, policy_number, line_of_business, business_type, state,
  effective_date, expiration_date, original_inception_date, prior_policy_id, prior_policy_number, bill_mode, status,
  term_premium_cents, currency, provenance, created_at, updated_at`;

export async function loadPolicy(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<Record<string, unknown> | null> {
  const { rows } = await db.query(
    `select ${POLICY_COLUMNS} from policies where tenant_id = $1 and id = $2 and deleted_at is null`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

/** The next term's dates: from the prior term's expiration, for the prior term's length in months. */
export function nextTermDates(
  prior: { effectiveDate: string | null; expirationDate: string | null },
  given: { effectiveDate?: string; expirationDate?: string },
): { effectiveDate: string; expirationDate: string } | null {
  const effectiveDate = given.effectiveDate ?? prior.expirationDate;
  if (!effectiveDate) return null;
  if (given.expirationDate) return { effectiveDate, expirationDate: given.expirationDate };
  const months =
    prior.effectiveDate && prior.expirationDate
      ? monthsBetween(prior.effectiveDate, prior.expirationDate)
      : 12;
  return { effectiveDate, expirationDate: addMonths(effectiveDate, months > 0 ? months : 12) };
}

function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const months = (ty - fy) * 12 + (tm - fm);
  // Aug 31 → Feb 28 is six months: a short month's last day counts as the same day.
  const lastOfMonth = new Date(Date.UTC(ty, tm, 0)).getUTCDate();
  return td < fd && td !== lastOfMonth ? months - 1 : months;
}

/** Calendar months later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
