// A typed fetch client for AMS360's API as the sandbox models it (sandbox/api.ts): JSON over
// HTTPS with the WSAPI v3 entity and field names (PascalCase: CustomerId, CustomerNumber,
// FirmName, PolicyId, WritingCompanyCode, AccountExecCode, …). Vertafore publishes no SDK and its
// reference is behind the partner portal. A session starts with a login (agency number, WSAPI
// login id and password, optional employee code) that returns a ticket; every call carries the
// ticket as a bearer token. An expired ticket is renewed by logging in again, once, through the
// kit's TokenRefresh (nothing is asked of the hub: the credentials themselves do not change).
import { createHash } from 'node:crypto';
import { TokenRefresh, VendorCaller, VendorHttp } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import { type ConnectionContext, ConnectorError, type Credentials } from '../types.ts';
import { Ams360ApiError, ams360Errors, classifyAms360Error } from './errors.ts';

export const API_ROOT = '/v3';
/** The largest page the sandbox assumes AMS360 serves. */
export const MAX_PAGE_SIZE = 500;

export interface A360Employee {
  EmployeeId: string;
  EmployeeCode: string;
  FirstName: string | null;
  LastName: string | null;
  Email: string | null;
  /** "Producer", "Rep" (a CSR, AMS360's account representative) or "Both". */
  EmployeeType: string;
  IsProducer: boolean;
  IsRep: boolean;
  IsActive: boolean;
  ChangedDate: string;
}

export interface A360Company {
  CompanyId: string;
  CompanyCode: string;
  CompanyName: string;
  /** "Writing" (a writing company), "Parent" (its group) or "Broker" (an MGA or wholesaler). */
  CompanyType: string;
  ParentCompanyCode: string | null;
  NAICCode: string | null;
  IsActive: boolean;
  ChangedDate: string;
}

export interface A360Customer {
  CustomerId: string;
  CustomerNumber: number;
  /** "Customer", "Prospect" or "Suspect". */
  CustomerType: string;
  IsPersonal: boolean;
  IsCommercial: boolean;
  FirmName: string | null;
  FirstName: string | null;
  MiddleName: string | null;
  LastName: string | null;
  AddressLine1: string | null;
  AddressLine2: string | null;
  City: string | null;
  State: string | null;
  ZipCode: string | null;
  Email: string | null;
  HomeAreaCode: string | null;
  HomePhone: string | null;
  BusinessAreaCode: string | null;
  BusinessPhone: string | null;
  AccountExecCode: string | null;
  AccountRepCode: string | null;
  DateCustomerAdded: string | null;
  IsActive: boolean;
  ChangedDate: string;
}

export interface A360Policy {
  PolicyId: string;
  CustomerId: string;
  PolicyNumber: string | null;
  /** AMS360 line-of-business code (AUTOP, HOME, CGL, WCOMP, …). */
  LineOfBusinessCode: string | null;
  /** 1 personal, 2 commercial, 3 benefits, 4 life and health. */
  TypeOfBusiness: number;
  WritingCompanyCode: string | null;
  CompanyCode: string | null;
  AccountExecCode: string | null;
  AccountRepCode: string | null;
  State: string | null;
  /** MM/DD/YYYY, as WSAPI writes dates. */
  PolicyEffectiveDate: string;
  PolicyExpirationDate: string;
  OriginalInceptionDate: string | null;
  PriorPolicyNumber: string | null;
  /** "A" agency bill, "D" direct bill. */
  BillMethod: string;
  FullTermPremium: number | null;
  /** The agency commission percent set on the policy (from the company's commission setup). */
  AgencyCommissionPercent: number | null;
  /** Active, Cancelled, Renewed, Expired, NonRenewed, Rewritten, Quote, Deleted. */
  PolicyStatus: string;
  ChangedDate: string;
}

export interface A360PolicyTransaction {
  PolicyTransactionId: string;
  PolicyId: string;
  /** NEW, REN, END, CAN, RWR (rewrite), REI (reinstatement), AUD (audit). */
  TransactionType: string;
  TransactionEffectiveDate: string;
  TransactionEntryDate: string;
  Description: string | null;
  /** The premium this transaction wrote (negative for a return premium). */
  WrittenPremium: number;
  AgencyCommissionPercent: number | null;
  AgencyCommissionAmount: number | null;
  /** On a cancellation: "Flat", "Pro Rata" or "Short Rate". */
  CancelMethod: string | null;
  BillMethod: string;
  ChangedDate: string;
}

export interface A360Entities {
  employees: A360Employee;
  companies: A360Company;
  customers: A360Customer;
  policies: A360Policy;
  policytransactions: A360PolicyTransaction;
}
export type A360Entity = keyof A360Entities;

