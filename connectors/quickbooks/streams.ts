// Reading QuickBooks. Full reads page through the query endpoint in Id order, driven by the
// connector (STARTPOSITION/MAXRESULTS; the library would only page while pages are full). Each
// page after the first re-reads the previous page's last row, so rows deleted meanwhile (which
// shift later rows forward) are noticed and the page is re-read from earlier; rows already
// returned are dropped by Id. Incremental reads use Change Data Capture per entity, which
// returns active rows in order of last change, then deleted ones, and at most 1,000 objects:
// a full answer is a complete prefix of that order up to its last row's second, so the window
// is narrowed to start there, and a second holding 1,000 changes on its own is paged through
// the query endpoint. CDC reaches back 30 days: an older cursor falls back to a full read.
//
// Known gap, inherent to CDC: deleted rows come after every active row, so a delete followed
// by 1,000 or more changes of the same entity before the next sync may never be listed, and
// the full-read fallback lists no deletes; both are caught by the hub's sweep after its next
// full sync.
//
// Name lists (accounts, vendors, customers) are never deleted in QuickBooks, only made
// inactive: an inactive row is a delete, from the query endpoint and from CDC alike. Every
// record's payload is the entity as Intuit sends it without the transport fields (domain,
// sparse) and with amounts as exact decimal strings, so it hashes the same from either endpoint.
// `ctx.fields` cannot narrow a request: node-quickbooks always sends `select *` and CDC always
// returns whole entities, and the reference streams need them whole anyway.
import { Money } from '../../domain/money.ts';
import type { DeletedRecord, Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import type { QboEntity, QboObject, QuickBooksClient } from './client.ts';
import { isCdcWindowExceeded } from './errors.ts';

export const streamEntity: Record<string, QboEntity> = {
  accounts: 'Account',
  vendors: 'Vendor',
  customers: 'Customer',
  invoices: 'Invoice',
  payments: 'Payment',
  deposits: 'Deposit',
  journal_entries: 'JournalEntry',
};

const nameLists = new Set<QboEntity>(['Account', 'Vendor', 'Customer']);
const CDC_CAP = 1000;
const MAX_RESULTS = 1000;
const DAY_MS = 86_400_000;
/** A cursor must be this much younger than CDC's 30 days, so the run itself cannot age it out. */
const CDC_REACH_MS = 30 * DAY_MS - 6 * 3_600_000;
/** Changes are stamped to the second: re-read the cursor's second, whatever Intuit's `>` means. */
const OVERLAP_MS = 1000;
const moneyFields = new Set([
  'Amount',
  'TotalAmt',
  'Balance',
  'BalanceWithJobs',
  'UnappliedAmt',
  'CurrentBalance',
  'CurrentBalanceWithSubAccounts',
  'HomeTotalAmt',
  'HomeBalance',
  'UnitPrice',
  'ExchangeRate',
]);

type Checkpoint =
  | { phase: 'full'; position: number; lastId: number }
  | { phase: 'cdc'; since: string; maxSeen: string | null }
  | { phase: 'second'; second: string; position: number; lastId: number; maxSeen: string | null };

const iso = (ms: number) => new Date(ms).toISOString();
const later = (a: string | null, b: string | null) =>
  !a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b;
const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);

/** Intuit's "2026-11-27T10:00:00-07:00" as ISO UTC, or null. */
function lastUpdated(row: QboObject): string | null {
  const raw = (row.MetaData as { LastUpdatedTime?: string } | undefined)?.LastUpdatedTime;
  const ms = raw ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? null : iso(ms);
}

/** Amounts arrive as JSON numbers; their shortest decimal form is the text Intuit sent. */
function decimalText(n: number): string {
  const d = new Money(n.toString());
  return d.toFixed(Math.max(2, d.decimalPlaces()));
}

function normaliseValue(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseValue(v, ''));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'domain' || k === 'sparse' || v === undefined) continue;
      out[k] = normaliseValue(v, k);
    }
    return out;
  }
  return typeof value === 'number' && moneyFields.has(key) ? decimalText(value) : value;
}

export class QuickBooksReader {
  private readonly client: QuickBooksClient;
  private readonly pageSize: number;

