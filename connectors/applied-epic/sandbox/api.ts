// Applied's REST platform for Epic as the sandbox serves it (the prefix plays
// https://api.myappliedproducts.com): accounts (/epic/account/v1), policies, lines, their
// producer/broker commissions, policy types and statuses (/epic/policy/v2), and transactions,
// as HAL+JSON collections paged by limit/offset, with Applied's filter conventions, embeds,
// RFC 7807 problem bodies, bearer tokens with per-route scopes, and chaos.
//
// ASSUMPTIONS, where Applied's public material (the OpenAPI specs mirrored in
// dougblackjr/applied-epic, chadpriddle/applied-api-laravel) is thin or silent:
// 1. Rate limits are not published. The sandbox meters 200 requests per rolling 10 s per
//    database (chaos.requestsPerWindow changes it) and answers 429 problem+json with
//    `Retry-After` in seconds (the api-evangelist profile's assumption). No remaining/reset
//    headers are sent, since none are documented.
// 2. Token host: production is documented both as api.myappliedproducts.com and
//    api.appliedsystems.com; the sandbox serves /v1/auth/connect/token under its own prefix and
//    the hub reads `settings.authBaseUrl` (else `baseUrl`) so either can be configured.
// 3. A 401 carries `WWW-Authenticate: Bearer error="invalid_token"`; an expired and an unknown
//    token get the same problem body (Applied documents no distinction). A token without the
//    route's `epic/<resource>:read|all` scope gets 403. The OpenAPI `security` lists are read as
//    "any of these scopes", since requiring both :read and :all would make no sense.
// 4. Collections are ordered by id ascending (GUID text order); no sort parameter is
//    documented. `limit` outside 1..500 or a negative `offset` is a 400, not clamped.
// 5. Accounts carry `enteredBy` / `lastUpdatedBy` ({userCode, date}) like policies, and accept
//    `lastUpdatedBy.date_after|_before`; the account spec documents neither, but every other
//    Epic resource uses these audit stamps and filter names.
// 6. Lines: `lastUpdatedOn.date_after|_before` (documented) compare the line's
//    `lastUpdatedBy.date`, which only the line detail shows (the list is the documented
//    summary). Changing a line or its commissions does not move its policy's stamp.
// 7. `date_after` / `date_before` are strict; dates are compared as instants (a bare date is
//    midnight UTC). Unknown query parameters are ignored.
// 8. Money: `partialUnits` are cents (the spec's own examples: 10% of 4250.50 is 425 units and
//    5 partialUnits). A negative amount carries its sign on both parts (units "-12",
//    partialUnits -50).
// 9. Transactions: the REST specs publish no transaction resource (only the SOAP SDK's
//    Insert_Transaction / TransactionV1 with codes such as NEWB). The sandbox serves
//    /epic/transaction/v1/transactions (scope `epic/transactions:read`) in the REST style:
//    {id, account, policy, line, transactionCode, description, effectiveOn, accountingMonth
//    (YYYY-MM), amount (Currency, signed), commission {percent, amount}, cancellation {method:
//    FLAT|PRO_RATA|SHORT_RATE} | null, enteredBy, lastUpdatedBy}, filterable by policy, line,
//    account, transactionCode, effectiveOn_before|_after and lastUpdatedOn.date_after|_before.
//    Codes other than NEWB (RWBL, AEND, REND, CANC, REIN) are agency-configured in Epic and
//    assumed here. Installment splits are not modelled: one transaction per event.
// 10. Deletes: Epic shows most removals as status (inactive accounts via `active_status`,
//     cancelled lines via `stage`/`status`); a purged record simply stops being listed. The
//     admin API's DELETE purges outright (cascading policy → lines → commissions and
//     transactions), so only a full listing notices.
// 11. Line type codes are the demo agency's ACORD-style codes (AUTOB, PROPC and PROFL are five
//     characters, one more than LineType_Embed allows) so every system names lines alike.
// 12. GET /policies/{id} is served as on Epic May 2026 or later (no 426 Upgrade Required).
// 13. The token endpoint (auth.ts) answers OAuth errors in RFC 6749 form ({error,
//     error_description}: invalid_client 401, unsupported_grant_type 400), not problem+json;
//     tokens are opaque, live `expires_in: 3600` (chaos.tokenTtlSeconds shortens them), and a
//     requested `scope` is narrowed to the consumer's grant instead of refused.
// 14. The consumer is bound to one Epic database at creation (no tenant header), with every
//     read scope unless the admin API says otherwise. `Asi-Client-Correlation-Id` (the
//     documented ClientCorrelationId header) is accepted and ignored.
// 15. Line statuses are agency-configured three-letter codes (GET /statuses); the seed uses NEW,
//     RWL, REI, REN (an ended term that was renewed), NRN (not renewed; stage LAPSED, action
//     LAPSE), CAN (stage CANCELLED), plus REW, QUO and an inactive EXP. The spec's example
//     code ISS is not seeded but maps like NEW.
// 16. MGAs are COMPANY accounts: the line's issuing company must be a company and the demo
//     agency's MGAs bind the policy (premium payable to them, type CARRIER, on agency bill).
//     One BROKER account is a referral partner paid a BROKER_PAYABLE split on some lines.
// 17. Producer/broker commissions are SINGLE_TERM, PERCENTAGE_OF_COMMISSION: the writing
//     producer gets 40% of agency commission on new business and 30% on renewals, split by
//     production credit (60/40) with a second producer on some lines; no payable contracts or
//     commission agreements are seeded.
import { type Context, Hono } from 'hono';
import { chaosMeter } from '../../kit/sandbox/meter.ts';
import { bearerAuth, type EpicEnv, problem, requireScope } from './auth.ts';
import {
  accountTypes,
  DEFAULT_REQUESTS_PER_WINDOW,
  type EpicAccount,
  type EpicDatabase,
  type EpicLine,
  type EpicPolicy,
  type EpicTransaction,
} from './database.ts';
import type { AppliedEpicSandbox } from './sandbox.ts';

