// HubSpot webhooks (v3 signatures). HubSpot POSTs a JSON array of events and signs
// method + full URI + raw body + timestamp with the app's client secret:
//   X-HubSpot-Signature-v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp))
//   X-HubSpot-Request-Timestamp: milliseconds; requests older than 5 minutes are refused.
// HubSpot decodes a few percent-encoded characters in the URI before signing; the hub verifies the
// URL exactly as the sandbox (or a proxy in front of the hub) reports it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectorWebhooks, WebhookChange, WebhookRequest } from '../types.ts';

export const MAX_AGE_MS = 5 * 60 * 1000;

interface HubSpotEvent {
  eventId?: number;
  portalId?: number;
  occurredAt?: number;
  subscriptionType?: string;
  objectId?: number | string;
}

const streams: Record<string, string> = { deal: 'deals', contact: 'contacts', company: 'companies' };

function header(req: WebhookRequest, name: string): string | undefined {
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export function signHubSpotRequest(
  clientSecret: string,
  method: string,
  uri: string,
  rawBody: string,
  timestamp: string,
): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${rawBody}${timestamp}`).digest('base64');
}

function verify(req: WebhookRequest, secret: string, now: Date = new Date()): boolean {
  const signature = header(req, 'x-hubspot-signature-v3');
  const timestamp = header(req, 'x-hubspot-request-timestamp');
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() - Number(timestamp)) > MAX_AGE_MS) return false;
  const expected = Buffer.from(
    signHubSpotRequest(secret, req.method.toUpperCase(), req.url, req.rawBody, timestamp),
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function parse(req: WebhookRequest): { accountId: string | null; changes: WebhookChange[] } {
  const events = JSON.parse(req.rawBody) as HubSpotEvent[];
  if (!Array.isArray(events)) throw new Error('a HubSpot webhook body is an array of events');
  const changes: WebhookChange[] = [];
  for (const e of events) {
    const [object, action] = (e.subscriptionType ?? '').split('.');
    const stream = streams[object ?? ''];
    if (!stream || e.objectId === undefined) continue;
    changes.push({
      stream,
      externalId: String(e.objectId),
      op: action === 'deletion' ? 'delete' : 'upsert',
      occurredAt: e.occurredAt ? new Date(e.occurredAt).toISOString() : null,
    });
  }
  return { accountId: events[0]?.portalId !== undefined ? String(events[0].portalId) : null, changes };
}

export const hubspotWebhooks: ConnectorWebhooks = { verify, parse };
