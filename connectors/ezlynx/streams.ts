// Reading EZLynx (our sandbox's design: sandbox/api.ts). Full syncs walk the list endpoint in id
// order with the opaque `next` cursor as the checkpoint; the run's start becomes the cursor.
// Incremental syncs list `updated_since` the cursor, where deletes arrive as tombstones
// ({deleted: true}) in the same feed, and keep the newest change seen (never past the run's start)
// as the next cursor. Both read the same endpoint and the payload keeps the same top-level fields
// whichever mode produced it, so its hash only changes when EZLynx's data does.
import type { DeletedRecord, Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import type { EzlynxClient } from './client.ts';
import { ezlynxResources } from './definition.ts';
import { classifyEzlynxError } from './errors.ts';

const DEFAULT_PAGE_SIZE = 200;
/** Always present on a live record; the rest is what the mapping reads. */
const baseFields = ['id', 'createdAt', 'updatedAt'];

interface WireRecord {
  id: string;
  updatedAt: string;
  deleted?: boolean;
  deletedAt?: string | null;
  [field: string]: unknown;
}

interface ListPage {
  data: WireRecord[];
  paging: { next: string | null; limit: number };
}

interface FullCheckpoint {
  next: string;
}

interface IncrementalCheckpoint {
  since: string;
  maxSeen: string;
  next?: string;
}

/** The earlier of two ISO instants (string order is time order for ISO UTC). */
const earlier = (a: string, b: string): string => (a < b ? a : b);

/** Cursors may come from elsewhere ("…T00:00:00Z"); one spelling keeps string order time order. */
function canonicalInstant(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

export class EzlynxReader {
  private readonly client: EzlynxClient;
  private readonly fields: Record<string, string[]>;
  private readonly pageSize: number;

  constructor(client: EzlynxClient, fields: Record<string, string[]>, pageSize?: number) {
    this.client = client;
    this.fields = fields;
    this.pageSize = pageSize && pageSize > 0 ? Math.min(pageSize, DEFAULT_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  }

  async read(req: ReadRequest): Promise<Page> {
    const resource = ezlynxResources[req.stream];
    if (!resource) throw new Error(`EZLynx has no stream ${req.stream}`);
    try {
      const since = (req.cursor as { since?: string } | null)?.since;
      // Never synced: an incremental run starts with everything.
      if (req.mode === 'full' || !since) return await this.readFull(resource, req);
      return await this.readChanges(resource, req, since);
    } catch (err) {
      throw classifyEzlynxError(err);
    }
  }

  /** Top-level fields the mapping reads; null asks for every field (a stream without a mapping). */
  private wanted(stream: string): string[] | null {
    const paths = this.fields[stream] ?? [];
    if (!paths.length) return null;
    const top = paths.map((p) => p.split('.')[0]!).filter((f) => !baseFields.includes(f));
    return [...new Set(top)].sort();
  }

  private firstQuery(stream: string, extra: Record<string, string> = {}) {
    const wanted = this.wanted(stream);
    return { limit: this.pageSize, fields: wanted?.join(','), ...extra };
  }

  private normalise(stream: string, r: WireRecord): VendorRecord {
    const wanted = this.wanted(stream);
    const keys = wanted
      ? [...baseFields, ...wanted]
      : Object.keys(r).filter((k) => k !== 'deleted' && k !== 'deletedAt');
    const payload: Record<string, unknown> = {};
    for (const k of [...new Set(keys)].sort()) payload[k] = r[k] ?? null;
    return { externalId: String(r.id), updatedAt: r.updatedAt ?? null, payload };
  }

  private async readFull(resource: string, req: ReadRequest): Promise<Page> {
    const next = (req.checkpoint as FullCheckpoint | null)?.next;
    const page = await this.client.get<ListPage>(
      `/v1/${resource}`,
      next ? { cursor: next } : this.firstQuery(req.stream),
    );
    return {
      records: page.data.filter((r) => !r.deleted).map((r) => this.normalise(req.stream, r)),
      deleted: [],
      checkpoint: page.paging.next ? { next: page.paging.next } : null,
      cursor: { since: req.runStartedAt },
    };
  }

  private async readChanges(resource: string, req: ReadRequest, since: string): Promise<Page> {
    const start = canonicalInstant(since);
    const cp: IncrementalCheckpoint = (req.checkpoint as IncrementalCheckpoint | null) ?? {
      since: start,
      maxSeen: start,
    };
    const page = await this.client.get<ListPage>(
      `/v1/${resource}`,
      cp.next ? { cursor: cp.next } : this.firstQuery(req.stream, { updated_since: cp.since }),
    );
    const records: VendorRecord[] = [];
    const deleted: DeletedRecord[] = [];
    let maxSeen = cp.maxSeen;
    for (const r of page.data) {
      if (r.updatedAt && r.updatedAt > maxSeen) maxSeen = r.updatedAt;
      if (r.deleted)
        deleted.push({
          externalId: String(r.id),
          deletedAt: r.deletedAt ?? r.updatedAt ?? null,
          reason: 'deleted in EZLynx',
        });
      else records.push(this.normalise(req.stream, r));
    }
    if (page.paging.next) {
      const checkpoint: IncrementalCheckpoint = { since: cp.since, maxSeen, next: page.paging.next };
      return { records, deleted, checkpoint: checkpoint as unknown as Json, cursor: null };
    }
    // Changes made while we read land after the run's start and are picked up next time.
    return { records, deleted, checkpoint: null, cursor: { since: earlier(maxSeen, req.runStartedAt) } };
  }
}
