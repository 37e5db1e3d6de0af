// A typed fetch client for the HawkSoft 6 Partner API (V3.0). HawkSoft publishes no SDK: every
// request carries HTTP Basic partner credentials (client id as username, client secret as
// password) and `?version=3.0`, without which HawkSoft answers as the older V1 API. JSON is
// camelCase, the way HawkSoft's .NET serialiser writes its model (`clientNumber`, `loBs`, `naic`).
// Every request goes through the connection's throttle; a 429 pauses the whole connection for
// the vendor's Retry-After before the error is raised.
import { VendorCaller, VendorHttp } from '../kit/request.ts';
import type { Throttle } from '../kit/throttle.ts';
import { type ConnectionContext, ConnectorError } from '../types.ts';
import { classifyHawkSoftError, HawkSoftApiError, hawksoftErrors } from './errors.ts';

export const API_VERSION = '3.0';
/** HawkSoft's documented ceiling on client numbers per batch read. */
export const MAX_BATCH = 200;

export interface HsMailingAddress {
  address1: string | null;
  address2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
}

export interface HsClientDetails {
  id: string;
  /** Reflects the latest change to any part of the client (policies and people included). */
  modified: string;
  officeId: number;
  clientType: string;
  status: string;
  isPersonal: boolean;
  isCommercial: boolean;
  companyName: string | null;
  agencyNum: string | null;
  clientSince: string | null;
  /** Producer and CSR codes (initials-style codes, not user ids). */
  producer: string | null;
  csr: string | null;
  mailingAddress: HsMailingAddress | null;
  allowCrossSell: boolean;
}

export interface HsPerson {
  id: string;
  modified: string;
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
  relationship: string | null;
  dateOfBirth: string | null;
  gender: string | null;
}

export interface HsContact {
  id: string;
  modified: string;
  personId: string | null;
  /** "Email", "Cell Phone", "Home Phone", "Work Phone", … */
  type: string;
  description: string | null;
  data: string;
  priority: number;
  isBillingContact: boolean;
  allowMassEmail: boolean;
}

export interface HsLob {
  code: string;
  name: string | null;
}

/** One policy term on the client file; a renewal is a new policy entry and the old one turns "Replaced". */
export interface HsPolicy {
  id: string;
  legacyId: number | null;
  modified: string;
  policyIndex: number;
  policyNumber: string | null;
  title: string | null;
  type: string | null;
  applicationType: string | null;
  loBs: HsLob[];
  carrier: string | null;
  writingCarrier: string | null;
  naic: string | null;
  /** Dates as HawkSoft writes them: local midnight without an offset, e.g. "2025-03-01T00:00:00". */
  effectiveDate: string | null;
  expirationDate: string | null;
  inceptionDate: string | null;
  soldDate: string | null;
  status: string;
  statusDate: string | null;
  subStatus: string | null;
  numberOfTerms: number;
  term: string | null;
  /** Dollars as a JSON number; full-term written premium unless premiumMode is "Annualize". */
  premium: number | null;
  premiumMode: string | null;
  quotedPremium: number | null;
  nonCommissionable: number | null;
  billingType: string | null;
  billingPlan: string | null;
  paymentPlan: string | null;
  policyState: string | null;
  agent1: string | null;
  agent2: string | null;
  agent3: string | null;
  agentCode: string | null;
  officeId: number;
  program: string | null;
  raterCode: number;
  accountNumber: string | null;
  source: string | null;
  note: string | null;
}

export interface HsClaim {
  id: string;
  modified: string;
  claimNumber: string | null;
  claimStatus: string;
  lossDate: string | null;
  policyNumber: string | null;
}

/** A client with the sections that were asked for with `include` (the others are absent). */
export interface HsClient {
  clientNumber: number;
  details?: HsClientDetails;
  people?: HsPerson[];
  contacts?: HsContact[];
  policies?: HsPolicy[];
  claims?: HsClaim[];
  invoices?: unknown[];
}

