// The clauses every connector must keep, run against each vendor's sandbox the way Hono runs one
// `common.case.test.ts` against every router: a vendor's test file calls `runConnectorContract`
// with its connector, how to make a sandbox account, and how a vendor user changes and deletes a
// record there, then adds the tests only its vendor needs. The helpers the vendor files share
// (admin calls, reading a stream to the end, serving a sandbox) live here too.
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import {
  type Connector,
  ConnectorError,
  type ConnectorSession,
  type Credentials,
  type DeletedRecord,
  type Json,
  type Page,
  type ReadRequest,
  type VendorRecord,
} from '../../connectors/types.ts';
import { pathsRead, withOverrides } from '../../mappings/engine.ts';
import { serveApp } from '../support/serve-app.ts';

/** A call to a sandbox's admin API; throws on anything but 2xx. */
export async function admin<T = unknown>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A sandbox account as `POST /_admin/accounts` answers it, with its API root and admin URL. */
export type SandboxAccount<T = Record<string, unknown>> = T & {
  accountId: string;
  baseUrl: string;
  adminUrl: string;
};

/** A new account in the sandbox served at `baseUrl` (`<server>/<vendor>`). */
export async function newSandboxAccount<T = Record<string, unknown>>(
  baseUrl: string,
  opts: Record<string, unknown> = {},
): Promise<SandboxAccount<T>> {
  const body = await admin<T & { accountId: string }>(`${baseUrl}/_admin/accounts`, 'POST', opts);
  return {
    ...body,
    accountId: String(body.accountId),
    baseUrl,
    adminUrl: `${baseUrl}/_admin/accounts/${body.accountId}`,
  };
}

/** Serves one vendor's sandbox in-process under its prefix, as the sandbox server mounts it. */
export async function serveSandbox(
  prefix: string,
  app: Hono,
): Promise<{ url: string; baseUrl: string; close(): Promise<void> }> {
  const server = await serveApp(new Hono().route(prefix, app));
  return { url: server.url, baseUrl: `${server.url}${prefix}`, close: () => server.close() };
}

/** The fields a connection's default mappings read, per stream (what `ctx.fields` carries). */
export function fieldsOf(mappings: Parameters<typeof withOverrides>[0]): Record<string, string[]> {
  const resolved = withOverrides(mappings, undefined);
  return Object.fromEntries(Object.entries(resolved).map(([s, m]) => [s, pathsRead(m)]));
}

export interface ReadAll {
  pages: Page[];
  records: VendorRecord[];
  ids: string[];
  deleted: DeletedRecord[];
  /** The cursor the last page hands back (the one to keep). */
  cursor: Json;
}

/** Reads a stream to its end, page by page, optionally acting between pages. */
export async function readAll(
  s: ConnectorSession,
  req: Omit<ReadRequest, 'checkpoint' | 'runStartedAt'> & { runStartedAt?: string; checkpoint?: Json },
  between?: (page: Page, index: number) => Promise<void>,
): Promise<ReadAll> {
  const pages: Page[] = [];
  let checkpoint: Json = req.checkpoint ?? null;
  const runStartedAt = req.runStartedAt ?? new Date().toISOString();
  do {
    const page = await s.read({ ...req, runStartedAt, checkpoint });
    pages.push(page);
    checkpoint = page.checkpoint;
    if (between) await between(page, pages.length - 1);
  } while (checkpoint !== null);
  const records = pages.flatMap((p) => p.records);
  return {
    pages,
    records,
    ids: records.map((r) => r.externalId),
    deleted: pages.flatMap((p) => p.deleted),
    cursor: pages.at(-1)!.cursor,
  };
}

const sorted = (ids: string[]) => [...ids].sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a vendor user does to one record in the sandbox: the stream it is read from, and the act. */
export interface VendorEdit<A> {
  stream: string;
  /** Returns the external id of the record touched. */
  run(account: A): Promise<string>;
}

export interface ConnectorContract<A extends { adminUrl: string }> {
  connector: Connector;
  /** A new sandbox account (fresh per clause that changes chaos or records). */
  newAccount(): Promise<A>;
  /**
   * A session on the account as the hub opens it, a new connection every time (so a second
   * session is a second worker). `refresh` is the hub's refresh (default: the vendor's own).
   */
  open(
    account: A,
    opts?: { credentials?: Credentials; refresh?: () => Promise<Credentials> },
  ): ConnectorSession;
  /** A stream whose full read takes at least two pages on a new account. */
  pagedStream: string;
  /** Changes one record as a vendor user would. */
  change: VendorEdit<A>;
  /** Deletes (or voids, archives, inactivates) one record the way the vendor's users do. */
  remove: VendorEdit<A>;
  /** The retry delay the vendor's rate-limit answer carries (chaos retryAfterSeconds is 2). */
  retryAfterMs: number;
  /** Credentials the vendor no longer accepts (a revoked token, a retired secret). */
  revoke(account: A): Promise<Credentials>;
  /** Fresh credentials, as the hub's refresh would obtain them (rejects where nothing refreshes). */
  refresh(account: A): Promise<Credentials>;
  /** Pause between a read and a vendor change, for vendors whose timestamps are whole seconds. */
  settleMs?: number;
}

