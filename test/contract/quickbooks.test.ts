// The QuickBooks connector, driving the real node-quickbooks, against the QuickBooks sandbox
// served in-process under /quickbooks: query paging, Change Data Capture (and its 1,000-object
// cap and 30-day reach), deletes, journal entry upserts with SyncToken concurrency, Intuit's
// throttling and auth faults, rotating refresh tokens, and signed webhooks in both forms.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { Hono } from 'hono';
import type { QuickBooks as QuickBooksLibrary } from 'node-quickbooks';
import * as oauth from 'oauth4webapi';
import sax from 'sax';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { rateBudgetFor } from '../../connectors/kit/rate-budget.ts';
import { throttleFor } from '../../connectors/kit/throttle.ts';
import { QuickBooksClient } from '../../connectors/quickbooks/client.ts';
import { quickbooksDefinition } from '../../connectors/quickbooks/definition.ts';
import { classifyQuickBooksError, isCdcWindowExceeded } from '../../connectors/quickbooks/errors.ts';
import { quickbooksConnector } from '../../connectors/quickbooks/index.ts';
import { createQuickBooksSandboxApp, QuickBooksSandbox } from '../../connectors/quickbooks/sandbox/index.ts';
import {
  type QuickBooksWriter,
  removeAbsentJournalEntries,
  upsertJournalEntries,
} from '../../connectors/quickbooks/writes.ts';
import {
  type ConnectionContext,
  ConnectorError,
  type ConnectorSession,
  type Credentials,
  type WebhookRequest,
} from '../../connectors/types.ts';
import { payloadHash } from '../../db/page-writer.ts';
import { formatCents, Money, type MoneyDecimal } from '../../domain/money.ts';
import { quickbooksMappings } from '../../mappings/quickbooks.ts';
import { serveApp } from '../support/serve-app.ts';
import {
  admin,
  fieldsOf,
  newSandboxAccount,
  readAll,
  runConnectorContract,
  type SandboxAccount,
  serveSandbox,
} from './connector-contract.ts';

const QuickBooks = createRequire(import.meta.url)('node-quickbooks') as typeof QuickBooksLibrary;
const fields = fieldsOf(quickbooksMappings);

type Account = SandboxAccount<{
  credentials: {
    accessToken: string;
    refreshToken: string;
    realmId: string;
    clientId: string;
    clientSecret: string;
  };
}>;
const newAccount = (opts: Record<string, unknown>) => newSandboxAccount<Account>(baseUrl, opts);

let server: Awaited<ReturnType<typeof serveSandbox>>;
let baseUrl: string;

beforeAll(async () => {
  // Mounted under a prefix, as the sandbox server mounts it.
  server = await serveSandbox('/quickbooks', createQuickBooksSandboxApp().app);
  baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server.close();
});

type Row = Record<string, unknown> & { Id: string; deleted: boolean; Active?: boolean };
const truth = async (account: Account, type: string) =>
  (await admin<{ results: Row[] }>(`${account.adminUrl}/objects/${type}`)).results;

/** What the hub does on a refresh: Intuit's token endpoint with HTTP Basic, via oauth4webapi. */
async function refreshAtTokenEndpoint(creds: Credentials): Promise<Credentials> {
  const spec = quickbooksDefinition.auth[0]!;
  if (spec.kind !== 'oauth2_authorization_code') throw new Error('QuickBooks authenticates with OAuth 2.0');
  const as: oauth.AuthorizationServer = {
    issuer: new URL(baseUrl).origin,
    token_endpoint: `${baseUrl}${spec.tokenPath}`,
  };
  const client: oauth.Client = { client_id: String(creds.clientId) };
  const res = await oauth.refreshTokenGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(String(creds.clientSecret)),
    String(creds.refreshToken),
    { [oauth.allowInsecureRequests]: true },
  );
  const result = await oauth.processRefreshTokenResponse(as, client, res);
  return {
    ...creds,
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? creds.refreshToken ?? null,
  };
}

function context(
  account: Account,
  opts: {
    credentials?: Credentials;
    settings?: Record<string, unknown>;
    refresh?: () => Promise<Credentials>;
  } = {},
): ConnectionContext {
  return {
    connectionId: randomUUID(),
    tenantId: randomUUID(),
    baseUrl,
    credentials: opts.credentials ?? { ...account.credentials },
    settings: opts.settings ?? {},
    fields,
    refreshCredentials: opts.refresh ?? (() => Promise.reject(new Error('no refresh in this test'))),
  };
}

const session = (account: Account, opts: Parameters<typeof context>[1] = {}): ConnectorSession =>
  quickbooksConnector.open(context(account, opts));

/** node-quickbooks itself, for what the connector does not do on its own. */
function library(account: Account, accessToken = account.credentials.accessToken) {
  const c = account.credentials;
  const qbo = new QuickBooks(
    c.clientId,
    c.clientSecret,
    accessToken,
    false,
    c.realmId,
    true,
    false,
    null,
    '2.0',
    c.refreshToken,
  );
  qbo.endpoint = `${baseUrl}/v3/company/`;
  const call = <T = Record<string, unknown>>(method: string, ...args: unknown[]): Promise<T> => {
    const fn = (qbo as unknown as Record<string, (...a: unknown[]) => void>)[method]!.bind(qbo);
    return (promisify(fn) as (...a: unknown[]) => Promise<T>)(...args);
  };
  return { qbo, call };
}

const accountsByName = async (account: Account) =>
  new Map((await truth(account, 'accounts')).map((a) => [String(a.Name), a.Id]));

runConnectorContract('QuickBooks', {
  connector: quickbooksConnector,
  newAccount: () => newAccount({ seed: 'clauses', clients: 60, asOf: '2026-11-01' }),
  open: (account, opts) =>
    session(account, { credentials: opts?.credentials, refresh: opts?.refresh, settings: { pageSize: 7 } }),
  pagedStream: 'customers',
  change: {
    stream: 'customers',
    async run(account) {
      const customer = (await truth(account, 'customers')).find((c) => c.Active !== false)!;
      await admin(`${account.adminUrl}/objects/customers/${customer.Id}`, 'PATCH', {
        PrimaryPhone: { FreeFormNumber: '(512) 555-0199' },
      });
      return customer.Id;
    },
  },
  // Deleting a customer in QuickBooks makes it inactive: a delete on the next CDC read.
  remove: {
    stream: 'customers',
    async run(account) {
      const customer = (await truth(account, 'customers')).find((c) => c.Active !== false)!;
      await admin(`${account.adminUrl}/objects/customers/${customer.Id}`, 'DELETE');
      return customer.Id;
    },
  },
  retryAfterMs: 2_000,
  async revoke(account) {
    await admin(`${account.adminUrl}/tokens/${account.credentials.accessToken}`, 'DELETE');
    return { ...account.credentials };
  },
  refresh: (account) => refreshAtTokenEndpoint({ ...account.credentials }),
  // CDC times are whole seconds.
  settleMs: 1_100,
});

let book: Account;

beforeAll(async () => {
  book = await newAccount({ seed: 'contract', clients: 220, asOf: '2026-11-01' });
});

