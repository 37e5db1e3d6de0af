// Vertafore AMS360's API as the sandbox serves it: a login for a ticket, then each entity listed by
// page with a changed-since filter, behind the ticket as a bearer token.
//
// WHAT WAS CHOSEN, AND WHY. AMS360 has two partner APIs: the SOAP Web Service API (WSAPI; v2 at
// `…/v2/service.asmx`, v3 as WCF at `/v3/WSAPIService.svc/<Operation>`) and the newer EMS REST API
// through Vertafore's developer portal (developer.vertafore.com, Orange Partner Program). Both are
// partner-gated: the EMS REST reference and its OpenAPI are behind a Vertafore SSO login, so its
// paths are not public. The sandbox serves a JSON REST shape (paths assumed, below) that keeps
// WSAPI's published entity and field names, rather than SOAP envelopes: the hub reads lists of
// changed entities, which WSAPI has no single operation for (it reads one customer or policy at a
// time by id), and the SOAP envelope adds nothing the hub's reading depends on.
//
// PUBLIC SOURCES (what is not listed here is assumed)
// [W2] WSAPI v2 operation pages, affwsapi.ams360.com/v2/service.asmx?op=GetCustomerList,
//      ?op=UpdatePolicy, ?op=InsertCustomer, ?op=InsertAL3Policy: the `WSAPIAuthToken/Token` SOAP
//      header; customer fields CustomerNumber (int), CustomerId (GUID string), LastName, FirstName,
//      MiddleName, FirmName, AddressLine1/2, City, State, ZipCode, HomeAreaCode/HomePhone,
//      BusinessAreaCode/BusinessPhone, Email; policy fields CustomerId, PolicyId, PolicyNumber,
//      TypeOfBusiness (short), PolicyType, WritingCompanyCode, AccountExecCode, AccountRepCode,
//      BrokerCode, PolicyEffectiveDate, PolicyExpirationDate, PolicyStatus, BillMethod,
//      FullTermPremium (decimal), IsNewPolicy; AL3 policy input TransactionType, CompanyCode.
// [W3] WSAPI v3 reference on Vertafore's developer portal (api.apps.vertafore.com/developer-portal
//      …/AMS360:WSAPI…): Login's LoginRequest {AgencyNo, LoginId, Password, EmployeeCode}
//      ("AMS360 agency number for the agency to be accessed by subsequent WSAPI calls"; the
//      employee code "required if LoginId's data security is based on a supplied employee code");
//      PolicyGet (PolicyId GUID, TransactionEffectiveDate; returns line of business, policy
//      personnel and policy transactions); the Customer element (CustomerType, IsPersonal,
//      IsCommercial, IsActive, DateCustomerAdded, AccountExecCode, AccountRepCode).
// [H]  help.vertafore.com: Web Service API Setup (the agency creates the WSAPI login id and
//      password, 6–30 characters with upper, lower and a non-letter, and grants retrieve/insert/
//      update/delete per entity); the Transaction report (policy transactions such as new business
//      by date); the WSAPI overview (entities: Broker, Business Unit, Claim, Company, Customer,
//      Employee, Policy, PolicyTransaction …; retrieval by entity).
// [E]  api-evangelist/vertafore (apis.yml, plans): the EMS REST API and WSAPI are reached through
//      a licensed developer-portal contract with per-API scopes, Sandbox then Live after approval.
//
// ASSUMED
// Paths and auth
// - `POST /v3/login` with a JSON LoginRequest {AgencyNo, LoginId, Password, EmployeeCode?} answers
//   200 {Token, TokenExpiration}. Login ids are case-insensitive, passwords case-sensitive. The
//   ticket is sent as `Authorization: Bearer <Token>` (WSAPI v2 carries it in the WSAPIAuthToken
//   SOAP header; the EMS REST API uses bearer tokens). A ticket lives 20 minutes (chaos
//   tokenTtlSeconds shortens it); an expired one is refused with 401 `TicketExpired`, an unknown
//   one with 401 `InvalidTicket`; a refused login is 401 `InvalidCredentials` (or `UserDisabled`).
// - `GET /v3/{employees|companies|customers|policies|policytransactions}` with `changedSince`
//   (ISO date-time; records whose ChangedDate is at or after it), `pageNumber` (from 1) and
//   `pageSize` (1–500, default 100) answers {Items, PageNumber, PageSize, TotalCount,
//   HasMoreRecords}, ordered by the entity's id. ChangedDate is an ISO UTC instant.
// Wire format
// - PascalCase JSON with WSAPI's field names; dates MM/DD/YYYY as WSAPI documents them ("Date only
//   (MM/DD/YYYY)"); money as JSON decimals in dollars. TypeOfBusiness: 1 personal, 2 commercial,
//   3 benefits, 4 life and health. BillMethod "A" (agency bill) or "D" (direct bill). PolicyStatus:
//   Active, Cancelled, Renewed, Expired, NonRenewed, Rewritten, Quote, Deleted. Employees carry
//   EmployeeCode (the code policies and customers name as AccountExecCode/AccountRepCode),
//   EmployeeType Producer, Rep or Both. Companies are named by CompanyCode (the code policies name
//   as WritingCompanyCode) with CompanyType Writing, Parent or Broker and the NAIC code.
// - A policy transaction: PolicyTransactionId (GUID), PolicyId, TransactionType (NEW, REN, END,
//   CAN, RWR, REI, AUD), TransactionEffectiveDate, TransactionEntryDate (the accounting month),
//   WrittenPremium (negative for a return), AgencyCommissionPercent and AgencyCommissionAmount
//   (what AMS360 computed from the company's commission setup), CancelMethod on cancellations.
// Deletes
// - WSAPI deletes nothing but a few child entities [W2/H]: an inactivated customer, employee or
//   company stays listed with IsActive false and a new ChangedDate; a deleted policy stays listed
//   with PolicyStatus "Deleted", and its transactions vanish from the list.
// Limits and errors
// - Vertafore publishes no rate limit. Assumed: 120 requests per rolling minute per agency
//   database, answered with 429, `Retry-After` in seconds and {ErrorCode: "TooManyRequests"}.
// - Error bodies are {ErrorCode, ErrorMessage, ErrorId} (the WSAPI service fault's detail as JSON):
//   400 InvalidRequest (bad changedSince, pageNumber or pageSize, a malformed login), 401 as above,
//   403 NotAuthorized (the WSAPI user may not retrieve the entity), 404 NotFound (no such entity),
//   409 AgencyUnavailable (the agency database is being upgraded), 503 ServiceUnavailable.
import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { chaosMeter } from '../../kit/sandbox/meter.ts';
import { type A360Entity, API_ROOT, MAX_PAGE_SIZE } from '../client.ts';
import { type Ams360Agency, DEFAULT_REQUESTS_PER_MINUTE, entities } from './agency.ts';
import type { Ams360Sandbox } from './sandbox.ts';

