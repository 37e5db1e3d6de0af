// @hubspot/api-client pointed at the account's API root. Its retry and limiter settings are
// process-global inside the library, so it is told never to retry: pacing and retries belong
// to the hub (connectors/kit/throttle.ts and Temporal's retry policy), per connection.
import { Client } from '@hubspot/api-client';
import { VendorCaller } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import type { ConnectionContext } from '../types.ts';
import { classifyHubSpotError, hubspotErrors } from './errors.ts';

export function hubspotClient(ctx: ConnectionContext): Client {
  const accessToken = ctx.credentials.accessToken;
  if (typeof accessToken !== 'string' || !accessToken)
    throw new Error('HubSpot connection has no access token');
  return new Client({
    accessToken,
    basePath: ctx.baseUrl.replace(/\/$/, ''),
    numberOfApiCallRetries: 1,
  });
}

/**
 * Calls on the account's throttle, classified, the remaining-budget headers fed back. No token
 * refresh here: an expired OAuth token is the hub's to renew before the activity's next attempt.
 */
export function hubspotCaller(throttle: Throttle): VendorCaller {
  return new VendorCaller({ spec: hubspotErrors, throttle, classify: classifyHubSpotError });
}