describe('the sandbox company projects the demo agency', () => {
  test('a carrier’s monthly deposit is its direct-bill commission for the month, to the cent', () => {
    const opts = { seed: 'ledger', clients: 150, asOf: '2026-11-01', clean: true };
    const { realm } = new QuickBooksSandbox().createRealm(opts);
    const agency = generateAgency(opts);
    const owed = new Map<string, MoneyDecimal>();
    for (const p of agency.policies.filter((p) => p.billMode === 'direct')) {
      const carrier = agency.carriers.find((c) => c.key === p.carrierKey)!;
      const rate = p.termNumber === 1 ? carrier.newRate : carrier.renewalRate;
      for (const t of p.transactions) {
        const key = `${carrier.key}-STMT-${t.effectiveDate.slice(0, 7).replace('-', '')}`;
        const cents = new Money(t.premiumDeltaCents)
          .times(rate)
          .dividedBy(100)
          .toDecimalPlaces(0, Money.ROUND_HALF_EVEN);
        owed.set(key, (owed.get(key) ?? new Money(0)).plus(cents));
      }
    }
    const deposits = [...realm.rows.Deposit.values()].map((r) => r.body);
    expect(deposits.length).toBeGreaterThan(100);
    let compared = 0;
    for (const d of deposits) {
      const reference = String(d.PrivateNote).split(' ').at(-1)!;
      const line = (d.Line as Record<string, unknown>[])[0]!;
      expect(line.Description).toBe(`Commission statement ${reference}`);
      expect((line.DepositLineDetail as { Entity: { type: string } }).Entity.type).toBe('Vendor');
      // Months after a carried-forward chargeback include the carry; the rest match exactly.
      const expected = owed.get(reference);
      if (expected?.gt(0) && formatCents(expected.toNumber()) === line.Amount) compared++;
    }
    expect(compared / deposits.length).toBeGreaterThan(0.9);
  });
});

describe('reading QuickBooks through node-quickbooks', () => {
  test('a full listing walks several pages and returns every active customer once', async () => {
    const customers = await truth(book, 'customers');
    const runStartedAt = new Date().toISOString();
    const { pages, ids, cursor } = await readAll(session(book, { settings: { pageSize: 7 } }), {
      stream: 'customers',
      mode: 'full',
      cursor: null,
      runStartedAt,
    });
    expect(pages.length).toBeGreaterThan(2);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(
      customers
        .filter((c) => c.Active !== false)
        .map((c) => c.Id)
        .sort(),
    );
    expect(cursor).toEqual({ since: runStartedAt });
  });

  test('inactive vendors come back as deletes from a full read, and suppliers still come as records', async () => {
    const vendors = await truth(book, 'vendors');
    const { ids, deleted } = await readAll(session(book, { settings: { pageSize: 5 } }), {
      stream: 'vendors',
      mode: 'full',
      cursor: null,
      runStartedAt: new Date().toISOString(),
    });
    const inactive = vendors.filter((v) => v.Active === false).map((v) => v.Id);
    expect(inactive.length).toBeGreaterThan(0);
    expect(deleted.map((d) => d.externalId).sort()).toEqual(inactive.sort());
    expect(deleted[0]).toMatchObject({ reason: 'made inactive in QuickBooks' });
    expect(ids.length).toBe(vendors.length - inactive.length);
  });

  test('rows deleted between two pages of a full read shift the rest without losing any', async () => {
    const account = await newAccount({ seed: 'shift', clients: 60, asOf: '2026-11-01', clean: true });
    const s = session(account, { settings: { pageSize: 10 } });
    const req = {
      stream: 'deposits',
      mode: 'full' as const,
      cursor: null,
      runStartedAt: new Date().toISOString(),
    };
    const first = await s.read({ ...req, checkpoint: null });
    for (const victim of first.records.slice(2, 5))
      await admin(`${account.adminUrl}/objects/deposits/${victim.externalId}`, 'DELETE');
    let checkpoint = first.checkpoint;
    const ids = first.records.map((r) => r.externalId);
    while (checkpoint !== null) {
      const page = await s.read({ ...req, checkpoint });
      ids.push(...page.records.map((r) => r.externalId));
      checkpoint = page.checkpoint;
    }
    const live = (await truth(account, 'deposits')).filter((d) => !d.deleted).map((d) => d.Id);
    expect(ids.length).toBe(new Set(ids).size);
    expect(live.every((id) => ids.includes(id))).toBe(true);
  });

  test('incremental CDC since a cursor picks up a change made in QuickBooks, and only that', async () => {
    const since = new Date().toISOString();
    const customer = (await truth(book, 'customers')).find((c) => c.Active !== false)!;
    await admin(`${book.adminUrl}/objects/customers/${customer.Id}`, 'PATCH', {
      PrimaryPhone: { FreeFormNumber: '(512) 555-0199' },
    });
    const runStartedAt = new Date().toISOString();
    const { ids, pages, cursor } = await readAll(session(book), {
      stream: 'customers',
      mode: 'incremental',
      cursor: { since },
      runStartedAt,
    });
    expect(ids).toEqual([customer.Id]);
    const record = pages.flatMap((p) => p.records)[0]!;
    expect(record.payload.PrimaryPhone).toEqual({ FreeFormNumber: '(512) 555-0199' });
    // Never beyond the run's start, and not before the change it saw (to the second).
    const { since: next } = cursor as { since: string };
    expect(Date.parse(next)).toBeLessThanOrEqual(Date.parse(runStartedAt));
    expect(Date.parse(next)).toBeGreaterThanOrEqual(Date.parse(record.updatedAt!));
  });

  test('query and CDC give the same payload for the same record', async () => {
    const since = new Date().toISOString();
    const deposits = (await truth(book, 'deposits')).filter((d) => !d.deleted).slice(0, 3);
    for (const d of deposits)
      await admin(`${book.adminUrl}/objects/deposits/${d.Id}`, 'PATCH', {
        PrivateNote: `${d.PrivateNote} (checked)`,
      });
    const s = session(book);
    const runStartedAt = new Date().toISOString();
    const full = await readAll(s, { stream: 'deposits', mode: 'full', cursor: null, runStartedAt });
    const inc = await readAll(s, {
      stream: 'deposits',
      mode: 'incremental',
      cursor: { since },
      runStartedAt,
    });
    const fullById = new Map(full.pages.flatMap((p) => p.records).map((r) => [r.externalId, r.payload]));
    const changed = inc.pages.flatMap((p) => p.records);
    expect(changed.map((r) => r.externalId).sort()).toEqual(deposits.map((d) => d.Id).sort());
    for (const r of changed) expect(payloadHash(r.payload)).toBe(payloadHash(fullById.get(r.externalId)));
    // Amounts are exact decimal strings, whichever endpoint they came from.
    expect((changed[0]!.payload.Line as { Amount: unknown }[])[0]!.Amount).toMatch(/^\d+\.\d{2}$/);
  });

  test('a deleted deposit and a customer made inactive come back as deletes', async () => {
    const since = new Date().toISOString();
    const deposit = (await truth(book, 'deposits')).find((d) => !d.deleted)!;
    const customer = (await truth(book, 'customers')).find((c) => c.Active !== false)!;
    await admin(`${book.adminUrl}/objects/deposits/${deposit.Id}`, 'DELETE');
    await admin(`${book.adminUrl}/objects/customers/${customer.Id}`, 'DELETE');
    const runStartedAt = new Date().toISOString();
    const deposits = await readAll(session(book), {
      stream: 'deposits',
      mode: 'incremental',
      cursor: { since },
      runStartedAt,
    });
    expect(deposits.deleted).toEqual([
      { externalId: deposit.Id, deletedAt: expect.any(String), reason: 'deleted in QuickBooks' },
    ]);
    const customers = await readAll(session(book), {
      stream: 'customers',
      mode: 'incremental',
      cursor: { since },
      runStartedAt,
    });
    expect(customers.deleted).toEqual([
      { externalId: customer.Id, deletedAt: expect.any(String), reason: 'made inactive in QuickBooks' },
    ]);
    expect(customers.ids).not.toContain(customer.Id);
  });

  test('more than 1,000 changes since the cursor: the CDC cap narrows the window and nothing is lost', async () => {
    const account = await newAccount({ seed: 'cap', clients: 30, asOf: '2026-11-01', clean: true });
    const accounts = await accountsByName(account);
    const since = new Date(Date.now() - 2000).toISOString();
    const imported = (
      await admin<{ results: { Id: string }[] }>(
        `${account.adminUrl}/objects/deposits`,
        'POST',
        Array.from({ length: 1150 }, (_, i) => ({
          DepositToAccountRef: { value: accounts.get('Operating Account') },
          PrivateNote: `Imported EFT ${i + 1}`,
          Line: [
            {
              Amount: 100 + i / 100,
              DetailType: 'DepositLineDetail',
              DepositLineDetail: { AccountRef: { value: accounts.get('Commission Income') } },
            },
          ],
        })),
      )
    ).results.map((d) => d.Id);
    const removed = [imported[3]!, imported[600]!, imported[1100]!];
    for (const id of removed) await admin(`${account.adminUrl}/objects/deposits/${id}`, 'DELETE');

    // The raw endpoint answers 1,000 objects and no more, as Intuit's does.
    const raw = await library(account).call<{ CDCResponse: { QueryResponse: { Deposit?: unknown[] }[] }[] }>(
      'changeDataCapture',
      ['Deposit'],
      since,
    );
    expect(raw.CDCResponse[0]!.QueryResponse[0]!.Deposit).toHaveLength(1000);

    const { ids, deleted, pages } = await readAll(session(account), {
      stream: 'deposits',
      mode: 'incremental',
      cursor: { since },
      runStartedAt: new Date().toISOString(),
    });
    expect(pages.length).toBeGreaterThan(1);
    const live = imported.filter((id) => !removed.includes(id));
    expect(live.every((id) => ids.includes(id))).toBe(true);
    expect(deleted.map((d) => d.externalId).sort()).toEqual([...removed].sort());
    expect(ids.some((id) => removed.includes(id))).toBe(false);
  });

  test('a cursor older than CDC’s 30 days falls back to a full read', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    // Intuit's refusal: code 500 "Unsupported Operation", "... older than fixed days is not supported."
    const refusal = await library(book)
      .call('changeDataCapture', ['Customer'], old)
      .catch((e: unknown) => e);
    expect(quickbooksConnector.classifyError(refusal)).toMatchObject({
      kind: 'bad_request',
      vendorCode: '500',
    });
    expect((refusal as { response: { data: unknown } }).response.data).toMatchObject({
      Fault: {
        type: 'ValidationFault',
        Error: [
          {
            code: '500',
            Message: 'Unsupported Operation',
            Detail: `Operation cdc with changedSince date ${old} which is older than fixed days is not supported.`,
          },
        ],
      },
    });
    expect(isCdcWindowExceeded(refusal)).toBe(true);
    // The same refusal in the gateway's lower-case shape, or reworded, is still recognised; other
    // code-500 refusals are not.
    const axiosLike = (fault: unknown) => ({ isAxiosError: true, response: { status: 400, data: fault } });
    const lower = {
      fault: {
        error: [
          {
            code: '500',
            message: 'Unsupported Operation',
            detail: `Operation cdc with changedSince date ${old} which is older than fixed days is not supported.`,
          },
        ],
        type: 'ValidationFault',
      },
    };
    expect(isCdcWindowExceeded(axiosLike(lower))).toBe(true);
    const reworded = {
      Fault: {
        Error: [
          { code: '4001', Message: 'Invalid CDC request', Detail: 'changedSince is older than 30 days' },
        ],
        type: 'ValidationFault',
      },
    };
    expect(isCdcWindowExceeded(axiosLike(reworded))).toBe(true);
    const other = {
      Fault: {
        Error: [{ code: '500', Message: 'Unsupported Operation', Detail: 'Operation Foo is not supported.' }],
        type: 'ValidationFault',
      },
    };
    expect(isCdcWindowExceeded(axiosLike(other))).toBe(false);
    expect(classifyQuickBooksError(axiosLike(other)).kind).toBe('bad_request');
    // A cursor that aged out while its run was in CDC reaches Intuit, is refused, and falls back.
    const fromCheckpoint = await session(book).read({
      stream: 'customers',
      mode: 'incremental',
      cursor: { since: old },
      checkpoint: { phase: 'cdc', since: old, maxSeen: null },
      runStartedAt: new Date().toISOString(),
    });
    expect(fromCheckpoint.records.length).toBeGreaterThan(0);
    const runStartedAt = new Date().toISOString();
    const { ids, cursor } = await readAll(session(book), {
      stream: 'customers',
      mode: 'incremental',
      cursor: { since: old },
      runStartedAt,
    });
    const active = (await truth(book, 'customers')).filter((c) => c.Active !== false);
    expect(ids.sort()).toEqual(active.map((c) => c.Id).sort());
    expect(cursor).toEqual({ since: runStartedAt });
  });
});

