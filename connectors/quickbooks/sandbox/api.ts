// The QuickBooks Online Accounting API v3 as the sandbox serves it, under
// /v3/company/{realmId}/…: query, read, create/update/delete, Change Data Capture and batch,
// with Intuit's Fault bodies, 401s for expired tokens, and 429 throttling per realm.
//
// Assumptions, where Intuit's public documentation is thin:
// - Query: `select * | count(*) | fields from <Entity> [where c and c…] [orderby f [asc|desc], …]
//   [startposition n] [maxresults m]`; keywords and entity names are case-insensitive (the client
//   sends `from customer`), conditions are joined by AND only (Intuit has no OR). Without ORDERBY
//   rows come in ascending numeric Id order; MAXRESULTS defaults to 100 and is capped at 1,000
//   without an error. Name lists (Account, Vendor, Customer) return active rows unless the query
//   mentions Active (`Active IN (true,false)`). An empty page is `{"QueryResponse":{}}`.
// - Times: MetaData is written in company-local time (UTC-07:00, DST ignored) to the second, and
//   compared to the second; `time` carries milliseconds.
// - CDC: `changedSince` is inclusive at one-second resolution and may reach back 30 days. Older is
//   refused as Intuit refuses it: code 500 "Unsupported Operation", Detail "Operation cdc with
//   changedSince date <date> which is older than fixed days is not supported." (the wording seen
//   from Intuit, e.g. Wish-Org/QuickBooksSharp#19; a 400 ValidationFault is assumed). Per
//   entity, in the order asked: active rows in order of last change, then deleted ones as `{domain, status:"Deleted", Id, MetaData:{LastUpdatedTime}}`; at most
//   1,000 objects per response, the rest cut from the tail with no marker. A name-list row made
//   inactive is an ordinary change with `Active:false` (QuickBooks never deletes them).
// - Rate limits: 500 requests per rolling minute per realm (chaos `requestsPerWindow` overrides)
//   and 10 requests in flight per realm. Both answer 429 with a ThrottlingFault, code 003001, and
//   a `Retry-After` header in seconds (Intuit does not document one; the sandbox sends it so a
//   client can wait exactly as long as needed: the rolling window's reset, 1 s for concurrency,
//   chaos `retryAfterSeconds` for injected 429s).
// - Auth: an unknown token is a 401 AuthenticationFault 3200; an expired one is a 401 with code
//   3200 too, alternately in the capitalised `Fault` shape and the lower-case `fault` shape seen
//   from Intuit's gateway; a token of another company is a 403 AuthorizationFault 003100.
// - `requestid` makes a write idempotent per realm: the same requestid replays the first
//   successful answer without writing again (creates, updates, deletes and batches alike); a
//   refused request is not remembered, so it can be corrected and retried with the same id.
//   Intuit's replay window is not documented; the sandbox remembers for the realm's lifetime.
// - OAuth (auth.ts, sandbox.ts): the consent screen is skipped (the app's company connects at
//   once); access tokens last 3,600 s (chaos `tokenTtlSeconds` overrides), refresh tokens 101
//   days. Every refresh rotates the refresh token; the replaced one keeps working for a grace of
//   120 s (per account: `refreshTokenGraceSeconds`), answering with the token that replaced it,
//   and is invalid_grant after. Revoking either token of a grant ends every token it issued.
// - `minorversion` is accepted and ignored (every response is the minor version 75 shape).
// - Batch (Intuit's "API call limits and throttles"): at most 30 items (more is ValidationFault
//   1040 "Batch size exceeds allowed limit") and 40 batch requests per rolling minute per realm
//   (the app and realm are one here), past which a 429 ThrottlingFault 003001 with Retry-After;
//   batches count against the 500 per minute too. Each item answers with its entity, its
//   QueryResponse or its own Fault, in the order sent.
// - Writes: a POST to the entity endpoint whose body has an Id is an update, with or without
//   ?operation=update (full unless `sparse: true`; a full update replaces every writable field);
//   a SyncToken other than the current one is 5010 Stale Object Error. The same holds for batch
//   items. Transactions sent without TxnDate are dated today in the company's time zone.
// - Money is written as JSON numbers with exactly the cents stored, read from request bodies
//   as the exact decimal text sent (never through a binary float).
// - Webhooks (sandbox.ts): one notification per realm ~20 ms after its changes, not retried.
import { type Context, Hono } from 'hono';
import { chaosMeter, pauseFor } from '../../kit/sandbox/meter.ts';
import {
  type Condition,
  type EntityName,
  entityNames,
  moneyKeys,
  nameLists,
  type Order,
  QboFault,
  type QboObject,
  type QuickBooksRealm,
  validation,
} from './realm.ts';
import type { QuickBooksSandbox } from './sandbox.ts';

