// Xero's Accounting API (https://api.xero.com/api.xro/2.0) and its connections endpoint as the
// sandbox serves them to xero-node.
//
// Assumptions (where Xero's documentation and its OpenAPI are thin or silent):
// - Every answer is wrapped the way Xero wraps it: {Id, Status "OK", ProviderName, DateTimeUTC,
//   <Collection>: […]}, with `pagination` {page, pageSize, pageCount, itemCount} on paged lists
//   (Contacts and ManualJournals, 100 per page). Accounts are not paged.
// - Dates are Xero's JSON dates, "/Date(1730332800000+0000)/"; a journal's Date is midnight UTC.
// - If-Modified-Since is read as an HTTP date or an ISO instant (xero-node sends ISO) and keeps
//   records whose UpdatedDateUTC is strictly after it. Contacts leave out ARCHIVED ones unless
//   includeArchived=true. `where` is understood only for IsSupplier==true and IsCustomer==true.
// - Limits per tenant: 60 calls a rolling minute and 5,000 a rolling day; the app's minute limit
//   (10,000) is reported but never reached. Every metered answer carries X-MinLimit-Remaining,
//   X-DayLimit-Remaining and X-AppMinLimit-Remaining; a 429 carries Retry-After (seconds) and
//   X-Rate-Limit-Problem (minute, day or appminute) with a plain-text body as Xero sends.
// - A bad, expired or revoked token is 401 with Xero's problem body (Detail AuthenticationUnsuccessful,
//   or TokenExpired for an expired one); a tenant the token was not granted is 403.
// - Validation failures are 400 ErrorNumber 10 ValidationException, the refused items echoed in
//   Elements with their ValidationErrors; summarizeErrors=false is not honoured (always 400).
// - Manual journals: Narration required, at least two lines, lines summing to zero, AccountCode an
//   ACTIVE account's code, Status DRAFT or POSTED on create. POST /ManualJournals/{id} updates in
//   place (a POSTED journal may be edited; this is what Xero allows through the API), POSTED →
//   VOIDED voids, DRAFT → DELETED deletes; a POSTED journal cannot be DELETED, and a VOIDED or
//   DELETED one cannot change any more.
// - Accounts: PUT creates (Code, Name, Type required; Code unique).
import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { chaosMeter, type Slot } from '../../kit/sandbox/meter.ts';
import { idField, msDate, type XeroObject, type XeroOrg, type XeroRow, type XeroType } from './org.ts';
import type { XeroSandbox } from './sandbox.ts';

type Env = { Variables: { org: XeroOrg } };
export const PAGE_SIZE = 100;
const APP_MINUTE_LIMIT = 10_000;

/** Xero's envelope around a collection. */
export function envelope(key: string, items: unknown[], extra: Record<string, unknown> = {}): object {
  return {
    Id: randomUUID(),
    Status: 'OK',
    ProviderName: 'Commission Hub Sandbox',
    DateTimeUTC: msDate(Date.now()),
    ...extra,
    [key]: items,
  };
}

const problem = (status: number, title: string, detail: string) => ({
  Type: null,
  Title: title,
  Status: status,
  Detail: detail,
  Instance: randomUUID(),
  Extensions: {},
});

export class XeroValidation extends Error {
  readonly elements: XeroObject[];
  constructor(elements: XeroObject[]) {
    super('A validation exception occurred');
    this.elements = elements;
  }
}

export function validationBody(elements: XeroObject[]): object {
  return {
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: 'A validation exception occurred',
    Elements: elements,
  };
}