type Env = { Variables: { agency: Ams360Agency } };
type Status = 400 | 401 | 403 | 404 | 409 | 429 | 503;

export function fail(c: Context, status: Status, code: string, message: string) {
  return c.json({ ErrorCode: code, ErrorMessage: message, ErrorId: randomUUID() }, status);
}

const meter = chaosMeter<Env, Ams360Agency>({
  account: (c) => c.get('agency'),
  window: (agency) => agency.window,
  limit: () => DEFAULT_REQUESTS_PER_MINUTE,
  outage: (c) => fail(c, 503, 'ServiceUnavailable', 'The AMS360 service is temporarily unavailable.'),
  rateLimited: (c, _agency, seconds) => {
    c.header('Retry-After', String(seconds));
    return fail(c, 429, 'TooManyRequests', `Request limit exceeded. Retry after ${seconds} seconds.`);
  },
});

export function ams360Api(sandbox: Ams360Sandbox): Hono<Env> {
  const app = new Hono<Env>();

  app.post(`${API_ROOT}/login`, async (c) => {
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    const { AgencyNo, LoginId, Password } = body ?? {};
    if (typeof AgencyNo !== 'string' || typeof LoginId !== 'string' || typeof Password !== 'string')
      return fail(c, 400, 'InvalidRequest', 'AgencyNo, LoginId and Password are required');
    const outcome = sandbox.login(AgencyNo, LoginId, Password);
    if (!outcome.ok) return fail(c, 401, outcome.code, outcome.message);
    return c.json({
      Token: outcome.ticket.token,
      TokenExpiration: new Date(outcome.ticket.expiresAt).toISOString(),
    });
  });

  app.use(`${API_ROOT}/*`, async (c, next) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const found = token ? sandbox.ticket(token) : undefined;
    if (!found)
      return fail(c, 401, 'InvalidTicket', 'The WSAPI ticket is missing or not valid; log in again');
    if (found.ticket.expiresAt <= Date.now())
      return fail(c, 401, 'TicketExpired', 'The WSAPI ticket has expired; log in again');
    const user = found.agency.users.get(found.ticket.loginId.toLowerCase());
    if (!user || user.disabled) return fail(c, 401, 'InvalidTicket', 'The WSAPI user is no longer valid');
    c.set('agency', found.agency);
    return meter(c, next);
  });

  app.get(`${API_ROOT}/:entity`, (c) => {
    const entity = c.req.param('entity').toLowerCase() as A360Entity;
    if (!entities.includes(entity))
      return fail(c, 404, 'NotFound', `There is no entity "${c.req.param('entity')}"`);
    const since = c.req.query('changedSince');
    const sinceMs = since === undefined ? null : Date.parse(since);
    if (sinceMs !== null && Number.isNaN(sinceMs))
      return fail(c, 400, 'InvalidRequest', `changedSince is not a date-time: "${since}"`);
    const pageNumber = Number(c.req.query('pageNumber') ?? '1');
    const pageSize = Number(c.req.query('pageSize') ?? '100');
    if (!Number.isInteger(pageNumber) || pageNumber < 1)
      return fail(c, 400, 'InvalidRequest', 'pageNumber must be a whole number from 1');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      return fail(c, 400, 'InvalidRequest', `pageSize must be between 1 and ${MAX_PAGE_SIZE}`);
    const rows = c.get('agency').list(entity, sinceMs);
    const start = (pageNumber - 1) * pageSize;
    return c.json({
      Items: structuredClone(rows.slice(start, start + pageSize)),
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: rows.length,
      HasMoreRecords: start + pageSize < rows.length,
    });
  });

  return app;
}
