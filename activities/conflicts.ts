// Deciding a conflict: apply the chosen value to the canonical entity with its provenance,
// record the decision (so the same disagreement is not raised again), and work out which system
// lost, so the workflow can write the winning value back to it where its connector can.
import { registered } from '../connectors/registry.ts';
import { ConnectorError } from '../connectors/types.ts';
import { canonicalTables, toParam } from '../db/canonical-tables.ts';
import { loadConnection } from '../db/connection-store.ts';
import { loadMergeRules } from '../db/merge-rules.ts';
import { appendEvents, entityEvent } from '../db/outbox.ts';
import { withTransaction } from '../db/pool.ts';
import type { CanonicalType } from '../domain/canonical.ts';
import {
  compactProvenance,
  expandProvenance,
  incomingWins,
  ruleFor,
  type SourceStamp,
} from '../domain/merge.ts';
import { withOverrides } from '../mappings/engine.ts';
import { reverseField } from '../mappings/reverse.ts';
import type { ConflictDecision } from '../workflows/shared.ts';
import { refreshConnectionCredentials } from './credentials.ts';
import type { ActivityDeps } from './deps.ts';
import { toActivityFailure } from './failures.ts';

export interface WriteBack {
  connectionId: string;
  stream: string;
  externalId: string;
  fields: Record<string, unknown>;
}

export interface ConflictOutcome {
  status: 'resolved' | 'already-resolved';
  resolution: 'current' | 'incoming' | 'value' | null;
  resolvedBy: 'user' | 'deadline' | null;
  writeBacks: WriteBack[];
}

