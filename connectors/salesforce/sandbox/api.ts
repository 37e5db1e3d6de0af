// Salesforce's REST API as the sandbox serves it, for the real jsforce client: SOQL query and
// queryAll with server-side cursors (nextRecordsUrl / queryMore), sObject rows, upsert by
// external id, sObject Collections, getUpdated / getDeleted, limits and describe, with
// Salesforce's auth error, limit header and JSON error arrays.
//
// Assumptions, where Salesforce's documentation is thin or the sandbox simplifies:
// - Any /services/data/vNN.0 version is served the same way (jsforce is told 62.0).
// - SOQL: SELECT field list (relationship paths such as NameInsured.Name included) or COUNT(),
//   FROM one object, WHERE with AND / OR / NOT, parentheses, = != <> < <= > >= LIKE IN NOT IN
//   over string, number, true/false, null, date (2026-01-31) and datetime
//   (2026-01-31T10:00:00Z, fractional seconds and ±hh:mm allowed) literals; ORDER BY fields
//   ASC/DESC NULLS FIRST/LAST; LIMIT; OFFSET. Text compares ignore case, ids compare exactly.
//   Date literals (SOQL and SOSL Reference, "Date Formats and Date Literals in WHERE") on date
//   and dateTime fields: YESTERDAY TODAY TOMORROW, LAST_/THIS_/NEXT_ WEEK MONTH QUARTER YEAR,
//   LAST_90_DAYS NEXT_90_DAYS, LAST_N_ / NEXT_N_ / N_..._AGO: DAYS WEEKS MONTHS QUARTERS YEARS :n.
//   Each is a range [start, end): = is inside, != outside, < before start, <= before end,
//   > at or after end, >= at or after start; IN (…) matches a row in any of its ranges. Boundaries are UTC midnights (the reference gives
//   YESTERDAY as "00:00:00 UTC"; the org user's locale is en_US: weeks start on Sunday,
//   quarters and years are calendar ones). LAST_N_DAYS:n and LAST_90_DAYS include today;
//   NEXT_N_DAYS:n and NEXT_90_DAYS start tomorrow. FISCAL literals are not served.
//   Nothing else (no subqueries, aggregates or date functions): MALFORMED_QUERY. Unknown objects: INVALID_TYPE; unknown fields or literals of the wrong
//   type: INVALID_FIELD. Without ORDER BY, rows come in Id order.
// - Query cursors: a query's matching ids are fixed when it runs; each batch reads the rows'
//   current values. nextRecordsUrl is /services/data/vNN.0/query/<cursor id>-<offset> (no
//   slash in the locator, as jsforce needs) and can be fetched again while the cursor lives. A
//   cursor closes when its last batch is read, after 15 minutes unused (org setting
//   queryLocatorTtlSeconds) or when the org's user opens an eleventh (the least recently used
//   closes); then INVALID_QUERY_LOCATOR. Batch size: 2,000, or Sforce-Query-Options:
//   batchSize=N clamped to 200..2,000.
// - SystemModstamp keeps milliseconds and strictly increases across changes (real orgs show
//   .000); deleting a record sets IsDeleted and SystemModstamp, so queryAll with a SystemModstamp
//   filter sees deletions. A hard delete (admin ?hard=true: an emptied recycle bin, a Bulk API
//   hard delete) leaves only the delete log, so only getDeleted sees it.
// - getUpdated / getDeleted ignore the seconds of start and end (as Salesforce documents); after
//   that the window must span at least one minute and start no more than 30 days back
//   (INVALID_REPLICATION_DATE otherwise); end is capped at the current minute; rows with
//   start <= date < end are returned and latestDateCovered is the (capped) end. The delete log
//   keeps 15 days (earliestDateAvailable). More ids than replicationIdLimit (600,000):
//   EXCEEDED_ID_LIMIT. Users cannot be deleted (they are deactivated), so User has no getDeleted.
// - The API allowance is a rolling 24-hour count of authenticated REST requests (refused ones
//   are not counted), 100,000 by default (org setting dailyApiRequests; chaos requestsPerWindow
//   overrides it). Every response carries Sforce-Limit-Info: api-usage=used/limit. Past the
//   allowance: 403 [{errorCode: REQUEST_LIMIT_EXCEEDED, message: "TotalRequests Limit
//   exceeded."}] with no Retry-After, exactly as Salesforce answers; chaos rateLimitRate injects
//   the same refusal (retryAfterSeconds does not apply: Salesforce never sends one). Since a
//   rolling day frees capacity only as the requests of 24 hours earlier age out, the connector
//   treats the refusal as rate_limited and waits a fixed 5 minutes before trying again.
// - Chaos 5xx answers 503 [{errorCode: SERVER_UNAVAILABLE}].
// - Upsert by external id answers 201 with {id, success, errors, created: true} when it
//   creates and 204 without a body when it updates; matching an external id ignores case; more
//   than one match answers 300 with the matching records' URLs. Collections take at most 200
//   records; item errors use `statusCode` (as Salesforce's collections do); allOrNone rolls the
//   whole request back and marks the valid items ALL_OR_NONE_OPERATION_ROLLED_BACK.
// - Currency fields travel as JSON numbers (as Salesforce sends them); the org keeps integer
//   cents. InsurancePolicy.EffectiveDate / ExpirationDate are dateTime fields, as in FSC.
// - InsurancePolicy.ProducerId holds a User id in these orgs; in Financial Services Cloud it
//   looks up the Producer object (whose InternalUserId is the User).
// - Field names in responses use the schema's spelling whatever case the query used.
// - Record ids are 18 characters (15 plus Salesforce's case-safe suffix) with the real key
//   prefixes; 0YT is InsurancePolicy's. 15-character ids are accepted wherever ids are.
// - OAuth (auth.ts): no login page, the authorize endpoint approves at once as the org's admin;
//   each org is its own connected app (client id / secret from the admin API); access tokens
//   last 2 hours (chaos tokenTtlSeconds) and any REST call with an unknown, revoked or expired
//   one answers 401 [{errorCode: INVALID_SESSION_ID, message: "Session expired or invalid"}].
// - Change events: Salesforce delivers CDC over the Pub/Sub API (gRPC) or CometD, which a web
//   hook cannot receive. Each committed transaction is instead POSTed, as an org's Apex relay
//   would, to the URL registered with the admin API: {organizationId, events: [{channel,
//   replayId, payload: {ChangeEventHeader: {entityName, recordIds, changeType
//   CREATE|UPDATE|DELETE|UNDELETE, changeOrigin, transactionKey, sequenceNumber,
//   commitTimestamp, commitNumber, commitUser, changedFields, nulledFields, diffFields},
//   ...changed fields}}]}, with X-SFDC-Timestamp (ms) and X-SFDC-Signature =
//   base64(HMAC-SHA256(secret, "<timestamp>.<raw body>")). A failed POST is not retried.
import { type Context, Hono } from 'hono';
import { parseMoneyToCents } from '../../../domain/money.ts';
import { chaosMeter } from '../../kit/sandbox/meter.ts';
import {
  type ChangeEvent,
  type FieldDef,
  type FieldValue,
  renderInstant,
  renderValue,
  SalesforceApiError,
  type SalesforceOrg,
  type SfRecord,
  type SObjectType,
  schema,
  sobjectType,
  sobjectTypes,
  toId18,
  type WriteOptions,
} from './org.ts';
import type { SalesforceSandbox } from './sandbox.ts';

