// Reading Applied Epic. Accounts (employees, brokers, companies, clients: one account
// resource filtered by type), policies and transactions are limit/offset collections; a full
// read lists everything, an incremental read adds the audit-stamp filter since the cursor
// (`lastUpdatedBy.date_after` on accounts and policies, `lastUpdatedOn.date_after` on lines and
// transactions), starting a second early because the filter is strict and stamps may be
// second-precise (re-read records hash the same and write nothing). The cursor is the newest
// stamp seen, never past the run's start, so an edit made while we read is read next time.
//
// Offset drift: Epic lists by id. A record inserted before the checkpoint shifts the rest
// right, so a page repeats a record (harmless); one removed shifts them left, so a page would
// skip one, and after a full sync the sweep would delete the skipped record. So each page
// starts a few records before the checkpoint and keeps only ids after the last one read; when
// even that window lies past the last id, it steps back until it finds its place. Should Epic
// not list by id, pages keep the overlap and pass on the repeats.
//
// A policy's record is the policy with its lines (line type, status, bill mode, issuing state
// and company, carrier commission rate) and each line's producer/broker commissions, plus the
// number of the term it renewed, because the canonical policy needs all of them and Epic keeps
// them on separate resources. A line change does not move its policy's stamp, so an
// incremental policies read also lists lines changed since the cursor and re-reads their
// policies (by client, which every Epic from July 2023 can list).
//
// Payloads are normalised the same whichever endpoint produced them: `_links` dropped (hosts
// differ per environment), `_embedded` summaries folded in place of the id they describe
// (`lineType: {id, code, description}`), money (`{units, partialUnits}`) given a `decimal`
// string ("4250.50") for the `cents` transform, and percentages (`percent`,
// `commissionPercent`, `productionCredit`) turned into decimal strings. Epic has no field
// selection, so payloads carry whole resources; the commission engine reads rates and splits
// from them. Deletes come as status (inactive accounts, cancelled or lapsed lines), never as a
// deleted list: purged ids simply stop being listed and the hub's full-sync sweep notices.
import type { Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import {
  type AppliedEpicClient,
  type CollectionPage,
  type EpicLine,
  type EpicPolicy,
  type EpicProducerBrokerCommission,
  type EpicProducerBrokerCommissions,
  type EpicResource,
  MAX_PAGE_SIZE,
  type Query,
  type UserAndDate,
} from './client.ts';

export const accountStreams = {
  employees: 'EMPLOYEE',
  brokers: 'BROKER',
  companies: 'COMPANY',
  clients: 'CLIENT',
} as const;
type AccountStream = keyof typeof accountStreams;

// A policies page fans out to lines and commissions; 50 keeps one read well inside the 30 s
// activity heartbeat at the assumed rate budget.
const defaultPageSize = { accounts: MAX_PAGE_SIZE, policies: 50, transactions: MAX_PAGE_SIZE };
/** Records re-requested before the checkpoint, to notice removals that shift offsets. */
const OFFSET_OVERLAP = 5;
const STAMP_OVERLAP_MS = 1_000;

interface ListCheckpoint {
  offset: number;
  lastId: string | null;
  /** Set once Epic lists out of id order (the sandbox never does). */
  unordered?: boolean;
  maxSeen: string | null;
}

interface PolicyCheckpoint extends ListCheckpoint {
  phase: 'policies' | 'changedLines';
}

// --- normalisation -------------------------------------------------------------------------

const percentFields = new Set(['percent', 'commissionPercent', 'productionCredit']);

/**
 * Applied's Currency as a decimal string. `partialUnits` are cents; a malformed amount becomes
 * a string the `cents` transform refuses, so the record is quarantined with the reason.
 */
export function currencyDecimal(c: Record<string, unknown>): string {
  const units = typeof c.units === 'string' ? c.units.trim() : c.units;
  const partial = c.partialUnits ?? 0;
  if (typeof units !== 'string' || !/^-?\d+$/.test(units)) return `invalid units ${String(c.units)}`;
  if (typeof partial !== 'number' || !Number.isInteger(partial) || Math.abs(partial) > 99)
    return `invalid partialUnits ${String(c.partialUnits)}`;
  const negativeUnits = units.startsWith('-') && /[1-9]/.test(units);
  if ((negativeUnits && partial > 0) || (!negativeUnits && /[1-9]/.test(units) && partial < 0))
    return `invalid amount: units ${units} and partialUnits ${partial} disagree in sign`;
  const whole = units.replace(/^-/, '').replace(/^0+(?=\d)/, '');
  const negative = negativeUnits || partial < 0;
  return `${negative ? '-' : ''}${whole}.${String(Math.abs(partial)).padStart(2, '0')}`;
}

/** One payload shape per resource, whichever endpoint sent it (see the header). */
export function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(source)) {
    if (key === '_links' || key === '_embedded') continue;
    // JSON numbers print back as the decimal Applied wrote ("12.5"); rates stay strings from here.
    out[key] = percentFields.has(key) && typeof v === 'number' ? String(v) : normalise(v);
  }
  const embedded = source._embedded;
  if (embedded && typeof embedded === 'object' && !Array.isArray(embedded)) {
    for (const [key, v] of Object.entries(embedded))
      if (v !== null && v !== undefined) out[key] = normalise(v);
  }
  if ('units' in source) out.decimal = currencyDecimal(source);
  return out;
}

