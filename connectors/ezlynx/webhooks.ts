// EZLynx webhooks. The overview documents the events (XML or JSON, root EventCallbackNotification,
// one URL per integration) but no signature, so the scheme below is OUR ASSUMPTION, implemented
// by our sandbox, to be replaced by EZLynx's real one:
//
//   X-EZLynx-Timestamp:  Unix seconds when the delivery was signed (each retry is signed afresh)
//   X-EZLynx-Signature:  v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>; several
//                        comma-separated v1= values may be sent while a secret is rotated
//   X-EZLynx-Event-Id:   the event's id, also in the body; receivers drop ids already seen,
//                        because a replay inside the window carries a valid signature
//   Replay window:       ±5 minutes around the receiver's clock
//
// The body (JSON only, as the sandbox sends it) is one event:
//   {eventCallbackNotification: {eventId, eventType, eventDateTime, integrationGroupId, agencyId,
//    entityType, entityId, applicantId, relatedEntities: [{entityType, entityId}]}}
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectorWebhooks, WebhookChange, WebhookRequest } from '../types.ts';

export const REPLAY_WINDOW_SECONDS = 300;

interface Notification {
  eventId?: string;
  eventType?: string;
  eventDateTime?: string;
  agencyId?: string;
  entityType?: string;
  entityId?: string;
  applicantId?: string | null;
  relatedEntities?: { entityType?: string; entityId?: string }[];
}

/** Which stream an event's entity lives in, and whether the event removes it. */
const eventStreams: Record<string, { stream: string; op: WebhookChange['op'] }> = {
  ApplicantCreated: { stream: 'applicants', op: 'upsert' },
  ApplicantUpdated: { stream: 'applicants', op: 'upsert' },
  ApplicantDeleted: { stream: 'applicants', op: 'delete' },
  PolicyCreated: { stream: 'policies', op: 'upsert' },
  PolicyUpdated: { stream: 'policies', op: 'upsert' },
  PolicyDownloaded: { stream: 'policies', op: 'upsert' },
  PolicyDeleted: { stream: 'policies', op: 'delete' },
  CommissionStatementDownloaded: { stream: 'commission_statements', op: 'upsert' },
  UserCreated: { stream: 'agents', op: 'upsert' },
  UserUpdated: { stream: 'agents', op: 'upsert' },
  UserDeleted: { stream: 'agents', op: 'delete' },
  CarrierCreated: { stream: 'carriers', op: 'upsert' },
  CarrierUpdated: { stream: 'carriers', op: 'upsert' },
};

/** A co-applicant lives inside its applicant's file: the applicant changed. */
const applicantEvents = new Set(['CoApplicantCreated', 'CoApplicantUpdated']);

function header(req: WebhookRequest, name: string): string | undefined {
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export function signEzlynxPayload(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

function verify(req: WebhookRequest, secret: string, now: Date = new Date()): boolean {
  const timestamp = header(req, 'x-ezlynx-timestamp');
  const signatures = header(req, 'x-ezlynx-signature');
  if (!timestamp || !signatures || !/^\d{1,12}$/.test(timestamp) || !secret) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(signEzlynxPayload(secret, timestamp, req.rawBody), 'hex');
  return signatures.split(',').some((part) => {
    const [version, value] = part.trim().split('=', 2);
    if (version !== 'v1' || !value || !/^[0-9a-f]+$/i.test(value)) return false;
    const given = Buffer.from(value, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function parse(req: WebhookRequest): { accountId: string | null; changes: WebhookChange[] } {
  let n: Notification | undefined;
  try {
    n = (JSON.parse(req.rawBody) as { eventCallbackNotification?: Notification }).eventCallbackNotification;
  } catch {
    return { accountId: null, changes: [] };
  }
  if (!n) return { accountId: null, changes: [] };
  const accountId = n.agencyId ? String(n.agencyId) : null;
  const occurredAt = n.eventDateTime ?? null;
  const changes: WebhookChange[] = [];
  const eventType = n.eventType ?? '';
  const target = eventStreams[eventType];
  if (target && n.entityId) changes.push({ ...target, externalId: String(n.entityId), occurredAt });
  if (applicantEvents.has(eventType) && n.applicantId)
    changes.push({ stream: 'applicants', externalId: String(n.applicantId), op: 'upsert', occurredAt });
  // A download or a hand-entered change of a policy names the transaction it brought.
  if (target?.stream === 'policies' && target.op === 'upsert') {
    for (const r of n.relatedEntities ?? [])
      if (r.entityType === 'PolicyTransaction' && r.entityId)
        changes.push({
          stream: 'policy_transactions',
          externalId: String(r.entityId),
          op: 'upsert',
          occurredAt,
        });
  }
  return { accountId, changes };
}

export const ezlynxWebhooks: ConnectorWebhooks = { verify, parse };