type Env = { Variables: { org: SalesforceOrg; userId: string; remaining: number } };

const MAX_BATCH = 2_000;
const MIN_BATCH = 200;
const COLLECTION_LIMIT = 200;
const REPLICATION_DAYS = 30;

const fail = (status: number, errorCode: string, message: string, fields?: string[]) =>
  new SalesforceApiError(status, errorCode, message, fields);

function errorResponse(c: Context, err: SalesforceApiError) {
  return c.json(err.body(), err.status as 400);
}

// ---------------------------------------------------------------------------------------------
// SOQL

type Literal =
  | { t: 'string'; v: string }
  | { t: 'number'; v: string }
  | { t: 'boolean'; v: boolean }
  | { t: 'null' }
  | { t: 'date'; v: string }
  | { t: 'datetime'; v: number }
  | { t: 'range'; text: string; start: number; end: number };

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'cmp'; path: FieldPath; op: Op; value: Literal }
  | { kind: 'in'; path: FieldPath; negate: boolean; values: Literal[] };

/** A field reached from the queried object: the lookups followed, then the field itself. */
interface FieldPath {
  text: string;
  lookups: FieldDef[];
  def: FieldDef;
}

interface QueryPlan {
  type: SObjectType;
  count: boolean;
  paths: FieldPath[];
  where: Condition | null;
  order: { path: FieldPath; desc: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';
  text: string;
  col: number;
}

const keywords = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'in',
  'like',
  'order',
  'by',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'limit',
  'offset',
  'true',
  'false',
  'null',
]);

function malformed(soql: string, col: number, message: string): SalesforceApiError {
  return fail(
    400,
    'MALFORMED_QUERY',
    `\n${soql}\n${' '.repeat(Math.max(0, col - 1))}^\nERROR at Row:1:Column:${col}\n${message}`,
  );
}

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const patterns: [Token['kind'], RegExp][] = [
    ['datetime', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/],
    ['date', /^\d{4}-\d{2}-\d{2}(?![\dT])/],
    ['number', /^-?\d+(\.\d+)?/],
    ['op', /^(!=|<>|<=|>=|=|<|>)/],
    ['punct', /^[(),]/],
    // A date literal with its parameter (LAST_N_DAYS:7) is one token.
    ['ident', /^[A-Za-z_][A-Za-z0-9_]*:\d+(?![\w.])/],
    ['ident', /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/],
  ];
  while (i < soql.length) {
    const rest = soql.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let value = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== "'"; j++) {
        if (rest[j] === '\\' && j + 1 < rest.length) {
          const next = rest[++j]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        } else value += rest[j];
      }
      if (j >= rest.length) throw malformed(soql, i + 1, 'unexpected token: end of string');
      tokens.push({ kind: 'string', text: value, col: i + 1 });
      i += j + 1;
      continue;
    }
    const match = patterns.map(([kind, re]) => [kind, re.exec(rest)] as const).find(([, m]) => m);
    if (!match) throw malformed(soql, i + 1, `unexpected token: '${rest[0]}'`);
    const [kind, m] = match;
    tokens.push({ kind, text: m![0], col: i + 1 });
    i += m![0].length;
  }
  tokens.push({ kind: 'eof', text: '', col: soql.length + 1 });
  return tokens;
}