  constructor(client: QuickBooksClient, settings: Record<string, unknown>) {
    this.client = client;
    const asked = Number(settings.pageSize);
    this.pageSize = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_RESULTS) : MAX_RESULTS;
  }

  async read(req: ReadRequest): Promise<Page> {
    const entity = streamEntity[req.stream];
    if (!entity) throw new Error(`QuickBooks has no stream ${req.stream}`);
    const cp = req.checkpoint as Checkpoint | null;
    if (cp?.phase === 'full') return this.readFull(entity, req, cp);
    if (cp?.phase === 'cdc') return this.readChanges(entity, req, cp);
    if (cp?.phase === 'second') return this.readSecond(entity, cp);
    const since = (req.cursor as { since?: string } | null)?.since;
    // Never synced, a full sync, or a cursor CDC can no longer reach: list everything.
    if (req.mode === 'full' || !since || Date.parse(since) < Date.now() - CDC_REACH_MS) {
      return this.readFull(entity, req, { phase: 'full', position: 1, lastId: 0 });
    }
    return this.readChanges(entity, req, {
      phase: 'cdc',
      since: iso(Date.parse(since) - OVERLAP_MS),
      maxSeen: null,
    });
  }

  private normalise(entity: QboEntity, row: QboObject): { record?: VendorRecord; deleted?: DeletedRecord } {
    const externalId = String(row.Id);
    const updatedAt = lastUpdated(row);
    if (row.status === 'Deleted')
      return { deleted: { externalId, deletedAt: updatedAt, reason: 'deleted in QuickBooks' } };
    if (nameLists.has(entity) && row.Active === false) {
      return { deleted: { externalId, deletedAt: updatedAt, reason: 'made inactive in QuickBooks' } };
    }
    return { record: { externalId, updatedAt, payload: normaliseValue(row, '') as Record<string, unknown> } };
  }

  private page(entity: QboEntity, rows: QboObject[]): { records: VendorRecord[]; deleted: DeletedRecord[] } {
    const records: VendorRecord[] = [];
    const deleted: DeletedRecord[] = [];
    for (const row of rows) {
      const r = this.normalise(entity, row);
      if (r.record) records.push(r.record);
      if (r.deleted) deleted.push(r.deleted);
    }
    return { records, deleted };
  }

  /**
   * One page of rows in Id order after `lastId`, starting near `position`. Rows deleted since the
   * last page shift the rest forward: when the row before `position` is no longer the last one
   * returned, the page is read again from the start (rows up to `lastId` are dropped).
   */
  private async pageById(
    entity: QboEntity,
    where: string[],
    position: number,
    lastId: number,
  ): Promise<{ rows: QboObject[]; next: number; lastId: number; done: boolean }> {
    const active = nameLists.has(entity) ? ['Active IN (true, false)'] : [];
    const conditions = [...where, ...active];
    const clause = (start: number, size: number) =>
      `${conditions.length ? `where ${conditions.join(' and ')} ` : ''}ORDERBY Id STARTPOSITION ${start} MAXRESULTS ${size}`;
    let start = position > 1 ? position - 1 : 1;
    const size = Math.min(MAX_RESULTS, this.pageSize + (start < position ? 1 : 0));
    let { rows } = await this.client.query(entity, clause(start, size));
    const anchored = start === 1 || (rows.length > 0 && Number(rows[0]!.Id) <= lastId);
    if (!anchored) {
      start = 1;
      ({ rows } = await this.client.query(entity, clause(start, size)));
    }
    const fresh = rows.filter((r) => Number(r.Id) > lastId);
    const maxId = rows.reduce((m, r) => Math.max(m, Number(r.Id)), lastId);
    return { rows: fresh, next: start + rows.length, lastId: maxId, done: rows.length < size };
  }

  private async readFull(
    entity: QboEntity,
    req: ReadRequest,
    cp: Extract<Checkpoint, { phase: 'full' }>,
  ): Promise<Page> {
    const page = await this.pageById(entity, [], cp.position, cp.lastId);
    const { records, deleted } = this.page(entity, page.rows);
    if (page.done) return { records, deleted, checkpoint: null, cursor: { since: req.runStartedAt } };
    const next: Checkpoint = { phase: 'full', position: page.next, lastId: page.lastId };
    return { records, deleted, checkpoint: next as unknown as Json, cursor: null };
  }

  private async readChanges(
    entity: QboEntity,
    req: ReadRequest,
    cp: Extract<Checkpoint, { phase: 'cdc' }>,
  ): Promise<Page> {
    let answer: Awaited<ReturnType<QuickBooksClient['changes']>>;
    try {
      answer = await this.client.changes(entity, cp.since);
    } catch (err) {
      // The cursor aged past CDC's reach while we were away (or the clocks disagree): list everything.
      if (isCdcWindowExceeded(err)) {
        return this.readFull(entity, req, { phase: 'full', position: 1, lastId: 0 });
      }
      throw err;
    }
    const { rows, vendorTime } = answer;
    const { records, deleted } = this.page(entity, rows);
    let maxSeen = cp.maxSeen;
    for (const row of rows) maxSeen = later(maxSeen, lastUpdated(row));
    if (rows.length < CDC_CAP) {
      // Complete up to Intuit's clock at the answer: a quiet stream's cursor still moves forward.
      const seenUpTo = later(maxSeen, vendorTime ? iso(Date.parse(vendorTime)) : null) ?? cp.since;
      return { records, deleted, checkpoint: null, cursor: { since: earlier(seenUpTo, req.runStartedAt) } };
    }
    // A full answer: everything up to its last row's second is complete; the rest starts there.
    const boundary = lastUpdated(rows.at(-1)!) ?? cp.since;
    const next: Checkpoint =
      Date.parse(boundary) > Date.parse(cp.since)
        ? { phase: 'cdc', since: boundary, maxSeen }
        : {
            phase: 'second',
            second: iso(Math.floor(Date.parse(cp.since) / 1000) * 1000),
            position: 1,
            lastId: 0,
            maxSeen,
          };
    return { records, deleted, checkpoint: next as unknown as Json, cursor: null };
  }

  /** A thousand changes in one second: page through that second, then carry on with CDC after it. */
  private async readSecond(entity: QboEntity, cp: Extract<Checkpoint, { phase: 'second' }>): Promise<Page> {
    const from = cp.second;
    const to = iso(Date.parse(from) + 1000);
    const window = [`Metadata.LastUpdatedTime >= '${from}'`, `Metadata.LastUpdatedTime < '${to}'`];
    const page = await this.pageById(entity, window, cp.position, cp.lastId);
    const { records, deleted } = this.page(entity, page.rows);
    let maxSeen = cp.maxSeen;
    for (const row of page.rows) maxSeen = later(maxSeen, lastUpdated(row));
    const next: Checkpoint = page.done
      ? { phase: 'cdc', since: to, maxSeen }
      : { phase: 'second', second: from, position: page.next, lastId: page.lastId, maxSeen };
    return { records, deleted, checkpoint: next as unknown as Json, cursor: null };
  }
}
