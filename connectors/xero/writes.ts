// The hub's manual journals in Xero, found again by their Narration: it starts with the entry's
// DocNumber and a colon (`CH-2026-10-TRAVEL-3fa: commission income …`), since a manual journal
// has no reference field. Writing looks the month's journals up once, creates the missing ones
// (POSTED), updates in place the ones whose date, narration or lines changed, and leaves the rest
// alone, so posting the same month twice writes nothing. Removing voids the hub's POSTED journals
// of the month that are no longer in it (Xero does not delete a posted journal) and deletes its
// drafts. Voided and deleted journals are never matched again.
import type { UpsertResult } from '../types.ts';
import type { XeroApiClient, XeroObject } from './client.ts';
import { allManualJournals } from './streams.ts';

export interface JournalFields {
  date: string;
  narration: string;
  lines: { accountCode: string; lineAmount: number; description: string }[];
}

const live = (j: XeroObject) => j.Status === 'POSTED' || j.Status === 'DRAFT';
/** The DocNumber a narration starts with (the text before the first colon). */
export const docNumberOf = (narration: unknown) =>
  String(narration ?? '')
    .split(':')[0]!
    .trim();

function sameJournal(current: XeroObject, next: JournalFields): boolean {
  const key = (lines: { AccountCode?: unknown; LineAmount?: unknown; Description?: unknown }[]) =>
    lines
      .map(
        (l) => `${String(l.AccountCode)}|${Number(l.LineAmount).toFixed(2)}|${String(l.Description ?? '')}`,
      )
      .sort()
      .join('\n');
  return (
    current.Status === 'POSTED' &&
    String(current.Date ?? '').slice(0, 10) === next.date &&
    current.Narration === next.narration &&
    key((current.JournalLines ?? []) as XeroObject[]) ===
      key(
        next.lines.map((l) => ({
          AccountCode: l.accountCode,
          LineAmount: l.lineAmount,
          Description: l.description,
        })),
      )
  );
}

const model = (f: JournalFields) =>
  ({
    narration: f.narration,
    date: f.date,
    status: 'POSTED',
    lineAmountTypes: 'NoTax',
    journalLines: f.lines.map((l) => ({
      accountCode: l.accountCode,
      lineAmount: l.lineAmount,
      description: l.description,
    })),
  }) as never;

export async function upsertManualJournals(
  client: XeroApiClient,
  stream: string,
  idField: string,
  records: { externalId: string; fields: Record<string, unknown> }[],
): Promise<UpsertResult[]> {
  if (stream !== 'manual_journals' || idField !== 'Narration')
    throw new Error(`Xero writes only manual_journals by Narration (asked ${stream} by ${idField})`);
  const byDoc = new Map<string, XeroObject>();
  for (const j of await allManualJournals(client)) if (live(j)) byDoc.set(docNumberOf(j.Narration), j);
  const out: UpsertResult[] = [];
  const toCreate: { externalId: string; fields: JournalFields }[] = [];
  for (const r of records) {
    const fields = r.fields as unknown as JournalFields;
    const current = byDoc.get(r.externalId);
    if (!current) {
      toCreate.push({ externalId: r.externalId, fields });
      continue;
    }
    const id = String(current.ManualJournalID);
    if (!sameJournal(current, fields))
      await client.call((api, t) => api.updateManualJournal(t, id, { manualJournals: [model(fields)] }));
    out.push({ externalId: r.externalId, vendorId: id, created: false });
  }
  // Xero takes up to 50 documents per request.
  for (let i = 0; i < toCreate.length; i += 50) {
    const chunk = toCreate.slice(i, i + 50);
    const { body } = await client.call((api, t) =>
      api.createManualJournals(t, { manualJournals: chunk.map((c) => model(c.fields)) }),
    );
    const made = body.manualJournals ?? [];
    for (const [k, c] of chunk.entries())
      out.push({ externalId: c.externalId, vendorId: String(made[k]?.manualJournalID ?? ''), created: true });
  }
  return out;
}

export async function removeAbsentManualJournals(
  client: XeroApiClient,
  stream: string,
  _idField: string,
  prefix: string,
  keep: string[],
): Promise<string[]> {
  if (stream !== 'manual_journals') throw new Error(`Xero removes only manual_journals (asked ${stream})`);
  const kept = new Set(keep);
  const removed: string[] = [];
  for (const j of await allManualJournals(client)) {
    const doc = docNumberOf(j.Narration);
    if (!live(j) || !doc.startsWith(prefix) || kept.has(doc)) continue;
    const id = String(j.ManualJournalID);
    const status = j.Status === 'POSTED' ? 'VOIDED' : 'DELETED';
    await client.call((api, t) =>
      api.updateManualJournal(t, id, {
        manualJournals: [{ narration: String(j.Narration), status } as never],
      }),
    );
    removed.push(doc);
  }
  return removed;
}
