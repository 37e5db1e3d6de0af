// Writing to QuickBooks. The hub posts commission journal entries keyed by DocNumber (Intuit has
// no external-id upsert): the entries named in a call are looked up by DocNumber, missing ones
// created, changed ones updated with the SyncToken just read, unchanged ones left alone, so a
// rerun writes nothing. A 5010 Stale Object Error (a bookkeeper edited the entry between our
// read and our write) re-reads the entry and retries once. Creates carry a `requestid` derived
// from the company, DocNumber, content and hour, so two workers posting the same entry at once
// make one entry (Intuit replays the first answer to a repeated requestid). Amounts leave as
// exact decimal text (JSON.rawJSON), never through a binary float.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isoDate } from '../../domain/canonical.ts';
import { formatCents, parseMoneyToCents } from '../../domain/money.ts';
import { ConnectorError, type UpsertResult } from '../types.ts';
import type { QboEntity, QboObject, QuickBooksClient } from './client.ts';
import { streamEntity } from './streams.ts';

/** What writes need of the client (tests wrap it to stage a bookkeeper's concurrent edit). */
export type QuickBooksWriter = Pick<
  QuickBooksClient,
  'realmId' | 'query' | 'read' | 'create' | 'update' | 'delete'
>;

const LOOKUP_CHUNK = 30;
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

const journalLine = z.object({
  postingType: z.enum(['Debit', 'Credit']),
  accountId: z.string().min(1),
  amountCents: z.number().int().nonnegative(),
  description: z.string().optional(),
  /** The carrier (vendor) or client (customer) the line is about. */
  entity: z.object({ type: z.enum(['Vendor', 'Customer']), id: z.string().min(1) }).optional(),
});

/** The fields the hub sends for one commission journal entry. */
export const journalEntryFields = z
  .object({
    txnDate: isoDate,
    privateNote: z.string().trim().min(1).max(4000),
    lines: z.array(journalLine).min(2),
  })
  .refine(
    (je) =>
      je.lines.reduce((s, l) => s + (l.postingType === 'Debit' ? l.amountCents : -l.amountCents), 0) === 0,
    { message: 'debits and credits must balance', path: ['lines'] },
  );
export type JournalEntryFields = z.infer<typeof journalEntryFields>;

function journalEntryBody(docNumber: string, je: JournalEntryFields): QboObject {
  return {
    DocNumber: docNumber,
    TxnDate: je.txnDate,
    PrivateNote: je.privateNote,
    Line: je.lines.map((l) => ({
      DetailType: 'JournalEntryLineDetail',
      Amount: rawJSON(formatCents(l.amountCents)),
      ...(l.description ? { Description: l.description } : {}),
      JournalEntryLineDetail: {
        PostingType: l.postingType,
        AccountRef: { value: l.accountId },
        ...(l.entity ? { Entity: { Type: l.entity.type, EntityRef: { value: l.entity.id } } } : {}),
      },
    })),
  };
}

/** The parts of an entry we own, comparable whether read from QuickBooks or built here. */
function essence(je: QboObject): string {
  const lines = ((je.Line as QboObject[] | undefined) ?? []).map((l) => {
    const d = (l.JournalEntryLineDetail ?? {}) as {
      PostingType?: string;
      AccountRef?: { value?: string };
      Entity?: { Type?: string; EntityRef?: { value?: string } };
    };
    const raw = l.Amount as unknown;
    const cents =
      typeof raw === 'object' && raw !== null
        ? parseMoneyToCents(JSON.stringify(raw))
        : parseMoneyToCents(raw);
    return [
      d.PostingType,
      String(d.AccountRef?.value),
      cents,
      l.Description ?? '',
      d.Entity?.Type ?? '',
      d.Entity?.EntityRef?.value ?? '',
    ];
  });
  return JSON.stringify([je.TxnDate, je.PrivateNote ?? '', lines]);
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

async function findByDocNumber(
  client: QuickBooksWriter,
  docNumbers: string[],
): Promise<Map<string, QboObject>> {
  const found = new Map<string, QboObject>();
  const { rows } = await client.query(
    'JournalEntry',
    `where DocNumber IN (${docNumbers.map(quote).join(', ')}) ORDERBY Id`,
  );
  // Duplicates by DocNumber can exist (QuickBooks allows them); the oldest entry is ours.
  for (const row of rows) if (!found.has(String(row.DocNumber))) found.set(String(row.DocNumber), row);
  return found;
}

const isStale = (err: unknown) => err instanceof ConnectorError && err.vendorCode === '5010';

export async function upsertJournalEntries(
  client: QuickBooksWriter,
  stream: string,
  idField: string,
  records: { externalId: string; fields: Record<string, unknown> }[],
): Promise<UpsertResult[]> {
  if (stream !== 'journal_entries' || idField !== 'DocNumber') {
    throw new ConnectorError(
      'bad_request',
      `QuickBooks takes upserts of journal_entries by DocNumber, not ${stream} by ${idField}`,
    );
  }
  const out: UpsertResult[] = [];
  for (let i = 0; i < records.length; i += LOOKUP_CHUNK) {
    const chunk = records.slice(i, i + LOOKUP_CHUNK).map((r) => {
      if (!r.externalId || r.externalId.length > 21)
        throw new ConnectorError('bad_request', `DocNumber "${r.externalId}" must be 1 to 21 characters`);
      const parsed = journalEntryFields.safeParse(r.fields);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ConnectorError(
          'bad_request',
          `journal entry ${r.externalId}: ${issue.path.join('.')} ${issue.message}`,
        );
      }
      return { docNumber: r.externalId, body: journalEntryBody(r.externalId, parsed.data) };
    });
    const existing = await findByDocNumber(
      client,
      chunk.map((c) => c.docNumber),
    );
    for (const { docNumber, body } of chunk) {
      const current = existing.get(docNumber);
      if (!current) {
        const created = await client.create(
          'JournalEntry',
          body,
          requestIdFor(client.realmId, docNumber, body),
        );
        out.push({ externalId: docNumber, vendorId: String(created.Id), created: true });
        continue;
      }
      if (essence(current) !== essence(body)) await updateWithRetry(client, 'JournalEntry', current, body);
      out.push({ externalId: docNumber, vendorId: String(current.Id), created: false });
    }
  }
  return out;
}

