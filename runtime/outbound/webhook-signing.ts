// Standard Webhooks v1 symmetric signatures (HMAC-SHA256), so receivers can verify our deliveries
// with any Standard Webhooks or Svix library. Signing happens per attempt: the timestamp is the
// attempt's, and the message id stays the same across retries as the receiver's idempotency key.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** A new per-endpoint secret: `whsec_` + base64 of `bytes` random bytes (24–64, default 32). */
export function newEndpointSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`A webhook secret has ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes, not ${bytes}`);
  }
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The HMAC key: the base64-decoded part after `whsec_`. Rejects anything we would not have issued. */
export function decodeSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`A webhook secret starts with "${SECRET_PREFIX}"`);
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') skips invalid characters silently; a mangled secret must fail instead.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new Error('A webhook secret is base64 after its prefix');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new Error(`A webhook secret decodes to ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes`);
  }
  return key;
}

/** Message ids and timestamps are joined with "." in the signed content, so neither may contain one. */
export function assertMessageId(msgId: string): void {
  if (!/^[\x21-\x2d\x2f-\x7e]{1,256}$/.test(msgId)) {
    throw new Error(`Invalid webhook message id "${msgId}": 1–256 visible ASCII characters, no "."`);
  }
}

/** `v1,<base64 HMAC-SHA256 of "${msgId}.${timestamp}.${body}">`, over the exact bytes sent. */
export function signPayload(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  assertMessageId(msgId);
  assertTimestamp(timestampSeconds);
  const mac = createHmac('sha256', decodeSecret(secret));
  mac.update(`${msgId}.${timestampSeconds}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/**
 * The `webhook-signature` value: one signature per active secret, space-separated, so a receiver
 * that has either the new or the old secret accepts the message during a rotation's overlap.
 */
export function signatureHeader(
  secrets: string | readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  const list = [...new Set(typeof secrets === 'string' ? [secrets] : secrets)];
  if (list.length === 0) throw new Error('At least one webhook secret is needed to sign');
  return list.map((secret) => signPayload(secret, msgId, timestampSeconds, body)).join(' ');
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function webhookHeaders(args: {
  secrets: string | readonly string[];
  msgId: string;
  timestampSeconds: number;
  body: string | Uint8Array;
}): WebhookHeaders {
  return {
    'webhook-id': args.msgId,
    'webhook-timestamp': String(args.timestampSeconds),
    'webhook-signature': signatureHeader(args.secrets, args.msgId, args.timestampSeconds, args.body),
  };
}

export interface RetiringSecret {
  secret: string;
  /** End of the overlap window: after this the old secret no longer signs. */
  expiresAt: Date | number;
}

/**
 * The secrets to sign with during a rotation: the current one first, then previous ones still
 * inside their overlap window (receivers switch secrets at their own pace).
 */
export function activeSecrets(
  current: string,
  previous: readonly RetiringSecret[] = [],
  now: number = Date.now(),
): string[] {
  const live = previous.filter((p) => new Date(p.expiresAt).getTime() > now).map((p) => p.secret);
  return [...new Set([current, ...live])];
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `msg_` + a ULID (time-ordered, 26 Crockford base32 characters); never contains ".". */
export function newMessageId(now: number = Date.now()): string {
  let time = '';
  let t = Math.floor(now);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD[byte % 32];
  return `msg_${time}${random}`;
}

function assertTimestamp(timestampSeconds: number): void {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`A webhook timestamp is whole Unix seconds, not ${timestampSeconds}`);
  }
}