function resolvePath(type: SObjectType, text: string): FieldPath {
  const parts = text.split('.');
  const lookups: FieldDef[] = [];
  let current = type;
  for (const rel of parts.slice(0, -1)) {
    const lookup = schema[current].byRelationship.get(rel.toLowerCase());
    if (!lookup?.referenceTo)
      throw fail(
        400,
        'INVALID_FIELD',
        `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`,
      );
    lookups.push(lookup);
    current = lookup.referenceTo;
  }
  const name = parts[parts.length - 1]!;
  const def = schema[current].byName.get(name.toLowerCase());
  if (!def)
    throw fail(
      400,
      'INVALID_FIELD',
      `No such column '${name}' on entity '${current}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  return { text, lookups, def };
}

const textTypes = new Set(['string', 'textarea', 'picklist', 'email', 'phone']);

const DAY_MS = 86_400_000;
const utcDay = (y: number, m: number, d = 1) => Date.UTC(y, m, d);

/** A SOQL date literal as the UTC range [start, end) it names at `nowMs`, or null if it is none. */
export function dateLiteralRange(text: string, nowMs = Date.now()): { start: number; end: number } | null {
  const m = /^([A-Z_0-9]+?)(?::(\d+))?$/.exec(text.toUpperCase());
  if (!m) return null;
  const [, name, arg] = m;
  const n = arg === undefined ? null : Number(arg);
  const now = new Date(nowMs);
  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth();
  const today = utcDay(y, mo, now.getUTCDate());
  const week = today - now.getUTCDay() * DAY_MS; // Sunday
  const quarter = mo - (mo % 3);
  // Calendar units step by month; days and weeks by fixed lengths (UTC has no DST).
  const units: Record<string, { at: (k: number) => number }> = {
    DAYS: { at: (k) => today + k * DAY_MS },
    WEEKS: { at: (k) => week + k * 7 * DAY_MS },
    MONTHS: { at: (k) => utcDay(y, mo + k) },
    QUARTERS: { at: (k) => utcDay(y, quarter + 3 * k) },
    YEARS: { at: (k) => utcDay(y + k, 0) },
  };
  const span = (unit: string, from: number, to: number) => ({
    start: units[unit]!.at(from),
    end: units[unit]!.at(to),
  });
  if (n === null) {
    const fixed: Record<string, () => { start: number; end: number }> = {
      YESTERDAY: () => span('DAYS', -1, 0),
      TODAY: () => span('DAYS', 0, 1),
      TOMORROW: () => span('DAYS', 1, 2),
      LAST_90_DAYS: () => span('DAYS', -90, 1),
      NEXT_90_DAYS: () => span('DAYS', 1, 91),
    };
    for (const unit of ['WEEK', 'MONTH', 'QUARTER', 'YEAR']) {
      fixed[`LAST_${unit}`] = () => span(`${unit}S`, -1, 0);
      fixed[`THIS_${unit}`] = () => span(`${unit}S`, 0, 1);
      fixed[`NEXT_${unit}`] = () => span(`${unit}S`, 1, 2);
    }
    return fixed[name!]?.() ?? null;
  }
  const p =
    /^(?:(LAST|NEXT)_N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS)|N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS)_AGO)$/.exec(
      name!,
    );
  if (!p) return null;
  if (p[3]) return span(p[3], -n!, -n! + 1);
  const unit = p[2]!;
  // LAST_N_DAYS counts today in; the other LAST_N_ units end where the current unit starts.
  if (p[1] === 'LAST') return unit === 'DAYS' ? span(unit, -n!, 1) : span(unit, -n!, 0);
  return span(unit, 1, 1 + n!);
}

function checkLiteral(path: FieldPath, lit: Literal, op: Op | 'IN'): void {
  if (lit.t === 'null') return;
  const t = path.def.type;
  const ok =
    ((t === 'datetime' || t === 'date') && lit.t === 'range') ||
    (t === 'datetime' && lit.t === 'datetime') ||
    (t === 'date' && lit.t === 'date') ||
    (t === 'boolean' && lit.t === 'boolean') ||
    (['currency', 'double', 'percent', 'int'].includes(t) && lit.t === 'number') ||
    ((textTypes.has(t) || t === 'id' || t === 'reference') && lit.t === 'string');
  if (!ok) {
    const quoted = t === 'datetime' || t === 'date' || t === 'boolean' || lit.t === 'string';
    throw fail(
      400,
      'INVALID_FIELD',
      `value of filter criterion for field '${path.text}' must be of type ${t === 'datetime' ? 'dateTime' : t}${quoted ? ' and should not be enclosed in quotes' : ''}`,
    );
  }
  if (op === 'LIKE' && !textTypes.has(t))
    throw fail(400, 'INVALID_FIELD', `invalid operator on field: ${path.text}`);
}

function parseQuery(soql: string): QueryPlan {
  const tokens = tokenize(soql);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const isKw = (kw: string, t = peek()) => t.kind === 'ident' && t.text.toLowerCase() === kw;
  const unexpected = (t = peek()) =>
    malformed(soql, t.col, `unexpected token: ${t.kind === 'eof' ? '<EOF>' : t.text}`);
  const expectKw = (kw: string) => {
    if (!isKw(kw)) throw unexpected();
    pos++;
  };
  const expectPunct = (p: string) => {
    if (peek().kind !== 'punct' || peek().text !== p) throw unexpected();
    pos++;
  };
  const identifier = (): Token => {
    const t = peek();
    if (t.kind !== 'ident' || keywords.has(t.text.toLowerCase())) throw unexpected();
    pos++;
    return t;
  };

  expectKw('select');
  let count = false;
  const fieldTexts: string[] = [];
  if (isKw('count') && tokens[pos + 1]?.text === '(') {
    pos += 2;
    expectPunct(')');
    count = true;
  } else {
    fieldTexts.push(identifier().text);
    while (peek().text === ',') {
      pos++;
      fieldTexts.push(identifier().text);
    }
  }
  expectKw('from');
  const objectToken = identifier();
  const type = sobjectType(objectToken.text);
  if (!type)
    throw fail(
      400,
      'INVALID_TYPE',
      `\n${soql}\n${' '.repeat(objectToken.col - 1)}^\nERROR at Row:1:Column:${objectToken.col}\nsObject type '${objectToken.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );

  const literal = (): Literal => {
    const t = peek();
    pos++;
    if (t.kind === 'string') return { t: 'string', v: t.text };
    if (t.kind === 'number') return { t: 'number', v: t.text };
    if (t.kind === 'date') return { t: 'date', v: t.text };
    if (t.kind === 'datetime') {
      const ms = Date.parse(t.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(ms))
        throw malformed(soql, t.col, `line 1:${t.col} no viable alternative at character '${t.text}'`);
      return { t: 'datetime', v: ms };
    }
    if (isKw('true', t) || isKw('false', t)) return { t: 'boolean', v: t.text.toLowerCase() === 'true' };
    if (isKw('null', t)) return { t: 'null' };
    const range = t.kind === 'ident' ? dateLiteralRange(t.text) : null;
    if (range) return { t: 'range', text: t.text, ...range };
    pos--;
    throw unexpected();
  };

  const primary = (): Condition => {
    if (peek().text === '(') {
      pos++;
      const inner = disjunction();
      expectPunct(')');
      return inner;
    }
    const path = resolvePath(type, identifier().text);
    let negate = false;
    if (isKw('not') && isKw('in', tokens[pos + 1])) {
      negate = true;
      pos++;
    }
    if (isKw('in')) {
      pos++;
      expectPunct('(');
      const values = [literal()];
      while (peek().text === ',') {
        pos++;
        values.push(literal());
      }
      expectPunct(')');
      for (const v of values) checkLiteral(path, v, 'IN');
      return { kind: 'in', path, negate, values };
    }
    let op: Op;
    if (isKw('like')) op = 'LIKE';
    else if (peek().kind === 'op') op = (peek().text === '<>' ? '!=' : peek().text) as Op;
    else throw unexpected();
    pos++;
    const value = literal();
    checkLiteral(path, value, op);
    return { kind: 'cmp', path, op, value };
  };
  const negation = (): Condition => {
    if (isKw('not')) {
      pos++;
      return { kind: 'not', item: negation() };
    }
    return primary();
  };
  const conjunction = (): Condition => {
    const items = [negation()];
    while (isKw('and')) {
      pos++;
      items.push(negation());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const disjunction = (): Condition => {
    const items = [conjunction()];
    while (isKw('or')) {
      pos++;
      items.push(conjunction());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };

  let where: Condition | null = null;
  if (isKw('where')) {
    pos++;
    where = disjunction();
  }
  const order: QueryPlan['order'] = [];
  if (isKw('order')) {
    pos++;
    expectKw('by');
    do {
      if (peek().text === ',') pos++;
      const path = resolvePath(type, identifier().text);
      let desc = false;
      if (isKw('asc') || isKw('desc')) desc = tokens[pos++]!.text.toLowerCase() === 'desc';
      let nullsLast = desc;
      if (isKw('nulls')) {
        pos++;
        if (!isKw('first') && !isKw('last')) throw unexpected();
        nullsLast = tokens[pos++]!.text.toLowerCase() === 'last';
      }
      order.push({ path, desc, nullsLast });
    } while (peek().text === ',');
  }
  const whole = (kw: string): number | null => {
    if (!isKw(kw)) return null;
    pos++;
    const t = peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) throw unexpected();
    pos++;
    return Number(t.text);
  };
  const limit = whole('limit');
  const offset = whole('offset') ?? 0;
  if (peek().kind !== 'eof') throw unexpected();
  return { type, count, paths: fieldTexts.map((t) => resolvePath(type, t)), where, order, limit, offset };
}

/** The value at a path, following lookups to live records (a missing parent gives null). */
function valueAt(org: SalesforceOrg, record: SfRecord, path: FieldPath): FieldValue {
  let current: SfRecord | undefined = record;
  for (const lookup of path.lookups) {
    const id: FieldValue | undefined = current.fields[lookup.name];
    current = typeof id === 'string' ? org.live(lookup.referenceTo!, id) : undefined;
    if (!current) return null;
  }
  return current.fields[path.def.name] ?? null;
}

/** Orders two non-null stored values of one field type. */
function compareStored(def: FieldDef, a: FieldValue, b: FieldValue): number {
  if (def.type === 'datetime') return Date.parse(String(a)) - Date.parse(String(b));
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = def.type === 'id' || def.type === 'reference' ? String(a) : String(a).toLowerCase();
  const y = def.type === 'id' || def.type === 'reference' ? String(b) : String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A literal in the stored form of the field it is compared with. */
function storedLiteral(def: FieldDef, lit: Literal): FieldValue {
  switch (lit.t) {
    case 'null':
      return null;
    case 'range':
      throw new Error('a date literal is a range, compared by compareRange');
    case 'datetime':
      return new Date(lit.v).toISOString();
    case 'number':
      return def.type === 'currency' ? parseMoneyToCents(lit.v) : Number(lit.v);
    case 'string':
      return def.type === 'id' || def.type === 'reference' ? (toId18(lit.v) ?? lit.v) : lit.v;
    default:
      return lit.v;
  }
}

function likeRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

/** Where a stored date or dateTime value lies against a date literal's range: -1 before, 0 in, 1 after. */
function compareRange(def: FieldDef, v: FieldValue, lit: Extract<Literal, { t: 'range' }>): number {
  if (def.type === 'date') {
    const day = String(v);
    const start = new Date(lit.start).toISOString().slice(0, 10);
    const end = new Date(lit.end).toISOString().slice(0, 10);
    return day < start ? -1 : day >= end ? 1 : 0;
  }
  const ms = Date.parse(String(v));
  return ms < lit.start ? -1 : ms >= lit.end ? 1 : 0;
}

function matchesRange(op: Op, where: number): boolean {
  switch (op) {
    case '=':
      return where === 0;
    case '!=':
      return where !== 0;
    case '<':
      return where < 0;
    case '<=':
      return where <= 0;
    case '>':
      return where > 0;
    case '>=':
      return where >= 0;
    default:
      return false;
  }
}

function matches(org: SalesforceOrg, record: SfRecord, cond: Condition): boolean {
  switch (cond.kind) {
    case 'and':
      return cond.items.every((c) => matches(org, record, c));
    case 'or':
      return cond.items.some((c) => matches(org, record, c));
    case 'not':
      return !matches(org, record, cond.item);
    case 'in': {
      const v = valueAt(org, record, cond.path);
      const found = cond.values.some((lit) => {
        if (lit.t === 'range') return v !== null && compareRange(cond.path.def, v, lit) === 0;
        const w = storedLiteral(cond.path.def, lit);
        return v === null || w === null ? v === w : compareStored(cond.path.def, v, w) === 0;
      });
      return cond.negate ? !found : found;
    }
    case 'cmp': {
      const v = valueAt(org, record, cond.path);
      if (cond.op === 'LIKE')
        return typeof v === 'string' && cond.value.t === 'string' && likeRegExp(cond.value.v).test(v);
      if (cond.value.t === 'range')
        return v === null
          ? cond.op === '!='
          : matchesRange(cond.op, compareRange(cond.path.def, v, cond.value));
      const w = storedLiteral(cond.path.def, cond.value);
      if (v === null || w === null) {
        if (cond.op === '=') return v === w;
        if (cond.op === '!=') return v !== w;
        return false;
      }
      const d = compareStored(cond.path.def, v, w);
      switch (cond.op) {
        case '=':
          return d === 0;
        case '!=':
          return d !== 0;
        case '<':
          return d < 0;
        case '<=':
          return d <= 0;
        case '>':
          return d > 0;
        default:
          return d >= 0;
      }
    }
  }
}

function runPlan(org: SalesforceOrg, plan: QueryPlan, scanAll: boolean): SfRecord[] {
  const rows = [...org.table(plan.type).values()].filter(
    (r) => (scanAll || !r.fields.IsDeleted) && (!plan.where || matches(org, r, plan.where)),
  );
  const idPath = resolvePath(plan.type, 'Id');
  const order = [...plan.order, { path: idPath, desc: false, nullsLast: false }];
  rows.sort((a, b) => {
    for (const o of order) {
      const x = valueAt(org, a, o.path);
      const y = valueAt(org, b, o.path);
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === o.nullsLast ? 1 : -1;
      }
      const d = compareStored(o.path.def, x, y);
      if (d !== 0) return o.desc ? -d : d;
    }
    return 0;
  });
  const from = plan.offset;
  return rows.slice(from, plan.limit === null ? undefined : from + plan.limit);
}

function attributes(type: SObjectType, id: string, version: string) {
  return { type, url: `/services/data/${version}/sobjects/${type}/${id}` };
}

/** A row as the REST API writes it: attributes first, then each selected field, parents nested. */
function project(
  org: SalesforceOrg,
  record: SfRecord,
  paths: FieldPath[],
  version: string,
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: attributes(record.type, record.fields.Id as string, version),
  };
  const parents = new Map<string, { lookup: FieldDef; paths: FieldPath[] }>();
  for (const p of paths) {
    if (p.lookups.length === depth) {
      out[p.def.name] = renderValue(p.def, record.fields[p.def.name]);
      continue;
    }
    const lookup = p.lookups[depth]!;
    const group = parents.get(lookup.name) ?? { lookup, paths: [] };
    group.paths.push(p);
    parents.set(lookup.name, group);
    if (!(lookup.relationshipName! in out)) out[lookup.relationshipName!] = null;
  }
  for (const { lookup, paths: nested } of parents.values()) {
    const id = record.fields[lookup.name];
    const parent = typeof id === 'string' ? org.live(lookup.referenceTo!, id) : undefined;
    out[lookup.relationshipName!] = parent ? project(org, parent, nested, version, depth + 1) : null;
  }
  return out;
}

function batchSizeOf(c: Context): number | null {
  const m = /batchSize\s*=\s*(\d+)/i.exec(c.req.header('sforce-query-options') ?? '');
  return m ? Math.min(MAX_BATCH, Math.max(MIN_BATCH, Number(m[1]))) : null;
}

function queryPage(
  c: Context<Env>,
  cursorId: string | null,
  rows: SfRecord[],
  paths: FieldPath[],
  offset: number,
  total: number,
) {
  const version = c.req.param('version')!;
  const records = rows.map((r) => project(c.get('org'), r, paths, version));
  const next = offset + rows.length;
  const body: Record<string, unknown> = { totalSize: total, done: cursorId === null, records };
  if (cursorId) body.nextRecordsUrl = `/services/data/${version}/query/${cursorId}-${next}`;
  return c.json(body);
}

// ---------------------------------------------------------------------------------------------
// Replication (getUpdated / getDeleted)

function minuteFloor(ms: number): number {
  return ms - (ms % 60_000);
}

function replicationWindow(c: Context): { start: number; end: number } {
  const parse = (name: string) => {
    const raw = (c.req.query(name) ?? '').replace(/ /g, '+');
    const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!raw || Number.isNaN(ms))
      throw fail(400, 'INVALID_REPLICATION_DATE', `${name} is not a valid dateTime: ${raw}`);
    return minuteFloor(ms);
  };
  const start = parse('start');
  const end = Math.min(parse('end'), minuteFloor(Date.now()));
  if (start < minuteFloor(Date.now() - REPLICATION_DAYS * 86_400_000))
    throw fail(400, 'INVALID_REPLICATION_DATE', `startDate cannot be more than ${REPLICATION_DAYS} days ago`);
  if (end - start < 60_000)
    throw fail(
      400,
      'INVALID_REPLICATION_DATE',
      'startDate must chronologically precede endDate by more than one minute',
    );
  return { start, end };
}

// ---------------------------------------------------------------------------------------------
// Writes

function typeParam(c: Context): SObjectType {
  const type = sobjectType(c.req.param('type') ?? '');
  if (!type) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
  return type;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  try {
    const body = JSON.parse(text || '{}');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw fail(400, 'JSON_PARSER_ERROR', `Unexpected character in request body: ${text.slice(0, 40)}`);
  }
}

function writeOptions(c: Context<Env>, collect?: ChangeEvent[]): WriteOptions {
  return {
    userId: c.get('userId'),
    origin: `com/salesforce/api/rest/${c.req.param('version')!.slice(1)}`,
    collect,
  };
}

/** Create-or-update by an external id field (or Id); the caller decides how to answer. */
function upsertOne(
  org: SalesforceOrg,
  type: SObjectType,
  fieldName: string,
  value: string,
  body: Record<string, unknown>,
  opts: WriteOptions & { updateOnly?: boolean },
): { id: string; created: boolean } {
  const def = schema[type].byName.get(fieldName.toLowerCase());
  if (!def || (!def.externalId && def.name !== 'Id'))
    throw fail(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${fieldName}`,
    );
  const values = { ...body };
  delete values.attributes;
  for (const key of Object.keys(values)) {
    if (key.toLowerCase() !== def.name.toLowerCase()) continue;
    if (String(values[key]).toLowerCase() !== value.toLowerCase())
      throw fail(400, 'INVALID_FIELD', `The external ID in the URL and the body differ for ${def.name}`, [
        def.name,
      ]);
    delete values[key];
  }
  const found =
    def.name === 'Id'
      ? [org.live(type, value)].filter((r) => r !== undefined)
      : org.findBy(type, def.name, value);
  if (found.length > 1)
    throw fail(
      300,
      'DUPLICATE_EXTERNAL_ID',
      `${def.name}: more than one record found for external id field: [${found.map((r) => r.fields.Id).join(', ')}]`,
      [def.name],
    );
  if (found.length === 1) {
    org.update(type, found[0]!.fields.Id as string, values, opts);
    return { id: found[0]!.fields.Id as string, created: false };
  }
  if (opts.updateOnly || def.name === 'Id')
    throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
  return { id: org.create(type, { ...values, [def.name]: value }, opts).fields.Id as string, created: true };
}

type ItemResult = { id?: string | null; success: boolean; errors: unknown[]; created?: boolean };

/** sObject Collections: every item tried; with allOrNone, one failure rolls all of them back. */
function collection(
  c: Context<Env>,
  allOrNone: boolean,
  items: unknown[],
  apply: (item: unknown, opts: WriteOptions) => ItemResult,
) {
  if (items.length > COLLECTION_LIMIT)
    throw fail(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`,
    );
  const org = c.get('org');
  const saved = allOrNone ? org.snapshot() : null;
  const events: ChangeEvent[] = [];
  const results: ItemResult[] = items.map((item) => {
    const before = events.length;
    try {
      return apply(item, writeOptions(c, events));
    } catch (err) {
      if (!(err instanceof SalesforceApiError)) throw err;
      events.length = before;
      return {
        id: null,
        success: false,
        errors: [{ statusCode: err.errorCode, message: err.message, fields: err.fields ?? [] }],
      };
    }
  });
  if (saved && results.some((r) => !r.success)) {
    org.rollback(saved);
    return c.json(
      results.map((r) =>
        r.success
          ? {
              id: null,
              success: false,
              errors: [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
            }
          : r,
      ),
    );
  }
  org.commit({}, events);
  return c.json(results);
}

function asRecord(item: unknown): Record<string, unknown> {
  if (!item || typeof item !== 'object' || Array.isArray(item))
    throw fail(400, 'JSON_PARSER_ERROR', 'each record must be an object');
  return item as Record<string, unknown>;
}

function recordType(item: Record<string, unknown>, fallback?: SObjectType): SObjectType {
  const named = (item.attributes as { type?: string } | undefined)?.type;
  const type = named ? sobjectType(named) : fallback;
  if (!type) throw fail(400, 'INVALID_TYPE', `sObject type '${named ?? ''}' is not supported.`);
  return type;
}

// ---------------------------------------------------------------------------------------------
// The app

export function salesforceApi(sandbox: SalesforceSandbox): Hono<Env> {
  const app = new Hono<Env>();

  app.get('/services/data', (c) =>
    c.json(
      [58, 59, 60, 61, 62].map((v) => ({
        label: `API ${v}.0`,
        url: `/services/data/v${v}.0`,
        version: `${v}.0`,
      })),
    ),
  );

  // Auth, chaos and the API allowance, in the order Salesforce applies them.
  app.use('/services/data/:version/*', async (c, next) => {
    if (!/^v\d{2,3}\.0$/.test(c.req.param('version')))
      return c.json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], 404);
    const auth = c.req.header('authorization') ?? '';
    const session = sandbox.session(auth.replace(/^(Bearer|OAuth)\s+/i, ''));
    if (!session)
      return c.json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], 401);
    const org = session.org;
    c.set('org', org);
    c.set('userId', session.userId);
    await next();
  });
  app.use(
    '/services/data/:version/*',
    chaosMeter<Env, SalesforceOrg>({
      account: (c) => c.get('org'),
      window: (org) => org.apiUsage,
      limit: (org) => org.settings.dailyApiRequests,
      // An injected refusal is not a request against the daily allowance.
      injectedUsesSlot: false,
      outage: (c) =>
        c.json([{ message: 'Server temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }], 503),
      limitHeaders: (c, org, slot) => {
        const remaining = slot?.allowed ? slot.remaining : 0;
        c.header('Sforce-Limit-Info', `api-usage=${org.apiUsage.max - remaining}/${org.apiUsage.max}`);
        c.set('remaining', remaining);
      },
      // Salesforce answers a spent allowance with 403 and no Retry-After.
      rateLimited: (c) =>
        c.json([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], 403),
    }),
  );

  const v = '/services/data/:version';

  app.get(v, (c) => {
    const base = `/services/data/${c.req.param('version')}`;
    return c.json({
      limits: `${base}/limits`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      sobjects: `${base}/sobjects`,
      composite: `${base}/composite`,
    });
  });

  app.get(`${v}/limits`, (c) => {
    const org = c.get('org');
    return c.json({
      DailyApiRequests: { Max: org.apiUsage.max, Remaining: c.get('remaining') },
      DailyBulkV2QueryJobs: { Max: 10_000, Remaining: 10_000 },
      DataStorageMB: { Max: 1_024, Remaining: 1_000 },
      ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
    });
  });

  const runQuery = (scanAll: boolean) => (c: Context<Env>) => {
    const soql = c.req.query('q');
    if (!soql) throw fail(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const org = c.get('org');
    const plan = parseQuery(soql);
    const rows = runPlan(org, plan, scanAll);
    if (plan.count) return c.json({ totalSize: rows.length, done: true, records: [] });
    const batch = batchSizeOf(c) ?? MAX_BATCH;
    if (rows.length <= batch) return queryPage(c, null, rows, plan.paths, 0, rows.length);
    const cursor = org.openCursor({
      type: plan.type,
      fields: plan.paths.map((p) => p.text),
      ids: rows.map((r) => r.fields.Id as string),
      scanAll,
      batchSize: batch,
    });
    return queryPage(c, cursor.id, rows.slice(0, batch), plan.paths, 0, rows.length);
  };

  const queryMore = (c: Context<Env>) => {
    const org = c.get('org');
    const m = /^([A-Za-z0-9]{18})-(\d+)$/.exec(c.req.param('locator') ?? '');
    const cursor = m ? org.cursor(m[1]!) : undefined;
    if (!m || !cursor) throw fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const offset = Number(m[2]);
    const batch = batchSizeOf(c) ?? cursor.batchSize;
    const paths = cursor.fields.map((t) => resolvePath(cursor.type, t));
    const rows = cursor.ids
      .slice(offset, offset + batch)
      .map((id) => org.table(cursor.type).get(id))
      .filter((r): r is SfRecord => r !== undefined && (cursor.scanAll || !r.fields.IsDeleted));
    const done = offset + batch >= cursor.ids.length;
    if (done) org.cursors.delete(cursor.id);
    const version = c.req.param('version')!;
    const body: Record<string, unknown> = {
      totalSize: cursor.ids.length,
      done,
      records: rows.map((r) => project(org, r, paths, version)),
    };
    if (!done) body.nextRecordsUrl = `/services/data/${version}/query/${cursor.id}-${offset + batch}`;
    return c.json(body);
  };

  app.get(`${v}/query`, runQuery(false));
  app.get(`${v}/query/`, runQuery(false));
  app.get(`${v}/queryAll`, runQuery(true));
  app.get(`${v}/queryAll/`, runQuery(true));
  app.get(`${v}/query/:locator`, queryMore);
  app.get(`${v}/queryAll/:locator`, queryMore);

  app.get(`${v}/sobjects`, (c) =>
    c.json({
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: sobjectTypes.map((t) => ({
        name: t,
        label: t,
        keyPrefix: schema[t].keyPrefix,
        queryable: true,
        replicateable: true,
        urls: { sobject: `/services/data/${c.req.param('version')}/sobjects/${t}` },
      })),
    }),
  );

  const describe = (c: Context<Env>) => {
    const type = typeParam(c);
    return c.json({
      name: type,
      label: type,
      keyPrefix: schema[type].keyPrefix,
      queryable: true,
      replicateable: true,
      deletable: schema[type].deletable,
      fields: schema[type].fields.map((d) => ({
        name: d.name,
        type: d.type,
        externalId: Boolean(d.externalId),
        unique: Boolean(d.unique),
        nillable: !d.required,
        createable: !d.readOnly,
        updateable: !d.readOnly,
        referenceTo: d.referenceTo ? [d.referenceTo] : [],
        relationshipName: d.relationshipName ?? null,
      })),
    });
  };
  app.get(`${v}/sobjects/:type/describe`, describe);
  app.get(`${v}/sobjects/:type/describe/`, describe);

  const updated = (c: Context<Env>) => {
    const type = typeParam(c);
    const org = c.get('org');
    const { start, end } = replicationWindow(c);
    const ids: string[] = [];
    for (const r of org.table(type).values()) {
      const at = Date.parse(r.fields.SystemModstamp as string);
      if (!r.fields.IsDeleted && at >= start && at < end) ids.push(r.fields.Id as string);
    }
    if (ids.length > org.settings.replicationIdLimit)
      throw fail(400, 'EXCEEDED_ID_LIMIT', 'too many ids in the window');
    return c.json({ ids, latestDateCovered: renderInstant(new Date(end).toISOString()) });
  };
  const deleted = (c: Context<Env>) => {
    const type = typeParam(c);
    if (!schema[type].deletable)
      throw fail(
        400,
        'INVALID_TYPE',
        `sObject type '${type}' is not supported for getDeleted: its records are deactivated, not deleted`,
      );
    const org = c.get('org');
    const { start, end } = replicationWindow(c);
    const retention = org.settings.deleteLogRetentionDays * 86_400_000;
    const earliest = minuteFloor(Date.now() - retention);
    const deletedRecords = org.deleteLog
      .filter((e) => e.type === type)
      .map((e) => ({ id: e.id, at: Date.parse(e.deletedDate) }))
      .filter((e) => e.at >= Math.max(start, earliest) && e.at < end)
      .map((e) => ({ id: e.id, deletedDate: renderInstant(new Date(e.at).toISOString()) }));
    if (deletedRecords.length > org.settings.replicationIdLimit)
      throw fail(400, 'EXCEEDED_ID_LIMIT', 'too many ids in the window');
    return c.json({
      deletedRecords,
      earliestDateAvailable: renderInstant(new Date(earliest).toISOString()),
      latestDateCovered: renderInstant(new Date(end).toISOString()),
    });
  };
  for (const suffix of ['', '/']) {
    app.get(`${v}/sobjects/:type/updated${suffix}`, updated);
    app.get(`${v}/sobjects/:type/deleted${suffix}`, deleted);
  }

  app.get(`${v}/sobjects/:type/:id`, (c) => {
    const type = typeParam(c);
    const record = c.get('org').live(type, c.req.param('id'));
    if (!record) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    const wanted = c.req.query('fields');
    const paths = (wanted ? wanted.split(',') : schema[type].fields.map((d) => d.name)).map((t) =>
      resolvePath(type, t.trim()),
    );
    return c.json(project(c.get('org'), record, paths, c.req.param('version')));
  });

  app.get(`${v}/sobjects/:type/:field/:value`, (c) => {
    const type = typeParam(c);
    const def = schema[type].byName.get(c.req.param('field').toLowerCase());
    if (!def?.externalId) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    const found = c.get('org').findBy(type, def.name, decodeURIComponent(c.req.param('value')));
    if (found.length !== 1) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    const paths = schema[type].fields.map((d) => resolvePath(type, d.name));
    return c.json(project(c.get('org'), found[0]!, paths, c.req.param('version')));
  });

  app.post(`${v}/sobjects/:type`, async (c) => {
    const type = typeParam(c);
    const record = c.get('org').create(type, await jsonBody(c), writeOptions(c));
    c.header('Location', `/services/data/${c.req.param('version')}/sobjects/${type}/${record.fields.Id}`);
    return c.json({ id: record.fields.Id, success: true, errors: [] }, 201);
  });

  app.patch(`${v}/sobjects/:type/:id`, async (c) => {
    const type = typeParam(c);
    c.get('org').update(type, c.req.param('id'), await jsonBody(c), writeOptions(c));
    return c.body(null, 204);
  });

  app.delete(`${v}/sobjects/:type/:id`, (c) => {
    const type = typeParam(c);
    c.get('org').delete(type, c.req.param('id'), writeOptions(c));
    return c.body(null, 204);
  });

  app.patch(`${v}/sobjects/:type/:field/:value`, async (c) => {
    const type = typeParam(c);
    const org = c.get('org');
    const value = decodeURIComponent(c.req.param('value'));
    try {
      const result = upsertOne(org, type, c.req.param('field'), value, await jsonBody(c), {
        ...writeOptions(c),
        updateOnly: c.req.query('updateOnly') === 'true',
      });
      if (!result.created) return c.body(null, 204);
      c.header('Location', `/services/data/${c.req.param('version')}/sobjects/${type}/${result.id}`);
      return c.json({ id: result.id, success: true, errors: [], created: true }, 201);
    } catch (err) {
      if (err instanceof SalesforceApiError && err.status === 300) {
        const version = c.req.param('version');
        const urls = org
          .findBy(type, c.req.param('field'), value)
          .map((r) => `/services/data/${version}/sobjects/${type}/${r.fields.Id}`);
        return c.json(urls, 300);
      }
      throw err;
    }
  });

  app.post(`${v}/composite/sobjects`, async (c) => {
    const body = await jsonBody(c);
    const org = c.get('org');
    return collection(c, body.allOrNone === true, (body.records as unknown[]) ?? [], (raw, opts) => {
      const item = asRecord(raw);
      const type = recordType(item);
      const values = { ...item };
      delete values.attributes;
      return { id: org.create(type, values, opts).fields.Id as string, success: true, errors: [] };
    });
  });

  app.patch(`${v}/composite/sobjects`, async (c) => {
    const body = await jsonBody(c);
    const org = c.get('org');
    return collection(c, body.allOrNone === true, (body.records as unknown[]) ?? [], (raw, opts) => {
      const item = asRecord(raw);
      const type = recordType(item);
      // Field names are case-insensitive: jsforce sends the record id as `id`.
      const idKey = Object.keys(item).find((k) => k.toLowerCase() === 'id') ?? 'Id';
      const { attributes: _a, [idKey]: id, ...values } = item;
      if (typeof id !== 'string')
        throw fail(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
      org.update(type, id, values, opts);
      return { id, success: true, errors: [] };
    });
  });

  app.patch(`${v}/composite/sobjects/:type/:field`, async (c) => {
    const type = typeParam(c);
    const field = c.req.param('field');
    const def = schema[type].byName.get(field.toLowerCase());
    if (!def?.externalId && def?.name !== 'Id')
      throw fail(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${field}`,
      );
    const body = await jsonBody(c);
    const org = c.get('org');
    return collection(c, body.allOrNone === true, (body.records as unknown[]) ?? [], (raw, opts) => {
      const item = asRecord(raw);
      recordType(item, type);
      const key = Object.keys(item).find((k) => k.toLowerCase() === def.name.toLowerCase());
      const value = key ? item[key] : undefined;
      if (value === undefined || value === null || value === '')
        throw fail(400, 'MISSING_ARGUMENT', `${def.name} not specified`, [def.name]);
      const result = upsertOne(org, type, def.name, String(value), item, opts);
      return { id: result.id, success: true, errors: [], created: result.created };
    });
  });

  app.delete(`${v}/composite/sobjects`, (c) => {
    const org = c.get('org');
    const ids = (c.req.query('ids') ?? '').split(',').filter(Boolean);
    return collection(c, c.req.query('allOrNone') === 'true', ids, (item, opts) => {
      const id = String(item);
      const record = org.byId(id);
      if (!record || record.fields.IsDeleted) throw fail(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      org.delete(record.type, id, opts);
      return { id: record.fields.Id as string, success: true, errors: [] };
    });
  });

  app.notFound((c) =>
    c.json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }], 404),
  );
  app.onError((err, c) => {
    if (err instanceof SalesforceApiError) return errorResponse(c, err);
    return c.json(
      [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred: ${err.message}` }],
      500,
    );
  });

  return app;
}
