// Writing to Salesforce by an external id field the org indexes (Agency_Policy_Id__c,
// Agency_Client_Code__c): one record is an upsert on sObject Rows by External ID, more go
// through sObject Collections (200 per request) all-or-none, so a failing record leaves its
// batch unwritten rather than half written. Idempotent: the same external id updates the same
// record. An update answers 204 without the record id, so a single upsert that updated looks
// the id up by its external id.
import type { UpsertResult } from '../types.ts';
import { ConnectorError } from '../types.ts';
import type { SalesforceClient } from './client.ts';
import { streamSources } from './streams.ts';

const COLLECTION_LIMIT = 200;
const writable = new Set(['accounts', 'contacts', 'opportunities', 'insurance_policies']);

interface SaveResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; errorCode?: string; message?: string; fields?: string[] }[];
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function payload(idField: string, r: { externalId: string; fields: Record<string, unknown> }) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.fields)) if (v !== undefined) out[k] = v;
  out[idField] = r.externalId;
  return out;
}

export async function salesforceUpsert(
  client: SalesforceClient,
  stream: string,
  idField: string,
  records: { externalId: string; fields: Record<string, unknown> }[],
): Promise<UpsertResult[]> {
  const source = streamSources[stream];
  if (!source || !writable.has(stream))
    throw new ConnectorError('bad_request', `Salesforce stream ${stream} does not take writes`);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(idField))
    throw new ConnectorError('bad_request', `not a Salesforce field name: ${idField}`);
  if (records.length === 1) {
    const record = records[0]!;
    // jsforce puts the value into the URL as it is; Salesforce decodes it.
    const body = { ...payload(idField, record), [idField]: encodeURIComponent(record.externalId) };
    const result = (await client.call((conn) => conn.upsert(source.sobject, body, idField))) as SaveResult;
    const vendorId = result.id ?? (await lookUpId(client, source.sobject, idField, record.externalId));
    return [{ externalId: record.externalId, vendorId, created: Boolean(result.created) }];
  }
  const out: UpsertResult[] = [];
  for (let i = 0; i < records.length; i += COLLECTION_LIMIT) {
    const chunk = records.slice(i, i + COLLECTION_LIMIT);
    const results = (await client.call((conn) =>
      conn.upsert(
        source.sobject,
        chunk.map((r) => payload(idField, r)),
        idField,
        { allOrNone: true },
      ),
    )) as SaveResult[];
    const failed = results.find(
      (r) => !r.success && r.errors?.[0]?.statusCode !== 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    );
    if (failed) {
      const e = failed.errors?.[0];
      const at = chunk[results.indexOf(failed)]!.externalId;
      throw new ConnectorError(
        'bad_request',
        `Salesforce refused ${source.sobject} ${idField}=${at}: ${e?.message ?? 'no message'}`,
        { status: 400, vendorCode: e?.statusCode ?? e?.errorCode ?? null },
      );
    }
    for (const [n, r] of results.entries())
      out.push({ externalId: chunk[n]!.externalId, vendorId: String(r.id), created: Boolean(r.created) });
  }
  return out;
}

async function lookUpId(
  client: SalesforceClient,
  sobject: string,
  idField: string,
  externalId: string,
): Promise<string> {
  const res = await client.call(
    async (conn) =>
      (await conn.query(`SELECT Id FROM ${sobject} WHERE ${idField} = ${quote(externalId)} LIMIT 1`)) as {
        records: { Id: string }[];
      },
  );
  const id = res.records[0]?.Id;
  if (!id)
    throw new ConnectorError(
      'not_found',
      `Salesforce ${sobject} ${idField}=${externalId} vanished after its upsert`,
    );
  return id;
}