export function createConflictActivities(deps: ActivityDeps) {
  const { pool, keyring } = deps;

  async function applyConflictDecision(input: {
    conflictId: string;
    decision: ConflictDecision | null;
  }): Promise<ConflictOutcome> {
    const outcome = await withTransaction(pool, async (db) => {
      const { rows } = await db.query('select * from conflicts where id = $1 for update', [input.conflictId]);
      const c = rows[0];
      if (!c || c.status === 'resolved') {
        return {
          status: 'already-resolved' as const,
          resolution: c?.resolution ?? null,
          resolvedBy: c?.resolved_by ?? null,
          losers: [] as SourceStamp[],
          c,
        };
      }
      const entity = c.entity_type as CanonicalType;
      const current = c.current_source as SourceStamp;
      const incoming = c.incoming_source as SourceStamp;
      let resolution: 'current' | 'incoming' | 'value';
      let value: unknown;
      let stamp: SourceStamp;
      if (input.decision) {
        resolution = input.decision.resolution;
      } else {
        const rule = ruleFor(await loadMergeRules(db, c.tenant_id), entity, c.field);
        resolution = incomingWins(
          { by: rule.fallback, sourcePriority: rule.sourcePriority },
          current,
          incoming,
        )
          ? 'incoming'
          : 'current';
      }
      if (resolution === 'incoming') {
        value = c.incoming_value;
        stamp = incoming;
      } else if (resolution === 'current') {
        value = c.current_value;
        stamp = current;
      } else {
        value = input.decision?.value ?? null;
        stamp = {
          connectionId: 'manual',
          provider: 'user',
          sourceRecordId: 0,
          sourceUpdatedAt: new Date().toISOString(),
        };
      }

      const table = canonicalTables[entity];
      const column = table.columns.find((col) => col.field === c.field);
      if (!column) throw new Error(`${entity} has no field ${c.field}`);
      const { rows: entityRows } = await db.query(
        `select provenance, ${column.column} as value from ${table.table} where id = $1 for update`,
        [c.entity_id],
      );
      const provenance = expandProvenance(entityRows[0]?.provenance);
      provenance[c.field] = stamp;
      await db.query(
        `update ${table.table} set ${column.column} = ($2::${column.cast === 'jsonb' ? 'text' : column.cast})${column.cast === 'jsonb' ? '::jsonb' : ''},
                provenance = $3::jsonb, updated_at = now() where id = $1`,
        [c.entity_id, toParam(value, column.cast), JSON.stringify(compactProvenance(provenance))],
      );
      const resolvedBy = input.decision ? 'user' : 'deadline';
      await db.query(
        `update conflicts set status = 'resolved', resolved_at = now(), resolved_by = $2, resolution = $3, resolved_value = $4::jsonb where id = $1`,
        [c.id, resolvedBy, resolution, JSON.stringify(value ?? null)],
      );
      const events = [
        {
          type: 'conflict.resolved',
          entityType: 'conflict',
          entityId: c.id,
          data: { resolution, resolved_by: resolvedBy, field: c.field },
        },
      ];
      if (JSON.stringify(entityRows[0]?.value ?? null) !== JSON.stringify(value ?? null))
        events.push(entityEvent(entity, c.entity_id, 'updated', [c.field]) as never);
      await appendEvents(db, { tenantId: c.tenant_id, connectionId: null }, events);
      // The systems that now disagree with the canonical value.
      const losers =
        resolution === 'incoming' ? [current] : resolution === 'current' ? [incoming] : [current, incoming];
      return { status: 'resolved' as const, resolution, resolvedBy, losers, c, value };
    });

    const writeBacks: WriteBack[] = [];
    if (outcome.status === 'resolved') {
      for (const loser of outcome.losers) {
        if (loser.connectionId === 'manual') continue;
        const target = await writeBackTarget(
          loser,
          outcome.c.field,
          'value' in outcome ? outcome.value : null,
        );
        if (target) writeBacks.push(target);
      }
    }
    return {
      status: outcome.status,
      resolution: outcome.resolution,
      resolvedBy: outcome.resolvedBy,
      writeBacks,
    };
  }

  /** The vendor record and field to write, when the losing connector takes writes and the field reverses. */
  async function writeBackTarget(
    loser: SourceStamp,
    field: string,
    value: unknown,
  ): Promise<WriteBack | null> {
    const { rows } = await pool.query<{ stream: string; external_id: string }>(
      'select stream, external_id from source_records where id = $1 and connection_id = $2 and deleted_at is null',
      [loser.sourceRecordId, loser.connectionId],
    );
    const source = rows[0];
    if (!source) return null;
    const conn = await loadConnection(pool, keyring, loser.connectionId);
    // Values pushed through our API or the inbound endpoints have no vendor to write back to.
    if (['api', 'inbound'].includes(conn.provider as string)) return null;
    const entry = registered(conn.provider);
    const mapping = withOverrides(entry.mappings, conn.settings.mappingOverrides as never)[source.stream];
    const reversed = mapping ? reverseField(mapping, field, value) : null;
    if (!reversed) return null;
    return {
      connectionId: conn.id,
      stream: source.stream,
      externalId: source.external_id,
      fields: { [reversed.path]: reversed.value },
    };
  }

  /** Writes the decided value back into the system that lost, through its connector. */
  async function writeBack(input: WriteBack): Promise<{ written: boolean; reason?: string }> {
    const conn = await loadConnection(pool, keyring, input.connectionId);
    const session = registered(conn.provider).connector.open({
      connectionId: conn.id,
      tenantId: conn.tenantId,
      baseUrl: conn.settings.baseUrl,
      credentials: conn.credentials,
      settings: conn.settings,
      fields: {},
      refreshCredentials: () => refreshConnectionCredentials(pool, keyring, conn.id, conn.credentials),
    });
    if (!session.update) return { written: false, reason: `${conn.provider} takes no updates` };
    try {
      await session.update(input.stream, input.externalId, input.fields);
    } catch (err) {
      throw err instanceof ConnectorError ? toActivityFailure(err) : err;
    }
    return { written: true };
  }

  return { applyConflictDecision, writeBack };
}

export type ConflictActivities = ReturnType<typeof createConflictActivities>;