/** Runs the common clauses against one connector and its sandbox. */
export function runConnectorContract<A extends { adminUrl: string }>(
  name: string,
  contract: ConnectorContract<A>,
): void {
  const { connector } = contract;
  const full = (stream: string) => ({ stream, mode: 'full' as const, cursor: null });
  const deletesOf = (stream: string) => connector.definition.streams.find((s) => s.name === stream)!.deletes;

  describe(`${name} keeps the connector contract`, () => {
    test('a full read pages to the end, each record once, with the same ids every time', async () => {
      const account = await contract.newAccount();
      const first = await readAll(contract.open(account), full(contract.pagedStream));
      expect(first.pages.length).toBeGreaterThanOrEqual(2);
      expect(first.ids.length).toBeGreaterThan(0);
      expect(new Set(first.ids).size).toBe(first.ids.length);
      const second = await readAll(contract.open(account), full(contract.pagedStream));
      expect(sorted(second.ids)).toEqual(sorted(first.ids));
    });

    test('a run resumed from a checkpoint by another worker reads nothing twice and misses nothing', async () => {
      const account = await contract.newAccount();
      const runStartedAt = new Date().toISOString();
      const straight = await readAll(contract.open(account), { ...full(contract.pagedStream), runStartedAt });
      const firstPage = await contract
        .open(account)
        .read({ ...full(contract.pagedStream), checkpoint: null, runStartedAt });
      expect(firstPage.checkpoint).not.toBeNull();
      const rest = await readAll(contract.open(account), {
        ...full(contract.pagedStream),
        runStartedAt,
        checkpoint: firstPage.checkpoint,
      });
      const ids = [...firstPage.records.map((r) => r.externalId), ...rest.ids];
      expect(new Set(ids).size).toBe(ids.length);
      expect(sorted(ids)).toEqual(sorted(straight.ids));
    });

    test('an incremental read from the cursor a full read kept returns a record changed since', async () => {
      const account = await contract.newAccount();
      const { stream } = contract.change;
      const before = await readAll(contract.open(account), full(stream));
      await sleep(contract.settleMs ?? 20);
      const changed = await contract.change.run(account);
      const after = await readAll(contract.open(account), {
        stream,
        mode: 'incremental',
        cursor: before.cursor,
      });
      expect(after.ids).toContain(changed);
    });

    test('a delete is signalled the way the stream declares it', async () => {
      const account = await contract.newAccount();
      const { stream } = contract.remove;
      const before = await readAll(contract.open(account), full(stream));
      await sleep(contract.settleMs ?? 20);
      const removed = await contract.remove.run(account);
      const signal = deletesOf(stream);
      if (signal === 'full_sweep_only') {
        // No signal at all: the record is simply gone, and the hub's sweep after a full sync notices.
        const next = await readAll(contract.open(account), full(stream));
        expect(next.ids).not.toContain(removed);
        expect(next.deleted).toEqual([]);
        return;
      }
      const next = await readAll(contract.open(account), {
        stream,
        mode: 'incremental',
        cursor: before.cursor,
      });
      const deletedIds = next.deleted.map((d) => d.externalId);
      // A status field reaches the hub as a record (the mapping reads it) or as a delete.
      if (signal === 'status_field') expect([...next.ids, ...deletedIds]).toContain(removed);
      else {
        expect(deletedIds).toContain(removed);
        expect(next.ids).not.toContain(removed);
      }
    });

    test('a 429 from the vendor is rate_limited with the delay it asked for', async () => {
      const account = await contract.newAccount();
      await admin(`${account.adminUrl}/chaos`, 'PUT', { rateLimitRate: 1, retryAfterSeconds: 2 });
      const err = await contract
        .open(account)
        .read({ ...full(contract.pagedStream), checkpoint: null, runStartedAt: new Date().toISOString() })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: contract.retryAfterMs });
      expect((err as ConnectorError).retryable).toBe(true);
    });

    test('a 5xx from the vendor is vendor_outage', async () => {
      const account = await contract.newAccount();
      await admin(`${account.adminUrl}/chaos`, 'PUT', { serverErrorRate: 1 });
      const err = await contract
        .open(account)
        .read({ ...full(contract.pagedStream), checkpoint: null, runStartedAt: new Date().toISOString() })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ kind: 'vendor_outage', retryable: true });
    });

    test('a revoked credential is auth_invalid, or auth_expired refreshed once through the hub', async () => {
      const account = await contract.newAccount();
      const revoked = await contract.revoke(account);
      let refreshes = 0;
      const s = contract.open(account, {
        credentials: revoked,
        refresh: () => {
          refreshes++;
          return contract.refresh(account);
        },
      });
      const outcome = await s
        .read({ ...full(contract.pagedStream), checkpoint: null, runStartedAt: new Date().toISOString() })
        .catch((e: unknown) => e);
      if (outcome instanceof ConnectorError) {
        expect(['auth_invalid', 'auth_expired']).toContain(outcome.kind);
        expect(refreshes).toBe(outcome.kind === 'auth_invalid' ? 0 : 1);
      } else {
        // Refused as expired, refreshed once, and the read went through with the new credentials.
        expect(refreshes).toBe(1);
        expect(outcome).toMatchObject({ records: expect.any(Array) });
      }
    });
  });
}
