// One QuickBooks Online company ("realm") held in memory: its entities as Intuit serialises them
// (money kept as exact decimal strings), the change order Change Data Capture reads, its
// chaos, rate-limit window and request counters. Validation follows Intuit's business rules
// closely enough for the connector to meet the same faults it would meet in production.
import { formatCents, parseMoneyToCents } from '../../../domain/money.ts';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export const entityNames = [
  'Account',
  'Vendor',
  'Customer',
  'Invoice',
  'Payment',
  'Deposit',
  'JournalEntry',
] as const;
export type EntityName = (typeof entityNames)[number];

/** Name lists cannot be deleted in QuickBooks, only made inactive. */
export const nameLists: ReadonlySet<EntityName> = new Set(['Account', 'Vendor', 'Customer']);

/** Fields Intuit sends as JSON numbers that are money: stored as exact decimal strings. */
export const moneyKeys: ReadonlySet<string> = new Set([
  'Amount',
  'TotalAmt',
  'Balance',
  'BalanceWithJobs',
  'UnappliedAmt',
  'CurrentBalance',
  'CurrentBalanceWithSubAccounts',
  'UnitPrice',
  'HomeTotalAmt',
]);

/** Path segment (lower case) → entity, as the API paths and admin API name them. */
export const entityByAlias: Record<string, EntityName> = Object.fromEntries(
  entityNames.flatMap((name) => {
    const plural: Record<EntityName, string> = {
      Account: 'accounts',
      Vendor: 'vendors',
      Customer: 'customers',
      Invoice: 'invoices',
      Payment: 'payments',
      Deposit: 'deposits',
      JournalEntry: 'journalentries',
    };
    return [
      [name.toLowerCase(), name],
      [plural[name], name],
    ];
  }),
) as Record<string, EntityName>;
entityByAlias.journal_entries = 'JournalEntry';

export type QboObject = Record<string, unknown>;

export interface Condition {
  field: string;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE';
  values: (string | number | boolean)[];
}

export interface Order {
  field: string;
  desc: boolean;
}

export interface StoredRow {
  entity: EntityName;
  id: string;
  body: QboObject;
  syncToken: number;
  createdMs: number;
  updatedMs: number;
  deleted: boolean;
}

export interface FaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

/** A business or validation error, answered as Intuit's Fault body. */
export class QboFault extends Error {
  readonly status: number;
  readonly type: string;
  readonly errors: FaultError[];
  constructor(status: number, type: string, errors: FaultError[]) {
    super(errors[0]?.Message ?? type);
    this.status = status;
    this.type = type;
    this.errors = errors;
  }
}

export const validation = (code: string, message: string, detail: string, element?: string) =>
  new QboFault(400, 'ValidationFault', [
    { Message: message, Detail: detail, code, ...(element ? { element } : {}) },
  ]);

const required = (field: string) =>
  validation(
    '2020',
    'Required param missing, need to supply the required value for the API',
    `Required parameter ${field} is missing in the request`,
    field,
  );

export const notFound = (entity: EntityName, id: string) =>
  validation(
    '610',
    'Object Not Found',
    `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${entity} ${id})`,
  );

const invalidReference = (what: string, id: string) =>
  validation('2500', 'Invalid Reference Id', `Invalid Reference Id : ${what} element id ${id} not found`);