describe('writing journal entries to QuickBooks', () => {
  const entry = (
    accounts: Map<string, string>,
    cents: number,
    note = 'Direct-bill commission accrual, Travelers, 2026-10',
  ) => ({
    txnDate: '2026-10-31',
    privateNote: note,
    lines: [
      {
        postingType: 'Debit' as const,
        accountId: accounts.get('Commissions Receivable')!,
        amountCents: cents,
      },
      {
        postingType: 'Credit' as const,
        accountId: accounts.get('Commission Income')!,
        amountCents: cents,
        description: 'Expected commission',
      },
    ],
  });

  test('upsert by DocNumber creates once, writes nothing on a rerun, and updates the same entry on a change', async () => {
    const accounts = await accountsByName(book);
    const s = session(book);
    const doc = `CH-${randomUUID().slice(0, 8)}`;
    const [first] = await s.upsert!('journal_entries', 'DocNumber', [
      { externalId: doc, fields: entry(accounts, 1234_56) },
    ]);
    const [again] = await s.upsert!('journal_entries', 'DocNumber', [
      { externalId: doc, fields: entry(accounts, 1234_56) },
    ]);
    const [changed] = await s.upsert!('journal_entries', 'DocNumber', [
      { externalId: doc, fields: entry(accounts, 1250_05) },
    ]);
    expect(first).toMatchObject({ externalId: doc, created: true });
    expect(again).toEqual({ externalId: doc, vendorId: first!.vendorId, created: false });
    expect(changed).toEqual({ externalId: doc, vendorId: first!.vendorId, created: false });
    const entries = (await truth(book, 'journalentries')).filter((j) => j.DocNumber === doc);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      SyncToken: '1',
      TotalAmt: 1250.05,
      PrivateNote: expect.stringContaining('Travelers'),
    });
    expect((entries[0]!.Line as { Amount: number }[]).map((l) => l.Amount)).toEqual([1250.05, 1250.05]);
  });

  test('an unbalanced entry is refused: by the connector before sending, by QuickBooks with a 6000 fault', async () => {
    const accounts = await accountsByName(book);
    const unbalanced = entry(accounts, 100_00);
    unbalanced.lines[1]!.amountCents = 99_99;
    await expect(
      session(book).upsert!('journal_entries', 'DocNumber', [{ externalId: 'CH-UNBAL', fields: unbalanced }]),
    ).rejects.toMatchObject({ kind: 'bad_request' });
    const err = await library(book)
      .call('createJournalEntry', {
        DocNumber: 'CH-UNBAL',
        TxnDate: '2026-10-31',
        PrivateNote: 'unbalanced',
        Line: [
          {
            Amount: 100,
            DetailType: 'JournalEntryLineDetail',
            JournalEntryLineDetail: {
              PostingType: 'Debit',
              AccountRef: { value: accounts.get('Commissions Receivable') },
            },
          },
          {
            Amount: 99.99,
            DetailType: 'JournalEntryLineDetail',
            JournalEntryLineDetail: {
              PostingType: 'Credit',
              AccountRef: { value: accounts.get('Commission Income') },
            },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(quickbooksConnector.classifyError(err)).toMatchObject({
      kind: 'bad_request',
      status: 400,
      vendorCode: '6000',
    });
  });

  test('a stale SyncToken is Fault 5010; the upsert re-reads the entry and retries once', async () => {
    const accounts = await accountsByName(book);
    const { call } = library(book);
    const created = await call<{ Id: string; SyncToken: string }>('createJournalEntry', {
      DocNumber: `CH-${randomUUID().slice(0, 8)}`,
      TxnDate: '2026-10-31',
      PrivateNote: 'stale token demo',
      Line: entry(accounts, 10_00).lines.map((l) => ({
        Amount: 10,
        DetailType: 'JournalEntryLineDetail',
        JournalEntryLineDetail: { PostingType: l.postingType, AccountRef: { value: l.accountId } },
      })),
    });
    await call('updateJournalEntry', {
      Id: created.Id,
      SyncToken: created.SyncToken,
      PrivateNote: 'first edit',
    });
    const stale = await call('updateJournalEntry', {
      Id: created.Id,
      SyncToken: created.SyncToken,
      PrivateNote: 'lost edit',
    }).catch((e: unknown) => e);
    expect((stale as { response: { data: unknown } }).response.data).toMatchObject({
      Fault: { Error: [{ code: '5010', Message: 'Stale Object Error' }], type: 'ValidationFault' },
    });
    expect(quickbooksConnector.classifyError(stale)).toMatchObject({
      kind: 'bad_request',
      vendorCode: '5010',
    });

    // A bookkeeper edits the entry between the connector's lookup and its update.
    const ctx = context(book);
    const client = new QuickBooksClient(
      ctx,
      throttleFor(`quickbooks:${ctx.connectionId}`, rateBudgetFor(ctx, quickbooksDefinition.rateBudget)),
    );
    const doc = `CH-${randomUUID().slice(0, 8)}`;
    const [first] = await upsertJournalEntries(client, 'journal_entries', 'DocNumber', [
      { externalId: doc, fields: entry(accounts, 50_00) },
    ]);
    let updates = 0;
    const racing: QuickBooksWriter = {
      realmId: client.realmId,
      query: async (entity, clause) => {
        const answer = await client.query(entity, clause);
        await admin(`${book.adminUrl}/objects/journalentries/${first!.vendorId}`, 'PATCH', {
          PrivateNote: 'bookkeeper was here',
        });
        return answer;
      },
      read: (entity, id) => client.read(entity, id),
      create: (entity, body, requestId) => client.create(entity, body, requestId),
      update: (entity, body) => {
        updates++;
        return client.update(entity, body);
      },
      delete: (entity, current) => client.delete(entity, current),
    };
    const [second] = await upsertJournalEntries(racing, 'journal_entries', 'DocNumber', [
      { externalId: doc, fields: entry(accounts, 75_00) },
    ]);
    expect(second).toEqual({ externalId: doc, vendorId: first!.vendorId, created: false });
    expect(updates).toBe(2);
    const saved = (await truth(book, 'journalentries')).find((j) => j.Id === first!.vendorId)!;
    expect(saved).toMatchObject({
      SyncToken: '2',
      TotalAmt: 75,
      PrivateNote: 'Direct-bill commission accrual, Travelers, 2026-10',
    });
  });

  test('removeAbsent deletes the month’s entries that are no longer in its journal, and nothing else', async () => {
    const accounts = await accountsByName(book);
    const month = `CH-${randomUUID().slice(0, 6)}-`;
    const docs = ['A', 'B', 'C'].map((x) => `${month}${x}`);
    const other = `CH-${randomUUID().slice(0, 6)}-A`;
    const s = session(book);
    await s.upsert!(
      'journal_entries',
      'DocNumber',
      [...docs, other].map((d) => ({ externalId: d, fields: entry(accounts, 10_00) })),
    );
    // A bookkeeper edits C between the connector's lookup and its delete: the stale SyncToken is
    // read again and the delete goes through.
    const ctx = context(book);
    const client = new QuickBooksClient(
      ctx,
      throttleFor(`quickbooks:${ctx.connectionId}`, rateBudgetFor(ctx, quickbooksDefinition.rateBudget)),
    );
    const c = (await truth(book, 'journalentries')).find((j) => j.DocNumber === docs[2])!;
    const deletes: string[] = [];
    const racing: QuickBooksWriter = {
      realmId: client.realmId,
      query: async (entity, clause) => {
        const answer = await client.query(entity, clause);
        await admin(`${book.adminUrl}/objects/journalentries/${c.Id}`, 'PATCH', { PrivateNote: 'edited' });
        return answer;
      },
      read: (entity, id) => client.read(entity, id),
      create: (entity, body, requestId) => client.create(entity, body, requestId),
      update: (entity, body) => client.update(entity, body),
      delete: (entity, current) => {
        deletes.push(String(current.Id));
        return client.delete(entity, current);
      },
    };
    const removed = await removeAbsentJournalEntries(racing, 'journal_entries', 'DocNumber', month, [
      docs[0]!,
    ]);
    expect(removed.sort()).toEqual([docs[1], docs[2]]);
    expect(deletes.filter((id) => id === c.Id)).toHaveLength(2);
    const left = (await truth(book, 'journalentries')).filter((j) => !j.deleted).map((j) => j.DocNumber);
    expect(left).toContain(docs[0]);
    expect(left).toContain(other);
    expect(left).not.toContain(docs[1]);
    expect(left).not.toContain(docs[2]);
    // A rerun finds nothing more to delete.
    expect(await s.removeAbsent!('journal_entries', 'DocNumber', month, [docs[0]!])).toEqual([]);
  });

  test('a conflict write-back updates a customer’s email and city and keeps the rest of its address', async () => {
    const customer = (await truth(book, 'customers')).find((c) => c.Active !== false)!;
    await session(book).update!('customers', customer.Id, {
      'PrimaryEmailAddr.Address': 'billing@renamed.example',
      'BillAddr.City': 'Round Rock',
    });
    const saved = (await truth(book, 'customers')).find((c) => c.Id === customer.Id)!;
    expect(saved.PrimaryEmailAddr).toEqual({ Address: 'billing@renamed.example' });
    expect(saved.BillAddr).toEqual({ ...(customer.BillAddr as object), City: 'Round Rock' });
    expect(Number(saved.SyncToken)).toBe(Number(customer.SyncToken) + 1);
  });

  test('the same requestid makes a repeated create answer with the first entry', async () => {
    const accounts = await accountsByName(book);
    const { call } = library(book);
    const doc = `CH-${randomUUID().slice(0, 8)}`;
    const body = () => ({
      requestId: `retry-${doc}`,
      DocNumber: doc,
      TxnDate: '2026-10-31',
      PrivateNote: 'posted twice by a retry',
      Line: entry(accounts, 5_00).lines.map((l) => ({
        Amount: 5,
        DetailType: 'JournalEntryLineDetail',
        JournalEntryLineDetail: { PostingType: l.postingType, AccountRef: { value: l.accountId } },
      })),
    });
    const a = await call<{ Id: string }>('createJournalEntry', body());
    const b = await call<{ Id: string }>('createJournalEntry', body());
    expect(b.Id).toBe(a.Id);
    expect((await truth(book, 'journalentries')).filter((j) => j.DocNumber === doc)).toHaveLength(1);
  });

  test('an entry needs only balanced lines: DocNumber and PrivateNote may be absent, TxnDate defaults to the company’s today', async () => {
    const accounts = await accountsByName(book);
    const { call } = library(book);
    const line = (posting: string, amount: number, account: string) => ({
      Amount: amount,
      DetailType: 'JournalEntryLineDetail',
      JournalEntryLineDetail: { PostingType: posting, AccountRef: { value: accounts.get(account) } },
    });
    const created = await call<Record<string, unknown>>('createJournalEntry', {
      Line: [line('Debit', 12.34, 'Commissions Receivable'), line('Credit', 12.34, 'Commission Income')],
    });
    // The sandbox company sits at UTC-07:00.
    const companyToday = new Date(Date.now() - 7 * 3_600_000).toISOString().slice(0, 10);
    expect(created).toMatchObject({ Id: expect.any(String), TxnDate: companyToday, TotalAmt: 12.34 });
    expect(created).not.toHaveProperty('DocNumber');
    expect(created).not.toHaveProperty('PrivateNote');

    const refused = async (body: unknown) =>
      quickbooksConnector.classifyError(await call('createJournalEntry', body).catch((e: unknown) => e));
    expect(
      await refused({
        Line: [line('Debit', 10, 'Commissions Receivable'), line('Credit', 9.99, 'Commission Income')],
      }),
    ).toMatchObject({ kind: 'bad_request', status: 400, vendorCode: '6000' });
    const noPosting = line('Debit', 10, 'Commissions Receivable');
    delete (noPosting.JournalEntryLineDetail as { PostingType?: string }).PostingType;
    expect(await refused({ Line: [noPosting, line('Credit', 10, 'Commission Income')] })).toMatchObject({
      vendorCode: '2010',
    });
    const noAccount = line('Credit', 10, 'Commission Income');
    delete (noAccount.JournalEntryLineDetail as { AccountRef?: unknown }).AccountRef;
    expect(await refused({ Line: [line('Debit', 10, 'Commissions Receivable'), noAccount] })).toMatchObject({
      vendorCode: '2020',
    });
  });

  test('a POST with Id and SyncToken is an update of that entity, not a new one, for every entity', async () => {
    const company = await newAccount({ seed: 'updates', clients: 12, asOf: '2026-11-01' });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${baseUrl}/v3/company/${company.accountId}/${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${company.credentials.accessToken}`,
          accept: 'application/json',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, Record<string, unknown>> };
    };
    const entities: [string, string, string][] = [
      ['Account', 'accounts', 'Description'],
      ['Vendor', 'vendors', 'Notes'],
      ['Customer', 'customers', 'Notes'],
      ['Invoice', 'invoices', 'PrivateNote'],
      ['Payment', 'payments', 'PrivateNote'],
      ['Deposit', 'deposits', 'PrivateNote'],
      ['JournalEntry', 'journalentries', 'PrivateNote'],
    ];
    for (const [entity, plural, field] of entities) {
      const before = (await truth(company, plural)).filter((r) => !r.deleted && r.Active !== false);
      expect(before.length, entity).toBeGreaterThan(0);
      const target = before[0]!;
      // As Intuit documents it: no ?operation, Id and SyncToken in the body, sparse.
      const plain = await post(entity.toLowerCase(), {
        Id: target.Id,
        SyncToken: target.SyncToken,
        sparse: true,
        [field]: `edited ${entity}`,
      });
      expect(plain.status, entity).toBe(200);
      expect(plain.body[entity], entity).toMatchObject({
        Id: target.Id,
        SyncToken: String(Number(target.SyncToken) + 1),
        [field]: `edited ${entity}`,
      });
      // With ?operation=update it is the same.
      const explicit = await post(`${entity.toLowerCase()}?operation=update`, {
        Id: target.Id,
        SyncToken: plain.body[entity]!.SyncToken,
        sparse: true,
        [field]: `edited again ${entity}`,
      });
      expect(explicit.body[entity], entity).toMatchObject({
        SyncToken: String(Number(target.SyncToken) + 2),
      });
      // A stale SyncToken is 5010, and nothing is created either way.
      const stale = await post(entity.toLowerCase(), {
        Id: target.Id,
        SyncToken: target.SyncToken,
        sparse: true,
        [field]: 'lost update',
      });
      expect(stale.status, entity).toBe(400);
      expect(stale.body.Fault, entity).toMatchObject({
        type: 'ValidationFault',
        Error: [{ code: '5010', Message: 'Stale Object Error' }],
      });
      const after = (await truth(company, plural)).filter((r) => !r.deleted && r.Active !== false);
      expect(after.length, entity).toBe(before.length);
    }

    // Without sparse it is a full update: fields left out are cleared.
    const je = (await truth(company, 'journalentries')).find((r) => !r.deleted && r.PrivateNote)!;
    const full = await post('journalentry', {
      Id: je.Id,
      SyncToken: je.SyncToken,
      TxnDate: je.TxnDate,
      Line: je.Line,
    });
    expect(full.status).toBe(200);
    expect(full.body.JournalEntry).not.toHaveProperty('PrivateNote');
    expect(full.body.JournalEntry).toMatchObject({ Id: je.Id, TxnDate: je.TxnDate });

    // A batch item that names an Id is an update as well.
    const vendor = (await truth(company, 'vendors')).find((r) => r.Active !== false)!;
    const vendors = (await truth(company, 'vendors')).length;
    const { call } = library(company);
    const batch = await call<{ BatchItemResponse: Record<string, Record<string, unknown>>[] }>('batch', [
      { bId: 'u1', Vendor: { Id: vendor.Id, SyncToken: vendor.SyncToken, sparse: true, Notes: 'by batch' } },
    ]);
    expect(batch.BatchItemResponse[0]!.Vendor).toMatchObject({ Id: vendor.Id, Notes: 'by batch' });
    expect((await truth(company, 'vendors')).length).toBe(vendors);
  });

  test('batch: at most 30 items a call and 40 calls a minute per company, past which Intuit throttles', async () => {
    const company = await newAccount({ empty: true });
    const { call } = library(company);
    const items = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ bId: String(i), Query: 'select * from Account' }));
    expect((await call<{ BatchItemResponse: unknown[] }>('batch', items(30))).BatchItemResponse).toHaveLength(
      30,
    );
    const over = await call('batch', items(31)).catch((e: unknown) => e);
    expect(quickbooksConnector.classifyError(over)).toMatchObject({
      kind: 'bad_request',
      vendorCode: '1040',
    });
    // Two batch calls so far; 38 more fill the minute.
    for (let i = 0; i < 38; i++) await call('batch', items(1));
    const throttled = (await call('batch', items(1)).catch((e: unknown) => e)) as {
      response: { status: number; headers: Record<string, string>; data: unknown };
    };
    expect(throttled.response.status).toBe(429);
    expect(throttled.response.data).toMatchObject({
      Fault: { type: 'ThrottlingFault', Error: [{ code: '003001' }] },
    });
    expect(quickbooksConnector.classifyError(throttled)).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: Number(throttled.response.headers['retry-after']) * 1000,
    });
    // Other calls are still served: the batch limit is its own.
    await expect(call('findAccounts')).resolves.toBeDefined();
  });

  test('batch takes up to 30 operations and answers each in order', async () => {
    const { call } = library(book);
    const answer = await call<{ BatchItemResponse: Record<string, unknown>[] }>('batch', [
      { bId: 'q1', Query: "select * from Account where Name = 'Commission Income'" },
      {
        bId: 'v1',
        operation: 'create',
        Vendor: { DisplayName: `Batch Carrier ${randomUUID().slice(0, 6)}` },
      },
      { bId: 'bad', operation: 'create', Vendor: {} },
    ]);
    expect(answer.BatchItemResponse.map((r) => r.bId)).toEqual(['q1', 'v1', 'bad']);
    expect(answer.BatchItemResponse[0]).toMatchObject({
      QueryResponse: { Account: [{ Name: 'Commission Income' }] },
    });
    expect(answer.BatchItemResponse[1]).toMatchObject({ Vendor: { Id: expect.any(String) } });
    expect(answer.BatchItemResponse[2]).toMatchObject({ Fault: { Error: [{ code: '2020' }] } });
    const tooMany = Array.from({ length: 31 }, (_, i) => ({
      bId: String(i),
      Query: 'select * from Account',
    }));
    const err = await call('batch', tooMany).catch((e: unknown) => e);
    expect(quickbooksConnector.classifyError(err)).toMatchObject({ kind: 'bad_request', vendorCode: '1040' });
  });
});

describe('QuickBooks errors reach the hub classified', () => {
  test('over the per-minute limit: 429 with Fault 003001, read as rate_limited with the Retry-After sent', async () => {
    const limited = await newAccount({ empty: true });
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 2 });
    const url = `${baseUrl}/v3/company/${limited.accountId}/query?query=${encodeURIComponent('select * from Account')}&minorversion=75`;
    const headers = {
      authorization: `Bearer ${limited.credentials.accessToken}`,
      accept: 'application/json',
    };
    await fetch(url, { headers });
    await fetch(url, { headers });
    const res = await fetch(url, { headers });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({
      Fault: { Error: [{ code: '003001' }], type: 'ThrottlingFault' },
      time: expect.any(String),
    });

    const err = (await library(limited)
      .call('findAccounts')
      .catch((e: unknown) => e)) as {
      response: { headers: Record<string, string> };
    };
    const classified = quickbooksConnector.classifyError(err);
    expect(classified).toBeInstanceOf(ConnectorError);
    expect(classified).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      vendorCode: '003001',
      retryAfterMs: Number(err.response.headers['retry-after']) * 1000,
    });

    // More than 10 requests in flight for one company are throttled too.
    await admin(`${limited.adminUrl}/chaos`, 'PUT', { requestsPerWindow: 1000, latencyMs: 300 });
    const burst = await Promise.all(Array.from({ length: 14 }, () => fetch(url, { headers })));
    expect(burst.filter((r) => r.status === 429).length).toBe(4);
    expect(burst.find((r) => r.status === 429)!.headers.get('retry-after')).toBe('1');

    // Injected throttling carries the Retry-After chaos sets, and the session honours it.
    await admin(`${limited.adminUrl}/chaos`, 'PUT', {
      requestsPerWindow: 0,
      latencyMs: 0,
      rateLimitNext: 1,
      serverErrorNext: 1,
      retryAfterSeconds: 7,
    });
    const read = () =>
      session(limited).read({
        stream: 'accounts',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      });
    await expect(read()).rejects.toMatchObject({ kind: 'vendor_outage', status: 500, vendorCode: '10000' });
    await expect(read()).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
    await expect(read()).resolves.toMatchObject({ records: [] });
  });

  test('an expired token is refreshed once; the rotated refresh token is the one used afterwards', async () => {
    const account = await newAccount({
      seed: 'tokens',
      clients: 40,
      asOf: '2026-11-01',
      refreshTokenGraceSeconds: 1,
    });
    const original = account.credentials.refreshToken;
    const expired = async () =>
      (await admin<{ accessToken: string }>(`${account.adminUrl}/tokens`, 'POST', { ttlSeconds: -1 }))
        .accessToken;

    // Intuit answers an expired token in two shapes; both are auth_expired.
    const stale = await expired();
    const shapes = [
      await library(account, stale)
        .call('findAccounts')
        .catch((e: unknown) => e),
      await library(account, stale)
        .call('findAccounts')
        .catch((e: unknown) => e),
    ] as { response: { status: number; data: Record<string, unknown> } }[];
    expect(shapes.map((e) => e.response.status)).toEqual([401, 401]);
    expect(shapes.some((e) => 'fault' in e.response.data)).toBe(true);
    expect(shapes.some((e) => 'Fault' in e.response.data)).toBe(true);
    for (const e of shapes)
      expect(quickbooksConnector.classifyError(e)).toMatchObject({
        kind: 'auth_expired',
        vendorCode: '3200',
      });

    // The hub's store: what refreshCredentials persists is what the next connection uses.
    let stored: Credentials = { ...account.credentials, accessToken: stale };
    let refreshes = 0;
    const refresh = async () => {
      refreshes++;
      stored = await refreshAtTokenEndpoint(stored);
      return stored;
    };
    const req = {
      stream: 'accounts',
      mode: 'full' as const,
      cursor: null,
      runStartedAt: new Date().toISOString(),
    };
    const first = await readAll(session(account, { credentials: stored, refresh }), req);
    expect(first.ids.length).toBeGreaterThan(5);
    expect(refreshes).toBe(1);
    const rotated = String(stored.refreshToken);
    expect(rotated).not.toBe(original);

    // Within the grace the replaced token still answers, with the token that replaced it.
    const racer = await refreshAtTokenEndpoint({ ...account.credentials });
    expect(racer.refreshToken).toBe(rotated);

    // The next connection starts from the stored credentials and rotates again from `rotated`.
    stored = { ...stored, accessToken: await expired() };
    await readAll(session(account, { credentials: stored, refresh }), req);
    expect(refreshes).toBe(2);
    expect(stored.refreshToken).not.toBe(rotated);

    // After the grace, the replaced tokens are refused.
    await new Promise((r) => setTimeout(r, 1_300));
    await expect(refreshAtTokenEndpoint({ ...account.credentials })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(
      refreshAtTokenEndpoint({ ...account.credentials, refreshToken: rotated }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(refreshAtTokenEndpoint(stored)).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  test('a token refresh cannot fix is auth_expired after exactly one refresh', async () => {
    let refreshes = 0;
    const bogus = { ...book.credentials, accessToken: 'not-a-token' };
    const s = session(book, {
      credentials: bogus,
      refresh: async () => {
        refreshes++;
        return bogus;
      },
    });
    await expect(
      s.read({
        stream: 'vendors',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({ kind: 'auth_expired', status: 401 });
    expect(refreshes).toBe(1);
  });

  test('a refused connection is a vendor outage, not a crash', async () => {
    const ctx = { ...context(book), baseUrl: 'http://127.0.0.1:9' };
    await expect(
      quickbooksConnector.open(ctx).read({
        stream: 'accounts',
        mode: 'full',
        cursor: null,
        checkpoint: null,
        runStartedAt: new Date().toISOString(),
      }),
    ).rejects.toMatchObject({ kind: 'vendor_outage' });
  });

  test('the authorization-code flow hands back code, state and realmId, and revocation ends access', async () => {
    const redirect = 'https://hub.example/oauth/callback';
    const authorize = new URL(`${baseUrl}/connect/oauth2`);
    authorize.search = new URLSearchParams({
      client_id: book.credentials.clientId,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      redirect_uri: redirect,
      state: 'st-123',
    }).toString();
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('st-123');
    expect(back.searchParams.get('realmId')).toBe(book.accountId);
    const basic = `Basic ${Buffer.from(`${book.credentials.clientId}:${book.credentials.clientSecret}`).toString('base64')}`;
    const tokenRes = await fetch(`${baseUrl}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: redirect,
      }),
    });
    const tokens = (await tokenRes.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 3600,
      x_refresh_token_expires_in: expect.any(Number),
    });
    const mine = library(book, String(tokens.access_token));
    await expect(mine.call('findAccounts', { Name: 'Commission Income' })).resolves.toMatchObject({
      QueryResponse: {},
    });
    const revoked = await fetch(`${baseUrl}/oauth2/v1/tokens/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token: tokens.refresh_token }),
    });
    expect(revoked.status).toBe(200);
    const after = await mine.call('findAccounts').catch((e: unknown) => e);
    expect(quickbooksConnector.classifyError(after)).toMatchObject({ kind: 'auth_expired' });
  });
});

describe('QuickBooks webhooks', () => {
  async function receiver() {
    const received: WebhookRequest[] = [];
    const app = new Hono().post('/hook', async (c) => {
      received.push({
        method: 'POST',
        url: c.req.url,
        headers: Object.fromEntries(c.req.raw.headers.entries()),
        rawBody: await c.req.text(),
      });
      return c.body(null, 200);
    });
    const served = await serveApp(app);
    const next = async () => {
      for (let i = 0; i < 100 && !received.length; i++) await new Promise((r) => setTimeout(r, 20));
      return received.shift()!;
    };
    return { url: `${served.url}/hook`, next, close: served.close };
  }

  test('a signed CloudEvents notification is accepted and parsed; a forged one is refused', async () => {
    const hook = await receiver();
    const secret = 'verifier-token-1';
    await admin(`${book.adminUrl}/webhook`, 'PUT', { url: hook.url, secret });
    const customer = (await truth(book, 'customers')).find((c) => c.Active !== false)!;
    await admin(`${book.adminUrl}/objects/customers/${customer.Id}`, 'PATCH', {
      Notes: 'Renewal meeting booked',
    });
    const req = await hook.next();
    await hook.close();
    expect(req.headers['intuit-signature']).toEqual(expect.any(String));
    expect(quickbooksConnector.webhooks!.verify(req, secret)).toBe(true);
    expect(JSON.parse(req.rawBody)[0]).toMatchObject({ specversion: '1.0', type: 'qbo.customer.updated.v1' });
    expect(quickbooksConnector.webhooks!.parse(req)).toEqual({
      accountId: book.accountId,
      changes: [
        { stream: 'customers', externalId: customer.Id, op: 'upsert', occurredAt: expect.any(String) },
      ],
    });
    expect(
      quickbooksConnector.webhooks!.verify(
        { ...req, rawBody: req.rawBody.replace(customer.Id, '1') },
        secret,
      ),
    ).toBe(false);
    expect(quickbooksConnector.webhooks!.verify(req, 'another-verifier')).toBe(false);
    expect(quickbooksConnector.webhooks!.verify({ ...req, headers: {} }, secret)).toBe(false);
  });

  test('the classic eventNotifications form is accepted too, and a delete reads as a delete', async () => {
    const hook = await receiver();
    const secret = 'verifier-token-2';
    await admin(`${book.adminUrl}/webhook`, 'PUT', { url: hook.url, secret, format: 'classic' });
    const deposit = (await truth(book, 'deposits')).find((d) => !d.deleted)!;
    await admin(`${book.adminUrl}/objects/deposits/${deposit.Id}`, 'DELETE');
    const req = await hook.next();
    await hook.close();
    await admin(`${book.adminUrl}/webhook`, 'PUT', { url: 'http://127.0.0.1:9/hook', secret });
    expect(JSON.parse(req.rawBody)).toMatchObject({ eventNotifications: [{ realmId: book.accountId }] });
    expect(quickbooksConnector.webhooks!.verify(req, secret)).toBe(true);
    expect(quickbooksConnector.webhooks!.parse(req)).toEqual({
      accountId: book.accountId,
      changes: [{ stream: 'deposits', externalId: deposit.Id, op: 'delete', occurredAt: expect.any(String) }],
    });
    const forged = { ...req, rawBody: req.rawBody.replace('Delete', 'Update') };
    expect(quickbooksConnector.webhooks!.verify(forged, secret)).toBe(false);
  });

  test('Intuit’s documented classic payload, with a merge, parses into changes', () => {
    const rawBody = JSON.stringify({
      eventNotifications: [
        {
          realmId: '1185883450',
          dataChangeEvent: {
            entities: [
              { name: 'Customer', id: '1', operation: 'Create', lastUpdated: '2015-10-05T14:42:19-0700' },
              { name: 'Vendor', id: '1', operation: 'Create', lastUpdated: '2015-10-05T14:42:19-0700' },
              {
                name: 'Customer',
                id: '7',
                operation: 'Merge',
                lastUpdated: '2015-10-05T14:43:19-0700',
                deletedID: '9',
              },
              { name: 'Estimate', id: '4', operation: 'Create', lastUpdated: '2015-10-05T14:44:19-0700' },
            ],
          },
        },
      ],
    });
    const parsed = quickbooksConnector.webhooks!.parse({
      method: 'POST',
      url: 'https://hub.example/hooks/qbo',
      headers: {},
      rawBody,
    });
    expect(parsed.accountId).toBe('1185883450');
    expect(parsed.changes.map((c) => [c.stream, c.externalId, c.op])).toEqual([
      ['customers', '1', 'upsert'],
      ['vendors', '1', 'upsert'],
      ['customers', '7', 'upsert'],
      ['customers', '9', 'delete'],
    ]);
  });
});

// Intuit's v3 XSD (trimmed copies in test/fixtures/vendor-contracts/quickbooks) as a contract for
// the sandbox's JSON: element names, required elements and simple types, base types included.
interface XsdElement {
  type: string | null;
  required: boolean;
}
interface XsdComplex {
  base: string | null;
  simpleContent: boolean;
  fields: Map<string, XsdElement>;
}
interface XsdSimple {
  base: string | null;
  enumeration: string[];
}

function loadXsd(files: string[]) {
  const complex = new Map<string, XsdComplex>();
  const simple = new Map<string, XsdSimple>();
  for (const file of files) {
    const parser = sax.parser(true, {});
    const stack: { name: string; attrs: Record<string, string> }[] = [];
    let ct: XsdComplex | null = null;
    let st: XsdSimple | null = null;
    parser.onopentag = (node) => {
      const attrs = node.attributes as Record<string, string>;
      const parent = stack.at(-1);
      if (node.name === 'xs:complexType' && attrs.name && stack.length === 1) {
        ct = { base: null, simpleContent: false, fields: new Map() };
        complex.set(attrs.name, ct);
      } else if (node.name === 'xs:simpleType' && attrs.name && stack.length === 1) {
        st = { base: null, enumeration: [] };
        simple.set(attrs.name, st);
      } else if (ct && node.name === 'xs:simpleContent') ct.simpleContent = true;
      else if (ct && node.name === 'xs:extension' && attrs.base) ct.base = attrs.base;
      else if (
        ct &&
        node.name === 'xs:element' &&
        attrs.name &&
        stack.every((s) => s.name !== 'xs:element')
      ) {
        // An element inside a choice, or with minOccurs 0, may be left out.
        const inChoice = stack.some((s) => s.name === 'xs:choice');
        ct.fields.set(attrs.name, {
          type: attrs.type ?? null,
          required: attrs.minOccurs !== '0' && !inChoice && parent?.name !== 'xs:choice',
        });
      } else if (ct && node.name === 'xs:attribute' && attrs.name)
        ct.fields.set(attrs.name, { type: attrs.type ?? null, required: attrs.use === 'required' });
      else if (st && node.name === 'xs:restriction') st.base = attrs.base ?? null;
      else if (st && node.name === 'xs:enumeration') st.enumeration.push(attrs.value!);
      stack.push({ name: node.name, attrs });
    };
    parser.onclosetag = () => {
      const closed = stack.pop()!;
      if (stack.length === 1 && closed.name === 'xs:complexType') ct = null;
      if (stack.length === 1 && closed.name === 'xs:simpleType') st = null;
    };
    parser
      .write(
        readFileSync(new URL(`../fixtures/vendor-contracts/quickbooks/${file}`, import.meta.url), 'utf8'),
      )
      .close();
  }
  return { complex, simple };
}

function xsdProblems(
  schema: ReturnType<typeof loadXsd>,
  typeName: string,
  value: unknown,
  at: string,
): string[] {
  const problems: string[] = [];
  const check = (type: string | null, v: unknown, path: string): void => {
    if (!type || v === null) return;
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) check(type, item, `${path}[${i}]`);
      return;
    }
    const ct = schema.complex.get(type);
    if (ct) {
      checkComplex(type, v, path);
      return;
    }
    let base: string | null = type;
    const enums: string[] = [];
    while (base && !base.startsWith('xs:')) {
      const st = schema.simple.get(base);
      if (!st) {
        problems.push(`${path}: type ${base} is not in the XSD`);
        return;
      }
      if (st.enumeration.length && !enums.length) enums.push(...st.enumeration);
      base = st.base;
    }
    if (enums.length && !enums.includes(String(v)))
      problems.push(`${path}: ${String(v)} is not one of ${type}`);
    const ok: Record<string, (x: unknown) => boolean> = {
      'xs:decimal': (x) => typeof x === 'number' || (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x)),
      'xs:double': (x) => typeof x === 'number',
      'xs:int': (x) => Number.isInteger(Number(x)),
      'xs:integer': (x) => Number.isInteger(Number(x)),
      'xs:long': (x) => Number.isInteger(Number(x)),
      'xs:positiveInteger': (x) => Number.isInteger(Number(x)) && Number(x) > 0,
      'xs:boolean': (x) => typeof x === 'boolean',
      'xs:date': (x) => typeof x === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(x),
      'xs:dateTime': (x) =>
        typeof x === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(x) &&
        !Number.isNaN(Date.parse(x)),
      'xs:string': (x) => typeof x === 'string',
    };
    if (base && ok[base] && !ok[base]!(v)) problems.push(`${path}: ${JSON.stringify(v)} is not ${base}`);
  };
  const checkComplex = (type: string, v: unknown, path: string): void => {
    const chain: XsdComplex[] = [];
    let simpleBase: string | null = null;
    for (let t: string | null = type; t && schema.complex.has(t); ) {
      const ct: XsdComplex = schema.complex.get(t)!;
      chain.push(ct);
      if (ct.simpleContent && ct.base && !schema.complex.has(ct.base)) simpleBase = ct.base;
      t = ct.base;
    }
    const fields = new Map(chain.flatMap((c) => [...c.fields]));
    if (typeof v !== 'object' || v === null) {
      if (simpleBase) check(simpleBase, v, path);
      else problems.push(`${path}: ${JSON.stringify(v)} where ${type} is an object`);
      return;
    }
    const obj = v as Record<string, unknown>;
    for (const [key, item] of Object.entries(obj)) {
      if (key === 'value' && simpleBase) check(simpleBase, item, `${path}.value`);
      else if (!fields.has(key)) problems.push(`${path}.${key}: no such element in ${type}`);
      else check(fields.get(key)!.type, item, `${path}.${key}`);
    }
    if (obj.status === 'Deleted') return; // CDC's deleted stubs carry only Id and MetaData
    for (const [name, f] of fields)
      if (f.required && obj[name] === undefined) problems.push(`${path}: required ${name} missing (${type})`);
  };
  checkComplex(typeName, value, at);
  return problems;
}

describe('the sandbox’s JSON against Intuit’s v3 XSD', () => {
  const schema = loadXsd(['IntuitBaseTypes.xsd', 'IntuitNamesTypes.xsd', 'Finance.xsd']);
  const entities = ['Account', 'Vendor', 'Customer', 'Invoice', 'Payment', 'Deposit', 'JournalEntry'];

  test('the trimmed XSD defines every entity the connector reads and writes', () => {
    for (const e of [...entities, 'Line', 'JournalEntryLineDetail', 'DepositLineDetail', 'ReferenceType'])
      expect(schema.complex.has(e), e).toBe(true);
    expect(schema.simple.get('PostingTypeEnum')!.enumeration.sort()).toEqual(['Credit', 'Debit']);
    // The checker itself: unknown names, enumerations, simple types and required elements are caught.
    const bad = xsdProblems(
      schema,
      'JournalEntry',
      {
        Bogus: 1,
        TxnDate: '31/10/2026',
        CustomField: [{ Name: 'Statement' }],
        Line: [{ Amount: 'ten', DetailType: 'Sideways', JournalEntryLineDetail: { PostingType: 'Up' } }],
      },
      'JE',
    );
    expect(bad).toEqual(
      expect.arrayContaining([
        'JE.Bogus: no such element in JournalEntry',
        'JE.TxnDate: "31/10/2026" is not xs:date',
        'JE.Line[0].Amount: "ten" is not xs:decimal',
        'JE.Line[0].DetailType: Sideways is not one of LineDetailTypeEnum',
        'JE.Line[0].JournalEntryLineDetail.PostingType: Up is not one of PostingTypeEnum',
        'JE.CustomField[0]: required Type missing (CustomField)',
      ]),
    );
  });

  test('query, read, write and CDC answers fit the XSD for every entity', async () => {
    // A token of its own: earlier tests revoke or expire the company's first one.
    const { accessToken } = await admin<{ accessToken: string }>(`${book.adminUrl}/tokens`, 'POST', {});
    const { call } = library(book, accessToken);
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${baseUrl}/v3/company/${book.accountId}/${path}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      });
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };
    const problems: string[] = [];
    for (const entity of entities) {
      const query = encodeURIComponent(`select * from ${entity} STARTPOSITION 1 MAXRESULTS 60`);
      const answer = await get<{ QueryResponse: Record<string, Record<string, unknown>[]> }>(
        `query?query=${query}&minorversion=75`,
      );
      const rows = answer.QueryResponse[entity] ?? [];
      expect(rows.length, entity).toBeGreaterThan(0);
      for (const row of rows)
        problems.push(...xsdProblems(schema, entity, row, `${entity} ${String(row.Id)}`));
      const one = await call<Record<string, unknown>>(`get${entity}`, String(rows[0]!.Id));
      problems.push(...xsdProblems(schema, entity, one, `get${entity}`));
    }
    const accounts = await accountsByName(book);
    const created = await call<Record<string, unknown>>('createJournalEntry', {
      Line: [
        {
          Amount: 1,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: {
            PostingType: 'Debit',
            AccountRef: { value: accounts.get('Commissions Receivable') },
          },
        },
        {
          Amount: 1,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: {
            PostingType: 'Credit',
            AccountRef: { value: accounts.get('Commission Income') },
          },
        },
      ],
    });
    problems.push(...xsdProblems(schema, 'JournalEntry', created, 'created JournalEntry'));
    await call('deleteJournalEntry', { Id: created.Id, SyncToken: created.SyncToken });
    const cdc = await get<{ CDCResponse: { QueryResponse: Record<string, unknown>[] }[] }>(
      `cdc?entities=${entities.join(',')}&changedSince=${new Date(Date.now() - 86_400_000).toISOString()}`,
    );
    for (const block of cdc.CDCResponse[0]!.QueryResponse)
      for (const entity of entities)
        for (const row of (block[entity] as Record<string, unknown>[] | undefined) ?? [])
          problems.push(...xsdProblems(schema, entity, row, `CDC ${entity} ${String(row.Id)}`));
    expect([...new Set(problems.map((p) => p.replace(/ \d+([.[])/, ' #$1')))]).toEqual([]);
  });
});
