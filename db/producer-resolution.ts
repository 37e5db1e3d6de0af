// One producer per person, during sync. A new producer record joins an existing producer when they
// share an email (domain/producer-identity.ts says when that holds); codes and names are weaker,
// so after every page of producers the tenant's producers are compared as a whole and each pair
// the evidence supports is merged through mergeProducers, which records the merge, its evidence
// and what moved: it can be split through the API, and a split pair is never merged again.
// Producer identity changes one at a time per tenant (an advisory lock), so two connections
// syncing at once both see the producers the other made.
import { randomUUID } from 'node:crypto';
import {
  type KnownProducer,
  type ProducerFacts,
  planMerges,
  sameProducer,
} from '../domain/producer-identity.ts';
import type { MappedRecord, WriteScope } from './canonical-writer.ts';
import type { Queryable } from './pool.ts';
import { lockProducers, mergeProducers } from './producer-merge.ts';

/** The tenant's live producers, with the streams that describe each and who was merged into it. */
async function knownProducers(db: Queryable, tenantId: string): Promise<KnownProducer[]> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    email: string | null;
    codes: Record<string, string> | null;
    created_at: Date;
    streams: string[];
  }>(
    `select p.id, p.name, p.email, p.codes, p.created_at,
            coalesce(array_agg(distinct s.connection_id || '/' || s.stream) filter (where s.id is not null), '{}') as streams
       from producers p
       left join source_records s on s.canonical_id = p.id and s.deleted_at is null
      where p.tenant_id = $1 and p.deleted_at is null
      group by p.id
      order by p.created_at, p.id`,
    [tenantId],
  );
  const { rows: merges } = await db.query<{ producer_id: string; into_id: string }>(
    'select producer_id, into_id from producer_merges where tenant_id = $1 and split_at is null',
    [tenantId],
  );
  const absorbed = new Map<string, string[]>();
  for (const m of merges) absorbed.set(m.into_id, [...(absorbed.get(m.into_id) ?? []), m.producer_id]);
  const members = (id: string, seen = new Set<string>()): string[] => {
    if (seen.has(id)) return [];
    seen.add(id);
    return [id, ...(absorbed.get(id) ?? []).flatMap((m) => members(m, seen))];
  };
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    codes: r.codes ?? {},
    createdAt: r.created_at.toISOString(),
    streams: r.streams,
    members: members(r.id),
  }));
}

/**
 * Links each new producer record of a page to the producer with its email, if one has no record
 * of this stream yet; otherwise gives it a producer of its own (resolveProducers takes it from there).
 */
export async function assignProducers(
  db: Queryable,
  scope: WriteScope,
  records: MappedRecord[],
  values: Record<string, unknown>[],
): Promise<void> {
  await lockProducers(db, scope.tenantId);
  const stream = `${scope.connectionId}/${scope.stream}`;
  const candidates = (await knownProducers(db, scope.tenantId)).filter((p) => !p.streams.includes(stream));
  const claimed = new Set<string>();
  records.forEach((m, i) => {
    const facts = values[i] as unknown as ProducerFacts;
    const found = candidates.find((c) => !claimed.has(c.id) && sameProducer(facts, c) === 'email');
    m.canonicalId = found?.id ?? randomUUID();
    m.isNew = !found;
    claimed.add(m.canonicalId);
  });
}

/** Merges every pair of the tenant's producers the evidence says are one person; returns how many. */
export async function resolveProducers(
  db: Queryable,
  scope: { tenantId: string; connectionId: string },
): Promise<number> {
  await lockProducers(db, scope.tenantId);
  const { rows } = await db.query<{ producer_id: string; into_id: string }>(
    'select producer_id, into_id from producer_merges where tenant_id = $1 and split_at is not null',
    [scope.tenantId],
  );
  const apart = new Set(rows.map((r) => `${r.producer_id}|${r.into_id}`));
  const plan = planMerges(await knownProducers(db, scope.tenantId), apart);
  for (const m of plan) {
    await mergeProducers(db, {
      tenantId: scope.tenantId,
      producerId: m.from,
      intoId: m.into,
      evidence: m.evidence,
      mergedBy: `sync:${scope.connectionId}`,
      connectionId: scope.connectionId,
    });
  }
  return plan.length;
}