/** Fields the client may send but Intuit computes or owns. */
const readOnly = new Set(['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'status', 'FullyQualifiedName']);

const txnSequence: ReadonlySet<EntityName> = new Set(['Invoice', 'Payment', 'Deposit', 'JournalEntry']);

export class QuickBooksRealm {
  readonly realmId: string;
  readonly companyName: string;
  /** The company's UTC offset: Intuit writes MetaData times in company-local time. */
  readonly utcOffsetMinutes = -420;
  readonly rows: Record<EntityName, Map<string, StoredRow>>;
  readonly accessTokens = new Map<string, number | null>(); // token → expiry (ms) or null
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly window = new RollingWindow(500, 60_000);
  /** Intuit's separate limit on /batch calls per realm and app. */
  readonly batchWindow = new RollingWindow(40, 60_000);
  inFlight = 0;
  requestCount = 0;
  /** Answers already given per `requestid`, replayed for a retried write. */
  readonly replies = new Map<string, { status: number; body: unknown }>();
  /** Counts the 401s for expired tokens, to alternate the two fault shapes Intuit is seen to use. */
  expiredRefusals = 0;
  webhook: { url: string; secret: string; format: 'cloudevents' | 'classic' } | null = null;
  onChange: ((entity: EntityName, id: string, operation: string, atMs: number) => void) | null = null;
  private readonly sequences = { account: 1, name: 1, txn: 1 };
  private lastStamp = 0;

  constructor(realmId: string, companyName: string) {
    this.realmId = realmId;
    this.companyName = companyName;
    this.rows = Object.fromEntries(entityNames.map((n) => [n, new Map()])) as Record<
      EntityName,
      Map<string, StoredRow>
    >;
  }

  /** Strictly increasing change times, so two edits never tie inside the sandbox. */
  stamp(): number {
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return now;
  }

  /** Company-local ISO time with offset, to the second, the way MetaData is written. */
  formatTime(ms: number, millis = false): string {
    const local = new Date(ms + this.utcOffsetMinutes * 60_000).toISOString();
    const sign = this.utcOffsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(this.utcOffsetMinutes);
    const offset = `${sign}${String(Math.trunc(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    return `${local.slice(0, millis ? 23 : 19)}${offset}`;
  }

  private nextId(entity: EntityName): string {
    if (entity === 'Account') return String(this.sequences.account++);
    if (txnSequence.has(entity)) return String(this.sequences.txn++);
    return String(this.sequences.name++);
  }

  live(entity: EntityName, id: string): StoredRow | undefined {
    const row = this.rows[entity].get(id);
    return row && !row.deleted ? row : undefined;
  }

  /** The entity as Intuit returns it (money still as decimal strings; the API renders them). */
  render(row: StoredRow): QboObject {
    if (row.deleted) {
      return {
        domain: 'QBO',
        status: 'Deleted',
        Id: row.id,
        MetaData: { LastUpdatedTime: this.formatTime(row.updatedMs) },
      };
    }
    return {
      ...row.body,
      domain: 'QBO',
      sparse: false,
      Id: row.id,
      SyncToken: String(row.syncToken),
      MetaData: {
        CreateTime: this.formatTime(row.createdMs),
        LastUpdatedTime: this.formatTime(row.updatedMs),
      },
    };
  }

  create(entity: EntityName, input: QboObject, at?: { createdMs: number; updatedMs?: number }): StoredRow {
    const body = writable(input);
    const createdMs = at?.createdMs ?? this.stamp();
    this.dateTransaction(entity, body, createdMs);
    this.validate(entity, body);
    this.derive(entity, body, null);
    const row: StoredRow = {
      entity,
      id: this.nextId(entity),
      body,
      syncToken: 0,
      createdMs,
      updatedMs: at?.updatedMs ?? createdMs,
      deleted: false,
    };
    this.rows[entity].set(row.id, row);
    if (entity === 'Payment') this.applyPayment(body, at?.updatedMs ?? createdMs);
    if (!at) this.onChange?.(entity, row.id, 'Create', row.updatedMs);
    return row;
  }

  /**
   * An API update: the SyncToken must be the current one (optimistic concurrency); sparse
   * updates change only the fields sent, full updates replace every writable field.
   */
  update(entity: EntityName, input: QboObject): StoredRow {
    const id = input.Id === undefined ? '' : String(input.Id);
    if (!id) throw required('Id');
    if (input.SyncToken === undefined || input.SyncToken === '') throw required('SyncToken');
    const row = this.live(entity, id);
    if (!row) throw notFound(entity, id);
    if (String(input.SyncToken) !== String(row.syncToken)) {
      throw validation(
        '5010',
        'Stale Object Error',
        'Stale Object Error : You and Sandbox Bookkeeper were working on the same item at the same time. Please try again.',
      );
    }
    const sparse = input.sparse === true || input.sparse === 'true';
    return this.change(row, writable(input), sparse);
  }

  /** A change made as a user would in the QuickBooks UI: no SyncToken check, only the fields given. */
  edit(entity: EntityName, id: string, fields: QboObject): StoredRow {
    const row = this.live(entity, id);
    if (!row) throw notFound(entity, id);
    return this.change(row, writable(fields), true);
  }

  private change(row: StoredRow, fields: QboObject, sparse: boolean): StoredRow {
    const next = sparse ? { ...row.body, ...fields } : fields;
    this.dateTransaction(row.entity, next, Date.now());
    this.validate(row.entity, next, row.id);
    this.derive(row.entity, next, row);
    row.body = next;
    row.syncToken++;
    row.updatedMs = this.stamp();
    const inactive = nameLists.has(row.entity) && next.Active === false;
    this.onChange?.(row.entity, row.id, inactive ? 'Delete' : 'Update', row.updatedMs);
    return row;
  }

  /** Transactions are deleted outright; name lists are made inactive, as QuickBooks allows. */
  remove(entity: EntityName, id: string, syncToken?: string): StoredRow {
    const row = this.live(entity, id);
    if (!row) throw notFound(entity, id);
    if (syncToken !== undefined && syncToken !== String(row.syncToken)) {
      throw validation(
        '5010',
        'Stale Object Error',
        'Stale Object Error : the object was changed since it was read.',
      );
    }
    if (nameLists.has(entity)) return this.change(row, { Active: false }, true);
    row.deleted = true;
    row.syncToken++;
    row.updatedMs = this.stamp();
    this.onChange?.(entity, id, 'Delete', row.updatedMs);
    return row;
  }

  /** The company-local calendar date of an instant (YYYY-MM-DD). */
  localDate(ms: number): string {
    return new Date(ms + this.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
  }

  /** A transaction sent without TxnDate is dated the day it is entered, in the company's zone. */
  private dateTransaction(entity: EntityName, body: QboObject, atMs: number): void {
    if (txnSequence.has(entity) && !text(body.TxnDate)) body.TxnDate = this.localDate(atMs);
  }

  private validate(entity: EntityName, body: QboObject, selfId?: string): void {
    switch (entity) {
      case 'Account':
        if (!text(body.Name)) throw required('Name');
        if (!text(body.AccountType)) throw required('AccountType');
        this.uniqueName('Account', 'Name', String(body.Name), selfId);
        break;
      case 'Vendor':
      case 'Customer':
        if (!text(body.DisplayName)) throw required('DisplayName');
        this.uniqueName(entity, 'DisplayName', String(body.DisplayName), selfId);
        break;
      case 'Invoice':
        this.reference('Customer', body.CustomerRef, 'CustomerRef');
        this.lines(body, 'Invoice');
        break;
      case 'Payment':
        this.reference('Customer', body.CustomerRef, 'CustomerRef');
        if (body.TotalAmt === undefined) throw required('TotalAmt');
        amount(body.TotalAmt, 'TotalAmt');
        break;
      case 'Deposit':
        this.reference('Account', body.DepositToAccountRef, 'DepositToAccountRef');
        this.lines(body, 'Deposit');
        break;
      case 'JournalEntry':
        this.journalEntry(body);
        break;
    }
  }

  private uniqueName(entity: EntityName, field: string, name: string, selfId?: string): void {
    // Customers, vendors (and employees) share one namespace of display names.
    const lists: EntityName[] = entity === 'Account' ? ['Account'] : ['Customer', 'Vendor'];
    for (const list of lists) {
      for (const row of this.rows[list].values()) {
        if (row.deleted || (list === entity && row.id === selfId)) continue;
        if (String(row.body[field]).toLowerCase() === name.toLowerCase()) {
          throw validation(
            '6240',
            'Duplicate Name Exists Error',
            `The name supplied already exists. : Another ${list.toLowerCase()} is already using this name. Please use a different name.`,
          );
        }
      }
    }
  }

  private reference(entity: EntityName, ref: unknown, field: string): void {
    const id = (ref as { value?: unknown } | undefined)?.value;
    if (id === undefined || id === null || id === '') throw required(field);
    if (!this.live(entity, String(id)))
      throw invalidReference(entity === 'Account' ? 'Accounts' : entity, String(id));
  }

  private lines(body: QboObject, entity: EntityName): QboObject[] {
    const lines = body.Line;
    if (!Array.isArray(lines) || lines.length === 0) throw required('Line');
    for (const line of lines as QboObject[]) {
      if (line.Amount === undefined) throw required('Line.Amount');
      amount(line.Amount, 'Line.Amount');
      if (entity === 'Deposit' && line.DepositLineDetail) {
        const detail = line.DepositLineDetail as QboObject;
        if (detail.AccountRef) this.reference('Account', detail.AccountRef, 'DepositLineDetail.AccountRef');
        const party = detail.Entity as { value?: string; type?: string } | undefined;
        if (party?.value) this.reference(party.type === 'Customer' ? 'Customer' : 'Vendor', party, 'Entity');
      }
    }
    return lines as QboObject[];
  }

  /**
   * Intuit requires only balanced lines, each a JournalEntryLineDetail with PostingType and
   * AccountRef; DocNumber (no auto-numbering assumed) and PrivateNote may be absent.
   */
  private journalEntry(body: QboObject): void {
    if (text(body.DocNumber) && String(body.DocNumber).length > 21) {
      throw validation(
        '2050',
        'String length is either shorter or longer than supported by specification',
        'String length specified does not match the supported length. Min:0 Max:21 supported. Supplied length: ' +
          String(body.DocNumber).length,
        'DocNumber',
      );
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(String(body.TxnDate))) {
      throw validation('2090', 'Invalid Date', `Invalid date : ${String(body.TxnDate)}`, 'TxnDate');
    }
    const lines = this.lines(body, 'JournalEntry');
    let debits = 0;
    let credits = 0;
    for (const line of lines) {
      const detail = line.JournalEntryLineDetail as QboObject | undefined;
      if (line.DetailType !== 'JournalEntryLineDetail' || !detail) throw required('JournalEntryLineDetail');
      if (detail.PostingType !== 'Debit' && detail.PostingType !== 'Credit') {
        throw validation(
          '2010',
          'Request has invalid or unsupported property',
          'Property Name:PostingType',
          'PostingType',
        );
      }
      this.reference('Account', detail.AccountRef, 'AccountRef');
      const cents = amount(line.Amount, 'Line.Amount');
      if (cents < 0)
        throw validation(
          '6000',
          'A business validation error has occurred while processing your request',
          'Business Validation Error: Journal entry line amounts cannot be negative.',
        );
      if (detail.PostingType === 'Debit') debits += cents;
      else credits += cents;
    }
    if (debits !== credits) {
      throw validation(
        '6000',
        'A business validation error has occurred while processing your request',
        "Business Validation Error: Your transaction isn't balanced. Make sure the debits and credits are equal.",
      );
    }
  }

  /** What QuickBooks computes: totals, balances, qualified names, line ids. */
  private derive(entity: EntityName, body: QboObject, previous: StoredRow | null): void {
    if (entity === 'Vendor' || entity === 'Customer' || entity === 'Account') {
      body.FullyQualifiedName = String(entity === 'Account' ? body.Name : body.DisplayName);
      if (body.Active === undefined) body.Active = true;
    }
    if (Array.isArray(body.Line)) {
      (body.Line as QboObject[]).forEach((line, i) => {
        if (line.Id === undefined && line.DetailType !== 'SubTotalLineDetail') line.Id = String(i);
        line.Amount = formatCents(amount(line.Amount, 'Line.Amount'));
      });
    }
    if (entity === 'Deposit' || entity === 'JournalEntry' || entity === 'Invoice') {
      const lines = (body.Line as QboObject[]).filter((l) => l.DetailType !== 'SubTotalLineDetail');
      let total = 0;
      for (const line of lines) {
        const cents = amount(line.Amount, 'Line.Amount');
        const posting = (line.JournalEntryLineDetail as QboObject | undefined)?.PostingType;
        if (entity !== 'JournalEntry' || posting === 'Debit') total += cents;
      }
      body.TotalAmt = formatCents(total);
      if (entity === 'Invoice') {
        const paid = previous
          ? amount(previous.body.TotalAmt, 'TotalAmt') - amount(previous.body.Balance, 'Balance')
          : 0;
        body.Balance = formatCents(total - paid);
      }
    }
    if (entity === 'Payment') {
      const applied = ((body.Line as QboObject[] | undefined) ?? []).reduce(
        (s, l) => s + amount(l.Amount, 'Line.Amount'),
        0,
      );
      body.TotalAmt = formatCents(amount(body.TotalAmt, 'TotalAmt'));
      body.UnappliedAmt = formatCents(amount(body.TotalAmt, 'TotalAmt') - applied);
    }
  }

  /** Applying a payment reduces the invoices it pays, which is a change to each invoice. */
  private applyPayment(payment: QboObject, atMs: number): void {
    for (const line of (payment.Line as QboObject[] | undefined) ?? []) {
      for (const linked of (line.LinkedTxn as { TxnId: string; TxnType: string }[] | undefined) ?? []) {
        if (linked.TxnType !== 'Invoice') continue;
        const invoice = this.live('Invoice', String(linked.TxnId));
        if (!invoice) continue;
        const balance = amount(invoice.body.Balance, 'Balance') - amount(line.Amount, 'Line.Amount');
        invoice.body.Balance = formatCents(Math.max(0, balance));
        invoice.syncToken++;
        invoice.updatedMs = Math.max(invoice.updatedMs, atMs);
      }
    }
  }

  counts(): Record<string, { live: number; deleted: number; inactive: number }> {
    const out: Record<string, { live: number; deleted: number; inactive: number }> = {};
    for (const name of entityNames) {
      const c = { live: 0, deleted: 0, inactive: 0 };
      for (const row of this.rows[name].values()) {
        if (row.deleted) c.deleted++;
        else if (row.body.Active === false) c.inactive++;
        else c.live++;
      }
      out[name] = c;
    }
    return out;
  }

  /** Every row of an entity, deleted ones included, in Id order (Ids are numeric strings). */
  all(entity: EntityName): StoredRow[] {
    return [...this.rows[entity].values()].sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * Rows matching a parsed query, in the order asked (Id ascending when none is given). Name
   * lists return active rows only unless the query says otherwise, as QuickBooks does.
   */
  select(entity: EntityName, where: Condition[], orderBy: Order[]): StoredRow[] {
    const mentionsActive = where.some((c) => c.field.toLowerCase() === 'active');
    const rows = this.all(entity).filter(
      (row) =>
        !row.deleted &&
        (mentionsActive || !nameLists.has(entity) || row.body.Active !== false) &&
        where.every((c) => this.matches(row, c)),
    );
    if (orderBy.length) {
      rows.sort((a, b) => {
        for (const o of orderBy) {
          const d = this.compareField(a, o.field, b);
          if (d !== 0) return o.desc ? -d : d;
        }
        return Number(a.id) - Number(b.id);
      });
    }
    return rows;
  }

  /**
   * Change Data Capture: per entity, active rows changed at or after `sinceMs` in order of last
   * change, then deleted ones; at most `cap` objects in all, the rest cut from the tail.
   */
  changesSince(entities: EntityName[], sinceMs: number, cap: number): Map<EntityName, StoredRow[]> {
    const out = new Map<EntityName, StoredRow[]>();
    let room = cap;
    const since = Math.floor(sinceMs / 1000) * 1000;
    for (const entity of entities) {
      const changed = [...this.rows[entity].values()].filter((r) => seconds(r.updatedMs) >= since);
      const byChange = (a: StoredRow, b: StoredRow) =>
        a.updatedMs - b.updatedMs || Number(a.id) - Number(b.id);
      const ordered = [
        ...changed.filter((r) => !r.deleted).sort(byChange),
        ...changed.filter((r) => r.deleted).sort(byChange),
      ];
      out.set(entity, ordered.slice(0, Math.max(0, room)));
      room -= Math.min(room, ordered.length);
    }
    return out;
  }

  private value(row: StoredRow, field: string): unknown {
    const rendered = this.render(row);
    let current: unknown = rendered;
    for (const part of field.split('.')) {
      if (current === null || typeof current !== 'object') return undefined;
      const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
      current = key === undefined ? undefined : (current as QboObject)[key];
    }
    return current;
  }

  private compareField(a: StoredRow, field: string, b: StoredRow): number {
    const x = this.comparable(a, field);
    const y = this.comparable(b, field);
    if (x === y) return 0;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }

  /** A row's value in a form that compares the way QuickBooks compares that field. */
  private comparable(row: StoredRow, field: string): string | number | null {
    const f = field.toLowerCase();
    if (f === 'metadata.lastupdatedtime') return seconds(row.updatedMs);
    if (f === 'metadata.createtime') return seconds(row.createdMs);
    if (f === 'id') return Number(row.id);
    const v = this.value(row, field);
    if (v === undefined || v === null) return null;
    const last = field.split('.').at(-1)!;
    if (moneyKeys.has(last)) return amount(v, last);
    return typeof v === 'string' ? v.toLowerCase() : (v as number | boolean).toString();
  }

  private literal(field: string, v: string | number | boolean): string | number {
    const f = field.toLowerCase();
    if (f === 'metadata.lastupdatedtime' || f === 'metadata.createtime') {
      const ms = Date.parse(String(v));
      if (Number.isNaN(ms))
        throw validation('4000', 'Error parsing query', `QueryParserError: Invalid date time ${String(v)}`);
      return ms;
    }
    if (f === 'id') return Number(v);
    if (moneyKeys.has(field.split('.').at(-1)!)) return amount(v, field);
    return typeof v === 'string' ? v.toLowerCase() : v.toString();
  }

  private matches(row: StoredRow, c: Condition): boolean {
    const left = this.comparable(row, c.field);
    if (left === null) return false;
    if (c.op === 'IN') return c.values.some((v) => this.literal(c.field, v) === left);
    const right = this.literal(c.field, c.values[0]!);
    switch (c.op) {
      case '=':
        return left === right;
      case '!=':
        return left !== right;
      case '<':
        return left < right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      case '>=':
        return left >= right;
      case 'LIKE': {
        const pattern = String(right)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*');
        return new RegExp(`^${pattern}$`, 'i').test(String(left));
      }
    }
  }
}

/** Intuit keeps change times to the second: comparisons happen at that resolution. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function text(v: unknown): boolean {
  return typeof v === 'string' ? v.trim() !== '' : v !== undefined && v !== null;
}

/** A money amount in cents, parsed from the exact decimal text; a fault when it is not one. */
export function amount(v: unknown, field: string): number {
  try {
    const cents = parseMoneyToCents(v as string);
    if (cents === null) throw new Error('blank');
    return cents;
  } catch {
    throw validation(
      '2010',
      'Request has invalid or unsupported property',
      `Property Name:${field} is not a valid amount`,
      field,
    );
  }
}

function writable(input: QboObject): QboObject {
  const out: QboObject = {};
  for (const [k, v] of Object.entries(input)) if (!readOnly.has(k)) out[k] = structuredClone(v);
  return out;
}
