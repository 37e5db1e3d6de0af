// The one HTTP dispatcher for customer-supplied URLs (rule 15). Its connector refuses to open a
// socket unless the address it is about to connect to is public. The check runs on the address the
// socket will actually use, after DNS resolution, so a name that resolved to a public address when
// the endpoint was registered and to 10.0.0.1 (or 127.0.0.1) now is still refused: DNS rebinding
// cannot slip a second, different answer between the check and the connect.

import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type AllowList, checkAddress, isHostAllowlisted, parseAllowList } from './address-policy.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to all of its addresses; injectable so tests can simulate any DNS answer. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const SSRF_BLOCKED = 'ERR_SSRF_BLOCKED';

export class SsrfBlockedError extends Error {
  readonly code = SSRF_BLOCKED;
  readonly hostname: string;
  readonly address: string;
  readonly range: string;

  constructor(hostname: string, address: string, range: string) {
    const via = hostname === address ? '' : ` (resolved from ${hostname})`;
    super(`Refused to connect to ${address}${via}: ${range} addresses are not reachable from webhooks`);
    this.name = 'SsrfBlockedError';
    this.hostname = hostname;
    this.address = address;
    this.range = range;
  }
}

export interface GuardedAgentOptions {
  /** Development allowlist (see `allowListFromEnv`); empty unless given. */
  allowHosts?: string | readonly string[] | AllowList;
  /** DNS resolver; defaults to the system resolver (`dns.lookup`, all addresses). */
  lookup?: Resolver;
  /** TCP + TLS handshake budget; the caller's total timeout still applies on top. */
  connectTimeoutMs?: number;
}

/** An undici Agent whose every connection has passed the address check. */
export class GuardedAgent extends Agent {
  readonly allowList: AllowList;

  constructor(options: GuardedAgentOptions = {}) {
    const allowList = parseAllowList(options.allowHosts);
    super({
      connect: guardedConnector(allowList, options.lookup ?? systemResolver, options.connectTimeoutMs),
      // Webhook bursts reuse a connection briefly; idle sockets to customer hosts are not kept around.
      keepAliveTimeout: 4_000,
    });
    this.allowList = allowList;
  }
}

export function createGuardedAgent(options: GuardedAgentOptions = {}): GuardedAgent {
  return new GuardedAgent(options);
}

export function isSsrfBlockedError(error: unknown): error is SsrfBlockedError {
  return findSsrfBlockedError(error) !== null;
}

/** Finds a refusal however undici or net wrapped it (cause chains, AggregateError from happy eyeballs). */
export function findSsrfBlockedError(error: unknown, depth = 0): SsrfBlockedError | null {
  if (depth > 5 || typeof error !== 'object' || error === null) return null;
  if ((error as { code?: unknown }).code === SSRF_BLOCKED) return error as SsrfBlockedError;
  const nested = [(error as { cause?: unknown }).cause, ...((error as { errors?: unknown[] }).errors ?? [])];
  for (const inner of nested) {
    const found = findSsrfBlockedError(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

const systemResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function guardedConnector(
  allowList: AllowList,
  resolve: Resolver,
  timeout: number | undefined,
): buildConnector.connector {
  // Node's net/tls call `lookup` for hostnames and connect to exactly the addresses it returns, so
  // checking inside the lookup is checking the socket's destination. TLS still verifies the
  // certificate against the hostname, because the hostname (not the IP) is what we hand to tls.
  const base = buildConnector({ lookup: guardedLookup(allowList, resolve), ...(timeout ? { timeout } : {}) });
  return (options, callback) => {
    // IP literals never reach `lookup` (net connects to them directly), so they are checked here.
    if (isIP(options.hostname) !== 0) {
      const verdict = checkAddress(options.hostname, allowList);
      if (!verdict.allowed) {
        const error = new SsrfBlockedError(options.hostname, verdict.address, verdict.range);
        queueMicrotask(() => callback(error, null));
        return;
      }
    }
    // Returning the socket lets undici cancel a pending connect when the request is aborted.
    return base(options, callback);
  };
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(allowList: AllowList, resolve: Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolveChecked(hostname, allowList, resolve, options.family).then(
      (addresses) => {
        const first = addresses[0]!;
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, ''),
    );
  };
}

async function resolveChecked(
  hostname: string,
  allowList: AllowList,
  resolve: Resolver,
  family: LookupOptions['family'],
): Promise<LookupAddress[]> {
  const wanted = family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : 0;
  const answers = (await resolve(hostname)).filter((a) => wanted === 0 || a.family === wanted);
  if (answers.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  }
  // A development hostname such as `localhost` is trusted by name, whatever it resolves to.
  if (isHostAllowlisted(allowList, hostname)) return answers.map((a) => ({ ...a }));
  // Every answer must pass, not just one: with several A/AAAA records the socket may try any of
  // them (happy eyeballs), and a mix of public and private answers is itself a rebinding trick.
  for (const answer of answers) {
    const verdict = checkAddress(answer.address, allowList);
    if (!verdict.allowed) throw new SsrfBlockedError(hostname, verdict.address, verdict.range);
  }
  return answers.map((a) => ({ ...a }));
}