/** The policy fields Epic's list returns (its detail adds more, which the payload leaves out). */
const policyFields = [
  'id',
  'status',
  'organization',
  'description',
  'effectiveOn',
  'expirationOn',
  'policyNumber',
  'policyType',
  'client',
  'premium',
  'commission',
  'source',
  'originalPolicy',
  'historic',
  'enteredBy',
  'lastUpdatedBy',
  'enteredByProcess',
  'lastUpdatedByProcess',
];

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** Producers first, the largest production credit first: index 0 is the line's writing producer. */
function byPayee(a: EpicProducerBrokerCommission, b: EpicProducerBrokerCommission): number {
  const producer = (x: EpicProducerBrokerCommission) =>
    x.producerBroker?.type === 'PRODUCER_PAYABLE' ? 0 : 1;
  return (
    producer(a) - producer(b) ||
    num(b.productionCredit, 0) - num(a.productionCredit, 0) ||
    num(a.orderNumber, 0) - num(b.orderNumber, 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function normaliseCommissions(c: EpicProducerBrokerCommissions): unknown {
  const schedules = [...(c.schedules ?? [])]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((s) => ({
      ...s,
      producerBrokerCommissions: [...(s.producerBrokerCommissions ?? [])].sort(byPayee),
    }));
  return normalise({ ...c, schedules });
}

/** Producer/broker shares beyond this many on one line are not read (Epic lines carry two or three). */
export const maxProducerShares = 4;

/**
 * Who Epic says shares the first line's agency commission, as percents of that commission:
 * producers paid (the first is the writer) and outside brokers paid (a referral). Shares of
 * another kind (a flat fee, a percent of premium, a broker receivable) are not a split of the
 * agency commission and are left out. `employee` or `broker` names the account, so the mapping
 * resolves it in the right stream.
 */
function producerShares(c: EpicProducerBrokerCommissions | null): Record<string, unknown>[] {
  const items =
    [...(c?.schedules ?? [])].sort((a, b) => Number(a.id) - Number(b.id))[0]?.producerBrokerCommissions ?? [];
  const out: Record<string, unknown>[] = [];
  for (const item of [...items].sort(byPayee)) {
    const type = item.producerBroker?.type;
    const account = item.producerBroker?.account;
    const percent = item.commissionPercent;
    if (item.commissionType !== 'PERCENTAGE_OF_COMMISSION' || typeof percent !== 'number' || !account)
      continue;
    if (type === 'PRODUCER_PAYABLE')
      out.push({
        employee: account,
        percent: String(percent),
        role: out.some((s) => s.employee) ? 'servicing' : 'writing',
      });
    else if (type === 'BROKER_PAYABLE')
      out.push({ broker: account, percent: String(percent), role: 'referral' });
    if (out.length === maxProducerShares) break;
  }
  return out;
}

export interface PolicyParts {
  policy: EpicPolicy;
  lines: { line: EpicLine; commissions: EpicProducerBrokerCommissions | null }[];
  originalPolicyNumber: string | null;
}

/**
 * A policy with its lines (earliest effective first, then by id: line 0 gives the policy its
 * carrier, bill mode, state and status) and the number of the term it renewed.
 */
export function normalisePolicy(parts: PolicyParts): Record<string, unknown> {
  const all = normalise(parts.policy) as Record<string, unknown>;
  const payload: Record<string, unknown> = Object.fromEntries(policyFields.map((k) => [k, all[k] ?? null]));
  const original = parts.policy.originalPolicy;
  payload.originalPolicy = original ? { id: original, number: parts.originalPolicyNumber } : null;
  payload.lines = [...parts.lines]
    .sort(
      (a, b) =>
        String(a.line.effectiveOn ?? '').localeCompare(String(b.line.effectiveOn ?? '')) ||
        (a.line.id < b.line.id ? -1 : 1),
    )
    .map(({ line, commissions }) => {
      const l = normalise(line) as Record<string, unknown>;
      if (commissions) l.producerBrokerCommission = normaliseCommissions(commissions);
      // The line's commission as a percent of premium, when that is what Epic records (a flat
      // fee or an agreement-driven amount is not a rate).
      const own = line.lineCommission;
      l.commissionPercentOfPremium =
        own && own.type === 'PERCENTAGE_OF_PREMIUM' && typeof own.percent === 'number' ? own.percent : null;
      return l;
    });
  payload.shares = producerShares(
    [...parts.lines].sort(
      (a, b) =>
        String(a.line.effectiveOn ?? '').localeCompare(String(b.line.effectiveOn ?? '')) ||
        (a.line.id < b.line.id ? -1 : 1),
    )[0]?.commissions ?? null,
  );
  return payload;
}

// --- cursors and checkpoints ---------------------------------------------------------------

function iso(value: string | undefined | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

const stampOf = (u: UserAndDate | undefined): string | null => iso(u?.date);
const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);
const earlier = (a: string, b: string) => (a < b ? a : b);

function sinceOf(req: ReadRequest): string | null {
  if (req.mode !== 'incremental') return null;
  return iso((req.cursor as { since?: string } | null)?.since);
}

/** The filter value: a second before the cursor, since the filter is strict. */
function afterValue(since: string): string {
  return new Date(Date.parse(since) - STAMP_OVERLAP_MS).toISOString();
}

function nextCursor(req: ReadRequest, since: string | null, maxSeen: string | null): Json {
  const seen = later(since, maxSeen);
  return seen === null ? null : { since: earlier(seen, iso(req.runStartedAt) ?? req.runStartedAt) };
}

const lower = (id: string) => id.toLowerCase();

function ascending(items: EpicResource[]): boolean {
  for (let i = 1; i < items.length; i++) if (lower(items[i - 1]!.id) >= lower(items[i]!.id)) return false;
  return true;
}

/**
 * The next page of a collection after the checkpoint, re-reading a few records before it so a
 * removal that shifted offsets cannot make us skip one (see the header).
 */
export async function pageAfter<T extends EpicResource>(
  list: (offset: number, limit: number) => Promise<CollectionPage<T>>,
  cp: { offset: number; lastId: string | null; unordered?: boolean },
  limit: number,
): Promise<{ fresh: T[]; offset: number; lastId: string | null; unordered: boolean; done: boolean }> {
  const lastId = cp.lastId === null ? null : lower(cp.lastId);
  let start = lastId === null ? cp.offset : Math.max(0, cp.offset - OFFSET_OVERLAP);
  let anchored = start === 0;
  for (;;) {
    const page = await list(start, limit);
    const items = page.items;
    const end = start + items.length;
    // Once a page is seen out of id order, ids cannot place us: keep the overlap, pass on repeats.
    const unordered = Boolean(cp.unordered) || !ascending(items);
    if (lastId === null || unordered) {
      const last = items.at(-1)?.id ?? cp.lastId;
      return { fresh: items, offset: end, lastId: last, unordered, done: !page.hasNext };
    }
    if (!anchored && (items.length === 0 || lower(items[0]!.id) > lastId)) {
      // Records before the checkpoint were removed: the window starts past where we stopped.
      start = Math.max(0, start - limit);
      anchored = start === 0;
      continue;
    }
    anchored = true;
    const fresh = items.filter((i) => lower(i.id) > lastId);
    if (!fresh.length && page.hasNext) {
      start = end;
      continue;
    }
    return { fresh, offset: end, lastId: fresh.at(-1)?.id ?? cp.lastId, unordered, done: !page.hasNext };
  }
}

// --- the reader ----------------------------------------------------------------------------

export class AppliedEpicReader {
  private readonly client: AppliedEpicClient;
  private readonly pageSize: number | null;
  /** Policy numbers by id seen this session, for the `originalPolicy` of renewals. */
  private readonly policyNumbers = new Map<string, string | null>();
  private policyByIdUnsupported = false;

  constructor(client: AppliedEpicClient, settings: Record<string, unknown>) {
    this.client = client;
    const size = Number(settings.pageSize);
    this.pageSize = Number.isInteger(size) && size >= 1 ? Math.min(size, MAX_PAGE_SIZE) : null;
  }

  read(req: ReadRequest): Promise<Page> {
    if (req.stream in accountStreams) return this.readAccounts(req, req.stream as AccountStream);
    if (req.stream === 'policies') return this.readPolicies(req);
    if (req.stream === 'transactions') return this.readTransactions(req);
    throw new Error(`Applied Epic has no stream ${req.stream}`);
  }

  private limit(kind: keyof typeof defaultPageSize): number {
    return this.pageSize ?? defaultPageSize[kind];
  }

  private async readList<T extends EpicResource>(
    req: ReadRequest,
    opts: {
      list: (query: Query) => Promise<CollectionPage<T>>;
      query: Query;
      changedSince: string;
      limit: number;
      record: (item: T) => VendorRecord;
    },
  ): Promise<Page> {
    const since = sinceOf(req);
    const cp = (req.checkpoint as ListCheckpoint | null) ?? { offset: 0, lastId: null, maxSeen: null };
    const query: Query = { ...opts.query, ...(since ? { [opts.changedSince]: afterValue(since) } : {}) };
    const page = await pageAfter((offset, limit) => opts.list({ ...query, limit, offset }), cp, opts.limit);
    const records = page.fresh.map(opts.record);
    const maxSeen = records.reduce<string | null>((m, r) => later(m, r.updatedAt), cp.maxSeen);
    if (!page.done) {
      const next: ListCheckpoint = {
        offset: page.offset,
        lastId: page.lastId,
        unordered: page.unordered,
        maxSeen,
      };
      return { records, deleted: [], checkpoint: next as unknown as Json, cursor: null };
    }
    return { records, deleted: [], checkpoint: null, cursor: nextCursor(req, since, maxSeen) };
  }

  private readAccounts(req: ReadRequest, stream: AccountStream): Promise<Page> {
    return this.readList(req, {
      list: (q) => this.client.accounts(q),
      // Inactive accounts must come back: inactivation is how Epic shows a removal.
      query: { type: accountStreams[stream], active_status: 'active,inactive' },
      changedSince: 'lastUpdatedBy.date_after',
      limit: this.limit('accounts'),
      record: (a) => ({
        externalId: a.id,
        updatedAt: stampOf(a.lastUpdatedBy),
        payload: normalise(a) as Record<string, unknown>,
      }),
    });
  }

  private readTransactions(req: ReadRequest): Promise<Page> {
    return this.readList(req, {
      list: (q) => this.client.transactions(q),
      query: {},
      changedSince: 'lastUpdatedOn.date_after',
      limit: this.limit('transactions'),
      record: (t) => ({
        externalId: t.id,
        updatedAt: stampOf(t.lastUpdatedBy),
        payload: normalise(t) as Record<string, unknown>,
      }),
    });
  }

  private async readPolicies(req: ReadRequest): Promise<Page> {
    const since = sinceOf(req);
    const cp = (req.checkpoint as PolicyCheckpoint | null) ?? {
      phase: 'policies',
      offset: 0,
      lastId: null,
      maxSeen: null,
    };
    const limit = this.limit('policies');
    let fresh: EpicPolicy[];
    let page: { offset: number; lastId: string | null; unordered: boolean; done: boolean };
    if (cp.phase === 'policies') {
      const query: Query = {
        historic_status: 'CURRENT,HISTORIC',
        embed: 'policyType',
        ...(since ? { 'lastUpdatedBy.date_after': afterValue(since) } : {}),
      };
      const result = await pageAfter(
        (offset, l) => this.client.policies({ ...query, limit: l, offset }),
        cp,
        limit,
      );
      fresh = result.fresh;
      page = result;
    } else {
      if (!since) throw new Error('Applied Epic: a changed-lines checkpoint needs an incremental cursor');
      const result = await pageAfter(
        (offset, l) => this.client.lines({ 'lastUpdatedOn.date_after': afterValue(since), limit: l, offset }),
        cp,
        limit,
      );
      fresh = await this.policiesOfLines(result.fresh);
      page = result;
    }
    const records = await this.policyRecords(fresh);
    const maxSeen = records.reduce<string | null>((m, r) => later(m, r.updatedAt), cp.maxSeen);
    if (!page.done) {
      const next: PolicyCheckpoint = {
        phase: cp.phase,
        offset: page.offset,
        lastId: page.lastId,
        unordered: page.unordered,
        maxSeen,
      };
      return { records, deleted: [], checkpoint: next as unknown as Json, cursor: null };
    }
    if (cp.phase === 'policies' && since) {
      const next: PolicyCheckpoint = { phase: 'changedLines', offset: 0, lastId: null, maxSeen };
      return { records, deleted: [], checkpoint: next as unknown as Json, cursor: null };
    }
    return { records, deleted: [], checkpoint: null, cursor: nextCursor(req, since, maxSeen) };
  }

  /** The policies the changed lines belong to, read by client (one request per client). */
  private async policiesOfLines(lines: EpicLine[]): Promise<EpicPolicy[]> {
    const wanted = new Set(lines.map((l) => l.policy));
    const clients = [...new Set(lines.map((l) => String(l.client ?? '')).filter(Boolean))];
    const found = await Promise.all(
      clients.map((client) =>
        this.all((offset, limit) =>
          this.client.policies({
            client,
            historic_status: 'CURRENT,HISTORIC',
            embed: 'policyType',
            limit,
            offset,
          }),
        ),
      ),
    );
    const byId = new Map<string, EpicPolicy>();
    for (const p of found.flat()) {
      this.policyNumbers.set(p.id, p.policyNumber ?? null);
      if (wanted.has(p.id)) byId.set(p.id, p);
    }
    return [...byId.values()];
  }

  private async all<T>(list: (offset: number, limit: number) => Promise<CollectionPage<T>>): Promise<T[]> {
    const out: T[] = [];
    for (;;) {
      const page = await list(out.length, MAX_PAGE_SIZE);
      out.push(...page.items);
      if (!page.hasNext || page.items.length === 0) return out;
    }
  }

  /**
   * Policies with their lines, commissions and prior term numbers. Lines are read per client
   * (one request covers every term of the client on the page), prior numbers from the page,
   * then from the client's own policies (a renewal stays with its client), then by id.
   */
  private async policyRecords(policies: EpicPolicy[]): Promise<VendorRecord[]> {
    for (const p of policies) this.policyNumbers.set(p.id, p.policyNumber ?? null);
    const clientOf = (p: EpicPolicy) => (typeof p.client === 'string' && p.client ? p.client : null);
    const clients = [...new Set(policies.map(clientOf).filter((c) => c !== null))];
    const linesByPolicy = new Map<string, EpicLine[]>();
    const byClient = async (client: string) => {
      const lines = await this.all((offset, limit) =>
        this.client.lines({ client, embed: 'lineType,status', limit, offset }),
      );
      for (const l of lines) linesByPolicy.set(l.policy, [...(linesByPolicy.get(l.policy) ?? []), l]);
    };
    const priorsOf = (client: string) =>
      this.all((offset, limit) =>
        this.client.policies({ client, historic_status: 'CURRENT,HISTORIC', limit, offset }),
      ).then((found) => {
        for (const p of found) this.policyNumbers.set(p.id, p.policyNumber ?? null);
      });
    const unknownPriors = new Set(
      policies
        .filter((p) => p.originalPolicy && !this.policyNumbers.has(p.originalPolicy))
        .map(clientOf)
        .filter((c) => c !== null),
    );
    await Promise.all([...clients.map(byClient), ...[...unknownPriors].map(priorsOf)]);

    return Promise.all(
      policies.map(async (policy) => {
        const [lines, originalPolicyNumber] = await Promise.all([
          clientOf(policy)
            ? (linesByPolicy.get(policy.id) ?? [])
            : this.all((offset, limit) =>
                this.client.lines({ policy: policy.id, embed: 'lineType,status', limit, offset }),
              ),
          this.policyNumber(policy.originalPolicy ?? null),
        ]);
        const commissions = await Promise.all(lines.map((l) => this.client.producerBrokerCommissions(l.id)));
        const payload = normalisePolicy({
          policy,
          lines: lines.map((line, i) => ({ line, commissions: commissions[i] ?? null })),
          originalPolicyNumber,
        });
        return { externalId: policy.id, updatedAt: stampOf(policy.lastUpdatedBy), payload };
      }),
    );
  }

  /** A policy's number by id: seen this session, else read (Epic May 2026 and later). */
  private async policyNumber(id: string | null): Promise<string | null> {
    if (!id) return null;
    if (this.policyNumbers.has(id)) return this.policyNumbers.get(id)!;
    if (this.policyByIdUnsupported) return null;
    try {
      const policy = await this.client.policy(id);
      const number = policy?.policyNumber ?? null;
      this.policyNumbers.set(id, number);
      return number;
    } catch (err) {
      // 426 Upgrade Required: this Epic cannot read a policy by id; renewals go without the number.
      if ((err as { status?: number }).status === 426) {
        this.policyByIdUnsupported = true;
        return null;
      }
      throw err;
    }
  }
}
