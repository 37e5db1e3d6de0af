// Reading HawkSoft. The Partner API has one read surface: the numbers of the clients changed
// since a moment (`asOf`), then the clients themselves, with their policies embedded, at most 200
// per call. Every stream walks that same list and projects its own part of each client:
//
// - full: the changed list since the epoch (every live client), read in batches of 200;
// - incremental: the changed list since the cursor, read the same way; the clients stream then
//   asks once more with deleted=true, and the numbers only that list holds are the deletes.
//
// The checkpoint is where the walk stands: the `asOf` it lists from, when it first listed, and
// the last client number read. The list itself is never stored (a large agency has tens of
// thousands of clients): each page re-derives it (from a small in-process cache, else by asking
// again) and continues with the numbers above the last one read. A list asked again later can
// only have gained clients changed after the first listing, and those are read again by the next
// incremental run, whose cursor is the first listing's time.
//
// Each stream walks on its own (the hub reads streams one by one and keeps no client payloads
// between them), so a sync lists and reads the agency four times: one list and one batch call per
// 200 clients per stream, a few hundred requests for a large agency, well inside the budget.
import { Money } from '../../domain/money.ts';
import {
  ConnectorError,
  type DeletedRecord,
  type Json,
  type Page,
  type ReadRequest,
  type VendorRecord,
} from '../types.ts';
import {
  type HawkSoftClient,
  type HsClient,
  type HsContact,
  type HsInclude,
  type HsPolicy,
  MAX_BATCH,
} from './client.ts';

export const hawksoftStreams = ['producers', 'clients', 'policies', 'policy_transactions'] as const;
export type HawkSoftStream = (typeof hawksoftStreams)[number];

/** The client sections each stream needs; HawkSoft filters by section, not by field. */
const sectionsFor: Record<HawkSoftStream, HsInclude[]> = {
  producers: ['details', 'policies'],
  clients: ['details', 'people', 'contacts'],
  policies: ['details', 'policies'],
  policy_transactions: ['policies'],
};

const EPOCH = '1970-01-01T00:00:00.000Z';
/**
 * The next cursor starts this long before the listing: HawkSoft stamps `modified` with its own
 * clock (and agencies' desktop CMS files reach the cloud a little late), so an edit stamped just
 * before our listing must not fall between two runs. Re-reading a few minutes costs nothing:
 * unchanged payloads hash the same and write nothing.
 */
const CLOCK_OVERLAP_MS = 5 * 60_000;

interface Walk {
  phase: 'clients' | 'deleted';
  /** The changed-since filter this walk lists with (the epoch for a full read). */
  asOf: string;
  /** When the list was first taken in this run. */
  listedAt: string;
  /** The last client number read; the walk continues above it. */
  after: number;
}

const listCache = new Map<string, number[]>();
const LIST_CACHE_ENTRIES = 16;

function cached(key: string, list: number[]): number[] {
  listCache.set(key, list);
  while (listCache.size > LIST_CACHE_ENTRIES) listCache.delete(listCache.keys().next().value!);
  return list;
}

function sinceOf(cursor: Json): string | null {
  const since = (cursor as { since?: unknown } | null)?.since;
  return typeof since === 'string' && !Number.isNaN(Date.parse(since)) ? since : null;
}

/** Never beyond the run's start, and a little before the listing (see CLOCK_OVERLAP_MS). */
function nextCursor(walk: Walk, runStartedAt: string): Json {
  const at = Math.min(Date.parse(walk.listedAt), Date.parse(runStartedAt)) - CLOCK_OVERLAP_MS;
  return { since: new Date(at).toISOString() };
}

export class HawkSoftReader {
  private readonly client: HawkSoftClient;
  private readonly agencyId: () => Promise<number>;
  private readonly fields: Record<string, string[]>;
  private readonly cacheKey: string;

  constructor(
    client: HawkSoftClient,
    agencyId: () => Promise<number>,
    fields: Record<string, string[]>,
    cacheKey: string,
  ) {
    this.client = client;
    this.agencyId = agencyId;
    this.fields = fields;
    this.cacheKey = cacheKey;
  }

  async read(req: ReadRequest): Promise<Page> {
    const stream = req.stream as HawkSoftStream;
    if (!hawksoftStreams.includes(stream))
      throw new ConnectorError('bad_request', `HawkSoft has no stream ${req.stream}`);
    const agencyId = await this.agencyId();
    const since = req.mode === 'incremental' ? sinceOf(req.cursor) : null; // no cursor yet: read everything
    const walk: Walk = (req.checkpoint as unknown as Walk | null) ?? {
      phase: 'clients',
      asOf: since ?? EPOCH,
      listedAt: new Date().toISOString(),
      after: 0,
    };
    if (walk.phase === 'deleted') return this.readDeletedClients(agencyId, walk, req.runStartedAt);

    const pending = (await this.changedClients(agencyId, walk)).filter((n) => n > walk.after);
    const batch = pending.slice(0, MAX_BATCH);
    const clients = batch.length ? await this.client.clients(agencyId, batch, sectionsFor[stream]) : [];
    clients.sort((a, b) => a.clientNumber - b.clientNumber);
    const { records, deleted } = project(stream, clients, this.fields[stream]);
    if (pending.length > batch.length)
      return { records, deleted, checkpoint: { ...walk, after: batch.at(-1)! }, cursor: null };
    // A full read needs no deletes: the hub sweeps what a successful full sync did not see.
    if (stream === 'clients' && since !== null)
      return { records, deleted, checkpoint: { ...walk, phase: 'deleted', after: 0 }, cursor: null };
    return { records, deleted, checkpoint: null, cursor: nextCursor(walk, req.runStartedAt) };
  }

