// node-quickbooks pointed at one connection's company. The library keeps its API root in a
// static (`QuickBooks.V3_ENDPOINT_BASE_URL`) but reads it once, in the constructor, into the
// instance's `endpoint`, and builds every URL from that: the connector sets the instance
// property and never touches the statics, so connections to different sandboxes or to Intuit
// cannot leak into each other. Token refresh is the hub's job (`ctx.refreshCredentials()`, which
// persists a rotated refresh token), so the library's own refresh, which posts to the static
// TOKEN_URL, is never called, nor is `setOauthVersion('2.0')` (it fetches a discovery document).
// minorversion is what the library sends (75). Intuit sends no remaining-budget headers, so
// only a 429's Retry-After feeds the throttle.
import { createRequire } from 'node:module';
import type { QuickBooks as QuickBooksLibrary } from 'node-quickbooks';
import { TokenRefresh, VendorCaller } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import type { ConnectionContext } from '../types.ts';
import { classifyQuickBooksError, quickbooksErrors } from './errors.ts';

export type QboEntity =
  | 'Account'
  | 'Vendor'
  | 'Customer'
  | 'Invoice'
  | 'Payment'
  | 'Deposit'
  | 'JournalEntry';
export type QboObject = Record<string, unknown>;

// The package is CommonJS whose typings declare an ES default export it does not have at
// runtime; requiring it gives the constructor under either module system.
const QuickBooks = createRequire(import.meta.url)('node-quickbooks') as typeof QuickBooksLibrary;

type Callback = (err: unknown, data?: unknown) => void;
type Qbo = QuickBooksLibrary & Record<string, (...args: unknown[]) => void>;

const finders: Record<QboEntity, string> = {
  Account: 'findAccounts',
  Vendor: 'findVendors',
  Customer: 'findCustomers',
  Invoice: 'findInvoices',
  Payment: 'findPayments',
  Deposit: 'findDeposits',
  JournalEntry: 'findJournalEntries',
};

/** One answer's rows and Intuit's clock when it answered (`time`). */
export interface QboRows {
  rows: QboObject[];
  vendorTime: string | null;
}

export class QuickBooksClient {
  readonly realmId: string;
  private readonly qbo: Qbo;
  private readonly caller: VendorCaller;

  constructor(ctx: ConnectionContext, throttle: Throttle) {
    const c = ctx.credentials;
    const realmId = String(c.realmId ?? ctx.settings.realmId ?? ctx.settings.accountId ?? '');
    if (typeof c.accessToken !== 'string' || !c.accessToken)
      throw new Error('QuickBooks connection has no access token');
    if (!realmId) throw new Error('QuickBooks connection has no realmId');
    this.realmId = realmId;
    this.qbo = new QuickBooks(
      String(c.clientId ?? ''),
      String(c.clientSecret ?? ''),
      c.accessToken,
      false,
      realmId,
      true, // never let the library rewrite a host: the endpoint below is used as given
      false,
      null,
      '2.0',
      typeof c.refreshToken === 'string' ? c.refreshToken : null,
    ) as Qbo;
    this.qbo.endpoint = `${ctx.baseUrl.replace(/\/$/, '')}/v3/company/`;
    this.caller = new VendorCaller({
      spec: quickbooksErrors,
      throttle,
      classify: classifyQuickBooksError,
      refresh: new TokenRefresh({
        vendor: 'QuickBooks',
        credentials: c,
        refresh: () => ctx.refreshCredentials(),
        adopt: (next) => {
          this.qbo.token = String(next.accessToken);
          if (typeof next.refreshToken === 'string') this.qbo.refreshToken = next.refreshToken;
        },
      }),
    });
  }

  /** `select * from <entity> <clause>`: the clause is where/orderby/startposition/maxresults. */
  async query(entity: QboEntity, clause: string): Promise<QboRows> {
    const data = (await this.call((qbo, cb) => qbo[finders[entity]]!(clause, cb))) as {
      QueryResponse?: Record<string, unknown>;
      time?: string;
    };
    const response = data.QueryResponse ?? {};
    const key = Object.keys(response).find((k) => k.toLowerCase() === entity.toLowerCase());
    return { rows: (key ? response[key] : []) as QboObject[], vendorTime: data.time ?? null };
  }

  /** Change Data Capture for one entity since an instant (ISO, UTC). */
  async changes(entity: QboEntity, since: string): Promise<QboRows> {
    const data = (await this.call((qbo, cb) => qbo.changeDataCapture(entity, since, cb as never))) as {
      CDCResponse?: { QueryResponse?: Record<string, unknown>[] }[];
      time?: string;
    };
    const rows: QboObject[] = [];
    for (const block of data.CDCResponse?.[0]?.QueryResponse ?? []) {
      const key = Object.keys(block).find((k) => k.toLowerCase() === entity.toLowerCase());
      if (key) rows.push(...(block[key] as QboObject[]));
    }
    return { rows, vendorTime: data.time ?? null };
  }

  read(entity: QboEntity, id: string): Promise<QboObject> {
    return this.call((qbo, cb) => qbo[`get${entity}`]!(id, cb)) as Promise<QboObject>;
  }

  /** `requestId` makes the create idempotent: a retried request replays the first answer. */
  create(entity: QboEntity, body: QboObject, requestId?: string): Promise<QboObject> {
    const entityBody = requestId ? { ...body, requestId } : body;
    return this.call((qbo, cb) => qbo[`create${entity}`]!(entityBody, cb)) as Promise<QboObject>;
  }

  /** A sparse update unless the body says otherwise; needs the current SyncToken. */
  update(entity: QboEntity, body: QboObject): Promise<QboObject> {
    return this.call((qbo, cb) => qbo[`update${entity}`]!({ ...body }, cb)) as Promise<QboObject>;
  }

  /** Deletes a transaction; needs the current SyncToken (5010 when someone changed it since). */
  delete(entity: QboEntity, current: QboObject): Promise<QboObject> {
    const body = { Id: String(current.Id), SyncToken: String(current.SyncToken) };
    return this.call((qbo, cb) => qbo[`delete${entity}`]!(body, cb)) as Promise<QboObject>;
  }

  /**
   * Every call is paced by the connection's throttle and comes back classified. An expired
   * token is refreshed once through the hub and the call retried with the new one.
   */
  private call(invoke: (qbo: Qbo, cb: Callback) => void): Promise<unknown> {
    return this.caller.run(
      () =>
        new Promise((resolve, reject) =>
          invoke(this.qbo, (err, data) => (err ? reject(err) : resolve(data))),
        ),
    );
  }
}
