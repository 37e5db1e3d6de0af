// Intuit's webhooks: `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)),
// compared in constant time. Intuit signs no timestamp, so there is no freshness window; a
// replayed notification only makes the hub re-read records it already has. Two payload forms:
// the CloudEvents array Intuit now sends (`type: qbo.<entity>.<verb>.v1`, `intuitaccountid` =
// realmId, `intuitentityid`) and the classic `eventNotifications[].dataChangeEvent.entities[]`.
// A merge removes one record (`deletedID` / `data.deletedid`) into another.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectorWebhooks, WebhookChange, WebhookRequest } from '../types.ts';
import { streamEntity } from './streams.ts';

const streamOf = new Map(
  Object.entries(streamEntity).map(([stream, entity]) => [entity.toLowerCase(), stream]),
);

function header(req: WebhookRequest, name: string): string | null {
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  return key ? (req.headers[key] ?? null) : null;
}

const isoOrNull = (v: unknown): string | null => {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

function changesFor(
  entityName: unknown,
  id: unknown,
  verb: string,
  occurredAt: string | null,
  mergedAway: unknown,
): WebhookChange[] {
  const stream = streamOf.get(String(entityName).toLowerCase());
  if (!stream || id === undefined || id === null) return [];
  const v = verb.toLowerCase();
  const out: WebhookChange[] = [
    {
      stream,
      externalId: String(id),
      op: v === 'delete' || v === 'deleted' ? 'delete' : 'upsert',
      occurredAt,
    },
  ];
  if ((v === 'merge' || v === 'merged') && mergedAway !== undefined && mergedAway !== null) {
    out.push({ stream, externalId: String(mergedAway), op: 'delete', occurredAt });
  }
  return out;
}

export const quickbooksWebhooks: ConnectorWebhooks = {
  verify(req, secret) {
    const given = header(req, 'intuit-signature');
    if (!given || !secret) return false;
    const expected = Buffer.from(createHmac('sha256', secret).update(req.rawBody).digest('base64'));
    const actual = Buffer.from(given.trim());
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  },

  parse(req) {
    const body = JSON.parse(req.rawBody) as unknown;
    const changes: WebhookChange[] = [];
    let accountId: string | null = null;
    if (Array.isArray(body)) {
      for (const event of body as Record<string, unknown>[]) {
        // type: qbo.<entity>.<verb>.v<n>
        const [, entity, verb] = String(event.type ?? '').split('.');
        accountId ??= event.intuitaccountid === undefined ? null : String(event.intuitaccountid);
        const data = (event.data ?? {}) as Record<string, unknown>;
        changes.push(
          ...changesFor(entity, event.intuitentityid, verb ?? '', isoOrNull(event.time), data.deletedid),
        );
      }
      return { accountId, changes };
    }
    const notifications = ((body as Record<string, unknown>)?.eventNotifications ?? []) as Record<
      string,
      unknown
    >[];
    for (const n of notifications) {
      accountId ??= n.realmId === undefined ? null : String(n.realmId);
      const entities = ((n.dataChangeEvent as Record<string, unknown> | undefined)?.entities ?? []) as Record<
        string,
        unknown
      >[];
      for (const e of entities) {
        changes.push(
          ...changesFor(e.name, e.id, String(e.operation ?? ''), isoOrNull(e.lastUpdated), e.deletedID),
        );
      }
    }
    return { accountId, changes };
  },
};
