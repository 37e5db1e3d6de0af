// Which IP addresses a customer-supplied webhook URL may reach, and the development allowlist that
// lets tests and local setups target loopback receivers. Shared by the registration-time URL policy
// and the connect-time guard so the two can never disagree about what "public" means.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** The only IPv6 block allocated for global unicast; anything outside it is not a customer server. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

export interface AddressClass {
  /** Canonical form after unmapping (`::ffff:127.0.0.1` → `127.0.0.1`). */
  address: string;
  family: 4 | 6;
  /** ipaddr.js range name (`loopback`, `private`, `linkLocal`, `uniqueLocal`, `6to4`, …) or `unicast`. */
  range: string;
  /** True only for globally routable unicast addresses. */
  isPublic: boolean;
}

/** Classifies an IP literal; returns null for anything that is not one (a hostname). */
export function classifyAddress(input: string): AddressClass | null {
  const bare = stripBrackets(input);
  // net.isIP is strict (no octal/hex/short forms); resolvers and WHATWG URL hand us canonical forms.
  if (isIP(bare) === 0) return null;
  // process() unmaps IPv4-mapped IPv6, so `::ffff:7f00:1` is judged as the loopback it really is.
  const parsed: Address = ipaddr.process(bare);
  const range = parsed.range();
  if (parsed.kind() === 'ipv4') {
    return { address: parsed.toString(), family: 4, range, isPublic: range === 'unicast' };
  }
  // ipaddr calls e.g. IPv4-compatible `::a.b.c.d` or `5f00::/16` "unicast"; only 2000::/3 is global.
  const global = range === 'unicast' && parsed.match(IPV6_GLOBAL_UNICAST);
  return {
    address: parsed.toString(),
    family: 6,
    range: global || range !== 'unicast' ? range : 'nonGlobalIPv6',
    isPublic: global,
  };
}

export interface AllowList {
  /** Lower-case hostnames without a trailing dot; a match skips the address check entirely. */
  readonly hosts: ReadonlySet<string>;
  readonly cidrs: readonly (readonly [Address, number])[];
  /** The entries as given, for logs and error messages. */
  readonly entries: readonly string[];
}

export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), cidrs: [], entries: [] };

/**
 * Parses `WEBHOOK_ALLOWED_HOSTS`-style input: comma-separated hostnames, IP addresses or CIDRs
 * (`localhost`, `127.0.0.1`, `127.0.0.0/8`, `::1`). Throws on an entry that is none of these, so a
 * typo fails at start-up instead of silently blocking the developer's receiver.
 */
export function parseAllowList(input: string | readonly string[] | AllowList | undefined): AllowList {
  if (input === undefined) return EMPTY_ALLOW_LIST;
  if (isAllowList(input)) return input;
  const raw = typeof input === 'string' ? input.split(',') : input;
  const hosts = new Set<string>();
  const cidrs: (readonly [Address, number])[] = [];
  const entries: string[] = [];
  for (const item of raw) {
    const entry = item.trim().toLowerCase();
    if (entry === '') continue;
    entries.push(entry);
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry))
        throw new Error(`WEBHOOK_ALLOWED_HOSTS: "${entry}" is not a valid CIDR`);
      cidrs.push(normalizeCidr(ipaddr.parseCIDR(entry)));
      continue;
    }
    const literal = classifyAddress(entry);
    if (literal) {
      cidrs.push(normalizeCidr(ipaddr.parseCIDR(`${literal.address}/${literal.family === 4 ? 32 : 128}`)));
      continue;
    }
    const name = normalizeHostname(entry);
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) {
      throw new Error(`WEBHOOK_ALLOWED_HOSTS: "${entry}" is neither a hostname, an IP address nor a CIDR`);
    }
    hosts.add(name);
  }
  return { hosts, cidrs, entries };
}

/**
 * The allowlist from the environment. It exists for tests and development only (rule 15), so it is
 * refused outright in production rather than quietly opening internal addresses there.
 */
export function allowListFromEnv(env: NodeJS.ProcessEnv = process.env): AllowList {
  const value = env.WEBHOOK_ALLOWED_HOSTS?.trim() ?? '';
  if (value === '') return EMPTY_ALLOW_LIST;
  if (env.NODE_ENV === 'production') {
    throw new Error('WEBHOOK_ALLOWED_HOSTS must not be set when NODE_ENV=production');
  }
  return parseAllowList(value);
}

/** Is this IP address inside one of the allowlisted addresses or CIDRs? */
export function isAddressAllowlisted(list: AllowList, address: string): boolean {
  if (list.cidrs.length === 0 || isIP(stripBrackets(address)) === 0) return false;
  const parsed: Address = ipaddr.process(stripBrackets(address));
  return list.cidrs.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
}

/** Is this URL host (a name or an IP literal) allowlisted? */
export function isHostAllowlisted(list: AllowList, host: string): boolean {
  if (classifyAddress(host)) return isAddressAllowlisted(list, host);
  return list.hosts.has(normalizeHostname(host));
}

export type AddressVerdict =
  | { allowed: true; address: string }
  | { allowed: false; address: string; range: string };

/** The connect-time decision for one resolved address. */
export function checkAddress(address: string, list: AllowList): AddressVerdict {
  const cls = classifyAddress(address);
  // A resolver that returns something that is not an IP is broken or hostile; never connect.
  if (!cls) return { allowed: false, address, range: 'notAnAddress' };
  if (cls.isPublic || isAddressAllowlisted(list, cls.address)) return { allowed: true, address };
  return { allowed: false, address, range: cls.range };
}

export function normalizeHostname(host: string): string {
  return stripBrackets(host).toLowerCase().replace(/\.$/, '');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

// An IPv4-mapped CIDR (`::ffff:127.0.0.0/104`) is stored as its IPv4 form, matching process().
function normalizeCidr([net, bits]: [Address, number]): readonly [Address, number] {
  if (net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(net as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [net, bits];
}

function isAllowList(value: unknown): value is AllowList {
  return typeof value === 'object' && value !== null && 'hosts' in value && 'cidrs' in value;
}
