// Reading HubSpot. Full syncs walk the list endpoint (100 per page, associations included);
// incremental syncs use search on the last-modified property (200 per page, sorted ascending)
// and fetch deal associations through the v4 batch read, because search returns none. Search
// stops at 10,000 results per query, so a long window restarts from the last modified time
// seen. Deletes are archived records, listed with archived=true and kept when archived since
// the cursor. Every record is normalised to one payload shape per stream, whichever endpoint
// it came from, so its hash only changes when HubSpot's data does.
import type { Client } from '@hubspot/api-client';
import type { VendorCaller } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import type { DeletedRecord, Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import { hubspotCaller } from './client.ts';

type ObjectStream = 'companies' | 'contacts' | 'deals';
const lastModified: Record<ObjectStream, string> = {
  companies: 'hs_lastmodifieddate',
  contacts: 'lastmodifieddate',
  deals: 'hs_lastmodifieddate',
};
const dealAssociations = ['companies', 'contacts'] as const;
const SEARCH_CAP = 10_000;
const LIST_LIMIT = 100;
const SEARCH_LIMIT = 200;
export const QUEUE_OWNER_REASON = 'a HubSpot queue (shared inbox), not a person: not a producer';

interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date | string;
  updatedAt: Date | string;
  archived?: boolean;
  archivedAt?: Date | string;
  associations?: Record<string, { results?: { id: string }[] }>;
}

interface IncrementalCheckpoint {
  phase: 'changes' | 'archived';
  since: string;
  after?: string;
  offset?: number;
  maxSeen?: string;
}

/** The earlier of two ISO instants (string order is time order for ISO UTC). */
const earlier = (a: string, b: string): string => (a < b ? a : b);

const iso = (d: Date | string | undefined): string | null =>
  d === undefined ? null : d instanceof Date ? d.toISOString() : d;

export class HubSpotReader {
  private readonly client: Client;
  private readonly caller: VendorCaller;
  private readonly searchThrottle: Throttle;
  private readonly fields: Record<string, string[]>;

  constructor(
    client: Client,
    throttles: { api: Throttle; search: Throttle },
    fields: Record<string, string[]>,
  ) {
    this.client = client;
    this.caller = hubspotCaller(throttles.api);
    this.searchThrottle = throttles.search;
    this.fields = fields;
  }

  /** Every call goes through the account's throttle and comes back classified. */
  private async call<T extends { headers: Record<string, string>; data: unknown }>(
    fn: () => Promise<T>,
    search = false,
  ): Promise<T['data']> {
    const res = await this.caller.run(fn, {
      via: search ? [this.searchThrottle] : [],
      headers: (r) => r?.headers,
    });
    return res.data;
  }

  async read(req: ReadRequest): Promise<Page> {
    if (req.stream === 'owners') return this.readOwners(req);
    const stream = req.stream as ObjectStream;
    if (!(stream in lastModified)) throw new Error(`HubSpot has no stream ${req.stream}`);
    return req.mode === 'full' ? this.readFull(stream, req) : this.readIncremental(stream, req);
  }

  private properties(stream: ObjectStream): string[] {
    const fromMapping = (this.fields[stream] ?? [])
      .filter((p) => p.startsWith('properties.'))
      .map((p) => p.slice('properties.'.length));
    return [...new Set([...fromMapping, lastModified[stream], 'createdate'])].sort();
  }

  private normalise(
    stream: ObjectStream,
    o: HubSpotObject,
    associations?: Record<string, string[]>,
  ): VendorRecord {
    const wanted = this.properties(stream);
    const properties: Record<string, string | null> = {};
    for (const name of wanted) properties[name] = o.properties[name] ?? null;
    const payload: Record<string, unknown> = {
      id: o.id,
      properties,
      createdAt: iso(o.createdAt),
      updatedAt: iso(o.updatedAt),
      archived: Boolean(o.archived),
    };
    if (stream === 'deals') {
      payload.associations = Object.fromEntries(
        dealAssociations.map((t) => [
          t,
          (associations?.[t] ?? (o.associations?.[t]?.results ?? []).map((r) => String(r.id))).slice().sort(),
        ]),
      );
    }
    return { externalId: o.id, updatedAt: iso(o.updatedAt), payload };
  }

  private async readFull(stream: ObjectStream, req: ReadRequest): Promise<Page> {
    const after = (req.checkpoint as { after?: string } | null)?.after;
    const data = await this.call(() =>
      this.client.crm.objects.basicApi.getPageWithHttpInfo(
        stream,
        LIST_LIMIT,
        after,
        this.properties(stream),
        undefined,
        stream === 'deals' ? [...dealAssociations] : undefined,
        false,
      ),
    );
    const records = (data.results as unknown as HubSpotObject[]).map((o) => this.normalise(stream, o));
    const next = data.paging?.next?.after;
    return {
      records,
      deleted: [],
      checkpoint: next ? { after: next } : null,
      cursor: { since: req.runStartedAt },
    };
  }

  private async readIncremental(stream: ObjectStream, req: ReadRequest): Promise<Page> {
    const since = (req.cursor as { since?: string } | null)?.since;
    if (!since) return this.readFull(stream, { ...req, mode: 'full' }); // never synced: start with everything
    const cp: IncrementalCheckpoint = (req.checkpoint as IncrementalCheckpoint | null) ?? {
      phase: 'changes',
      since,
    };
    return cp.phase === 'changes' ? this.readChanges(stream, req, cp) : this.readArchived(stream, req, cp);
  }

