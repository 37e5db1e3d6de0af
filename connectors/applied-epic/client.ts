// A typed fetch client for Applied's REST platform for Epic (no SDK exists for Node): bearer
// token from the client-credentials grant, `Accept: application/hal+json`, limit/offset
// collections, problem+json errors. Every request goes through the connection's throttle; a
// refused token is renewed once through the hub (ctx.refreshCredentials, shared by requests in
// flight at the same moment) and the request retried with the new token.
import { randomUUID } from 'node:crypto';
import type { Throttle } from '../kit/throttle.ts';
import { type ConnectionContext, ConnectorError } from '../types.ts';
import { AppliedEpicHttpError, classifyAppliedEpicError } from './errors.ts';

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
  private readonly ctx: ConnectionContext;
  private readonly throttle: Throttle;
  private readonly baseUrl: string;
  private accessToken: string | null;
  private renewing: Promise<string> | null = null;

  constructor(ctx: ConnectionContext, throttle: Throttle) {
    this.ctx = ctx;
    this.throttle = throttle;
    this.baseUrl = ctx.baseUrl.replace(/\/$/, '');
    const token = ctx.credentials.accessToken;
    this.accessToken = typeof token === 'string' && token ? token : null;
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
  async get<T>(path: string, query: Query): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    try {
      let token = this.accessToken ?? (await this.renew(null));
      for (let attempt = 0; ; attempt++) {
        const res = await this.throttle.run(() =>
          fetch(url, {
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/hal+json',
              'accept-language': 'en-US',
              'asi-client-correlation-id': randomUUID(),
            },
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          }),
        );
        if (res.status === 401 && attempt === 0) {
          await res.body?.cancel();
          token = await this.renew(token);
          continue;
        }
        if (!res.ok) throw await AppliedEpicHttpError.from(res, `${url.pathname}${url.search}`);
        return (await res.json()) as T;
      }
    } catch (err) {
      const classified = classifyAppliedEpicError(err);
      if (classified.kind === 'rate_limited' && classified.retryAfterMs)
        this.throttle.backOff(classified.retryAfterMs);
      throw classified;
    }
  }

  /**
   * A new token in place of `stale`. Requests refused together share one renewal, and a
   * request refused with a token that was already replaced just uses the replacement.
   */
  private renew(stale: string | null): Promise<string> {
    if (this.accessToken !== null && this.accessToken !== stale) return Promise.resolve(this.accessToken);
    this.renewing ??= this.ctx
      .refreshCredentials()
      .then((credentials) => {
        const token = credentials.accessToken;
        if (typeof token !== 'string' || !token)
          throw new Error('the renewed credentials hold no access token');
        this.accessToken = token;
        return token;
      })
      .catch((err: unknown) => {
        // The token host being down is an outage; a refused consumer key needs a person.
        const unreachable = err instanceof TypeError || (err as Error)?.name === 'TimeoutError';
        throw new ConnectorError(
          unreachable ? 'vendor_outage' : 'auth_invalid',
          `Applied Epic token could not be renewed: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      })
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }
}
