// Writing to HubSpot: batch upsert by a unique property (100 inputs per call), used for the
// renewal deals the hub pushes back into the CRM. Idempotent by construction: the same external
// id updates the same deal. Every input carries an objectWriteTraceId, so HubSpot writes the valid
// inputs and answers 207 with the refused ones under `errors` (without trace ids one bad input
// fails the whole batch); refusals are raised, never dropped.
import type { Client } from '@hubspot/api-client';
import type { Throttle } from '../kit/throttle.ts';
import { ConnectorError, type UpsertResult } from '../types.ts';
import { hubspotCaller } from './client.ts';

export interface RefusedUpsert {
  externalId: string;
  /** HubSpot's message, with its per-field details. */
  reason: string;
  /** HubSpot's error category or detail code (VALIDATION_ERROR, INVALID_OPTION, …). */
  code: string | null;
}

/**
 * Some inputs of a batch upsert were refused. The others were written (they are in `written`):
 * a caller that can go on without the refused records catches this; any other caller fails with
 * a bad_request naming them.
 */
export class HubSpotUpsertRefused extends ConnectorError {
  readonly written: UpsertResult[];
  readonly refused: RefusedUpsert[];

  constructor(written: UpsertResult[], refused: RefusedUpsert[]) {
    const sample = refused
      .slice(0, 3)
      .map((r) => `${r.externalId}: ${r.reason}`)
      .join('; ');
    super(
      'bad_request',
      `HubSpot refused ${refused.length} of ${written.length + refused.length} records: ${sample}${
        refused.length > 3 ? '; …' : ''
      }`,
      { status: 207, vendorCode: refused[0]?.code ?? null },
    );
    this.name = 'HubSpotUpsertRefused';
    this.written = written;
    this.refused = refused;
  }
}

interface UpsertAnswer {
  results: { id: string; _new?: boolean; objectWriteTraceId?: string; properties: Record<string, string> }[];
  errors?: {
    category?: string;
    message?: string;
    context?: Record<string, string[]>;
    errors?: { message?: string; code?: string }[];
  }[];
}

export async function hubspotUpsert(
  client: Client,
  throttle: Throttle,
  objectType: string,
  idProperty: string,
  records: { externalId: string; fields: Record<string, unknown> }[],
): Promise<UpsertResult[]> {
  const out: UpsertResult[] = [];
  const refused: RefusedUpsert[] = [];
  for (let i = 0; i < records.length; i += 100) {
    const chunk = records.slice(i, i + 100);
    // The trace id is the input's place in the chunk: HubSpot echoes it on results and errors.
    const inputs = chunk.map((r, n) => ({
      id: r.externalId,
      idProperty,
      objectWriteTraceId: String(n),
      properties: Object.fromEntries(
        Object.entries(r.fields).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]),
      ),
    }));
    const res = (await hubspotCaller(throttle).run(() =>
      client.crm.objects.batchApi.upsert(objectType, { inputs } as never),
    )) as unknown as UpsertAnswer;
    const answered = new Set<number>();
    const inputOf = (trace: string | undefined): number | undefined => {
      const n = Number(trace);
      return trace !== undefined && Number.isInteger(n) && n >= 0 && n < chunk.length ? n : undefined;
    };
    // The client library renames HubSpot's `new` flag to `_new`.
    for (const r of res.results) {
      const n =
        inputOf(r.objectWriteTraceId) ?? chunk.findIndex((c) => c.externalId === r.properties[idProperty]);
      if (n >= 0) answered.add(n);
      out.push({ externalId: chunk[n]?.externalId ?? '', vendorId: r.id, created: Boolean(r._new) });
    }
    const unattributed: string[] = [];
    for (const e of res.errors ?? []) {
      const details = (e.errors ?? []).map((d) => d.message).filter((m) => m && m !== e.message);
      const reason = [e.message ?? 'refused', ...details].join(': ');
      const n = inputOf(e.context?.objectWriteTraceId?.[0]);
      if (n === undefined) {
        unattributed.push(reason);
        continue;
      }
      answered.add(n);
      refused.push({
        externalId: chunk[n]!.externalId,
        reason,
        code: e.errors?.[0]?.code ?? e.category ?? null,
      });
    }
    // An input HubSpot neither wrote nor refused by its trace id is not known to be written.
    for (const [n, r] of chunk.entries())
      if (!answered.has(n))
        refused.push({
          externalId: r.externalId,
          reason: unattributed[0] ?? 'HubSpot returned no result for it',
          code: null,
        });
  }
  if (refused.length) throw new HubSpotUpsertRefused(out, refused);
  return out;
}

/** PATCH one CRM object's properties (a conflict decided against HubSpot's value). */
export async function hubspotUpdate(
  client: Client,
  throttle: Throttle,
  objectType: string,
  objectId: string,
  properties: Record<string, unknown>,
): Promise<void> {
  const props = Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]),
  );
  await hubspotCaller(throttle).run(() =>
    client.crm.objects.basicApi.update(objectType, objectId, { properties: props }),
  );
}
