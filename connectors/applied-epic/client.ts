// A typed fetch client for Applied's REST platform for Epic (no SDK exists for Node): bearer
// token from the client-credentials grant, `Accept: application/hal+json`, limit/offset
// collections, problem+json errors. Every request goes through the connection's throttle; a
// refused token is renewed once through the hub (ctx.refreshCredentials, shared by requests in
// flight at the same moment) and the request retried with the new token.
import { randomUUID } from 'node:crypto';
import { TokenRefresh, VendorCaller, VendorHttp } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import { type ConnectionContext, ConnectorError } from '../types.ts';
import { AppliedEpicHttpError, appliedEpicErrors, classifyAppliedEpicError } from './errors.ts';

export const MAX_PAGE_SIZE = 500;
const REQUEST_TIMEOUT_MS = 60_000;

export interface UserAndDate {
  userCode?: string;
  date?: string;
}

interface HalLink {
  href: string;
}

export interface HalCollection<T> {
  total: number;
  _links?: { self?: HalLink; prev?: HalLink; next?: HalLink; first?: HalLink; last?: HalLink };
  _embedded?: Record<string, T[] | undefined>;
}

/** Every Epic resource has a GUID id; the rest is read as Applied sends it. */
export interface EpicResource {
  id: string;
  [field: string]: unknown;
}

export interface EpicAccount extends EpicResource {
  type: string;
  name: string;
  lookupCode: string;
  active: boolean;
  lastUpdatedBy?: UserAndDate;
}

export interface EpicPolicy extends EpicResource {
  policyNumber?: string;
  originalPolicy?: string | null;
  lastUpdatedBy?: UserAndDate;
}

export interface EpicLine extends EpicResource {
  policy: string;
  effectiveOn?: string;
  lineCommission?: { type?: string; percent?: number | null; [field: string]: unknown } | null;
}

export interface EpicProducerBrokerCommission extends EpicResource {
  producerBroker?: { type?: string; account?: string };
  productionCredit?: number | null;
  orderNumber?: number | null;
}

export interface EpicProducerBrokerCommissions {
  type?: string;
  schedules?: {
    id: string;
    producerBrokerCommissions?: EpicProducerBrokerCommission[];
    [f: string]: unknown;
  }[];
  [field: string]: unknown;
}

export interface EpicTransaction extends EpicResource {
  policy: string;
  lastUpdatedBy?: UserAndDate;
}

export interface CollectionPage<T> {
  items: T[];
  total: number;
  /** Applied omits the `next` link on the last page. */
  hasNext: boolean;
}

export type Query = Record<string, string | number | undefined>;

export class AppliedEpicClient {
  private readonly http: VendorHttp;

  constructor(ctx: ConnectionContext, throttle: Throttle) {
    const refresh = new TokenRefresh({
      vendor: 'Applied Epic',
      credentials: ctx.credentials,
      refresh: () => ctx.refreshCredentials(),
      // The token host being down is an outage; a refused consumer key needs a person.
      failed: (err) =>
        new ConnectorError(
          err instanceof TypeError || (err as Error)?.name === 'TimeoutError'
            ? 'vendor_outage'
            : 'auth_invalid',
          `Applied Epic token could not be renewed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        ),
    });
    this.http = new VendorHttp({
      baseUrl: ctx.baseUrl,
      caller: new VendorCaller({
        spec: appliedEpicErrors,
        throttle,
        classify: classifyAppliedEpicError,
        refresh,
        timeoutMs: REQUEST_TIMEOUT_MS,
      }),
      authorization: (token) => `Bearer ${token}`,
      headers: () => ({
        accept: 'application/hal+json',
        'accept-language': 'en-US',
        'asi-client-correlation-id': randomUUID(),
      }),
      readError: (res, url) => AppliedEpicHttpError.from(res, `${url.pathname}${url.search}`),
    });
  }

  accounts(query: Query): Promise<CollectionPage<EpicAccount>> {
    return this.collection('/epic/account/v1/accounts', 'accounts', query);
  }

  policies(query: Query): Promise<CollectionPage<EpicPolicy>> {
    return this.collection('/epic/policy/v2/policies', 'policies', query);
  }

  /** A policy by id, or null when Epic no longer has it. */
  policy(id: string, query: Query = {}): Promise<EpicPolicy | null> {
    return this.orNull(this.get<EpicPolicy>(`/epic/policy/v2/policies/${encodeURIComponent(id)}`, query));
  }

  lines(query: Query): Promise<CollectionPage<EpicLine>> {
    return this.collection('/epic/policy/v2/lines', 'lines', query);
  }

  /** A line's producer/broker commissions, or null when the line is gone. */
  producerBrokerCommissions(lineId: string): Promise<EpicProducerBrokerCommissions | null> {
    return this.orNull(
      this.get<EpicProducerBrokerCommissions>(
        `/epic/policy/v2/lines/${encodeURIComponent(lineId)}/producer-broker-commissions`,
        {},
      ),
    );
  }

  transactions(query: Query): Promise<CollectionPage<EpicTransaction>> {
    return this.collection('/epic/transaction/v1/transactions', 'transactions', query);
  }

  private async collection<T>(path: string, key: string, query: Query): Promise<CollectionPage<T>> {
    const body = await this.get<HalCollection<T>>(path, query);
    return {
      items: body._embedded?.[key] ?? [],
      total: typeof body.total === 'number' ? body.total : 0,
      hasNext: Boolean(body._links?.next),
    };
  }

  private async orNull<T>(request: Promise<T>): Promise<T | null> {
    try {
      return await request;
    } catch (err) {
      if (err instanceof ConnectorError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  /** One GET, classified; rate limits pause every request on this connection. */
  get<T>(path: string, query: Query): Promise<T> {
    return this.http.get<T>(path, query);
  }
}
