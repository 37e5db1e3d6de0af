// GET /connections: the tenants a token reaches. xero-node's `updateTenants()` calls the fixed
// https://api.xero.com/connections (and then each organisation's details), and no option moves
// it, so this one call goes through fetch at the connection's base URL instead.
import { unreachable } from '../kit/errors.ts';
import { ConnectorError } from '../types.ts';

export interface XeroConnection {
  id: string;
  tenantId: string;
  tenantType: string;
  tenantName: string | null;
  createdDateUtc?: string;
  updatedDateUtc?: string;
}

export async function listConnections(baseUrl: string, accessToken: string): Promise<XeroConnection[]> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl.replace(/\/+$/, '')}/connections`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw unreachable('Xero', err);
  }
  if (!res.ok)
    throw new ConnectorError(
      res.status >= 500 ? 'vendor_outage' : 'auth_invalid',
      `Xero /connections answered ${res.status}`,
      {
        status: res.status,
      },
    );
  const list = (await res.json()) as XeroConnection[];
  // Most recently connected first, as xero-node sorts them.
  return [...list].sort(
    (a, b) => Date.parse(b.updatedDateUtc ?? '') - Date.parse(a.updatedDateUtc ?? '') || 0,
  );
}
