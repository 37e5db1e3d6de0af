// Reading Xero: one page per read. Contacts and manual journals are paged by page number (100
// a page, the last one shorter); accounts come in one answer. Incremental reads send the cursor
// as If-Modified-Since; the cursor kept is the run's start (Xero's clock and ours are both UTC,
// and a change during the run is read again next time rather than missed). Payloads are the
// records in Xero's own wire names (PascalCase), whichever call produced them. Archived
// accounts and contacts, voided and deleted journals are reported as deletes.
import type { DeletedRecord, Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import { wire, type XeroApiClient, type XeroObject } from './client.ts';

export const PAGE_SIZE = 100;

interface Checkpoint {
  page: number;
  since: string | null;
}

type Reader = (client: XeroApiClient, since: Date | undefined, page: number) => Promise<XeroObject[]>;

interface StreamRead {
  read: Reader;
  paged: boolean;
  id: string;
  gone(record: XeroObject): string | null;
}

const streams: Record<string, StreamRead> = {
  accounts: {
    paged: false,
    id: 'AccountID',
    gone: (r) =>
      r.Status === 'ARCHIVED' || r.Status === 'DELETED' ? `account ${String(r.Status).toLowerCase()}` : null,
    read: async (client, since) => {
      const { body } = await client.call((api, t) => api.getAccounts(t, since));
      return (body.accounts ?? []).map((a) => wire(a, 'Account'));
    },
  },
  suppliers: {
    paged: true,
    id: 'ContactID',
    gone: (r) => (r.ContactStatus === 'ARCHIVED' ? 'contact archived' : null),
    read: async (client, since, page) => {
      const { body } = await client.call((api, t) =>
        api.getContacts(t, since, 'IsSupplier==true', undefined, undefined, page, true),
      );
      return (body.contacts ?? []).map((c) => wire(c, 'Contact'));
    },
  },
  customers: {
    paged: true,
    id: 'ContactID',
    gone: (r) => (r.ContactStatus === 'ARCHIVED' ? 'contact archived' : null),
    read: async (client, since, page) => {
      const { body } = await client.call((api, t) =>
        api.getContacts(t, since, 'IsCustomer==true', undefined, undefined, page, true),
      );
      return (body.contacts ?? []).map((c) => wire(c, 'Contact'));
    },
  },
  manual_journals: {
    paged: true,
    id: 'ManualJournalID',
    gone: (r) =>
      r.Status === 'VOIDED' || r.Status === 'DELETED' ? `journal ${String(r.Status).toLowerCase()}` : null,
    read: async (client, since, page) => {
      const { body } = await client.call((api, t) =>
        api.getManualJournals(t, since, undefined, undefined, page),
      );
      return (body.manualJournals ?? []).map((j) => wire(j, 'ManualJournal'));
    },
  },
};

/** Every manual journal of the organisation, page by page (the journal writer's lookup). */
export async function allManualJournals(client: XeroApiClient): Promise<XeroObject[]> {
  const out: XeroObject[] = [];
  for (let page = 1; ; page++) {
    const rows = await streams.manual_journals!.read(client, undefined, page);
    out.push(...rows);
    if (rows.length < PAGE_SIZE) return out;
  }
}

export class XeroReader {
  private readonly client: XeroApiClient;
  constructor(client: XeroApiClient) {
    this.client = client;
  }

  async read(req: ReadRequest): Promise<Page> {
    const stream = streams[req.stream];
    if (!stream) throw new Error(`Xero has no stream "${req.stream}"`);
    const at = (req.checkpoint as Checkpoint | null) ?? {
      page: 1,
      since: req.mode === 'incremental' && typeof req.cursor === 'string' ? req.cursor : null,
    };
    const rows = await stream.read(this.client, at.since ? new Date(at.since) : undefined, at.page);
    const records: VendorRecord[] = [];
    const deleted: DeletedRecord[] = [];
    for (const row of rows) {
      const externalId = String(row[stream.id]);
      const updatedAt = typeof row.UpdatedDateUTC === 'string' ? row.UpdatedDateUTC : null;
      const reason = stream.gone(row);
      if (reason) deleted.push({ externalId, deletedAt: updatedAt, reason });
      else records.push({ externalId, updatedAt, payload: row });
    }
    const more = stream.paged && rows.length >= PAGE_SIZE;
    return {
      records,
      deleted,
      checkpoint: more ? ({ page: at.page + 1, since: at.since } as unknown as Json) : null,
      cursor: req.runStartedAt,
    };
  }
}