export const clientSections = ['details', 'people', 'contacts', 'claims', 'policies', 'invoices'] as const;
export type HsInclude = (typeof clientSections)[number];

export interface HsOffice {
  OfficeId: number;
  OfficeDescription: string;
  SubAgencyName: string;
  PrimaryOffice: boolean;
  AddressLine1: string;
  AddressLine2: string;
  City: string;
  State: string;
  Zipcode: string;
}

export interface HawkSoftClientOptions {
  baseUrl: string;
  username: string;
  password: string;
  throttle?: Throttle;
  timeoutMs?: number;
}

export class HawkSoftClient {
  private readonly http: VendorHttp;

  constructor(opts: HawkSoftClientOptions) {
    const authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    this.http = new VendorHttp({
      baseUrl: opts.baseUrl,
      // Partner credentials never refresh; callers classify HawkSoft's own errors.
      caller: new VendorCaller({
        spec: hawksoftErrors,
        throttle: opts.throttle ?? null,
        classify: classifyHawkSoftError,
        timeoutMs: opts.timeoutMs ?? 60_000,
        throwRaw: true,
      }),
      authorization: () => authorization,
      query: { version: API_VERSION },
      readError: (res) => HawkSoftApiError.fromResponse(res),
    });
  }

  /** Ids of the agencies that opted in to share data with this partner. */
  agencies(): Promise<number[]> {
    return this.request('GET', '/vendor/agencies');
  }

  offices(agencyId: number): Promise<HsOffice[]> {
    return this.request('GET', `/vendor/agency/${agencyId}/offices`);
  }

  /** Numbers of the clients changed since `asOf` (with `deleted`, deleted clients are listed too). */
  changedClients(
    agencyId: number,
    opts: { asOf?: string; deleted?: boolean; officeId?: number } = {},
  ): Promise<number[]> {
    return this.request('GET', `/vendor/agency/${agencyId}/clients`, {
      asOf: opts.asOf,
      deleted: opts.deleted === undefined ? undefined : String(opts.deleted),
      officeId: opts.officeId === undefined ? undefined : String(opts.officeId),
    });
  }

  client(agencyId: number, clientNumber: number, include?: readonly HsInclude[]): Promise<HsClient> {
    return this.request('GET', `/vendor/agency/${agencyId}/client/${clientNumber}`, {
      include: include?.join(','),
    });
  }

  /** Several clients in one call; numbers HawkSoft does not know (or has deleted) are left out. */
  clients(agencyId: number, clientNumbers: number[], include?: readonly HsInclude[]): Promise<HsClient[]> {
    if (clientNumbers.length > MAX_BATCH)
      throw new RangeError(
        `HawkSoft reads at most ${MAX_BATCH} clients per call, not ${clientNumbers.length}`,
      );
    return this.request(
      'POST',
      `/vendor/agency/${agencyId}/clients`,
      { include: include?.join(',') },
      { clientNumbers },
    );
  }

  searchByPolicyNumber(
    agencyId: number,
    policyNumber: string,
    include?: readonly HsInclude[],
  ): Promise<HsClient[]> {
    return this.request('GET', `/vendor/agency/${agencyId}/clients/search`, {
      policyNumber,
      include: include?.join(','),
    });
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string | undefined> = {},
    body?: unknown,
  ): Promise<T> {
    return (await this.http.request<T>({ method, path, query, body })).body;
  }
}

/** The client for a connection: partner credentials from the connection, pacing from its throttle. */
export function hawksoftClient(ctx: ConnectionContext, throttle: Throttle): HawkSoftClient {
  const { username, password } = ctx.credentials;
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password)
    throw new ConnectorError(
      'auth_invalid',
      'HawkSoft connection needs partner credentials (username = client id, password = client secret)',
    );
  return new HawkSoftClient({ baseUrl: ctx.baseUrl, username, password, throttle });
}
