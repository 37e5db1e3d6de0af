// Merging two producers into one, and splitting them again. A merge moves everything that named
// the merged producer to the one it joins: its source records (so the next sync describes the
// survivor and does not make the duplicate again), policies, book split plans (unless the survivor
// has its own: then they are set aside with the merged producer), split-plan entries, expected
// commissions and their splits. The merged producer stays as a tombstone, and the merge row keeps
// what moved. A split puts back what is still where the merge left it, and what the merged
// producer's own systems brought since (policies whose producer came from a connection only it
// had); recalculation then settles the commissions.

import {
  compactProvenance,
  expandProvenance,
  type StoredProvenance,
  stableStringify,
} from '../domain/merge.ts';
import { combine, type Evidence, type ProducerFacts } from '../domain/producer-identity.ts';
import { appendEvents, entityEvent, type OutboxEvent } from './outbox.ts';
import type { Queryable } from './pool.ts';

/** Producer identity changes one at a time per tenant (merges, splits, new producer records). */
export async function lockProducers(db: Queryable, tenantId: string): Promise<void> {
  await db.query('select pg_advisory_xact_lock(hashtext($1))', [`producers:${tenantId}`]);
}

export class ProducerMergeError extends Error {
  override name = 'ProducerMergeError';
  readonly kind: 'not-found' | 'conflict';
  constructor(kind: 'not-found' | 'conflict', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Where a producer id sat in a jsonb array (plan entries, commission splits), to put it back. */
interface Positions {
  id: string;
  at: number[];
}

interface Snapshot extends ProducerFacts {
  provenance: StoredProvenance | null;
}

export interface MergeMoved {
  sourceRecordIds: number[];
  policyIds: string[];
  bookPlanIds: string[];
  plansSetAside: string[];
  planEntries: Positions[];
  commissionIds: string[];
  commissionSplits: Positions[];
  /** Producer shares a system of record states on policies (absent in merges made before them). */
  policyShares?: Positions[];
  /** Both producers as they were. */
  from: Snapshot;
  into: Snapshot;
}

export interface ProducerMerge {
  id: string;
  producerId: string;
  intoId: string;
  evidence: Evidence | 'manual';
  mergedBy: string;
  mergedAt: string;
  splitBy: string | null;
  splitAt: string | null;
  moved: MergeMoved;
}

interface ProducerRow extends ProducerFacts {
  id: string;
  deleted_at: Date | null;
  provenance: StoredProvenance | null;
}

async function lockedProducers(db: Queryable, tenantId: string, ids: string[]) {
  const { rows } = await db.query<ProducerRow>(
    'select id, name, email, codes, provenance, deleted_at from producers where tenant_id = $1 and id = any($2::uuid[]) for update',
    [tenantId, ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

const snapshot = (p: ProducerRow): Snapshot => ({
  name: p.name,
  email: p.email,
  codes: p.codes ?? {},
  provenance: p.provenance,
});

/** Replaces `from` by `to` as producerId in the jsonb arrays of rows that name it; returns where. */
async function repointArrays(
  db: Queryable,
  sql: { table: string; column: string },
  tenantId: string,
  from: string,
  to: string,
  only?: Positions[],
): Promise<Positions[]> {
  const { rows } = await db.query<{ id: string; items: { producerId: string }[] }>(
    `select id, ${sql.column} as items from ${sql.table}
      where tenant_id = $1 and ${sql.column} @> $2::jsonb ${only ? 'and id = any($3::uuid[])' : ''}`,
    [tenantId, JSON.stringify([{ producerId: from }]), ...(only ? [only.map((p) => p.id)] : [])],
  );
  const allowed = only ? new Map(only.map((p) => [p.id, new Set(p.at)])) : null;
  const changed: Positions[] = [];
  const updates: { id: string; items: unknown[] }[] = [];
  for (const r of rows) {
    const at = r.items.flatMap((item, i) =>
      item.producerId === from && (!allowed || allowed.get(r.id)?.has(i)) ? [i] : [],
    );
    if (!at.length) continue;
    changed.push({ id: r.id, at });
    updates.push({
      id: r.id,
      items: r.items.map((item, i) => (at.includes(i) ? { ...item, producerId: to } : item)),
    });
  }
  if (updates.length)
    await db.query(
      `update ${sql.table} t set ${sql.column} = u.items::jsonb
         from unnest($1::uuid[], $2::text[]) as u(id, items) where t.id = u.id`,
      [updates.map((u) => u.id), updates.map((u) => JSON.stringify(u.items))],
    );
  return changed;
}

const planEntries = { table: 'split_plans', column: 'entries' };
const commissionSplits = { table: 'expected_commissions', column: 'splits' };
const policyShares = { table: 'policies', column: 'producer_shares' };

export async function mergeProducers(
  db: Queryable,
  input: {
    tenantId: string;
    producerId: string;
    intoId: string;
    evidence: Evidence | 'manual';
    mergedBy: string;
    connectionId?: string | null;
  },
): Promise<ProducerMerge> {
  const { tenantId, producerId: from, intoId: into } = input;
  if (from === into) throw new ProducerMergeError('conflict', 'A producer cannot be merged into itself.');
  await lockProducers(db, tenantId);
  const rows = await lockedProducers(db, tenantId, [from, into]);
  for (const id of [from, into]) {
    if (!rows.get(id)) throw new ProducerMergeError('not-found', `No agent ${id}.`);
    if (rows.get(id)!.deleted_at) {
      const { rows: open } = await db.query(
        'select into_id from producer_merges where producer_id = $1 and split_at is null',
        [id],
      );
      if (!open[0]) throw new ProducerMergeError('not-found', `No agent ${id}.`);
      throw new ProducerMergeError('conflict', `Agent ${id} is already merged into ${open[0].into_id}.`);
    }
  }
  const a = rows.get(from)!;
  const b = rows.get(into)!;

  // Each statement takes $1 tenant, $2 the merged producer, $3 the survivor.
  const ids = async <T>(sql: string) =>
    (await db.query<{ id: T }>(sql, [tenantId, from, into])).rows.map((r) => r.id);
  const sourceRecordIds = await ids<number>(
    'update source_records set canonical_id = $3 where tenant_id = $1 and canonical_id = $2 returning id',
  );
  const policyIds = await ids<string>(
    'update policies set producer_id = $3, updated_at = now() where tenant_id = $1 and producer_id = $2 returning id',
  );
  // One person, one book plan: the survivor's own plans stand, the merged one's wait beside it.
  const { rows: plans } = await db.query<{ id: string; producer_id: string }>(
    'select id, producer_id from split_plans where tenant_id = $1 and producer_id = any($2::uuid[]) and policy_id is null',
    [tenantId, [from, into]],
  );
  const survivorHasPlans = plans.some((p) => p.producer_id === into);
  const plansOfFrom = plans.filter((p) => p.producer_id === from).map((p) => p.id);
  const bookPlanIds = survivorHasPlans ? [] : plansOfFrom;
  const plansSetAside = survivorHasPlans ? plansOfFrom : [];
  await db.query('update split_plans set producer_id = $2, updated_at = now() where id = any($1::uuid[])', [
    bookPlanIds,
    into,
  ]);
  const entries = await repointArrays(db, planEntries, tenantId, from, into);
  const commissionIds = await ids<string>(
    'update expected_commissions set producer_id = $3 where tenant_id = $1 and producer_id = $2 returning id',
  );
  const splits = await repointArrays(db, commissionSplits, tenantId, from, into);
  const shares = await repointArrays(db, policyShares, tenantId, from, into);

  const merged = combine(b, a);
  const provenance = expandProvenance(b.provenance);
  const fromProvenance = expandProvenance(a.provenance);
  for (const f of ['name', 'email'] as const)
    if (merged[f] !== b[f] && fromProvenance[f]) provenance[f] = fromProvenance[f];
  await db.query(
    `update producers set name = $2, email = $3, codes = $4::jsonb, provenance = $5::jsonb, updated_at = now() where id = $1`,
    [
      into,
      merged.name,
      merged.email,
      JSON.stringify(merged.codes),
      JSON.stringify(compactProvenance(provenance)),
    ],
  );
  await db.query(
    'update producers set deleted_at = now(), delete_reason = $2, updated_at = now() where id = $1',
    [from, `merged into ${into}`],
  );
  const moved: MergeMoved = {
    sourceRecordIds,
    policyIds,
    bookPlanIds,
    plansSetAside,
    planEntries: entries,
    commissionIds,
    commissionSplits: splits,
    policyShares: shares,
    from: snapshot(a),
    into: snapshot(b),
  };
  const { rows: saved } = await db.query(
    `insert into producer_merges (tenant_id, producer_id, into_id, evidence, merged_by, moved)
     values ($1, $2, $3, $4, $5, $6::jsonb) returning *`,
    [tenantId, from, into, input.evidence, input.mergedBy, JSON.stringify(moved)],
  );
  await appendEvents(db, { tenantId, connectionId: input.connectionId ?? null }, [
    entityEvent('producer', into, 'updated', changedFields(b, merged)),
    { ...entityEvent('producer', from, 'deleted'), data: { merged_into: into } },
    ...policyEvents(policyIds),
  ]);
  return toMerge(saved[0]);
}

/** Undoes the open merge of `producerId` into another producer. */
export async function splitProducer(
  db: Queryable,
  input: { tenantId: string; producerId: string; splitBy: string },
): Promise<ProducerMerge> {
  const { tenantId, producerId: from } = input;
  await lockProducers(db, tenantId);
  const { rows: open } = await db.query(
    'select * from producer_merges where tenant_id = $1 and producer_id = $2 and split_at is null for update',
    [tenantId, from],
  );
  if (!open[0]) throw new ProducerMergeError('not-found', `Agent ${from} is not merged into another.`);
  const merge = toMerge(open[0]);
  const into = merge.intoId;
  const rows = await lockedProducers(db, tenantId, [from, into]);
  const b = rows.get(into);
  if (!b || b.deleted_at) {
    const { rows: next } = await db.query(
      'select into_id from producer_merges where producer_id = $1 and split_at is null',
      [into],
    );
    throw new ProducerMergeError(
      'conflict',
      `Agent ${into}, which ${from} was merged into, was merged into ${next[0]?.into_id ?? 'another'}: split ${into} first.`,
    );
  }
  const m = merge.moved;
  await db.query(
    'update producers set deleted_at = null, delete_reason = null, updated_at = now() where id = $1',
    [from],
  );
  const { rows: back } = await db.query<{ connection_id: string }>(
    `update source_records set canonical_id = $2
      where tenant_id = $1 and id = any($3::bigint[]) and canonical_id = $4 returning connection_id`,
    [tenantId, from, m.sourceRecordIds, into],
  );
  // Connections only the merged producer had: the policies they gave the survivor since are its own.
  const { rows: staying } = await db.query<{ connection_id: string }>(
    'select distinct connection_id from source_records where canonical_id = $1 and deleted_at is null',
    [into],
  );
  const onlyFrom = [...new Set(back.map((r) => r.connection_id))].filter(
    (c) => !staying.some((s) => s.connection_id === c),
  );
  const { rows: policies } = await db.query<{ id: string }>(
    `update policies p set producer_id = $2, updated_at = now()
      where p.tenant_id = $1 and p.producer_id = $3
        and (p.id = any($4::uuid[]) or exists (
              select 1 from jsonb_array_elements(p.provenance -> 'sources') s
               where s -> 'fields' ? 'producerId' and s ->> 'connectionId' = any($5::text[])))
      returning p.id`,
    [tenantId, from, into, m.policyIds, onlyFrom],
  );
  const policyIds = policies.map((p) => p.id);
  await db.query(
    'update split_plans set producer_id = $2, updated_at = now() where tenant_id = $1 and id = any($3::uuid[]) and producer_id = $4',
    [tenantId, from, m.bookPlanIds, into],
  );
  await repointArrays(db, planEntries, tenantId, into, from, m.planEntries);
  await db.query(
    `update expected_commissions set producer_id = $2
      where tenant_id = $1 and producer_id = $3 and policy_id = any($4::uuid[])`,
    [tenantId, from, into, policyIds],
  );
  await repointArrays(db, commissionSplits, tenantId, into, from, m.commissionSplits);
  if (m.policyShares) await repointArrays(db, policyShares, tenantId, into, from, m.policyShares);

  // The survivor gives back what it took from the merged producer and has not changed since.
  const codes = { ...(b.codes ?? {}) };
  for (const [provider, code] of Object.entries(m.from.codes))
    if (codes[provider] === code && m.into.codes[provider] !== code) delete codes[provider];
  const restored: ProducerFacts = {
    name: b.name === m.from.name && m.into.name !== m.from.name ? m.into.name : b.name,
    email: b.email === m.from.email && m.into.email !== m.from.email ? m.into.email : b.email,
    codes,
  };
  const provenance = expandProvenance(b.provenance);
  const prior = expandProvenance(m.into.provenance);
  for (const f of ['name', 'email'] as const)
    if (restored[f] !== b[f]) {
      if (prior[f]) provenance[f] = prior[f];
      else delete provenance[f];
    }
  await db.query(
    `update producers set name = $2, email = $3, codes = $4::jsonb, provenance = $5::jsonb, updated_at = now() where id = $1`,
    [
      into,
      restored.name,
      restored.email,
      JSON.stringify(codes),
      JSON.stringify(compactProvenance(provenance)),
    ],
  );
  const { rows: saved } = await db.query(
    'update producer_merges set split_by = $2, split_at = now() where id = $1 returning *',
    [merge.id, input.splitBy],
  );
  await appendEvents(db, { tenantId, connectionId: null }, [
    { ...entityEvent('producer', from, 'created'), data: { split_from: into } },
    entityEvent('producer', into, 'updated', changedFields(b, restored)),
    ...policyEvents(policyIds),
  ]);
  return toMerge(saved[0]);
}

/** Merges that involve a producer, either side, newest first. */
export async function mergesOf(
  db: Queryable,
  tenantId: string,
  producerId: string,
): Promise<ProducerMerge[]> {
  const { rows } = await db.query(
    `select * from producer_merges where tenant_id = $1 and (producer_id = $2 or into_id = $2)
      order by merged_at desc, id`,
    [tenantId, producerId],
  );
  return rows.map(toMerge);
}

function changedFields(before: ProducerFacts, after: ProducerFacts): string[] {
  return (['name', 'email', 'codes'] as const).filter(
    (f) => stableStringify(before[f] ?? null) !== stableStringify(after[f] ?? null),
  );
}

const policyEvents = (ids: string[]): OutboxEvent[] =>
  ids.map((id) => entityEvent('policy', id, 'updated', ['producerId']));

function toMerge(r: Record<string, unknown>): ProducerMerge {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));
  return {
    id: r.id as string,
    producerId: r.producer_id as string,
    intoId: r.into_id as string,
    evidence: r.evidence as ProducerMerge['evidence'],
    mergedBy: r.merged_by as string,
    mergedAt: iso(r.merged_at)!,
    splitBy: (r.split_by as string | null) ?? null,
    splitAt: iso(r.split_at),
    moved: r.moved as MergeMoved,
  };
}