type C = Context<EpicEnv>;
type Item = Record<string, unknown>;
type Filter<T> = (record: T) => boolean;

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

class BadArgument extends Error {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(message);
    this.parameter = parameter;
  }
}

function hal(c: C, body: unknown, status: 200 | 201 = 200): Response {
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/hal+json' });
}

/** The URL the API is mounted at (the sandbox prefix playing api.myappliedproducts.com). */
function apiRoot(c: C): string {
  const url = new URL(c.req.url);
  const at = url.pathname.indexOf('/epic/');
  return `${url.origin}${at >= 0 ? url.pathname.slice(0, at) : ''}`;
}

const link = (href: string) => ({ href });

function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function paging(c: C): { limit: number; offset: number } {
  const rawLimit = c.req.query('limit');
  const rawOffset = c.req.query('offset');
  const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit);
  const offset = rawOffset === undefined ? 0 : Number(rawOffset);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new BadArgument('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new BadArgument('offset', 'offset must be a whole number of at least 0');
  return { limit, offset };
}

/** A HAL collection page: total, the five paging links, and the page under `_embedded[key]`. */
function collection<T extends { id: string }>(
  c: C,
  key: string,
  matching: T[],
  render: (record: T) => Item,
): Response {
  const { limit, offset } = paging(c);
  const sorted = matching.sort(byId);
  const total = sorted.length;
  const page = sorted.slice(offset, offset + limit);
  const at = (o: number | null) => {
    const url = new URL(c.req.url);
    url.searchParams.set('limit', String(limit));
    if (o === null) url.searchParams.delete('offset');
    else url.searchParams.set('offset', String(o));
    return link(url.toString());
  };
  const links: Record<string, { href: string }> = {
    self: at(offset),
    first: at(null),
    last: at(total === 0 ? 0 : Math.floor((total - 1) / limit) * limit),
  };
  if (offset > 0) links.prev = at(Math.max(0, offset - limit));
  if (offset + limit < total) links.next = at(offset + limit);
  return hal(c, { total, _links: links, _embedded: { [key]: page.map(render) } });
}