/**
 * Journal entries are the hub's by DocNumber prefix (one month's); those no longer in the month's
 * journal are deleted (QuickBooks cannot void a JournalEntry, and its audit log keeps the
 * deletion). A stale SyncToken re-reads the entry and retries once, as updates do.
 */
export async function removeAbsentJournalEntries(
  client: QuickBooksWriter,
  stream: string,
  idField: string,
  prefix: string,
  keep: string[],
): Promise<string[]> {
  if (stream !== 'journal_entries' || idField !== 'DocNumber' || prefix.length < 3) {
    throw new ConnectorError(
      'bad_request',
      `QuickBooks removes journal_entries by a DocNumber prefix, not ${stream} by ${idField} "${prefix}"`,
    );
  }
  const kept = new Set(keep);
  const like = `${prefix.replace(/[%_]/g, '')}%`;
  // All pages first: deleting while paging by position would shift later rows past the cursor.
  const found: QboObject[] = [];
  for (let start = 1; ; start += 1000) {
    const { rows } = await client.query(
      'JournalEntry',
      `where DocNumber LIKE ${quote(like)} ORDERBY Id STARTPOSITION ${start} MAXRESULTS 1000`,
    );
    found.push(...rows);
    if (rows.length < 1000) break;
  }
  const removed: string[] = [];
  for (const row of found) {
    const docNumber = String(row.DocNumber ?? '');
    if (!docNumber.startsWith(prefix) || kept.has(docNumber)) continue;
    await withSyncToken(client, 'JournalEntry', row, (SyncToken) =>
      client.delete('JournalEntry', { Id: row.Id, SyncToken }),
    );
    removed.push(docNumber);
  }
  return removed;
}

/** A sparse update with the SyncToken read; if someone changed it since, read again and retry once. */
function updateWithRetry(
  client: QuickBooksWriter,
  entity: QboEntity,
  current: QboObject,
  changes: QboObject,
) {
  return withSyncToken(client, entity, current, (syncToken) =>
    client.update(entity, { ...changes, Id: current.Id, SyncToken: syncToken, sparse: true }),
  );
}

/**
 * A write that needs the entity's SyncToken, sent with the one read; if someone changed the
 * entity since (5010 Stale Object Error), it is read again and the write retried once.
 */
async function withSyncToken<T>(
  client: QuickBooksWriter,
  entity: QboEntity,
  current: QboObject,
  write: (syncToken: string) => Promise<T>,
): Promise<T> {
  try {
    return await write(String(current.SyncToken));
  } catch (err) {
    if (!isStale(err)) throw err;
    const fresh = await client.read(entity, String(current.Id));
    return write(String(fresh.SyncToken));
  }
}

function requestIdFor(realmId: string, docNumber: string, body: QboObject): string {
  const hour = new Date().toISOString().slice(0, 13);
  const digest = createHash('sha256')
    .update(`${realmId}|${docNumber}|${essence(body)}|${hour}`)
    .digest('hex');
  return `ch-je-${digest.slice(0, 40)}`;
}

/**
 * Writes fields (vendor paths such as `PrimaryEmailAddr.Address`) to an existing customer or
 * vendor: a conflict decided against QuickBooks' value. Intuit replaces a nested object as a
 * whole in a sparse update, so each one is sent complete with the current values kept.
 */
export async function updateNameListRecord(
  client: QuickBooksWriter,
  stream: string,
  externalId: string,
  fields: Record<string, unknown>,
): Promise<void> {
  const entity = streamEntity[stream];
  if (entity !== 'Customer' && entity !== 'Vendor') {
    throw new ConnectorError(
      'bad_request',
      `QuickBooks write-back is for customers and vendors, not ${stream}`,
    );
  }
  const current = await client.read(entity, externalId);
  const changes: QboObject = {};
  for (const [path, value] of Object.entries(fields)) {
    const [top, ...rest] = path.split('.') as [string, ...string[]];
    if (!rest.length) {
      changes[top] = value;
      continue;
    }
    const base = (changes[top] ?? structuredClone(current[top] ?? {})) as QboObject;
    let target = base;
    for (const part of rest.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as QboObject;
    }
    target[rest.at(-1)!] = value;
    changes[top] = base;
  }
  await updateWithRetry(client, entity, current, changes);
}
