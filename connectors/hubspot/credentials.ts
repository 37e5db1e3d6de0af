// Which HubSpot portal an OAuth grant is for: the access token's metadata names it.
import { ConnectorError, type OAuthGrant } from '../types.ts';

export async function hubspotPortalOf({ credentials, baseUrl }: OAuthGrant): Promise<string> {
  const res = await fetch(
    `${baseUrl}/oauth/v1/access-tokens/${encodeURIComponent(String(credentials.accessToken))}`,
    { signal: AbortSignal.timeout(10_000) },
  );
  if (!res.ok) throw new ConnectorError('vendor_outage', `HubSpot token metadata answered ${res.status}.`);
  return String(((await res.json()) as { hub_id: number }).hub_id);
}