export interface A360Page<T> {
  Items: T[];
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  HasMoreRecords: boolean;
}

export interface A360LoginResult {
  Token: string;
  TokenExpiration: string;
}

export interface Ams360Login {
  agencyNo: string;
  loginId: string;
  password: string;
  employeeCode?: string | null;
}

/** Tickets kept per connection and login, so each new session does not log in again. */
const tickets = new Map<string, string>();

export class Ams360Client {
  private readonly http: VendorHttp;
  private readonly loginHttp: VendorHttp;
  private readonly login: Ams360Login;
  readonly logins = { count: 0 };

  constructor(opts: {
    baseUrl: string;
    login: Ams360Login;
    throttle?: Throttle | null;
    /** Where a ticket is kept between sessions (absent: only this client's). */
    ticketKey?: string;
    timeoutMs?: number;
  }) {
    this.login = opts.login;
    const key = opts.ticketKey ?? null;
    const known = key ? tickets.get(key) : undefined;
    const refresh = new TokenRefresh({
      vendor: 'AMS360',
      credentials: known ? { accessToken: known } : {},
      refresh: async (): Promise<Credentials> => {
        const ticket = (await this.logIn()).Token;
        if (key) tickets.set(key, ticket);
        return { accessToken: ticket };
      },
    });
    const readError = (res: Response, url: URL) => Ams360ApiError.fromResponse(res, url);
    this.http = new VendorHttp({
      baseUrl: opts.baseUrl,
      caller: new VendorCaller({
        spec: ams360Errors,
        throttle: opts.throttle ?? null,
        classify: classifyAms360Error,
        refresh,
        timeoutMs: opts.timeoutMs ?? 60_000,
      }),
      authorization: (token) => `Bearer ${token ?? ''}`,
      readError,
    });
    // The login itself is paced but never refreshed: a refused login is the credentials' fault.
    this.loginHttp = new VendorHttp({
      baseUrl: opts.baseUrl,
      caller: new VendorCaller({
        spec: ams360Errors,
        throttle: opts.throttle ?? null,
        classify: classifyAms360Error,
        timeoutMs: opts.timeoutMs ?? 60_000,
      }),
      authorization: () => 'None',
      readError,
    });
  }

  /** WSAPI's Login: the agency number, login id, password and optional employee code → a ticket. */
  async logIn(): Promise<A360LoginResult> {
    this.logins.count++;
    const { body } = await this.loginHttp.request<A360LoginResult>({
      method: 'POST',
      path: `${API_ROOT}/login`,
      body: {
        AgencyNo: this.login.agencyNo,
        LoginId: this.login.loginId,
        Password: this.login.password,
        EmployeeCode: this.login.employeeCode ?? null,
      },
    });
    return body;
  }

  /** One page of an entity, ordered by its id; `changedSince` keeps those changed at or after it. */
  list<E extends A360Entity>(
    entity: E,
    opts: { changedSince?: string | null; pageNumber: number; pageSize: number },
  ): Promise<A360Page<A360Entities[E]>> {
    return this.http.get(`${API_ROOT}/${entity}`, {
      changedSince: opts.changedSince ?? undefined,
      pageNumber: opts.pageNumber,
      pageSize: Math.min(opts.pageSize, MAX_PAGE_SIZE),
    });
  }
}

/** The agency's WSAPI login as its connection stores it. */
export function ams360Login(credentials: Credentials): Ams360Login {
  const { agencyNo, loginId, password, employeeCode } = credentials;
  if (typeof agencyNo !== 'string' || !agencyNo || typeof loginId !== 'string' || !loginId)
    throw new ConnectorError('auth_invalid', 'AMS360 connection needs an agency number and a WSAPI login id');
  if (typeof password !== 'string' || !password)
    throw new ConnectorError('auth_invalid', 'AMS360 connection needs the WSAPI password');
  return {
    agencyNo,
    loginId,
    password,
    employeeCode: typeof employeeCode === 'string' && employeeCode ? employeeCode : null,
  };
}

/** The client for a connection: the agency's WSAPI login from its credentials, paced by its throttle. */
export function ams360Client(ctx: ConnectionContext, throttle: Throttle): Ams360Client {
  const { agencyNo, loginId, password } = ams360Login(ctx.credentials);
  return new Ams360Client({
    baseUrl: ctx.baseUrl,
    login: ams360Login(ctx.credentials),
    throttle,
    // Keyed by a hash of the login, so a changed password never reuses an old ticket.
    ticketKey: createHash('sha256')
      .update(`${ctx.connectionId}|${agencyNo}|${loginId}|${password}`)
      .digest('hex'),
  });
}
