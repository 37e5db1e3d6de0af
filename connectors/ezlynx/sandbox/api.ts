// ─────────────────────────────────────────────────────────────────────────────────────────────
// THIS IS OUR DESIGN, NOT EZLYNX'S DOCUMENTED API.
//
// EZLynx publishes only an overview (the "EZLynxAPI" Postman collection): the API creates and
// updates applicants, contacts, prospects and opportunities, creates policy headers, and sends
// events (XML or JSON, one webhook URL per integration) such as ApplicantCreated/Updated/Deleted,
// PolicyCreated/Updated/Deleted, PolicyDownloaded, CommissionStatementDownloaded, User*, Carrier*.
// Paths, auth, schemas, paging, limits and errors are not public. Everything below is an
// assumption made so the connector has something faithful-in-spirit to talk to; replace it with
// the partner documentation before connecting a real agency.
//
// Assumptions:
// - Paths: JSON REST under /v1 — agents (EZLynx users with producer codes; the overview calls
//   them Users), carriers, applicants, policies (one record per policy term, linked to the prior
//   term), policy-transactions (new business, renewal, endorsement, cancellation, reinstatement;
//   from carrier downloads or entered by hand), commission-statements (downloaded carrier
//   statements with their lines). camelCase fields, ids are numeric strings, dates YYYY-MM-DD,
//   instants ISO 8601 UTC, money as decimal strings ("1234.50"), never JSON numbers.
// - JSON only. A request that accepts only XML gets 406; the overview's XML variant is not served.
// - Auth: client id + API key exchanged for a bearer token at POST /oauth2/token (auth.ts); tokens
//   live 30 minutes (chaos `tokenTtlSeconds` overrides). 401 bodies say TOKEN_EXPIRED or
//   TOKEN_INVALID, with a `WWW-Authenticate: Bearer error="invalid_token"` header.
// - Listing: GET /v1/{resource}?limit=&cursor=&updated_since=&fields= . limit 1..200 (default 50;
//   anything else is 400). Pages come back as {data: [...], paging: {next, limit}}; `next` is an
//   opaque cursor (null on the last page) that carries the whole query, so a follow-up request
//   sends only `cursor` (other filters beside it are ignored). Cursors are bound to the account and
//   resource and do not expire.
// - Without `updated_since`: live records in id order. With `updated_since` (inclusive, ISO 8601
//   with a zone): every record changed at or after it, deleted ones included, in (updatedAt, id)
//   order, so records changed while a client pages appear later in the same walk, never skipped.
// - Deletes: tombstones in the `updated_since` feed, shaped {id, deleted: true, deletedAt,
//   updatedAt}. Tombstones are kept (the real retention is unknown; a gap longer than it would
//   need a full sync's sweep). Deleting an applicant deletes its policies and their transactions;
//   deleting a policy deletes its transactions. Carriers and commission statements are never
//   deleted (no such events in the overview).
// - `fields=a,b` returns only those top-level fields (plus id, createdAt, updatedAt), with null
//   for a field the record does not have.
// - Rate limit: 300 requests per rolling 60 s per integration group; every response carries
//   X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (seconds until a slot frees).
//   Over the limit: 429 with Retry-After (seconds) and {error: {code: "RATE_LIMITED"}}.
// - Errors: {error: {code, message, requestId, details?}} with codes TOKEN_INVALID,
//   TOKEN_EXPIRED, NOT_FOUND, VALIDATION_ERROR, INVALID_CURSOR, NOT_ACCEPTABLE, RATE_LIMITED,
//   SERVICE_UNAVAILABLE (503).
// - Writes: applicants only (the overview's "create and update applicants"): POST
//   /v1/applicants, PATCH /v1/applicants/{id}, and POST /v1/applicants/upsert {matchOn:
//   "externalId" | "customerNumber", applicant} → {created, applicant}. Writes raise the same
//   events as changes made in the product.
// - Webhooks: see agency.ts (delivery) and connectors/ezlynx/webhooks.ts (verification).
// ─────────────────────────────────────────────────────────────────────────────────────────────
import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { chaosMeter } from '../../kit/sandbox/meter.ts';
import { type EzlynxAgency, type EzRecord, isResourceType, type ResourceType } from './agency.ts';
import type { EzlynxSandbox } from './sandbox.ts';

type Env = { Variables: { agency: EzlynxAgency; requestId: string } };
type ErrorStatus = 400 | 401 | 404 | 406 | 429 | 503;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const applicantFields = [
  'applicantType',
  'customerNumber',
  'externalId',
  'firstName',
  'middleName',
  'lastName',
  'email',
  'phones',
  'address',
  'assignedToUserId',
  'csrUserId',
  'status',
  'clientSince',
] as const;

function apiError(
  c: Context<Env>,
  status: ErrorStatus,
  code: string,
  message: string,
  details?: { field: string; message: string }[],
) {
  return c.json(
    {
      error: {
        code,
        message,
        requestId: c.get('requestId') ?? randomUUID(),
        ...(details ? { details } : {}),
      },
    },
    status,
  );
}