  private async changedClients(agencyId: number, walk: Walk): Promise<number[]> {
    const key = `${this.cacheKey}|${agencyId}|${walk.asOf}|${walk.listedAt}`;
    const hit = listCache.get(key);
    if (hit) return hit;
    const numbers = await this.client.changedClients(agencyId, { asOf: walk.asOf });
    // HawkSoft promises no order; the walk needs ascending numbers to resume above the last one read.
    return cached(
      key,
      [...new Set(numbers)].sort((a, b) => a - b),
    );
  }

  /**
   * The deleted-clients list holds the live changes too, so the deletes are what only it holds. It
   * is asked first: a client edited between the two calls then shows in the live list only, never
   * as a false delete; one deleted between them is left for the next run, whose window covers it.
   */
  private async readDeletedClients(agencyId: number, walk: Walk, runStartedAt: string): Promise<Page> {
    const withDeleted = await this.client.changedClients(agencyId, { asOf: walk.asOf, deleted: true });
    const live = new Set(await this.client.changedClients(agencyId, { asOf: walk.asOf, deleted: false }));
    const deleted: DeletedRecord[] = [...new Set(withDeleted)]
      .filter((n) => !live.has(n))
      .sort((a, b) => a - b)
      .map((n) => ({ externalId: String(n), deletedAt: null, reason: 'deleted in HawkSoft' }));
    return { records: [], deleted, checkpoint: null, cursor: nextCursor(walk, runStartedAt) };
  }
}

interface Projection {
  records: VendorRecord[];
  deleted: DeletedRecord[];
}

export function project(stream: HawkSoftStream, clients: HsClient[], fields?: string[]): Projection {
  switch (stream) {
    case 'clients':
      return { records: clients.map(clientRecord), deleted: [] };
    case 'policies':
      return policyRecords(clients, policyKeys(fields));
    case 'producers':
      return { records: producerRecords(clients), deleted: [] };
    case 'policy_transactions':
      return transactionRecords(clients);
  }
}

const status = (p: HsPolicy): string => (p.status ?? '').trim().toLowerCase();
const isVoid = (p: HsPolicy): boolean => status(p) === 'void';

function primaryContact(contacts: HsContact[], kind: RegExp): string | null {
  const hit = contacts
    .filter((c) => kind.test(c.type ?? '') && c.data?.trim())
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))[0];
  return hit ? hit.data.trim() : null;
}

/**
 * A client as its sections say, plus the three values a mapping cannot pick out of arrays: the
 * insured's name, and the first email and phone by priority. The client-level `modified` rolls up
 * policy edits too, so it is the record's updatedAt but stays out of the payload: a renewal must not
 * make every client look changed.
 */
function clientRecord(c: HsClient): VendorRecord {
  const { modified, ...details } = c.details ?? { modified: null };
  const people = c.people ?? [];
  const contacts = c.contacts ?? [];
  const insured = people.find((p) => p.relationship?.toLowerCase() === 'insured') ?? people[0];
  const insuredName = insured ? [insured.firstName, insured.lastName].filter((s) => s?.trim()).join(' ') : '';
  return {
    externalId: String(c.clientNumber),
    updatedAt: modified ?? null,
    payload: {
      clientNumber: c.clientNumber,
      details: c.details ? details : null,
      people,
      contacts,
      insuredName: insuredName || null,
      primaryEmail: primaryContact(contacts, /mail/i),
      primaryPhone: primaryContact(contacts, /phone|cell|mobile/i),
    },
  };
}

/** Policy fields the mapping reads (plus identity and status); null keeps the whole policy. */
function policyKeys(fields: string[] | undefined): string[] | null {
  const wanted = (fields ?? []).filter((p) => p.startsWith('policy.')).map((p) => p.split('.')[1]!);
  return wanted.length ? [...new Set(['id', 'modified', 'status', ...wanted])] : null;
}

