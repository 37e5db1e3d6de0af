// One AMS360 agency database held in memory: its employees, companies, customers, policies and
// policy transactions, its WSAPI users and their login tickets, and its rate window and chaos.
// Every change stamps the record's ChangedDate, the value the changed-since filter reads.
import { randomBytes } from 'node:crypto';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';
import type { A360Entities, A360Entity } from '../client.ts';

/** The assumed limit (see api.ts): requests per rolling minute per agency. */
export const DEFAULT_REQUESTS_PER_MINUTE = 120;
/** The assumed lifetime of a login ticket (see api.ts). */
export const DEFAULT_TICKET_TTL_SECONDS = 20 * 60;

/** Each entity's id field, the order lists are served in. */
export const idField: { [E in A360Entity]: keyof A360Entities[E] & string } = {
  employees: 'EmployeeId',
  companies: 'CompanyId',
  customers: 'CustomerId',
  policies: 'PolicyId',
  policytransactions: 'PolicyTransactionId',
};
/** Codes an admin call may name a record by, besides its id. */
const codeField: Partial<Record<A360Entity, string>> = {
  employees: 'EmployeeCode',
  companies: 'CompanyCode',
};

export const entities = Object.keys(idField) as A360Entity[];

export interface WsapiUser {
  loginId: string;
  password: string;
  /** The employee code the user's data security is based on, when it is. */
  employeeCode: string | null;
  disabled: boolean;
}

export interface Ticket {
  token: string;
  loginId: string;
  expiresAt: number;
}

export class Ams360Agency {
  readonly agencyNo: string;
  readonly name: string;
  readonly tables: { [E in A360Entity]: Map<string, A360Entities[E]> } = {
    employees: new Map(),
    companies: new Map(),
    customers: new Map(),
    policies: new Map(),
    policytransactions: new Map(),
  };
  readonly users = new Map<string, WsapiUser>();
  readonly tickets = new Map<string, Ticket>();
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly window = new RollingWindow(DEFAULT_REQUESTS_PER_MINUTE, 60_000);
  requestCount = 0;
  private lastStamp = 0;

  constructor(agencyNo: string, name: string) {
    this.agencyNo = agencyNo;
    this.name = name;
  }

  /** A ChangedDate after every one given before, so a change is never hidden behind a cursor. */
  stamp(): string {
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  put<E extends A360Entity>(entity: E, record: A360Entities[E]): A360Entities[E] {
    const id = String(record[idField[entity]]);
    (this.tables[entity] as Map<string, A360Entities[E]>).set(id, record);
    return record;
  }

  find<E extends A360Entity>(entity: E, idOrCode: string): A360Entities[E] | undefined {
    const table = this.tables[entity] as Map<string, A360Entities[E]>;
    const hit = table.get(idOrCode);
    if (hit) return hit;
    const code = codeField[entity];
    if (!code) return undefined;
    for (const r of table.values())
      if ((r as unknown as Record<string, unknown>)[code] === idOrCode) return r;
    return undefined;
  }

  /** Records of an entity changed at or after `since` (all when null), ordered by id. */
  list<E extends A360Entity>(entity: E, sinceMs: number | null): A360Entities[E][] {
    const rows = [...(this.tables[entity] as Map<string, A360Entities[E]>).values()];
    return rows
      .filter((r) => sinceMs === null || Date.parse((r as { ChangedDate: string }).ChangedDate) >= sinceMs)
      .sort((a, b) => {
        const x = String(a[idField[entity]]);
        const y = String(b[idField[entity]]);
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }

  /** Changes fields as an agency user would in AMS360; the record's ChangedDate moves. */
  update<E extends A360Entity>(
    entity: E,
    idOrCode: string,
    fields: Record<string, unknown>,
  ): A360Entities[E] | undefined {
    const record = this.find(entity, idOrCode);
    if (!record) return undefined;
    const id = idField[entity];
    const { [id]: _ignored, ChangedDate: _stamp, ...rest } = fields;
    Object.assign(record as object, rest, { ChangedDate: this.stamp() });
    return record;
  }

  /**
   * Removes a record the way AMS360 shows it: employees, companies and customers are inactivated;
   * a policy turns "Deleted" and its transactions vanish; a transaction vanishes.
   */
  remove(entity: A360Entity, idOrCode: string): boolean {
    const record = this.find(entity, idOrCode);
    if (!record) return false;
    const stamp = this.stamp();
    if (entity === 'policytransactions') {
      this.tables.policytransactions.delete(idOrCode);
      return true;
    }
    if (entity === 'policies') {
      const policy = record as A360Entities['policies'];
      if (policy.PolicyStatus === 'Deleted') return false;
      Object.assign(policy, { PolicyStatus: 'Deleted', ChangedDate: stamp });
      for (const [id, t] of this.tables.policytransactions)
        if (t.PolicyId === policy.PolicyId) this.tables.policytransactions.delete(id);
      return true;
    }
    const r = record as { IsActive: boolean; ChangedDate: string };
    if (!r.IsActive) return false;
    Object.assign(r, { IsActive: false, ChangedDate: stamp });
    return true;
  }

  /** A ticket for a user that logged in; the TTL follows chaos tokenTtlSeconds when set. */
  issueTicket(loginId: string, ttlSeconds?: number): Ticket {
    const ttl = ttlSeconds ?? (this.chaos.tokenTtlSeconds || DEFAULT_TICKET_TTL_SECONDS);
    const ticket = {
      token: randomBytes(24).toString('base64url'),
      loginId,
      expiresAt: Date.now() + ttl * 1000,
    };
    this.tickets.set(ticket.token, ticket);
    return ticket;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(entities.map((e) => [e, this.tables[e].size]));
  }
}
