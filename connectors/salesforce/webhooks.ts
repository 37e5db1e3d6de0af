// Change events from the org. Salesforce's own Change Data Capture arrives over the Pub/Sub API
// (gRPC) or CometD, which a webhook endpoint cannot take; agencies relay CDC to us with a small
// Apex trigger / Flow HTTP callout that POSTs the events as JSON:
//   { organizationId, events: [{ channel, replayId, payload: { ChangeEventHeader, ...fields } }] }
// signed by the relay with the connection's webhook secret:
//   X-SFDC-Timestamp: <ms since epoch>
//   X-SFDC-Signature: base64(HMAC-SHA256(secret, "<timestamp>.<raw body>"))
// Those two headers are this product's convention for the relay, not a Salesforce product
// header. A notification says only which records changed; the sync reads them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectorWebhooks, WebhookChange, WebhookRequest } from '../types.ts';

const MAX_SKEW_MS = 5 * 60_000;

const streamByEntity: Record<string, string> = {
  User: 'users',
  Account: 'accounts',
  Contact: 'contacts',
  Opportunity: 'opportunities',
  InsurancePolicy: 'insurance_policies',
};

interface ChangeEventHeader {
  entityName?: string;
  changeType?: string;
  recordIds?: string[];
  commitTimestamp?: number;
}

function header(req: WebhookRequest, name: string): string | undefined {
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  return key ? req.headers[key] : undefined;
}

export const salesforceWebhooks: ConnectorWebhooks = {
  verify(req, secret, now = new Date()) {
    const timestamp = header(req, 'x-sfdc-timestamp');
    const signature = header(req, 'x-sfdc-signature');
    if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
    if (Math.abs(now.getTime() - Number(timestamp)) > MAX_SKEW_MS) return false;
    const expected = createHmac('sha256', secret).update(`${timestamp}.${req.rawBody}`).digest();
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  },

  parse(req) {
    const body = JSON.parse(req.rawBody) as {
      organizationId?: string;
      events?: { payload?: { ChangeEventHeader?: ChangeEventHeader } }[];
    };
    const changes: WebhookChange[] = [];
    for (const event of body.events ?? []) {
      const h = event.payload?.ChangeEventHeader;
      const stream = h?.entityName ? streamByEntity[h.entityName] : undefined;
      if (!h || !stream) continue;
      // GAP_* events (too large or out of band) name the records but carry no values; same meaning.
      const type = (h.changeType ?? '').replace(/^GAP_/, '');
      if (!['CREATE', 'UPDATE', 'DELETE', 'UNDELETE'].includes(type)) continue;
      const occurredAt =
        typeof h.commitTimestamp === 'number' ? new Date(h.commitTimestamp).toISOString() : null;
      for (const id of h.recordIds ?? [])
        changes.push({ stream, externalId: id, op: type === 'DELETE' ? 'delete' : 'upsert', occurredAt });
    }
    return { accountId: body.organizationId ?? null, changes };
  },
};