function list(c: C, name: string): string[] {
  return (c.req.query(name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function embeds(c: C, allowed: readonly string[]): Set<string> {
  const wanted = list(c, 'embed');
  const unknown = wanted.filter((e) => !allowed.includes(e));
  if (unknown.length) throw new BadArgument('embed', `cannot embed ${unknown.join(', ')}`);
  return new Set(wanted);
}

function instant(parameter: string, value: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new BadArgument(parameter, `${parameter} is not a date or date-time`);
  return ms;
}

/** The filters every collection shares: exact, `_contains`, and `_before` / `_after` ranges. */
function filters<T>(
  c: C,
  spec: {
    exact?: Record<string, (r: T) => unknown>;
    contains?: Record<string, (r: T) => string>;
    ranges?: Record<string, (r: T) => string | null | undefined>;
  },
): Filter<T>[] {
  const out: Filter<T>[] = [];
  for (const [name, get] of Object.entries(spec.exact ?? {})) {
    const v = c.req.query(name);
    if (v !== undefined) {
      const values = v.split(',');
      out.push((r) => values.includes(String(get(r))));
    }
  }
  for (const [name, get] of Object.entries(spec.contains ?? {})) {
    const v = c.req.query(`${name}_contains`);
    if (v !== undefined) out.push((r) => get(r).toLowerCase().includes(v.toLowerCase()));
  }
  for (const [name, get] of Object.entries(spec.ranges ?? {})) {
    for (const [suffix, after] of [
      ['_after', true],
      ['_before', false],
    ] as const) {
      const param = `${name}${suffix}`;
      const v = c.req.query(param);
      if (v === undefined) continue;
      const bound = instant(param, v);
      out.push((r) => {
        const value = get(r);
        if (!value) return false;
        const t = instant(param, value);
        return after ? t > bound : t < bound;
      });
    }
  }
  return out;
}

const matchesAll =
  <T>(fs: Filter<T>[]) =>
  (r: T) =>
    fs.every((f) => f(r));

function statusFilter<T>(c: C, name: string, fallback: string, allowed: Record<string, (r: T) => boolean>) {
  const values = list(c, name);
  const chosen = values.length ? values : [fallback];
  const unknown = chosen.filter((v) => !(v in allowed));
  if (unknown.length) throw new BadArgument(name, `${name} accepts ${Object.keys(allowed).join(', ')}`);
  return (r: T) => chosen.some((v) => allowed[v]!(r));
}

// --- renderers -----------------------------------------------------------------------------

function accountLinks(root: string, id: string) {
  return link(`${root}/epic/account/v1/accounts/${id}`);
}

function renderAccount(root: string, a: EpicAccount): Item {
  return { ...a, _links: { self: accountLinks(root, a.id) } };
}

const policySummaryKeys = [
  'id',
  'status',
  'organization',
  'description',
  'effectiveOn',
  'expirationOn',
  'policyNumber',
  'policyType',
  'client',
  'premium',
  'commission',
  'source',
  'originalPolicy',
  'historic',
  'enteredBy',
  'lastUpdatedBy',
  'enteredByProcess',
  'lastUpdatedByProcess',
] as const;

const lineSummaryKeys = [
  'id',
  'client',
  'policy',
  'lineType',
  'planOptionName',
  'status',
  'effectiveOn',
  'expirationOn',
  'organization',
  'billMode',
  'issuingLocation',
  'issuingCompany',
  'premiumPayable',
  'producerBrokerCommission',
  'planLineId',
  'rateGuaranteedThrough',
  'lineCommission',
  'stage',
  'action',
] as const;

function pick(record: object, keys: readonly string[]): Item {
  const r = record as Item;
  return Object.fromEntries(keys.map((k) => [k, r[k] ?? null]));
}

function organizationEmbed(db: EpicDatabase) {
  return { ...db.organization };
}

function policyTypeEmbed(db: EpicDatabase, id: string) {
  const t = db.policyTypes.get(id);
  return t ? { id: t.id, code: t.code, description: t.description, businessType: t.businessType } : null;
}

function renderPolicy(
  db: EpicDatabase,
  root: string,
  p: EpicPolicy,
  opts: { detail: boolean; embed: Set<string> },
) {
  const out: Item = opts.detail
    ? { ...p, lines: linesOf(db, p.id).map((l) => l.id) }
    : pick(p, policySummaryKeys);
  out._links = {
    self: link(`${root}/epic/policy/v2/policies/${p.id}`),
    client: accountLinks(root, p.client),
    lines: link(`${root}/epic/policy/v2/lines?policy=${p.id}`),
    policyType: link(`${root}/epic/policy/v2/types/${p.policyType}`),
  };
  const embedded: Item = {};
  if (opts.embed.has('client')) {
    const a = db.records.accounts.get(p.client);
    if (a) embedded.client = { id: a.id, name: a.name, lookupCode: a.lookupCode, active: a.active };
  }
  if (opts.embed.has('policyType')) embedded.policyType = policyTypeEmbed(db, p.policyType);
  if (opts.embed.has('organization')) embedded.organization = organizationEmbed(db);
  if (opts.embed.has('lines')) {
    embedded.lines = linesOf(db, p.id).map((l) => {
      const t = db.lineTypes.get(l.lineType);
      return {
        id: l.id,
        billMode: l.billMode,
        cancellationDate: l.stage === 'CANCELLED' ? l.lastUpdatedBy.date.slice(0, 10) : null,
        effectiveOn: l.effectiveOn,
        expirationOn: l.expirationOn,
        issuingLocation: l.issuingLocation,
        lineType: t ? { id: t.id, code: t.code, description: t.description } : null,
        businessType: db.policyTypes.get(p.policyType)?.businessType ?? null,
        _links: { self: link(`${root}/epic/policy/v2/lines/${l.id}`) },
      };
    });
  }
  if (Object.keys(embedded).length) out._embedded = embedded;
  return out;
}

function linesOf(db: EpicDatabase, policyId: string): EpicLine[] {
  return [...db.records.lines.values()].filter((l) => l.policy === policyId).sort(byId);
}

function renderLine(
  db: EpicDatabase,
  root: string,
  l: EpicLine,
  opts: { detail: boolean; embed: Set<string> },
) {
  const out: Item = opts.detail ? { ...l } : pick(l, lineSummaryKeys);
  out._links = {
    self: link(`${root}/epic/policy/v2/lines/${l.id}`),
    policy: link(`${root}/epic/policy/v2/policies/${l.policy}`),
    client: accountLinks(root, l.client),
  };
  const embedded: Item = {};
  const accountEmbed = (id: string) => {
    const a = db.records.accounts.get(id);
    return a ? { id: a.id, name: a.name, lookupCode: a.lookupCode } : null;
  };
  if (opts.embed.has('client')) embedded.client = accountEmbed(l.client);
  if (opts.embed.has('policy')) {
    const p = db.records.policies.get(l.policy);
    if (p)
      embedded.policy = {
        id: p.id,
        number: p.policyNumber,
        effectiveOn: p.effectiveOn,
        expirationOn: p.expirationOn,
        description: p.description,
      };
  }
  if (opts.embed.has('status')) {
    const s = db.statuses.get(l.status);
    if (s) embedded.status = { id: s.id, code: s.code, description: s.description };
  }
  if (opts.embed.has('lineType')) {
    const t = db.lineTypes.get(l.lineType);
    if (t) embedded.lineType = { id: t.id, code: t.code, description: t.description };
  }
  if (opts.embed.has('organization')) embedded.organization = organizationEmbed(db);
  if (opts.embed.has('issuingCompany')) embedded.issuingCompany = accountEmbed(l.issuingCompany);
  if (opts.embed.has('premiumPayable') && l.premiumPayable)
    embedded.premiumPayable = accountEmbed(l.premiumPayable.account);
  if (Object.keys(embedded).length) out._embedded = embedded;
  return out;
}

function renderTransaction(root: string, t: EpicTransaction): Item {
  return {
    ...t,
    _links: {
      self: link(`${root}/epic/transaction/v1/transactions/${t.id}`),
      policy: link(`${root}/epic/policy/v2/policies/${t.policy}`),
      line: link(`${root}/epic/policy/v2/lines/${t.line}`),
      account: accountLinks(root, t.account),
    },
  };
}

// --- the API ---------------------------------------------------------------------------------

export function appliedEpicApi(sandbox: AppliedEpicSandbox): Hono<EpicEnv> {
  const app = new Hono<EpicEnv>();

  app.onError((err, c) => {
    if (err instanceof BadArgument) {
      return problem(c, 400, 'One or more arguments are invalid', {
        additionalDetails: [{ parameter: err.parameter, message: err.message }],
      });
    }
    return problem(c, 500, err instanceof Error ? err.message : String(err));
  });

  app.use('*', bearerAuth(sandbox));

  // Chaos and the (assumed) rate limit, metered per database after the token is known.
  app.use(
    '*',
    chaosMeter<EpicEnv, EpicDatabase>({
      account: (c) => c.get('database'),
      window: (db) => db.window,
      limit: () => DEFAULT_REQUESTS_PER_WINDOW,
      outage: (c) => problem(c, 503, 'The service is temporarily unavailable. Try again later.'),
      rateLimited: (c, _db, seconds) =>
        problem(c, 429, 'Rate limit exceeded. Retry after the period in the Retry-After header.', {
          headers: { 'Retry-After': String(seconds) },
        }),
    }),
  );

  // Accounts ---------------------------------------------------------------------------------
  app.get('/epic/account/v1/accounts', requireScope('accounts'), (c) => {
    const db = c.get('database');
    const root = apiRoot(c);
    const type = c.req.query('type');
    if (type !== undefined && !(accountTypes as readonly string[]).includes(type))
      throw new BadArgument('type', `type must be one of ${accountTypes.join(', ')}`);
    const search = c.req.query('search')?.toLowerCase();
    const fs = filters<EpicAccount>(c, {
      exact: { type: (a) => a.type, name: (a) => a.name, lookupCode: (a) => a.lookupCode },
      contains: { name: (a) => a.name, lookupCode: (a) => a.lookupCode },
      ranges: {
        'enteredBy.date': (a) => a.enteredBy.date,
        'lastUpdatedBy.date': (a) => a.lastUpdatedBy.date,
      },
    });
    fs.push(
      statusFilter<EpicAccount>(c, 'active_status', 'active', {
        active: (a) => a.active,
        inactive: (a) => !a.active,
      }),
    );
    if (search)
      fs.push((a) => a.name.toLowerCase().includes(search) || a.lookupCode.toLowerCase().includes(search));
    const matching = [...db.records.accounts.values()].filter(matchesAll(fs));
    return collection(c, 'accounts', matching, (a) => renderAccount(root, a));
  });

  app.get('/epic/account/v1/accounts/:id', requireScope('accounts'), (c) => {
    const a = c.get('database').records.accounts.get(c.req.param('id'));
    if (!a) return problem(c, 404, 'The specified resource was not found');
    return hal(c, renderAccount(apiRoot(c), a));
  });

  // Policies ---------------------------------------------------------------------------------
  app.get('/epic/policy/v2/policies', requireScope('policies'), (c) => {
    const db = c.get('database');
    const root = apiRoot(c);
    const embed = embeds(c, ['client', 'source', 'organization', 'policyType']);
    const fs = filters<EpicPolicy>(c, {
      exact: {
        policyNumber: (p) => p.policyNumber,
        client: (p) => p.client,
        status: (p) => p.status,
        originalPolicy: (p) => p.originalPolicy,
        policyType: (p) => p.policyType,
        effectiveOn: (p) => p.effectiveOn,
        expirationOn: (p) => p.expirationOn,
        'policyType.code': (p) => db.policyTypes.get(p.policyType)?.code,
        'policyType.businessType': (p) => db.policyTypes.get(p.policyType)?.businessType,
        'enteredByProcess.code': (p) => p.enteredByProcess.code,
        'lastUpdatedByProcess.code': (p) => p.lastUpdatedByProcess.code,
      },
      contains: {
        policyNumber: (p) => p.policyNumber,
        'policyType.code': (p) => db.policyTypes.get(p.policyType)?.code ?? '',
      },
      ranges: {
        effectiveOn: (p) => p.effectiveOn,
        expirationOn: (p) => p.expirationOn,
        'enteredBy.date': (p) => p.enteredBy.date,
        'lastUpdatedBy.date': (p) => p.lastUpdatedBy.date,
      },
    });
    fs.push(
      statusFilter<EpicPolicy>(c, 'historic_status', 'CURRENT', {
        CURRENT: (p) => !p.historic,
        HISTORIC: (p) => p.historic,
      }),
    );
    const matching = [...db.records.policies.values()].filter(matchesAll(fs));
    return collection(c, 'policies', matching, (p) => renderPolicy(db, root, p, { detail: false, embed }));
  });

  app.get('/epic/policy/v2/policies/:id', requireScope('policies'), (c) => {
    const db = c.get('database');
    const embed = embeds(c, ['client', 'source', 'organization', 'policyType', 'lines']);
    const p = db.records.policies.get(c.req.param('id'));
    if (!p) return problem(c, 404, 'The specified resource was not found');
    return hal(c, renderPolicy(db, apiRoot(c), p, { detail: true, embed }));
  });

  // Lines ------------------------------------------------------------------------------------
  const lineEmbeds = [
    'client',
    'policy',
    'status',
    'organization',
    'lineType',
    'issuingCompany',
    'premiumPayable',
    'commissionAgreement',
  ];
  app.get('/epic/policy/v2/lines', requireScope('lines'), (c) => {
    const db = c.get('database');
    const root = apiRoot(c);
    const embed = embeds(c, lineEmbeds);
    const fs = filters<EpicLine>(c, {
      exact: {
        policy: (l) => l.policy,
        client: (l) => l.client,
        organization: (l) => l.organization,
        effectiveOn: (l) => l.effectiveOn,
        expirationOn: (l) => l.expirationOn,
        'lineType.code': (l) => db.lineTypes.get(l.lineType)?.code,
      },
      contains: { 'lineType.code': (l) => db.lineTypes.get(l.lineType)?.code ?? '' },
      ranges: {
        effectiveOn: (l) => l.effectiveOn,
        expirationOn: (l) => l.expirationOn,
        'lastUpdatedOn.date': (l) => l.lastUpdatedBy.date,
      },
    });
    const matching = [...db.records.lines.values()].filter(matchesAll(fs));
    return collection(c, 'lines', matching, (l) => renderLine(db, root, l, { detail: false, embed }));
  });

  app.get('/epic/policy/v2/lines/:id', requireScope('lines'), (c) => {
    const db = c.get('database');
    const embed = embeds(c, [...lineEmbeds, 'payableContract', 'account']);
    const l = db.records.lines.get(c.req.param('id'));
    if (!l) return problem(c, 404, 'The specified resource was not found');
    return hal(c, renderLine(db, apiRoot(c), l, { detail: true, embed }));
  });

  app.get(
    '/epic/policy/v2/lines/:id/producer-broker-commissions',
    requireScope('producer-broker-commissions'),
    (c) => {
      const db = c.get('database');
      const root = apiRoot(c);
      embeds(c, ['organization', 'commissionAgreement', 'payableContract', 'account']);
      const lineId = c.req.param('id');
      const pbc = db.records['producer-broker-commissions'].get(lineId);
      if (!pbc || !db.records.lines.has(lineId))
        return problem(c, 404, 'The specified resource was not found');
      return hal(c, {
        type: pbc.type,
        schedules: pbc.schedules.map((s) => ({
          ...s,
          producerBrokerCommissions: s.producerBrokerCommissions.map((i) => ({
            ...i,
            _links: {
              self: link(`${root}/epic/policy/v2/producer-broker-commissions/${i.id}`),
              account: accountLinks(root, i.producerBroker.account),
            },
          })),
        })),
        _links: { self: link(`${root}/epic/policy/v2/lines/${lineId}/producer-broker-commissions`) },
      });
    },
  );

  // Lookups ----------------------------------------------------------------------------------
  app.get('/epic/policy/v2/types', requireScope('policy-types'), (c) => {
    const db = c.get('database');
    const root = apiRoot(c);
    const fs = filters<{ code: string; businessType: string }>(c, {
      exact: { code: (t) => t.code, businessType: (t) => t.businessType },
      contains: { code: (t) => t.code },
    });
    const matching = [...db.policyTypes.values()].filter(matchesAll(fs));
    return collection(c, 'types', matching, (t) => ({
      ...t,
      _links: { self: link(`${root}/epic/policy/v2/types/${t.id}`) },
    }));
  });

  app.get('/epic/policy/v2/statuses', requireScope('policy-statuses'), (c) => {
    const db = c.get('database');
    const root = apiRoot(c);
    const active = statusFilter<{ isActive: boolean }>(c, 'isActive_status', 'active', {
      active: (s) => s.isActive,
      inactive: (s) => !s.isActive,
    });
    const matching = [...db.statuses.values()].filter(active);
    return collection(c, 'statuses', matching, (s) => ({
      ...s,
      _links: { self: link(`${root}/epic/policy/v2/statuses/${s.id}`) },
    }));
  });

  // Transactions (assumed resource, see 9.) --------------------------------------------------
  app.get('/epic/transaction/v1/transactions', requireScope('transactions'), (c) => {
    const db = c.get('database');
    const root = apiRoot(c);
    const fs = filters<EpicTransaction>(c, {
      exact: {
        policy: (t) => t.policy,
        line: (t) => t.line,
        account: (t) => t.account,
        transactionCode: (t) => t.transactionCode,
        effectiveOn: (t) => t.effectiveOn,
      },
      ranges: {
        effectiveOn: (t) => t.effectiveOn,
        'enteredBy.date': (t) => t.enteredBy.date,
        'lastUpdatedOn.date': (t) => t.lastUpdatedBy.date,
      },
    });
    const matching = [...db.records.transactions.values()].filter(matchesAll(fs));
    return collection(c, 'transactions', matching, (t) => renderTransaction(root, t));
  });

  app.get('/epic/transaction/v1/transactions/:id', requireScope('transactions'), (c) => {
    const t = c.get('database').records.transactions.get(c.req.param('id'));
    if (!t) return problem(c, 404, 'The specified resource was not found');
    return hal(c, renderTransaction(apiRoot(c), t));
  });

  app.all('*', (c) => problem(c, 404, `No resource at ${c.req.method} ${new URL(c.req.url).pathname}`));
  return app;
}