type Env = { Variables: { realm: QuickBooksRealm } };

const CDC_CAP = 1000;
const CDC_LOOKBACK_MS = 30 * 86_400_000;
const BATCH_LIMIT = 30;
const BATCH_PER_MINUTE = 40;
const CONCURRENCY = 10;

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Money fields (decimal strings inside the sandbox) as exact JSON numbers on the wire. */
export function wire(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => wire(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = wire(v, k);
    return out;
  }
  if (moneyKeys.has(key) && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return rawJSON(value);
  return value;
}

/** A request body with money read as the decimal text that was sent. */
export function parseExact(text: string): unknown {
  const reviver = (key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && moneyKeys.has(key) && context?.source ? context.source : value;
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}

function faultBody(realm: QuickBooksRealm | undefined, fault: QboFault) {
  return { Fault: { Error: fault.errors, type: fault.type }, time: now(realm) };
}

function now(realm: QuickBooksRealm | undefined): string {
  return realm ? realm.formatTime(Date.now(), true) : new Date().toISOString();
}

function answer(c: Context, fault: QboFault) {
  return c.json(faultBody(c.get('realm') as QuickBooksRealm | undefined, fault), fault.status as 400);
}

function entityFromPath(segment: string): EntityName | undefined {
  return entityNames.find((n) => n.toLowerCase() === segment.toLowerCase());
}

export function quickbooksApi(sandbox: QuickBooksSandbox): Hono<Env> {
  const app = new Hono<Env>();
  const base = '/v3/company/:realmId';

  // Auth, chaos and throttling, in the order Intuit's gateway applies them.
  app.use(`${base}/*`, async (c, next) => {
    c.header('intuit_tid', crypto.randomUUID());
    const auth = c.req.header('authorization') ?? '';
    const found = sandbox.realmForToken(auth.startsWith('Bearer ') ? auth.slice(7) : '');
    if (!found) {
      c.header('www-authenticate', 'Bearer realm="Intuit", error="invalid_token"');
      return answer(c, authFault('Token invalid'));
    }
    const realm = found.realm;
    if (found.expired) {
      c.header('www-authenticate', 'Bearer realm="Intuit", error="invalid_token"');
      return realm.expiredRefusals++ % 2 === 0
        ? c.json(faultBody(realm, authFault('Token expired')), 401)
        : c.json(lowerCaseAuthFault(), 401);
    }
    if (realm.realmId !== c.req.param('realmId')) {
      return answer(
        c,
        new QboFault(403, 'AuthorizationFault', [
          {
            Message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
            Detail: 'The token is not authorized for this company',
            code: '003100',
          },
        ]),
      );
    }
    c.set('realm', realm);
    await next();
  });
  app.use(
    `${base}/*`,
    chaosMeter<Env, QuickBooksRealm>({
      account: (c) => c.get('realm'),
      // Intuit holds and slows a request only once it is admitted (below).
      hold: false,
      latency: false,
      window: (realm) => realm.window,
      limit: () => 500,
      outage: (c) =>
        answer(
          c,
          new QboFault(500, 'SystemFault', [
            {
              Message: 'An application error has occurred while processing your request',
              Detail:
                'System Failure Error: An unexpected error occurred while accessing or saving your data.',
              code: '10000',
            },
          ]),
        ),
      rateLimited: (c, _realm, seconds) => {
        c.header('retry-after', String(seconds));
        return answer(c, throttled('The request limit was reached.'));
      },
    }),
  );
  app.use(`${base}/*`, async (c, next) => {
    const realm = c.get('realm');
    if (realm.inFlight >= CONCURRENCY) {
      c.header('retry-after', '1');
      return answer(c, throttled('Too many requests are in progress for this company.'));
    }
    realm.inFlight++;
    try {
      await pauseFor(realm);
      await next();
    } finally {
      realm.inFlight--;
    }
  });

  app.get(`${base}/query`, (c) => runQuery(c, c.req.query('query') ?? ''));
  app.post(`${base}/query`, async (c) => runQuery(c, await c.req.text()));
  app.get(`${base}/cdc`, (c) => changeDataCapture(c));
  app.post(`${base}/cdc`, (c) => changeDataCapture(c));

  app.post(`${base}/batch`, (c) => {
    const slot = c.get('realm').batchWindow.take();
    if (!slot.allowed) {
      c.header('retry-after', String(Math.max(1, Math.ceil(slot.resetMs / 1000))));
      return answer(c, throttled(`Batch request limit of ${BATCH_PER_MINUTE} per minute was reached.`));
    }
    return idempotent(c, async () => {
      const realm = c.get('realm');
      const body = parseExact(await c.req.text()) as { BatchItemRequest?: QboObject[] };
      const items = body.BatchItemRequest ?? [];
      if (items.length > BATCH_LIMIT) {
        throw validation(
          '1040',
          'Batch size exceeds allowed limit',
          `The batch size for the batch request is too big. The batch limit size is ${BATCH_LIMIT}. Supplied: ${items.length}`,
        );
      }
      const responses = items.map((item) => batchItem(realm, item));
      return { status: 200, body: { BatchItemResponse: responses, time: now(realm) } };
    });
  });

  app.get(`${base}/:entity/:id`, (c) => {
    const realm = c.get('realm');
    const entity = entityFromPath(c.req.param('entity'));
    if (!entity) return answer(c, unsupported(c.req.param('entity')));
    const row = realm.live(entity, c.req.param('id'));
    if (!row)
      return answer(
        c,
        validation(
          '610',
          'Object Not Found',
          `Object Not Found : ${entity} ${c.req.param('id')} was not found.`,
        ),
      );
    return c.json(wire({ [entity]: realm.render(row), time: now(realm) }) as object);
  });

  app.post(`${base}/:entity`, (c) =>
    idempotent(c, async () => {
      const realm = c.get('realm');
      const entity = entityFromPath(c.req.param('entity'));
      if (!entity) throw unsupported(c.req.param('entity'));
      const input = parseExact(await c.req.text()) as QboObject;
      const result = write(realm, entity, c.req.query('operation'), input);
      return { status: 200, body: { [entity]: result, time: now(realm) } };
    }),
  );

  app.notFound((c) =>
    c.json(
      faultBody(
        undefined,
        new QboFault(404, 'ValidationFault', [
          {
            Message: 'Unsupported Operation',
            Detail: `No route for ${c.req.method} ${c.req.path}`,
            code: '500',
          },
        ]),
      ),
      404,
    ),
  );
  app.onError((err, c) => {
    if (err instanceof QboFault) return answer(c, err);
    if (err instanceof SyntaxError)
      return answer(
        c,
        validation('2010', 'Request has invalid or unsupported property', `Invalid JSON: ${err.message}`),
      );
    throw err;
  });
  return app;
}

function authFault(detail: string): QboFault {
  return new QboFault(401, 'AuthenticationFault', [
    {
      Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
      Detail: detail,
      code: '3200',
    },
  ]);
}

/** The shape Intuit's gateway has been seen to answer an expired token with. */
function lowerCaseAuthFault() {
  return {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [
        {
          message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          detail: 'Token expired',
          code: '3200',
          element: null,
        },
      ],
      type: 'AUTHENTICATION',
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: Date.now(),
    status: null,
    cdcresponse: [],
  };
}

function throttled(detail: string): QboFault {
  return new QboFault(429, 'ThrottlingFault', [
    { Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429', Detail: detail, code: '003001' },
  ]);
}

function unsupported(what: string): QboFault {
  return validation('500', 'Unsupported Operation', `Operation ${what} is not supported.`);
}

/** Replays the first answer to a `requestid`, so a retried write is not applied twice. */
async function idempotent(c: Context<Env>, run: () => Promise<{ status: number; body: object }>) {
  const realm = c.get('realm');
  const requestId = c.req.query('requestid');
  const key = requestId ? `${c.req.path}|${requestId}` : null;
  const replay = key ? realm.replies.get(key) : undefined;
  if (replay) return c.json(replay.body as object, replay.status as 200);
  let status: number;
  let body: object;
  try {
    ({ status, body } = await run());
    body = wire(body) as object;
  } catch (err) {
    if (!(err instanceof QboFault)) throw err;
    status = err.status;
    body = faultBody(realm, err);
  }
  // Only an applied write is replayed: a refused one may be corrected and sent again.
  if (key && status < 300) realm.replies.set(key, { status, body });
  return c.json(body, status as 200);
}

function write(
  realm: QuickBooksRealm,
  entity: EntityName,
  asked: string | undefined,
  input: QboObject,
): QboObject {
  // Intuit reads a body that names an Id as an update, whatever the query string says.
  const hasId = input.Id !== undefined && input.Id !== null && input.Id !== '';
  const operation = (asked ?? 'create').toLowerCase() === 'create' && hasId ? 'update' : (asked ?? 'create');
  if (operation === 'create') return realm.render(realm.create(entity, input));
  if (operation === 'update') return realm.render(realm.update(entity, input));
  if (operation === 'delete') {
    if (nameLists.has(entity)) throw unsupported('Delete');
    const row = realm.remove(
      entity,
      String(input.Id ?? ''),
      input.SyncToken === undefined ? undefined : String(input.SyncToken),
    );
    return { domain: 'QBO', status: 'Deleted', Id: row.id };
  }
  throw unsupported(operation);
}

function batchItem(realm: QuickBooksRealm, item: QboObject): QboObject {
  const bId = item.bId;
  try {
    if (typeof item.Query === 'string') return { bId, QueryResponse: queryResponse(realm, item.Query) };
    const entity = entityNames.find((n) => item[n] !== undefined);
    if (!entity)
      throw validation('2010', 'Request has invalid or unsupported property', 'Batch item names no entity');
    return {
      bId,
      [entity]: write(
        realm,
        entity,
        item.operation === undefined ? undefined : String(item.operation),
        item[entity] as QboObject,
      ),
    };
  } catch (err) {
    if (!(err instanceof QboFault)) throw err;
    return { bId, Fault: { Error: err.errors, type: err.type } };
  }
}

function runQuery(c: Context<Env>, text: string) {
  const realm = c.get('realm');
  return c.json(wire({ QueryResponse: queryResponse(realm, text), time: now(realm) }) as object);
}

function queryResponse(realm: QuickBooksRealm, text: string): QboObject {
  const q = parseQuery(text);
  const rows = realm.select(q.entity, q.where, q.orderBy);
  if (q.count) return { totalCount: rows.length };
  const page = rows.slice(q.start - 1, q.start - 1 + q.max);
  if (!page.length) return {};
  return {
    [q.entity]: page.map((row) => project(realm.render(row), q.fields)),
    startPosition: q.start,
    maxResults: page.length,
  };
}

function project(object: QboObject, fields: string[] | null): QboObject {
  if (!fields) return object;
  const out: QboObject = { domain: object.domain, sparse: true, Id: object.Id, MetaData: object.MetaData };
  for (const f of fields) {
    const key = Object.keys(object).find((k) => k.toLowerCase() === f.toLowerCase());
    if (key) out[key] = object[key];
  }
  return out;
}

function changeDataCapture(c: Context<Env>) {
  const realm = c.get('realm');
  const names = (c.req.query('entities') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const entities = names.map((n) => {
    const entity = entityFromPath(n);
    if (!entity) throw validation('4001', 'Invalid CDC request', `Unsupported entity for CDC: ${n}`);
    return entity;
  });
  if (!entities.length)
    throw validation(
      '2020',
      'Required param missing, need to supply the required value for the API',
      'Required parameter entities is missing in the request',
      'entities',
    );
  const raw = c.req.query('changedSince') ?? '';
  const since = Date.parse(raw);
  if (Number.isNaN(since))
    throw validation(
      '4001',
      'Invalid CDC request',
      `changedSince is not a date-time: ${raw}`,
      'changedSince',
    );
  if (since < Date.now() - CDC_LOOKBACK_MS) {
    throw validation(
      '500',
      'Unsupported Operation',
      `Operation cdc with changedSince date ${raw} which is older than fixed days is not supported.`,
    );
  }
  const changes = realm.changesSince(entities, since, CDC_CAP);
  const blocks = entities.map((entity) => {
    const rows = changes.get(entity) ?? [];
    const block: QboObject = { startPosition: 1, maxResults: rows.length, totalCount: rows.length };
    if (rows.length) block[entity] = rows.map((row) => realm.render(row));
    return block;
  });
  return c.json(wire({ CDCResponse: [{ QueryResponse: blocks }], time: now(realm) }) as object);
}

// The query language, as far as node-quickbooks and this connector speak it.

interface ParsedQuery {
  entity: EntityName;
  count: boolean;
  fields: string[] | null;
  where: Condition[];
  orderBy: Order[];
  start: number;
  max: number;
}

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'punct'; text: string; at: number };

const tokenPattern =
  /\s*(?:('(?:\\.|[^'\\])*')|(-?\d+(?:\.\d+)?)(?![\w.])|(<=|>=|!=|<>|=|<|>)|([(),*])|([A-Za-z_][\w.]*))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  tokenPattern.lastIndex = 0;
  let at = 0;
  while (at < text.length && text.slice(at).trim() !== '') {
    tokenPattern.lastIndex = at;
    const m = tokenPattern.exec(text);
    if (!m) throw parseError(text, at);
    const [, str, num, op, punct, word] = m;
    const start = at + m[0].length - (str ?? num ?? op ?? punct ?? word ?? '').length;
    if (str !== undefined)
      tokens.push({ kind: 'string', text: str.slice(1, -1).replace(/\\(.)/g, '$1'), at: start });
    else if (num !== undefined) tokens.push({ kind: 'number', text: num, at: start });
    else if (op !== undefined) tokens.push({ kind: 'op', text: op === '<>' ? '!=' : op, at: start });
    else if (punct !== undefined) tokens.push({ kind: 'punct', text: punct, at: start });
    else tokens.push({ kind: 'word', text: word!, at: start });
    at = tokenPattern.lastIndex;
  }
  return tokens;
}

function parseError(text: string, at: number, expected = ''): QboFault {
  return validation(
    '4000',
    'Error parsing query',
    `QueryParserError: Encountered "${text.slice(at, at + 20)}" at column ${at + 1}.${expected ? ` Was expecting: ${expected}` : ''}`,
  );
}

export function parseQuery(text: string): ParsedQuery {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (w: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === w;
  const fail = (expected: string): never => {
    throw parseError(text, peek()?.at ?? text.length, expected);
  };
  const word = (w: string) => {
    if (!isWord(w)) fail(w.toUpperCase());
    i++;
  };
  const punct = (p: string) => {
    if (peek()?.kind !== 'punct' || peek()!.text !== p) fail(p);
    i++;
  };
  const ident = (): string => {
    const t = peek();
    if (t?.kind !== 'word') return fail('a field name');
    i++;
    return t.text;
  };
  const value = (): string | number | boolean => {
    const t = peek();
    if (!t) return fail('a value');
    i++;
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'word' && /^(true|false)$/i.test(t.text)) return t.text.toLowerCase() === 'true';
    i--;
    return fail('a value');
  };
  const integer = (): number => {
    const t = peek();
    if (t?.kind !== 'number' || !/^\d+$/.test(t.text)) return fail('a whole number');
    i++;
    return Number(t.text);
  };

  word('select');
  let count = false;
  let fields: string[] | null = null;
  if (peek()?.text === '*') i++;
  else if (isWord('count')) {
    i++;
    punct('(');
    punct('*');
    punct(')');
    count = true;
  } else {
    fields = [ident()];
    while (peek()?.text === ',') {
      i++;
      fields.push(ident());
    }
  }
  word('from');
  const entityName = ident();
  const entity = entityFromPath(entityName);
  if (!entity)
    throw validation('4000', 'Error parsing query', `QueryValidationError: Unsupported entity ${entityName}`);
  const where: Condition[] = [];
  if (isWord('where')) {
    i++;
    do {
      const field = ident();
      if (isWord('in')) {
        i++;
        punct('(');
        const values = [value()];
        while (peek()?.text === ',') {
          i++;
          values.push(value());
        }
        punct(')');
        where.push({ field, op: 'IN', values });
      } else if (isWord('like')) {
        i++;
        where.push({ field, op: 'LIKE', values: [value()] });
      } else {
        const op = peek();
        if (op?.kind !== 'op') fail('an operator');
        i++;
        where.push({ field, op: op!.text as Condition['op'], values: [value()] });
      }
    } while (isWord('and') && ++i);
  }
  const orderBy: Order[] = [];
  if (isWord('orderby')) {
    i++;
    do {
      const field = ident();
      let desc = false;
      if (isWord('asc') || isWord('desc')) desc = tokens[i++]!.text.toLowerCase() === 'desc';
      orderBy.push({ field, desc });
    } while (peek()?.text === ',' && ++i);
  }
  let start = 1;
  let max = 100;
  if (isWord('startposition')) {
    i++;
    start = integer();
    if (start < 1)
      throw validation(
        '4000',
        'Error parsing query',
        'QueryValidationError: STARTPOSITION must be at least 1',
      );
  }
  if (isWord('maxresults')) {
    i++;
    max = Math.min(integer(), 1000);
  }
  if (i < tokens.length) fail('end of query');
  return { entity, count, fields, where, orderBy, start, max };
}
