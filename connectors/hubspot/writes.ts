// Writing to HubSpot: batch upsert by a unique property (100 inputs per call), used for the
// renewal deals the hub pushes back into the CRM. Idempotent by construction: the same external
// id updates the same deal.
import type { Client } from '@hubspot/api-client';
import type { Throttle } from '../kit/throttle.ts';
import type { UpsertResult } from '../types.ts';
import { classifyHubSpotError } from './errors.ts';

export async function hubspotUpsert(
  client: Client,
  throttle: Throttle,
  objectType: string,
  idProperty: string,
  records: { externalId: string; fields: Record<string, unknown> }[],
): Promise<UpsertResult[]> {
  const out: UpsertResult[] = [];
  for (let i = 0; i < records.length; i += 100) {
    const chunk = records.slice(i, i + 100);
    const inputs = chunk.map((r) => ({
      id: r.externalId,
      idProperty,
      properties: Object.fromEntries(
        Object.entries(r.fields).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]),
      ),
    }));
    try {
      const res = await throttle.run(() =>
        client.crm.objects.batchApi.upsert(objectType, { inputs } as never),
      );
      // The client library renames HubSpot's `new` flag to `_new`.
      for (const r of res.results as unknown as {
        id: string;
        _new?: boolean;
        properties: Record<string, string>;
      }[]) {
        out.push({ externalId: r.properties[idProperty] ?? '', vendorId: r.id, created: Boolean(r._new) });
      }
    } catch (err) {
      throw classifyHubSpotError(err);
    }
  }
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
  try {
    await throttle.run(() => client.crm.objects.basicApi.update(objectType, objectId, { properties: props }));
  } catch (err) {
    throw classifyHubSpotError(err);
  }
}