interface ListCursor {
  /** account and resource the cursor belongs to */
  a: string;
  r: ResourceType;
  /** updated_since (ms) or null for a plain listing */
  s: number | null;
  l: number;
  f: string[] | null;
  /** last record returned: its updatedAt (ms) and id */
  u: number;
  i: number;
}

const encodeCursor = (c: ListCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(raw: string): ListCursor | null {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as ListCursor;
    return typeof c.a === 'string' && typeof c.i === 'number' && typeof c.l === 'number' ? c : null;
  } catch {
    return null;
  }
}

export function serializeRecord(record: EzRecord, fields: string[] | null = null): Record<string, unknown> {
  if (record.deleted)
    return { id: record.id, deleted: true, deletedAt: record.deletedAt, updatedAt: record.updatedAt };
  const chosen = fields
    ? Object.fromEntries(fields.map((f) => [f, record.fields[f] ?? null]))
    : structuredClone(record.fields);
  return { id: record.id, ...chosen, createdAt: record.createdAt, updatedAt: record.updatedAt };
}

function splitFields(raw: string | undefined): string[] | null {
  if (!raw) return null;
  const out = raw
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f && !['id', 'createdAt', 'updatedAt'].includes(f));
  return out.length ? [...new Set(out)].sort() : null;
}

function list(c: Context<Env>, resource: ResourceType) {
  const agency = c.get('agency');
  let query: ListCursor;
  const rawCursor = c.req.query('cursor');
  if (rawCursor) {
    const decoded = decodeCursor(rawCursor);
    if (!decoded || decoded.a !== agency.agencyId || decoded.r !== resource)
      return apiError(c, 400, 'INVALID_CURSOR', 'the cursor is not valid for this resource');
    query = decoded;
  } else {
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined ? DEFAULT_LIMIT : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return apiError(c, 400, 'VALIDATION_ERROR', 'invalid query', [
        { field: 'limit', message: `must be a whole number from 1 to ${MAX_LIMIT}` },
      ]);
    const sinceRaw = c.req.query('updated_since');
    let since: number | null = null;
    if (sinceRaw !== undefined) {
      since = isoInstant.test(sinceRaw) ? Date.parse(sinceRaw) : Number.NaN;
      if (Number.isNaN(since))
        return apiError(c, 400, 'VALIDATION_ERROR', 'invalid query', [
          { field: 'updated_since', message: 'must be an ISO 8601 date-time with a zone' },
        ]);
    }
    query = {
      a: agency.agencyId,
      r: resource,
      s: since,
      l: limit,
      f: splitFields(c.req.query('fields')),
      u: -1,
      i: 0,
    };
  }

  const since = query.s;
  let rows = [...agency.records[resource].values()];
  if (since === null) {
    rows = rows.filter((r) => !r.deleted && Number(r.id) > query.i);
    rows.sort((a, b) => Number(a.id) - Number(b.id));
  } else {
    const key = (r: EzRecord) => Date.parse(r.updatedAt);
    rows = rows.filter((r) => {
      const u = key(r);
      return u >= since && (u > query.u || (u === query.u && Number(r.id) > query.i));
    });
    rows.sort((a, b) => key(a) - key(b) || Number(a.id) - Number(b.id));
  }
  const page = rows.slice(0, query.l);
  const last = page[page.length - 1];
  const next =
    rows.length > query.l && last
      ? encodeCursor({ ...query, u: Date.parse(last.updatedAt), i: Number(last.id) })
      : null;
  return c.json({ data: page.map((r) => serializeRecord(r, query.f)), paging: { next, limit: query.l } });
}

function validateApplicant(body: unknown, creating: boolean): { field: string; message: string }[] {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return [{ field: '(body)', message: 'must be a JSON object' }];
  const problems: { field: string; message: string }[] = [];
  for (const key of Object.keys(body))
    if (!(applicantFields as readonly string[]).includes(key))
      problems.push({ field: key, message: 'is not an applicant field' });
  const b = body as Record<string, unknown>;
  for (const name of ['firstName', 'lastName']) {
    const v = b[name];
    if ((creating || name in b) && (typeof v !== 'string' || !v.trim()))
      problems.push({ field: name, message: 'is required' });
  }
  return problems;
}

const newApplicant = (): Record<string, unknown> => ({
  applicantType: 'Personal',
  customerNumber: null,
  externalId: null,
  middleName: null,
  email: null,
  phones: [],
  address: null,
  assignedToUserId: null,
  csrUserId: null,
  status: 'Prospect',
  clientSince: null,
});

