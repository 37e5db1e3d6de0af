// Registration-time validation of a customer's webhook URL. This is the early, friendly refusal
// (a 422 with a reason); it cannot be the real defence because DNS can change after registration.
// The connect-time guard in ssrf-guard.ts is what actually keeps deliveries off internal networks.
import {
  type AllowList,
  classifyAddress,
  isHostAllowlisted,
  normalizeHostname,
  parseAllowList,
} from './address-policy.ts';

export interface UrlPolicyOptions {
  /** Development allowlist: hosts on it may use http and internal names/addresses. */
  allowHosts?: string | readonly string[] | AllowList;
  /**
   * Ports a URL may use (the scheme's default counts when none is written). Unrestricted by
   * default: customers legitimately run receivers on 8443 and the like, and reaching an internal
   * port is already impossible because internal addresses are refused. Restrict it (e.g. to
   * [443, 8443]) to also keep deliveries off odd ports of public hosts.
   */
  allowedPorts?: readonly number[];
  /** Longest URL accepted, in characters. */
  maxLength?: number;
}

export type UrlPolicyCode =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'https_required'
  | 'userinfo_not_allowed'
  | 'blocked_address'
  | 'internal_hostname'
  | 'port_not_allowed';

export type UrlPolicyResult = { ok: true; url: URL } | { ok: false; code: UrlPolicyCode; message: string };

export class WebhookUrlError extends Error {
  readonly code: UrlPolicyCode;

  constructor(code: UrlPolicyCode, message: string) {
    super(message);
    this.name = 'WebhookUrlError';
    this.code = code;
  }
}

// Names that only mean something inside a network: RFC 6761 `localhost`, RFC 6762 mDNS `.local`,
// the ICANN-reserved private TLD `.internal` (GCP metadata.google.internal, AWS ec2.internal) and
// RFC 8375 `home.arpa`.
const INTERNAL_SUFFIXES = ['localhost', 'internal', 'local', 'home.arpa'];

const DEFAULT_MAX_LENGTH = 2048;

/** Checks a webhook URL; on failure `message` is written for the API caller. */
export function checkWebhookUrl(input: unknown, options: UrlPolicyOptions = {}): UrlPolicyResult {
  const fail = (code: UrlPolicyCode, message: string): UrlPolicyResult => ({ ok: false, code, message });
  if (typeof input !== 'string' || input === '') return fail('invalid_url', 'The URL is required.');
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (input.length > maxLength) return fail('invalid_url', `The URL is longer than ${maxLength} characters.`);
  // WHATWG parsing silently drops tabs/newlines and treats `\` as `/`; a URL that only parses
  // after such repairs is not the URL the customer thinks they registered.
  if (hasUnsafeCharacter(input)) {
    return fail('invalid_url', 'The URL contains whitespace, control characters or a backslash.');
  }
  const url = URL.parse(input);
  if (!url) return fail('invalid_url', 'The URL could not be parsed.');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail('scheme_not_allowed', `The URL scheme must be https (got "${url.protocol.slice(0, -1)}").`);
  }
  if (url.username !== '' || url.password !== '') {
    return fail('userinfo_not_allowed', 'The URL must not contain a username or password.');
  }
  if (url.hash !== '') return fail('invalid_url', 'The URL must not contain a fragment (#…).');
  if (url.hostname === '') return fail('invalid_url', 'The URL has no host.');

  const allowList = parseAllowList(options.allowHosts);
  const allowlisted = isHostAllowlisted(allowList, url.hostname);
  if (url.protocol === 'http:' && !allowlisted) {
    return fail('https_required', 'The URL must use https.');
  }

  // WHATWG URL has already normalised numeric hosts (`0x7f.1`, `2130706433`) to dotted quads.
  const literal = classifyAddress(url.hostname);
  if (literal && !literal.isPublic && !allowlisted) {
    return fail(
      'blocked_address',
      `The URL points to ${literal.address}, a ${describeRange(literal.range)} address; webhooks can only be delivered to public addresses.`,
    );
  }
  if (!literal && !allowlisted) {
    const name = normalizeHostname(url.hostname);
    if (INTERNAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))) {
      return fail('internal_hostname', `The host "${name}" is an internal name; use a public hostname.`);
    }
    // Single-label names (`http://metadata/`, `https://vault/`) resolve through local search domains.
    if (!name.includes('.')) {
      return fail('internal_hostname', `The host "${name}" is not a fully qualified domain name.`);
    }
  }

  if (options.allowedPorts) {
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    if (!options.allowedPorts.includes(port)) {
      return fail(
        'port_not_allowed',
        `Port ${port} is not allowed; use one of ${options.allowedPorts.join(', ')}.`,
      );
    }
  }
  return { ok: true, url };
}

/** Like checkWebhookUrl but throws a WebhookUrlError; returns the normalised URL. */
export function assertWebhookUrl(input: unknown, options: UrlPolicyOptions = {}): URL {
  const result = checkWebhookUrl(input, options);
  if (!result.ok) throw new WebhookUrlError(result.code, result.message);
  return result.url;
}

function describeRange(range: string): string {
  const labels: Record<string, string> = {
    unspecified: 'unspecified',
    broadcast: 'broadcast',
    multicast: 'multicast',
    linkLocal: 'link-local',
    loopback: 'loopback',
    carrierGradeNat: 'carrier-grade NAT',
    private: 'private',
    reserved: 'reserved',
    uniqueLocal: 'unique-local',
    rfc6052: 'NAT64',
    '6to4': '6to4',
    teredo: 'Teredo',
    nonGlobalIPv6: 'non-global IPv6',
  };
  return labels[range] ?? `special-purpose (${range})`;
}

// Control characters (C0 and DEL), space, and backslash.
function hasUnsafeCharacter(input: string): boolean {
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}