  private async readChanges(
    stream: ObjectStream,
    req: ReadRequest,
    cp: IncrementalCheckpoint,
  ): Promise<Page> {
    const prop = lastModified[stream];
    const offset = cp.offset ?? 0;
    const data = await this.call(
      () =>
        this.client.crm.objects.searchApi.doSearchWithHttpInfo(stream, {
          filterGroups: [
            {
              filters: [
                { propertyName: prop, operator: 'GTE' as never, value: String(Date.parse(cp.since)) },
              ],
            },
          ],
          sorts: [{ propertyName: prop, direction: 'ASCENDING' }] as never,
          properties: this.properties(stream),
          limit: SEARCH_LIMIT,
          after: offset ? String(offset) : undefined,
        } as never),
      true,
    );
    const objects = data.results as unknown as HubSpotObject[];
    const associations =
      stream === 'deals' ? await this.dealAssociations(objects.map((o) => o.id)) : undefined;
    const records = objects.map((o) => this.normalise(stream, o, associations?.get(o.id)));
    let maxSeen = cp.maxSeen ?? cp.since;
    for (const r of records) if (r.updatedAt && r.updatedAt > maxSeen) maxSeen = r.updatedAt;
    let checkpoint: IncrementalCheckpoint;
    if (data.paging?.next?.after) {
      const nextOffset = Number(data.paging.next.after);
      // The search cap: restart the query from the newest change seen (GTE re-reads the
      // boundary records; their hashes are unchanged, so they write nothing).
      checkpoint =
        nextOffset + SEARCH_LIMIT > SEARCH_CAP && maxSeen > cp.since
          ? { phase: 'changes', since: maxSeen, maxSeen }
          : { phase: 'changes', since: cp.since, offset: nextOffset, maxSeen };
    } else {
      checkpoint = { phase: 'archived', since: (req.cursor as { since: string }).since, maxSeen };
    }
    return { records, deleted: [], checkpoint: checkpoint as unknown as Json, cursor: null };
  }

  private async readArchived(
    stream: ObjectStream,
    req: ReadRequest,
    cp: IncrementalCheckpoint,
  ): Promise<Page> {
    const data = await this.call(() =>
      this.client.crm.objects.basicApi.getPageWithHttpInfo(
        stream,
        LIST_LIMIT,
        cp.after,
        [lastModified[stream]],
        undefined,
        undefined,
        true,
      ),
    );
    const deleted: DeletedRecord[] = [];
    for (const o of data.results as unknown as HubSpotObject[]) {
      const at = iso(o.archivedAt) ?? iso(o.updatedAt);
      if (at && at >= cp.since)
        deleted.push({ externalId: o.id, deletedAt: at, reason: 'archived in HubSpot' });
    }
    const next = data.paging?.next?.after;
    if (next)
      return { records: [], deleted, checkpoint: { ...cp, after: next } as unknown as Json, cursor: null };
    // The new cursor never passes the run's start: changes made while we read are picked up next time.
    const maxSeen = cp.maxSeen ?? cp.since;
    return {
      records: [],
      deleted,
      checkpoint: null,
      cursor: { since: earlier(maxSeen, req.runStartedAt) },
    };
  }

  private async dealAssociations(ids: string[]): Promise<Map<string, Record<string, string[]>>> {
    const out = new Map<string, Record<string, string[]>>(
      ids.map((id) => [id, { companies: [], contacts: [] }]),
    );
    if (!ids.length) return out;
    for (const to of dealAssociations) {
      const data = await this.call(() =>
        this.client.crm.associations.v4.batchApi.getPageWithHttpInfo('deals', to, {
          inputs: ids.map((id) => ({ id })),
        } as never),
      );
      for (const r of (
        data as {
          results: { _from?: { id: string }; from?: { id: string }; to: { toObjectId: number | string }[] }[];
        }
      ).results) {
        const from = r._from?.id ?? r.from?.id;
        if (from && out.has(from)) out.get(from)![to] = r.to.map((t) => String(t.toObjectId));
      }
    }
    return out;
  }

  private async readOwners(req: ReadRequest): Promise<Page> {
    const after = (req.checkpoint as { after?: string } | null)?.after;
    const data = await this.call(() =>
      this.client.crm.owners.ownersApi.getPageWithHttpInfo(undefined, after, 100, false),
    );
    // A queue (type QUEUE) is a shared inbox, not a person who earns commission: it is no
    // producer. It is listed as gone, with the reason, so one kept from an earlier sync is
    // retracted; deals a queue owns keep no producer.
    const records: VendorRecord[] = [];
    const deleted: DeletedRecord[] = [];
    for (const o of data.results) {
      if (o.type === 'QUEUE') {
        deleted.push({ externalId: String(o.id), deletedAt: null, reason: QUEUE_OWNER_REASON });
        continue;
      }
      records.push({
        externalId: String(o.id),
        updatedAt: iso(o.updatedAt as Date),
        payload: {
          id: String(o.id),
          email: o.email ?? null,
          firstName: o.firstName ?? null,
          lastName: o.lastName ?? null,
          userId: o.userId ?? null,
          type: o.type ?? null,
          archived: Boolean(o.archived),
        },
      });
    }
    const next = data.paging?.next?.after;
    return {
      records,
      deleted,
      checkpoint: next ? { after: next } : null,
      cursor: { since: req.runStartedAt },
    };
  }
}
