// Reading Salesforce with SOQL. Full syncs list live rows ORDER BY Id and page with queryMore;
// incremental syncs run queryAll WHERE SystemModstamp >= cursor ORDER BY SystemModstamp, Id
// (deleted rows come back with IsDeleted = true), then ask getDeleted for the window, which also
// knows records purged from the recycle bin. The checkpoint is the query locator; locators
// expire (15 idle minutes, or when the user opens an eleventh cursor), so it also keeps the
// last Id / SystemModstamp read and an expired locator restarts the query from that keyset.
//
// `>=` rather than `>`: real SystemModstamp values have one-second resolution, so a change
// committed later within the second of the newest row seen would be skipped by `>`; the
// boundary rows read again have unchanged payloads and write nothing.
//
// getDeleted ignores seconds and wants a window of at least a minute, reaching no more than
// 30 days back; its latestDateCovered is where the next window starts. A getDeleted id whose
// record is live again (undeleted) is not a delete.
import type { QueryOptions } from 'jsforce';
import type { DeletedRecord, Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import type { SalesforceClient } from './client.ts';
import { classifySalesforceError } from './errors.ts';

interface StreamSource {
  sobject: string;
  /** A SOQL condition every read of the stream adds (which rows are the stream at all). */
  filter?: string;
  /** Whether records can be deleted (Users are only deactivated). */
  deletable: boolean;
  /** Fields read when no mapping says which (streams kept for reference only). */
  defaultFields: string[];
}

export const streamSources: Record<string, StreamSource> = {
  // Automated Process, guest and portal users are not people of the agency.
  users: {
    sobject: 'User',
    filter: "UserType = 'Standard'",
    deletable: false,
    defaultFields: ['Name', 'Email', 'IsActive'],
  },
  accounts: { sobject: 'Account', deletable: true, defaultFields: ['Name'] },
  contacts: {
    sobject: 'Contact',
    deletable: true,
    defaultFields: ['AccountId', 'FirstName', 'LastName', 'Name', 'Title', 'Email', 'Phone', 'MobilePhone'],
  },
  opportunities: {
    sobject: 'Opportunity',
    deletable: true,
    defaultFields: ['Name', 'AccountId', 'StageName'],
  },
  insurance_policies: {
    sobject: 'InsurancePolicy',
    deletable: true,
    defaultFields: ['Name', 'NameInsuredId'],
  },
};

const systemFields = ['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp'];
const DEFAULT_BATCH = 2_000;
const ID_CHUNK = 200;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** getDeleted reaches 30 days back; keep a day of margin for clocks and slow runs. */
const REPLICATION_REACH = 29 * DAY;
/** A full sync hands deletes over to incremental reads from a little before the run started. */
const CLOCK_MARGIN = 5 * MINUTE;

interface SoqlRecord {
  attributes?: unknown;
  [field: string]: unknown;
}

interface QueryPage {
  records: SoqlRecord[];
  done: boolean;
  nextRecordsUrl?: string;
}

interface ListCheckpoint {
  phase: 'list';
  locator: string;
  lastId: string;
  maxSeen: string | null;
}

interface ChangesCheckpoint {
  phase: 'changes';
  since: string;
  deletedSince: string | null;
  locator: string | null;
  lastStamp: string | null;
  lastId: string | null;
  maxSeen: string;
}

interface DeletedCheckpoint {
  phase: 'deleted';
  since: string;
  deletedSince: string;
  maxSeen: string;
}

type Checkpoint = ListCheckpoint | ChangesCheckpoint | DeletedCheckpoint;

export type SalesforceCursor = {
  /** The newest SystemModstamp read (never past the run's start). */
  since: string;
  /** Where the next getDeleted window starts (its last latestDateCovered). */
  deletedSince: string | null;
};

const iso = (value: unknown): string | null => {
  if (typeof value !== 'string' || !value) return null;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
const earlier = (a: string, b: string) => (a < b ? a : b);
const later = (a: string, b: string) => (a > b ? a : b);
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const locatorOf = (url: string | undefined) => (url ? (url.split('/').pop() ?? null) : null);

export class SalesforceReader {
  private readonly client: SalesforceClient;
  private readonly fields: Record<string, string[]>;
  private readonly settings: Record<string, unknown>;
  private readonly selection = new Map<string, string[]>();

  constructor(client: SalesforceClient, fields: Record<string, string[]>, settings: Record<string, unknown>) {
    this.client = client;
    this.fields = fields;
    this.settings = settings;
  }

  async read(req: ReadRequest): Promise<Page> {
    const source = streamSources[req.stream];
    if (!source) throw new Error(`Salesforce has no stream ${req.stream}`);
    if (!this.reads(req.stream)) return { records: [], deleted: [], checkpoint: null, cursor: req.cursor };
    const cursor = req.cursor as SalesforceCursor | null;
    const cp = req.checkpoint as Checkpoint | null;
    if (req.mode === 'full' || !cursor?.since) return this.readList(req, source, cp as ListCheckpoint | null);
    if (cp?.phase === 'deleted') return this.readDeleted(req, source, cp);
    return this.readChanges(req, source, cursor, cp as ChangesCheckpoint | null);
  }

  /**
   * Which object holds the org's policy terms (settings.policySource): Financial Services Cloud's
   * InsurancePolicy (default) or, in orgs without FSC, Opportunity. Only that stream is read, so
   * a term is never counted twice.
   */
  private reads(stream: string): boolean {
    const source = this.settings.policySource === 'Opportunity' ? 'opportunities' : 'insurance_policies';
    return (stream !== 'opportunities' && stream !== 'insurance_policies') || stream === source;
  }

  /** The fields a stream's mapping reads (top-level names and relationship paths), plus the system ones. */
  private selected(stream: string, source: StreamSource): string[] {
    let fields = this.selection.get(stream);
    if (!fields) {
      const wanted = this.fields[stream]?.length ? this.fields[stream]! : source.defaultFields;
      const valid = wanted.filter((p) => /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(p));
      fields = [...new Set([...systemFields, ...valid])].sort();
      this.selection.set(stream, fields);
    }
    return fields;
  }

  private batchHeaders(): { headers: Record<string, string> } {
    const size = Number(this.settings.queryBatchSize) || DEFAULT_BATCH;
    return { headers: { 'Sforce-Query-Options': `batchSize=${size}` } };
  }

  private soql(
    stream: string,
    source: StreamSource,
    extra: string[],
    conditions: string[],
    order: string,
  ): string {
    const where = [source.filter, ...conditions].filter(Boolean).map((c) => `(${c})`);
    return `SELECT ${[...this.selected(stream, source), ...extra].join(', ')} FROM ${source.sobject}${
      where.length ? ` WHERE ${where.join(' AND ')}` : ''
    } ORDER BY ${order}`;
  }

  private query(soql: string, scanAll: boolean): Promise<QueryPage> {
    return this.client.call(
      (conn) => conn.query(soql, { ...this.batchHeaders(), scanAll }) as unknown as Promise<QueryPage>,
    );
  }

  /** The next batch of an open cursor, or null when Salesforce has closed it. */
  private async more(locator: string): Promise<QueryPage | null> {
    try {
      return await this.client.call(
        (conn) =>
          conn.queryMore(locator, this.batchHeaders() as QueryOptions) as unknown as Promise<QueryPage>,
      );
    } catch (err) {
      if (classifySalesforceError(err).vendorCode === 'INVALID_QUERY_LOCATOR') return null;
      throw err;
    }
  }

  /** One payload shape per stream: the selected fields (parents nested), no `attributes`. */
  private normalise(stream: string, source: StreamSource, row: SoqlRecord): VendorRecord {
    const payload: Record<string, unknown> = {};
    for (const path of this.selected(stream, source)) {
      const parts = path.split('.');
      let from: unknown = row;
      let into = payload;
      for (const [i, part] of parts.entries()) {
        const value = from && typeof from === 'object' ? (from as Record<string, unknown>)[part] : undefined;
        if (i === parts.length - 1) {
          into[part] = value ?? null;
        } else if (value === null || value === undefined) {
          if (!(part in into)) into[part] = null;
          break;
        } else {
          if (!into[part] || typeof into[part] !== 'object') into[part] = {};
          into = into[part] as Record<string, unknown>;
          from = value;
        }
      }
    }
    return { externalId: String(row.Id), updatedAt: iso(row.SystemModstamp), payload };
  }

  private async readList(req: ReadRequest, source: StreamSource, cp: ListCheckpoint | null): Promise<Page> {
    const restart = (lastId: string | null) =>
      this.query(this.soql(req.stream, source, [], lastId ? [`Id > ${quote(lastId)}`] : [], 'Id'), false);
    const page = (cp ? await this.more(cp.locator) : null) ?? (await restart(cp?.lastId ?? null));
    const records = page.records.map((r) => this.normalise(req.stream, source, r));
    let maxSeen = cp?.maxSeen ?? null;
    for (const r of records) if (r.updatedAt && (!maxSeen || r.updatedAt > maxSeen)) maxSeen = r.updatedAt;
    const locator = locatorOf(page.nextRecordsUrl);
    if (!page.done && locator) {
      const lastId = records.at(-1)?.externalId ?? cp?.lastId ?? '';
      return {
        records,
        deleted: [],
        checkpoint: { phase: 'list', locator, lastId, maxSeen } satisfies ListCheckpoint as unknown as Json,
        cursor: null,
      };
    }
    const since = maxSeen ? earlier(maxSeen, req.runStartedAt) : req.runStartedAt;
    const deletedSince = source.deletable
      ? new Date(Date.parse(req.runStartedAt) - CLOCK_MARGIN).toISOString()
      : null;
    return {
      records,
      deleted: [],
      checkpoint: null,
      cursor: { since, deletedSince } satisfies SalesforceCursor,
    };
  }

  private async readChanges(
    req: ReadRequest,
    source: StreamSource,
    cursor: SalesforceCursor,
    checkpoint: ChangesCheckpoint | null,
  ): Promise<Page> {
    const cp: ChangesCheckpoint = checkpoint ?? {
      phase: 'changes',
      since: cursor.since,
      deletedSince: cursor.deletedSince,
      locator: null,
      lastStamp: null,
      lastId: null,
      maxSeen: cursor.since,
    };
    const since = cp.lastStamp ?? cp.since;
    const keyset =
      cp.lastStamp && cp.lastId
        ? `SystemModstamp > ${cp.lastStamp} OR (SystemModstamp = ${cp.lastStamp} AND Id > ${quote(cp.lastId)})`
        : `SystemModstamp >= ${since}`;
    // queryAll shows deleted rows; Users are never deleted, so plain query serves them.
    const page =
      (cp.locator ? await this.more(cp.locator) : null) ??
      (await this.query(
        this.soql(req.stream, source, source.deletable ? ['IsDeleted'] : [], [keyset], 'SystemModstamp, Id'),
        source.deletable,
      ));
    const records: VendorRecord[] = [];
    const deleted: DeletedRecord[] = [];
    let maxSeen = cp.maxSeen;
    for (const row of page.records) {
      const record = this.normalise(req.stream, source, row);
      if (record.updatedAt) maxSeen = later(maxSeen, record.updatedAt);
      if (row.IsDeleted === true)
        deleted.push({
          externalId: record.externalId,
          deletedAt: record.updatedAt,
          reason: 'deleted in Salesforce',
        });
      else records.push(record);
    }
    const last = page.records.at(-1);
    const locator = locatorOf(page.nextRecordsUrl);
    if (!page.done && locator) {
      const next: ChangesCheckpoint = {
        ...cp,
        locator,
        lastStamp: iso(last?.SystemModstamp) ?? cp.lastStamp,
        lastId: last ? String(last.Id) : cp.lastId,
        maxSeen,
      };
      return { records, deleted, checkpoint: next as unknown as Json, cursor: null };
    }
    if (!source.deletable)
      return {
        records,
        deleted,
        checkpoint: null,
        cursor: { since: earlier(maxSeen, req.runStartedAt), deletedSince: null },
      };
    const next: DeletedCheckpoint = {
      phase: 'deleted',
      since: cp.since,
      deletedSince: cp.deletedSince ?? cp.since,
      maxSeen,
    };
    return { records, deleted, checkpoint: next as unknown as Json, cursor: null };
  }

  private async readDeleted(req: ReadRequest, source: StreamSource, cp: DeletedCheckpoint): Promise<Page> {
    const end = Date.parse(req.runStartedAt);
    const start = Math.max(Date.parse(cp.deletedSince), end - REPLICATION_REACH);
    const cursor = (deletedSince: string): SalesforceCursor => ({
      since: earlier(cp.maxSeen, req.runStartedAt),
      deletedSince,
    });
    // getDeleted drops seconds and needs a whole minute: a shorter window waits for the next run.
    if (Math.floor(end / MINUTE) - Math.floor(start / MINUTE) < 1)
      return { records: [], deleted: [], checkpoint: null, cursor: cursor(cp.deletedSince) };
    const { rows, covered } = await this.deletedIn(source, start, end);
    const live = await this.stillLive(
      source,
      rows.map((r) => r.id),
    );
    const deleted = rows
      .filter((r) => !live.has(r.id))
      .map((r) => ({ externalId: r.id, deletedAt: iso(r.deletedDate), reason: 'deleted in Salesforce' }));
    return { records: [], deleted, checkpoint: null, cursor: cursor(covered) };
  }

  /** getDeleted over a window, halving it while Salesforce says it holds too many ids. */
  private async deletedIn(
    source: StreamSource,
    start: number,
    end: number,
  ): Promise<{ rows: { id: string; deletedDate: string }[]; covered: string }> {
    try {
      const res = await this.client.call((conn) =>
        conn.sobject(source.sobject).deleted(new Date(start), new Date(end)),
      );
      return {
        rows: res.deletedRecords ?? [],
        covered: iso(res.latestDateCovered) ?? new Date(end).toISOString(),
      };
    } catch (err) {
      const half = start + Math.floor((end - start) / 2 / MINUTE) * MINUTE;
      if (classifySalesforceError(err).vendorCode !== 'EXCEEDED_ID_LIMIT' || half - start < MINUTE) throw err;
      const first = await this.deletedIn(source, start, half);
      const second = await this.deletedIn(source, half, end);
      return { rows: [...first.rows, ...second.rows], covered: second.covered };
    }
  }

  private async stillLive(source: StreamSource, ids: string[]): Promise<Set<string>> {
    const live = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const page = await this.query(
        `SELECT Id FROM ${source.sobject} WHERE Id IN (${chunk.map(quote).join(', ')}) ORDER BY Id`,
        false,
      );
      for (const r of page.records) live.add(String(r.Id));
    }
    return live;
  }
}