export function ezlynxApi(sandbox: EzlynxSandbox): Hono<Env> {
  const app = new Hono<Env>();

  // Auth, chaos and the rate limit, in that order, on every API call.
  app.use('/v1/*', async (c, next) => {
    c.set('requestId', randomUUID());
    c.header('x-request-id', c.get('requestId'));
    const accept = c.req.header('accept');
    if (accept && !/json|\*\/\*/.test(accept))
      return apiError(c, 406, 'NOT_ACCEPTABLE', 'this API serves application/json only');
    const auth = c.req.header('authorization') ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    const agency = sandbox.agencyForToken(token);
    if (!agency) {
      c.header('www-authenticate', 'Bearer error="invalid_token", error_description="unknown token"');
      return apiError(c, 401, 'TOKEN_INVALID', 'The access token is missing or not recognised.');
    }
    const expiry = agency.tokens.get(token) ?? 0;
    if (expiry <= Date.now()) {
      c.header('www-authenticate', 'Bearer error="invalid_token", error_description="token expired"');
      return apiError(
        c,
        401,
        'TOKEN_EXPIRED',
        `The access token expired at ${new Date(expiry).toISOString()}.`,
      );
    }
    c.set('agency', agency);
    await next();
  });
  app.use(
    '/v1/*',
    chaosMeter<Env, EzlynxAgency>({
      account: (c) => c.get('agency'),
      window: (agency) => agency.window,
      limit: () => 300,
      outage: (c) => apiError(c, 503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.'),
      limitHeaders: (c, agency, slot) => {
        c.header('x-ratelimit-limit', String(agency.window.max));
        c.header('x-ratelimit-remaining', String(slot?.remaining ?? 0));
        c.header('x-ratelimit-reset', String(Math.ceil((slot?.resetMs ?? 0) / 1000)));
      },
      rateLimited: (c, _agency, wait) => {
        c.header('retry-after', String(wait));
        return apiError(c, 429, 'RATE_LIMITED', `Rate limit exceeded; retry after ${wait} s.`);
      },
    }),
  );

  app.get('/v1/:resource', (c) => {
    const resource = c.req.param('resource');
    if (!isResourceType(resource)) return apiError(c, 404, 'NOT_FOUND', `no resource ${resource}`);
    return list(c, resource);
  });

  app.get('/v1/:resource/:id', (c) => {
    const resource = c.req.param('resource');
    if (!isResourceType(resource)) return apiError(c, 404, 'NOT_FOUND', `no resource ${resource}`);
    const record = c.get('agency').live(resource, c.req.param('id'));
    if (!record) return apiError(c, 404, 'NOT_FOUND', `${resource} ${c.req.param('id')} not found`);
    return c.json(serializeRecord(record));
  });

  app.post('/v1/applicants', async (c) => {
    const body = await c.req.json().catch(() => null);
    const problems = validateApplicant(body, true);
    if (problems.length) return apiError(c, 400, 'VALIDATION_ERROR', 'invalid applicant', problems);
    const record = c.get('agency').create('applicants', { ...newApplicant(), ...(body as object) });
    return c.json(serializeRecord(record), 201);
  });

  app.post('/v1/applicants/upsert', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { matchOn?: unknown; applicant?: unknown } | null;
    const matchOn = body?.matchOn;
    if (matchOn !== 'externalId' && matchOn !== 'customerNumber')
      return apiError(c, 400, 'VALIDATION_ERROR', 'invalid upsert', [
        { field: 'matchOn', message: 'must be externalId or customerNumber' },
      ]);
    const applicant = body?.applicant as Record<string, unknown> | undefined;
    const key = applicant?.[matchOn];
    if (typeof key !== 'string' || !key)
      return apiError(c, 400, 'VALIDATION_ERROR', 'invalid upsert', [
        { field: `applicant.${matchOn}`, message: 'is required' },
      ]);
    const agency = c.get('agency');
    const existing = [...agency.records.applicants.values()].find(
      (r) => !r.deleted && r.fields[matchOn] === key,
    );
    const problems = validateApplicant(applicant, !existing);
    if (problems.length) return apiError(c, 400, 'VALIDATION_ERROR', 'invalid applicant', problems);
    const record = existing
      ? agency.update('applicants', existing.id, applicant!)!
      : agency.create('applicants', { ...newApplicant(), ...applicant });
    return c.json({ created: !existing, applicant: serializeRecord(record) }, existing ? 200 : 201);
  });

  app.patch('/v1/applicants/:id', async (c) => {
    const body = await c.req.json().catch(() => null);
    const problems = validateApplicant(body, false);
    if (problems.length) return apiError(c, 400, 'VALIDATION_ERROR', 'invalid applicant', problems);
    const record = c.get('agency').update('applicants', c.req.param('id'), body as Record<string, unknown>);
    if (!record) return apiError(c, 404, 'NOT_FOUND', `applicants ${c.req.param('id')} not found`);
    return c.json(serializeRecord(record));
  });

  // A route of its own, not notFound(): a mounted sub-app's notFound is not consulted.
  app.all('/v1/*', (c) => apiError(c, 404, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`));
  return app;
}
