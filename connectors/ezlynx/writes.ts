// Writing to EZLynx: the overview says the API "create[s] and update[s] applicants", so
// applicants are the one stream the hub writes. Upserts match on a key EZLynx indexes, the
// integration's `externalId` or the agency's `customerNumber` (our sandbox's design: one
// applicant per call, as the product imports one customer at a time); the same key always
// lands on the same applicant, so retries are harmless.
import { ConnectorError, type UpsertResult } from '../types.ts';
import type { EzlynxClient } from './client.ts';
import { classifyEzlynxError } from './errors.ts';

export const applicantKeys = ['externalId', 'customerNumber'] as const;

function onlyApplicants(stream: string): void {
  if (stream !== 'applicants')
    throw new ConnectorError('bad_request', `EZLynx takes writes for applicants only, not ${stream}`);
}

export async function ezlynxUpsert(
  client: EzlynxClient,
  stream: string,
  idField: string,
  records: { externalId: string; fields: Record<string, unknown> }[],
): Promise<UpsertResult[]> {
  onlyApplicants(stream);
  if (!(applicantKeys as readonly string[]).includes(idField))
    throw new ConnectorError('bad_request', `EZLynx upserts applicants by ${applicantKeys.join(' or ')}`);
  const out: UpsertResult[] = [];
  // The client's errors arrive classified.
  for (const r of records) {
    const res = await client.send<{ created: boolean; applicant: { id: string } }>(
      'POST',
      '/v1/applicants/upsert',
      { matchOn: idField, applicant: { ...r.fields, [idField]: r.externalId } },
    );
    out.push({ externalId: r.externalId, vendorId: res.body.applicant.id, created: res.body.created });
  }
  return out;
}

/**
 * Changes fields of one applicant. PATCH replaces top-level values, so a nested path
 * (`address.city`) is written by sending its whole top-level object with that one value changed.
 */
export async function ezlynxUpdate(
  client: EzlynxClient,
  stream: string,
  externalId: string,
  fields: Record<string, unknown>,
): Promise<void> {
  onlyApplicants(stream);
  const path = `/v1/applicants/${encodeURIComponent(externalId)}`;
  try {
    const patch: Record<string, unknown> = {};
    const nested = Object.keys(fields).some((k) => k.includes('.'));
    const current = nested ? await client.get<Record<string, unknown>>(path) : {};
    for (const [key, value] of Object.entries(fields)) {
      const [top, ...rest] = key.split('.');
      if (!rest.length) {
        patch[top!] = value;
        continue;
      }
      patch[top!] ??= structuredClone(current[top!] ?? {});
      let obj = patch[top!] as Record<string, unknown>;
      for (const part of rest.slice(0, -1)) {
        if (typeof obj[part] !== 'object' || obj[part] === null) obj[part] = {};
        obj = obj[part] as Record<string, unknown>;
      }
      obj[rest[rest.length - 1]!] = value;
    }
    await client.send('PATCH', path, patch);
  } catch (err) {
    throw classifyEzlynxError(err);
  }
}
