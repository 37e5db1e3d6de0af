// A Xero organisation (tenant) as the sandbox keeps it: its chart of accounts, contacts and
// manual journals, each with Xero's id and its UpdatedDateUTC, the rate windows Xero meters per
// tenant (60 a minute, 5,000 a day), and chaos. Records are listed in creation order, so a page
// number names the same records while nothing is created.
import { randomUUID } from 'node:crypto';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export type XeroType = 'Accounts' | 'Contacts' | 'ManualJournals';
export const xeroTypes: readonly XeroType[] = ['Accounts', 'Contacts', 'ManualJournals'];
export const idField: Record<XeroType, string> = {
  Accounts: 'AccountID',
  Contacts: 'ContactID',
  ManualJournals: 'ManualJournalID',
};

export type XeroObject = Record<string, unknown>;

export interface XeroRow {
  id: string;
  seq: number;
  updatedMs: number;
  body: XeroObject;
}

/** Xero's JSON date: `/Date(1573755038314+0000)/`. */
export const msDate = (ms: number) => `/Date(${ms}+0000)/`;

export class XeroOrg {
  readonly tenantId: string;
  readonly connectionId = randomUUID();
  readonly authEventId = randomUUID();
  readonly createdMs = Date.now();
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice(7);
  requestCount = 0;
  readonly minute = new RollingWindow(60, 60_000);
  readonly day = new RollingWindow(5000, 86_400_000);
  /** Access token → expiry (ms; null: never). */
  readonly accessTokens = new Map<string, number | null>();
  private readonly rows = new Map<XeroType, Map<string, XeroRow>>(xeroTypes.map((t) => [t, new Map()]));
  private seq = 0;
  private lastMs = 0;

  readonly name: string;
  constructor(name: string, tenantId: string = randomUUID()) {
    this.name = name;
    this.tenantId = tenantId;
  }

  /** Strictly increasing modification times, so If-Modified-Since never misses a same-ms change. */
  private tick(at?: number): number {
    const now = at ?? Date.now();
    this.lastMs = Math.max(now, this.lastMs + 1);
    return at ?? this.lastMs;
  }

  all(type: XeroType): XeroRow[] {
    return [...this.rows.get(type)!.values()].sort((a, b) => a.seq - b.seq);
  }

  get(type: XeroType, id: string): XeroRow | undefined {
    return this.rows.get(type)!.get(id.toLowerCase());
  }

  create(type: XeroType, body: XeroObject, at?: number): XeroRow {
    const id = randomUUID();
    const row: XeroRow = { id, seq: this.seq++, updatedMs: this.tick(at), body: { ...body } };
    delete row.body[idField[type]];
    this.rows.get(type)!.set(id, row);
    return row;
  }

  update(type: XeroType, id: string, fields: XeroObject): XeroRow | undefined {
    const row = this.get(type, id);
    if (!row) return undefined;
    const { [idField[type]]: _ignored, UpdatedDateUTC: _u, ...rest } = fields;
    Object.assign(row.body, rest);
    row.updatedMs = this.tick();
    return row;
  }

  /** A record as the API answers it: its id first, Xero's dates, UpdatedDateUTC. */
  render(type: XeroType, row: XeroRow): XeroObject {
    return { [idField[type]]: row.id, ...row.body, UpdatedDateUTC: msDate(row.updatedMs) };
  }

  counts(): Record<string, number> {
    return Object.fromEntries(xeroTypes.map((t) => [t, this.rows.get(t)!.size]));
  }
}
