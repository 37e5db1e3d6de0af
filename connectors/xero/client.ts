// xero-node pointed at one connection's organisation. Its AccountingApi takes its root from the
// instance's `basePath` (default https://api.xero.com/api.xro/2.0), which the connector sets to
// the connection's base URL + /api.xro/2.0, so connections never share a host. The identity
// endpoints are fixed in the library (`tokenRequest` posts to https://identity.xero.com/connect/token
// and `refreshToken()` needs openid-client's discovery of identity.xero.com; `updateTenants()`
// calls https://api.xero.com/connections), so none of them is used: refreshing is the hub's job
// (`ctx.refreshCredentials()`, which persists the rotated refresh token) and the tenant list is
// read with one plain request (connections.ts). Every call names the tenant (xero-tenant-id).
import { createRequire } from 'node:module';
import type * as XeroNode from 'xero-node';
import { TokenRefresh, VendorCaller } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import type { ConnectionContext } from '../types.ts';
import { classifyXeroError, xeroErrors } from './errors.ts';

// CommonJS: required so the constructor and the serializer load the same under either module system.
const xero = createRequire(import.meta.url)('xero-node') as typeof XeroNode;

export type AccountingApi = XeroNode.AccountingApi;
export type XeroObject = Record<string, unknown>;

interface Answer<T> {
  response: { headers?: Record<string, unknown> };
  body: T;
}

/** A model object as Xero's wire names it (PascalCase, JSON dates as ISO): what payloads carry. */
export function wire(value: unknown, type: string): XeroObject {
  return JSON.parse(JSON.stringify(xero.ObjectSerializer.serialize(value, type))) as XeroObject;
}

export class XeroApiClient {
  readonly tenantId: string;
  private readonly api: AccountingApi;
  private readonly caller: VendorCaller;

  constructor(ctx: ConnectionContext, throttle: Throttle | null) {
    const c = ctx.credentials;
    const tenantId = String(c.tenantId ?? ctx.settings.accountId ?? '');
    if (typeof c.accessToken !== 'string' || !c.accessToken)
      throw new Error('Xero connection has no access token');
    if (!tenantId) throw new Error('Xero connection has no tenant id');
    this.tenantId = tenantId;
    const client = new xero.XeroClient({
      clientId: String(c.clientId ?? ''),
      clientSecret: String(c.clientSecret ?? ''),
      redirectUris: [],
      scopes: [],
    });
    client.setTokenSet({
      access_token: c.accessToken,
      refresh_token: (c.refreshToken as string) ?? undefined,
    });
    this.api = client.accountingApi;
    this.api.basePath = `${ctx.baseUrl.replace(/\/+$/, '')}/api.xro/2.0`;
    this.caller = new VendorCaller({
      spec: xeroErrors,
      throttle,
      classify: classifyXeroError,
      refresh: new TokenRefresh({
        vendor: 'Xero',
        credentials: c,
        refresh: () => ctx.refreshCredentials(),
        adopt: (next) => {
          this.api.accessToken = String(next.accessToken);
        },
      }),
    });
  }

  /** One call through the connection's throttle, classified, refreshed once on an expired token. */
  call<T>(fn: (api: AccountingApi, tenantId: string) => Promise<Answer<T>>): Promise<Answer<T>> {
    return this.caller.run(() => fn(this.api, this.tenantId), {
      headers: (result) => result?.response?.headers,
    });
  }
}
