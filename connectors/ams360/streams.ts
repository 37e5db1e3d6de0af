// Reads AMS360's entities page by page: a full read lists everything (ordered by id, so page
// numbers stay put while records change), an incremental read passes the cursor as
// `changedSince`. The checkpoint is the filter and the next page number; the cursor kept is the
// run's start. Payloads are the entity as AMS360 sends it plus the few values a mapping cannot
// assemble (a person's name, a phone with its area code), with dates as ISO days and money as
// decimal strings, so the hash changes only when AMS360's data does.
import type { DeletedRecord, Json, Page, ReadRequest, VendorRecord } from '../types.ts';
import type {
  A360Company,
  A360Customer,
  A360Employee,
  A360Entity,
  A360Policy,
  A360PolicyTransaction,
  Ams360Client,
} from './client.ts';

export type Ams360Stream = 'employees' | 'companies' | 'customers' | 'policies' | 'transactions';

const entityOf: Record<Ams360Stream, A360Entity> = {
  employees: 'employees',
  companies: 'companies',
  customers: 'customers',
  policies: 'policies',
  transactions: 'policytransactions',
};

/** Changes stamped a little before the cursor are read again: clocks drift, hashes dedupe. */
const LOOKBACK_MS = 60_000;
const DEFAULT_PAGE_SIZE = 200;

interface Checkpoint {
  since: string | null;
  page: number;
}

function isCheckpoint(v: Json): v is Json & Checkpoint {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.page === 'number';
}

/** MM/DD/YYYY (WSAPI's dates) as YYYY-MM-DD; anything else as sent. */
export function isoDay(s: string | null | undefined): string | null {
  if (!s) return null;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s.trim());
  return us ? `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}` : s;
}

/** A decimal as AMS360 sends it, as an exact two-place string. */
const money = (n: number | null | undefined): string | null =>
  typeof n === 'number' && Number.isFinite(n) ? n.toFixed(2) : null;
const pct = (n: number | null | undefined): string | null =>
  typeof n === 'number' && Number.isFinite(n) ? String(n) : null;

const phone = (area: string | null, number: string | null): string | null =>
  number?.trim() ? (area?.trim() ? `(${area.trim()}) ${number.trim()}` : number.trim()) : null;

export class Ams360Reader {
  private readonly client: Ams360Client;
  private readonly pageSize: number;

  constructor(client: Ams360Client, settings: Record<string, unknown>) {
    this.client = client;
    const size = Number(settings.pageSize);
    this.pageSize = Number.isInteger(size) && size > 0 ? size : DEFAULT_PAGE_SIZE;
  }

  async read(req: ReadRequest): Promise<Page> {
    const stream = req.stream as Ams360Stream;
    if (!(stream in entityOf)) throw new Error(`AMS360 has no stream "${req.stream}"`);
    const at = isCheckpoint(req.checkpoint) ? req.checkpoint : null;
    const since =
      at?.since ??
      (at === null && req.mode === 'incremental' && typeof req.cursor === 'string'
        ? new Date(Date.parse(req.cursor) - LOOKBACK_MS).toISOString()
        : null);
    const pageNumber = at?.page ?? 1;
    const page = await this.client.list(entityOf[stream], {
      changedSince: since,
      pageNumber,
      pageSize: this.pageSize,
    });
    const { records, deleted } = project(stream, page.Items);
    const checkpoint = page.HasMoreRecords ? { since, page: pageNumber + 1 } : null;
    return { records, deleted, checkpoint, cursor: checkpoint ? null : req.runStartedAt };
  }
}

export function project(
  stream: Ams360Stream,
  items: unknown[],
): { records: VendorRecord[]; deleted: DeletedRecord[] } {
  const records: VendorRecord[] = [];
  const deleted: DeletedRecord[] = [];
  for (const item of items) {
    switch (stream) {
      case 'employees': {
        const e = item as A360Employee;
        const name = [e.FirstName, e.LastName].filter((s) => s?.trim()).join(' ') || e.EmployeeCode;
        records.push({
          externalId: e.EmployeeCode,
          updatedAt: e.ChangedDate,
          payload: { ...e, FullName: name },
        });
        break;
      }
      case 'companies': {
        const c = item as A360Company;
        records.push({ externalId: c.CompanyCode, updatedAt: c.ChangedDate, payload: { ...c } });
        break;
      }
      case 'customers': {
        const c = item as A360Customer;
        if (!c.IsActive) {
          deleted.push({
            externalId: c.CustomerId,
            deletedAt: c.ChangedDate,
            reason: 'inactivated in AMS360',
          });
          break;
        }
        const fullName = [c.FirstName, c.MiddleName, c.LastName].filter((s) => s?.trim()).join(' ');
        records.push({
          externalId: c.CustomerId,
          updatedAt: c.ChangedDate,
          payload: {
            ...c,
            DateCustomerAdded: isoDay(c.DateCustomerAdded),
            FullName: fullName || null,
            PrimaryPhone: phone(c.BusinessAreaCode, c.BusinessPhone) ?? phone(c.HomeAreaCode, c.HomePhone),
          },
        });
        break;
      }
      case 'policies': {
        const p = item as A360Policy;
        if (p.PolicyStatus === 'Deleted') {
          deleted.push({ externalId: p.PolicyId, deletedAt: p.ChangedDate, reason: 'deleted in AMS360' });
          break;
        }
        records.push({
          externalId: p.PolicyId,
          updatedAt: p.ChangedDate,
          payload: {
            ...p,
            PolicyEffectiveDate: isoDay(p.PolicyEffectiveDate),
            PolicyExpirationDate: isoDay(p.PolicyExpirationDate),
            OriginalInceptionDate: isoDay(p.OriginalInceptionDate),
            FullTermPremium: money(p.FullTermPremium),
            AgencyCommissionPercent: pct(p.AgencyCommissionPercent),
          },
        });
        break;
      }
      case 'transactions': {
        const t = item as A360PolicyTransaction;
        records.push({
          externalId: t.PolicyTransactionId,
          updatedAt: t.ChangedDate,
          payload: {
            ...t,
            TransactionEffectiveDate: isoDay(t.TransactionEffectiveDate),
            TransactionEntryDate: isoDay(t.TransactionEntryDate),
            AccountingMonth: isoDay(t.TransactionEntryDate)?.slice(0, 7) ?? null,
            WrittenPremium: money(t.WrittenPremium),
            // AMS360 records a percent and an amount; a percent on a return premium stays positive.
            AgencyCommissionPercent: pct(
              t.AgencyCommissionPercent === null ? null : Math.abs(t.AgencyCommissionPercent),
            ),
            AgencyCommissionAmount: money(t.AgencyCommissionAmount),
          },
        });
        break;
      }
    }
  }
  return { records, deleted };
}
