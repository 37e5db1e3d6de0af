// One delivery attempt of one webhook message to one endpoint, classified for the caller's retry
// logic. It never throws for anything the receiver or the network does; it throws only for our own
// mistakes (bad secret, bad message id), which no retry would fix.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { allowListFromEnv, isHostAllowlisted } from './address-policy.ts';
import { createGuardedAgent, findSsrfBlockedError, GuardedAgent } from './ssrf-guard.ts';
import { webhookHeaders } from './webhook-signing.ts';

export type DeliveryKind = 'delivered' | 'retry' | 'gone' | 'rejected' | 'blocked';

export interface DeliveryOutcome {
  /**
   * delivered: 2xx. retry: 5xx, 408, 429, 3xx (redirects are never followed), network errors,
   * timeouts. gone: 410, disable the endpoint. rejected: other 4xx, or the receiver answered
   * `webhook-delivery: abort-message`; do not retry. blocked: refused by the SSRF policy, no
   * connection was made.
   */
  kind: DeliveryKind;
  status: number | null;
  /** From Retry-After (seconds or HTTP date), when the receiver sent one. */
  retryAfterMs: number | null;
  /** The first `maxBodyBytes` of the response, decoded as UTF-8, for the attempt log. */
  responseBodyPreview: string;
  /** True when the response body was longer than what was kept. */
  responseBodyTruncated: boolean;
  durationMs: number;
  error: string | null;
  /** The `webhook-timestamp` this attempt was signed with. */
  timestampSeconds: number;
}

export interface DeliverOptions {
  url: string;
  /** Sent and signed byte for byte. */
  body: string | Uint8Array;
  /** Extra headers (content-type defaults to JSON); hop-by-hop and `webhook-*` ones are ignored. */
  headers?: Readonly<Record<string, string>>;
  /** The endpoint's active secrets, current first; several during a rotation's overlap window. */
  secrets: string | readonly string[];
  /** Stable across every attempt of the message: the receiver's idempotency key. */
  msgId: string;
  /** Total budget: connect, headers and the body preview. */
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** Must be a guarded agent; defaults to one built from WEBHOOK_ALLOWED_HOSTS. */
  agent?: GuardedAgent;
  /** Clock for the signature timestamp; injectable for tests. */
  now?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BODY_BYTES = 1024;
const USER_AGENT = 'CommissionHub-Webhooks/1.0';

// Headers a caller must not control: framing and connection management belong to the client,
// and the Standard Webhooks headers are computed here for each attempt.
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

let defaultAgent: GuardedAgent | undefined;

// One pooled agent per process for callers that do not bring their own.
function sharedAgent(): GuardedAgent {
  defaultAgent ??= createGuardedAgent({ allowHosts: allowListFromEnv() });
  return defaultAgent;
}

export async function deliverOnce(options: DeliverOptions): Promise<DeliveryOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const agent = options.agent ?? sharedAgent();
  // Customer URLs only ever go out through the guard; a plain dispatcher here would be an SSRF hole.
  if (!(agent instanceof GuardedAgent)) throw new TypeError('deliverOnce needs a GuardedAgent');
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  const timestampSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  // Signed before anything else so that a bad secret or id throws instead of looking like a failed attempt.
  const signed = webhookHeaders({ secrets: options.secrets, msgId: options.msgId, timestampSeconds, body });
  const started = performance.now();
  const outcome = (fields: Partial<DeliveryOutcome> & Pick<DeliveryOutcome, 'kind'>): DeliveryOutcome => ({
    status: null,
    retryAfterMs: null,
    responseBodyPreview: '',
    responseBodyTruncated: false,
    error: null,
    ...fields,
    durationMs: Math.round(performance.now() - started),
    timestampSeconds,
  });

  const refusal = schemeRefusal(options.url, agent);
  if (refusal) return outcome({ kind: 'blocked', error: refusal });

  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!RESERVED_HEADERS.has(lower) && !lower.startsWith('proxy-')) headers[lower] = value;
  }
  Object.assign(headers, signed);

  // One timer covers the whole attempt, body preview included, so a receiver that trickles bytes
  // cannot hold a worker slot longer than the budget.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`Timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    // undici's request() never follows redirects (no redirect interceptor is installed), so a 3xx
    // comes back as a response and is classified as a failure below.
    const response = await request(options.url, {
      dispatcher: agent,
      method: 'POST',
      headers,
      body,
      signal: controller.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const status = response.statusCode;
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    const preview = await readPreview(response.body, maxBodyBytes);
    const abortRequested = headerValue(response.headers['webhook-delivery']) === 'abort-message';
    return outcome({
      kind: classifyStatus(status, abortRequested),
      status,
      retryAfterMs,
      responseBodyPreview: preview.text,
      responseBodyTruncated: preview.truncated,
      // A body that fails midway does not change the receiver's verdict, which the status already gave.
      error: preview.error ?? (status >= 200 && status < 300 ? null : `HTTP ${status}`),
    });
  } catch (error) {
    const blocked = findSsrfBlockedError(error);
    if (blocked) return outcome({ kind: 'blocked', error: blocked.message });
    if (timedOut) return outcome({ kind: 'retry', error: `Timed out after ${timeoutMs} ms` });
    return outcome({ kind: 'retry', error: describeError(error) });
  } finally {
    clearTimeout(timer);
  }
}

/** How the receiver's status decides what happens to the message. */
export function classifyStatus(status: number, abortRequested = false): DeliveryKind {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  // Svix's convention: the receiver explicitly asks us to stop retrying this message.
  if (abortRequested) return 'rejected';
  if (status === 408 || status === 429 || status >= 500 || (status >= 300 && status < 400)) return 'retry';
  if (status >= 400 && status < 500) return 'rejected';
  return 'retry';
}

/** Retry-After as milliseconds from `now`: delta seconds or an HTTP date; null when absent or malformed. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | null {
  const raw = headerValue(value)?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  // Only an IMF-fixdate-like value (it names a weekday or month) is a date; Date.parse alone would
  // also read "-5" or "2026" as one.
  if (!/[a-z]{3}/i.test(raw)) return null;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

// Delivery goes out over https only; http is a development convenience for allowlisted hosts.
// Address checks are deliberately not repeated here: the agent does them on the resolved address.
function schemeRefusal(rawUrl: string, agent: GuardedAgent): string | null {
  const url = URL.parse(rawUrl);
  if (!url) return 'The URL could not be parsed';
  if (url.username !== '' || url.password !== '') return 'The URL must not contain credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isHostAllowlisted(agent.allowList, url.hostname)) return null;
  return `Refused ${url.protocol.slice(0, -1)} delivery to ${url.hostname}: https is required`;
}

async function readPreview(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
  maxBytes: number,
): Promise<{ text: string; truncated: boolean; error: string | null }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of body) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        // Leaving the loop destroys the stream, and with it the connection: the rest of a large
        // body is never downloaded.
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return { text: decode(chunks), truncated, error: null };
  } catch (error) {
    body.destroy();
    return { text: decode(chunks), truncated, error: describeError(error) };
  }
}

function decode(chunks: Buffer[]): string {
  // A cut multi-byte character at the end becomes U+FFFD rather than an exception.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
}