function policyRecords(clients: HsClient[], keys: string[] | null): Projection {
  const records: VendorRecord[] = [];
  const deleted: DeletedRecord[] = [];
  for (const c of clients) {
    for (const p of c.policies ?? []) {
      if (isVoid(p)) {
        deleted.push({ externalId: p.id, deletedAt: p.modified ?? null, reason: 'voided in HawkSoft' });
        continue;
      }
      const policy = keys
        ? Object.fromEntries(keys.map((k) => [k, (p as unknown as Record<string, unknown>)[k] ?? null]))
        : { ...p };
      records.push({
        externalId: p.id,
        updatedAt: p.modified ?? null,
        payload: {
          clientNumber: c.clientNumber,
          // The client's own producer and CSR, for policies whose agent fields were left blank.
          client: { producer: c.details?.producer ?? null, csr: c.details?.csr ?? null },
          policy,
        },
      });
    }
  }
  return { records, deleted };
}

/**
 * Every code seen as a client's producer or CSR or as a policy's Agent1–3. A code used both ways
 * is a producer: commission follows the agent fields.
 */
function producerRecords(clients: HsClient[]): VendorRecord[] {
  const roles = new Map<string, 'producer' | 'csr'>();
  const note = (code: string | null | undefined, role: 'producer' | 'csr') => {
    const k = code?.trim();
    if (k && (role === 'producer' || !roles.has(k))) roles.set(k, role);
  };
  for (const c of clients) {
    note(c.details?.producer, 'producer');
    note(c.details?.csr, 'csr');
    for (const p of c.policies ?? []) {
      if (isVoid(p)) continue;
      note(p.agent1, 'producer');
      note(p.agent2, 'producer');
      note(p.agent3, 'producer');
    }
  }
  return [...roles]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, role]) => ({ externalId: code, updatedAt: null, payload: { code, role } }));
}

/** Statuses that say the term was written (as opposed to quoted, prospected or voided). */
const writtenStatuses = new Set([
  'new',
  'active',
  'renew',
  'renewal',
  'rewrite',
  'reinstate',
  'reinstated',
  'cancelled',
  'canceled',
  'expired',
  'replaced',
  'replaced:rewrite',
  'deadfiled',
  'dead',
  'nonrenew',
  'non-renew',
]);
const inForceStatuses = new Set(['new', 'active', 'renew', 'renewal', 'rewrite', 'reinstate', 'reinstated']);
const cancelledStatuses = new Set(['cancelled', 'canceled']);

const day = (s: string | null): string | null => (s && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : null);
/** The vendor's dollar figure as a decimal string, exactly as sent (no binary arithmetic). */
const amount = (n: number | null): string | null =>
  typeof n === 'number' && Number.isFinite(n) ? new Money(String(n)).toFixed() : null;
const negated = (n: number | null): string | null =>
  typeof n === 'number' && Number.isFinite(n) ? new Money(String(n)).negated().toFixed() : null;

/**
 * The Partner API holds no transaction history, only each term's current state. What that state
 * proves is derived here: the term was written (new business, renewal or rewrite, at its effective
 * date, for the premium HawkSoft now shows, endorsements included), and, when cancelled, a
 * cancellation at the status date. Only a flat cancellation (on the effective date) has a known
 * return premium, the whole premium; any other return premium is left blank for the carrier
 * statement to supply. A term back in force after its status date moved is a reinstatement: its
 * cancellation, if one was read before, is withdrawn.
 */
function transactionRecords(clients: HsClient[]): Projection {
  const records: VendorRecord[] = [];
  const deleted: DeletedRecord[] = [];
  for (const c of clients) {
    for (const p of c.policies ?? []) {
      const termId = `${p.id}:term`;
      const cancelId = `${p.id}:cancel`;
      const s = status(p);
      if (s === 'void') {
        for (const externalId of [termId, cancelId])
          deleted.push({ externalId, deletedAt: p.modified ?? null, reason: 'voided in HawkSoft' });
        continue;
      }
      if (!writtenStatuses.has(s) || !p.policyNumber?.trim() || !p.effectiveDate) continue;
      const base = { policyId: p.id, clientNumber: c.clientNumber };
      records.push({
        externalId: termId,
        updatedAt: p.modified ?? null,
        payload: {
          id: termId,
          ...base,
          kind: s === 'rewrite' ? 'rewrite' : (p.numberOfTerms ?? 1) > 1 ? 'renewal' : 'new',
          effectiveDate: p.effectiveDate,
          premium: amount(p.premium),
          cancelMethod: null,
        },
      });
      if (cancelledStatuses.has(s)) {
        const flat = day(p.statusDate) !== null && day(p.statusDate) === day(p.effectiveDate);
        records.push({
          externalId: cancelId,
          updatedAt: p.modified ?? null,
          payload: {
            id: cancelId,
            ...base,
            kind: 'cancellation',
            effectiveDate: p.statusDate ?? p.effectiveDate,
            premium: flat ? negated(p.premium) : null,
            cancelMethod: flat ? 'flat' : null,
          },
        });
      } else if (inForceStatuses.has(s) && (day(p.statusDate) ?? '') > (day(p.effectiveDate) ?? '')) {
        deleted.push({
          externalId: cancelId,
          deletedAt: p.modified ?? null,
          reason: 'reinstated in HawkSoft',
        });
      }
    }
  }
  return { records, deleted };
}