/** An HTTP date or an ISO instant, in ms; null when absent or unreadable. */
export function modifiedSince(value: string | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** "2026-10-31", "2026-10-31T00:00:00" or "/Date(…)/" → Xero's JSON date. */
function journalDate(value: unknown): string | null {
  if (typeof value !== 'string' || !value) return msDate(Date.parse(new Date().toISOString().slice(0, 10)));
  const m = /^\/Date\((-?\d+)/.exec(value);
  if (m) return msDate(Number(m[1]));
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? null : msDate(ms);
}

/** The journal as stored after validation, or its validation errors. */
function checkJournal(
  org: XeroOrg,
  input: XeroObject,
  current?: XeroRow,
): { body: XeroObject } | { errors: string[] } {
  const errors: string[] = [];
  const merged = { ...(current?.body ?? {}), ...input };
  delete merged.ManualJournalID;
  delete merged.UpdatedDateUTC;
  const status = String(merged.Status ?? 'DRAFT');
  const from = current ? String(current.body.Status) : null;
  if (from === 'VOIDED' || from === 'DELETED')
    errors.push(`This manual journal has been ${from.toLowerCase()} and cannot be updated.`);
  if (!['DRAFT', 'POSTED', 'VOIDED', 'DELETED'].includes(status))
    errors.push(`Status '${status}' is not valid.`);
  if (!current && !['DRAFT', 'POSTED'].includes(status))
    errors.push('A new manual journal must be DRAFT or POSTED.');
  if (from === 'POSTED' && status === 'DELETED')
    errors.push('A posted manual journal cannot be deleted; void it instead.');
  if (from === 'DRAFT' && status === 'VOIDED')
    errors.push('A draft manual journal cannot be voided; delete it instead.');
  if (typeof merged.Narration !== 'string' || !merged.Narration.trim())
    errors.push('Narration cannot be empty.');
  const lines = (Array.isArray(merged.JournalLines) ? merged.JournalLines : []) as XeroObject[];
  if (lines.length < 2) errors.push('The journal must have at least two lines.');
  const codes = new Set(
    org
      .all('Accounts')
      .filter((a) => a.body.Status === 'ACTIVE')
      .map((a) => String(a.body.Code)),
  );
  let totalCents = 0;
  let debits = 0;
  let credits = 0;
  for (const line of lines) {
    const amount = Number(line.LineAmount);
    if (!Number.isFinite(amount)) errors.push('LineAmount must be a number.');
    else {
      totalCents += Math.round(amount * 100);
      if (amount > 0) debits += amount;
      else credits -= amount;
    }
    if (!codes.has(String(line.AccountCode ?? '')))
      errors.push(`Account code '${line.AccountCode ?? ''}' is not a valid code for this document.`);
  }
  if (totalCents !== 0)
    errors.push(`The total debits (${debits.toFixed(2)}) must equal total credits (${credits.toFixed(2)})`);
  const date = journalDate(merged.Date);
  if (!date) errors.push('Date is not valid.');
  if (errors.length) return { errors };
  return {
    body: {
      Narration: merged.Narration,
      Date: date,
      Status: status,
      LineAmountTypes: merged.LineAmountTypes ?? 'NoTax',
      ShowOnCashBasisReports: merged.ShowOnCashBasisReports ?? true,
      HasAttachments: false,
      JournalLines: lines.map((l) => ({
        LineAmount: Number(l.LineAmount),
        AccountCode: String(l.AccountCode),
        ...(l.Description ? { Description: String(l.Description) } : {}),
        TaxType: 'NONE',
        TaxAmount: 0,
        IsBlank: false,
      })),
    },
  };
}

function itemsOf(body: unknown, key: string): XeroObject[] {
  if (Array.isArray(body)) return body as XeroObject[];
  if (body && typeof body === 'object') {
    const list = (body as Record<string, unknown>)[key];
    if (Array.isArray(list)) return list as XeroObject[];
    return [body as XeroObject];
  }
  return [];
}

function page(c: Context<Env>, type: XeroType, rows: XeroRow[], key: string) {
  const org = c.get('org');
  const n = Math.max(1, Number(c.req.query('page') ?? '1') || 1);
  const slice = rows.slice((n - 1) * PAGE_SIZE, n * PAGE_SIZE);
  return c.json(
    envelope(
      key,
      slice.map((r) => org.render(type, r)),
      {
        pagination: {
          page: n,
          pageSize: PAGE_SIZE,
          pageCount: Math.ceil(rows.length / PAGE_SIZE),
          itemCount: rows.length,
        },
      },
    ),
  );
}

function since(c: Context<Env>, rows: XeroRow[]): XeroRow[] {
  const ms = modifiedSince(c.req.header('if-modified-since'));
  return ms === null ? rows : rows.filter((r) => r.updatedMs > ms);
}

function where(c: Context<Env>, rows: XeroRow[]): XeroRow[] {
  const w = (c.req.query('where') ?? '').replace(/\s+/g, '');
  if (!w) return rows;
  const m = /^(IsSupplier|IsCustomer)==(true|false)$/.exec(w);
  if (!m)
    throw new XeroValidation([
      { ValidationErrors: [{ Message: `The where clause '${w}' is not supported.` }] },
    ]);
  return rows.filter((r) => Boolean(r.body[m[1]!]) === (m[2] === 'true'));
}

function limitHeaders(c: Context<Env>, org: XeroOrg, minute: Slot): void {
  if (minute) c.header('X-MinLimit-Remaining', String(minute.remaining));
  const day = org.day.max - Math.min(org.day.max, org.requestCount);
  c.header('X-DayLimit-Remaining', String(Math.max(0, day)));
  c.header('X-AppMinLimit-Remaining', String(APP_MINUTE_LIMIT - 1));
}

function tooMany(c: Context<Env>, retryAfter: number, problemKind: 'minute' | 'day' | 'appminute') {
  c.header('Retry-After', String(retryAfter));
  c.header('X-Rate-Limit-Problem', problemKind);
  return c.text('You have exceeded the rate limit', 429);
}

/** The bearer token's organisation and the tenant the call names; 401/403 as Xero answers. */
export function bearerOrg(sandbox: XeroSandbox, c: Context): { org?: XeroOrg; refusal?: Response } {
  const auth = c.req.header('authorization') ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const found = token ? sandbox.orgForToken(token) : undefined;
  if (!found || found.expired) {
    c.header(
      'WWW-Authenticate',
      found?.expired
        ? 'Bearer error="invalid_token", error_description="The access token expired"'
        : 'Bearer',
    );
    return {
      refusal: c.json(
        problem(401, 'Unauthorized', found?.expired ? 'TokenExpired' : 'AuthenticationUnsuccessful'),
        401,
      ),
    };
  }
  return { org: found.org };
}

export function xeroApi(sandbox: XeroSandbox): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((err, c) => {
    if (err instanceof XeroValidation) return c.json(validationBody(err.elements), 400);
    throw err;
  });
  app.use('/api.xro/2.0/*', async (c, next) => {
    const { org, refusal } = bearerOrg(sandbox, c);
    if (refusal) return refusal;
    const tenant = c.req.header('xero-tenant-id') ?? '';
    if (tenant.toLowerCase() !== org!.tenantId)
      return c.json(problem(403, 'Forbidden', 'AuthenticationUnsuccessful'), 403);
    c.set('org', org!);
    await next();
  });
  app.use(
    '/api.xro/2.0/*',
    chaosMeter<Env, XeroOrg>({
      account: (c) => c.get('org'),
      window: (org) => org.minute,
      limit: () => 60,
      outage: (c) =>
        c.json(problem(503, 'Service Unavailable', 'The Xero API is temporarily unavailable'), 503),
      rateLimited: (c, _org, retryAfter) => tooMany(c, retryAfter, 'minute'),
      limitHeaders,
    }),
  );
  // The day limit, after the minute's.
  app.use('/api.xro/2.0/*', async (c, next) => {
    const slot = c.get('org').day.take();
    if (!slot.allowed) return tooMany(c, Math.ceil(slot.resetMs / 1000), 'day');
    await next();
  });

  app.get('/api.xro/2.0/Accounts', (c) => {
    const org = c.get('org');
    return c.json(
      envelope(
        'Accounts',
        since(c, org.all('Accounts')).map((r) => org.render('Accounts', r)),
      ),
    );
  });
  app.put('/api.xro/2.0/Accounts', async (c) => {
    const org = c.get('org');
    const [input] = itemsOf(await c.req.json().catch(() => null), 'Accounts');
    const errors: string[] = [];
    if (!input?.Code || !input.Name || !input.Type) errors.push('Code, Name and Type are required.');
    if (org.all('Accounts').some((a) => String(a.body.Code) === String(input?.Code)))
      errors.push('Please enter a unique Code.');
    if (errors.length)
      throw new XeroValidation([{ ...input, ValidationErrors: errors.map((Message) => ({ Message })) }]);
    const row = org.create('Accounts', {
      Status: 'ACTIVE',
      TaxType: 'NONE',
      HasAttachments: false,
      ...input,
    });
    return c.json(envelope('Accounts', [org.render('Accounts', row)]));
  });
  app.get('/api.xro/2.0/Contacts', (c) => {
    const org = c.get('org');
    let rows = where(c, since(c, org.all('Contacts')));
    if (c.req.query('includeArchived') !== 'true')
      rows = rows.filter((r) => r.body.ContactStatus !== 'ARCHIVED');
    return page(c, 'Contacts', rows, 'Contacts');
  });
  app.get('/api.xro/2.0/ManualJournals', (c) =>
    page(c, 'ManualJournals', since(c, c.get('org').all('ManualJournals')), 'ManualJournals'),
  );
  app.get('/api.xro/2.0/ManualJournals/:id', (c) => {
    const org = c.get('org');
    const row = org.get('ManualJournals', c.req.param('id'));
    if (!row)
      return c.json(problem(404, 'Not Found', "The resource you're looking for cannot be found"), 404);
    return c.json(envelope('ManualJournals', [org.render('ManualJournals', row)]));
  });

  const write = async (c: Context<Env>, id: string | null) => {
    const org = c.get('org');
    const items = itemsOf(await c.req.json().catch(() => null), 'ManualJournals');
    if (!items.length)
      throw new XeroValidation([{ ValidationErrors: [{ Message: 'No manual journals were sent.' }] }]);
    const checked = items.map((item) => {
      const targetId = id ?? (typeof item.ManualJournalID === 'string' ? item.ManualJournalID : null);
      const current = targetId ? org.get('ManualJournals', targetId) : undefined;
      if (targetId && !current)
        return { item, result: { errors: [`ManualJournalID ${targetId} was not found.`] } as const, current };
      return { item, result: checkJournal(org, item, current), current };
    });
    const refused = checked.filter((x) => 'errors' in x.result);
    if (refused.length)
      throw new XeroValidation(
        refused.map((x) => ({
          ...x.item,
          ValidationErrors: (x.result as { errors: string[] }).errors.map((Message) => ({ Message })),
        })),
      );
    const rows = checked.map(({ result, current }) => {
      const body = (result as { body: XeroObject }).body;
      return current ? org.update('ManualJournals', current.id, body)! : org.create('ManualJournals', body);
    });
    return c.json(
      envelope(
        'ManualJournals',
        rows.map((r) => org.render('ManualJournals', r)),
      ),
    );
  };
  app.put('/api.xro/2.0/ManualJournals', (c) => write(c, null));
  app.post('/api.xro/2.0/ManualJournals', (c) => write(c, null));
  app.post('/api.xro/2.0/ManualJournals/:id', (c) => write(c, c.req.param('id')));

  // Unserved Accounting routes answer as Xero does for an unknown resource.
  app.all('/api.xro/2.0/*', (c) =>
    c.json(problem(404, 'Not Found', "The resource you're looking for cannot be found"), 404),
  );
  return app;
}

export { idField };
