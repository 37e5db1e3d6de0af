// The AMS360 sandbox: agency databases by agency number, each with its WSAPI users. A login names
// the agency number, the user and its password; the ticket it returns reaches that agency.
import { createHash, randomBytes } from 'node:crypto';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { Ams360Agency, type Ticket } from './agency.ts';
import { type Ams360SeedOptions, seedAgency } from './seed.ts';

export interface WsapiCredentials {
  agencyNo: string;
  loginId: string;
  password: string;
}

/** The demo agency's WSAPI login, the same for the same seed so `.data/sandboxes.json` is stable. */
export function staticWsapiCredentials(seed: string): Omit<WsapiCredentials, 'agencyNo'> {
  const h = createHash('sha256').update(`ams360:${seed}`).digest('hex');
  return { loginId: `wsapi-${h.slice(0, 10)}`, password: `Pw1-${h.slice(10, 30)}` };
}

/** The demo agency's number, the same for the same seed (AMS360 agency numbers are digits). */
export function staticAgencyNo(seed: string): string {
  const h = createHash('sha256').update(`ams360-agency:${seed}`).digest('hex');
  return String(100_000 + (Number.parseInt(h.slice(0, 8), 16) % 800_000));
}

export type LoginOutcome =
  | { ok: true; agency: Ams360Agency; ticket: Ticket }
  | { ok: false; code: 'InvalidCredentials' | 'UserDisabled'; message: string };

export class Ams360Sandbox {
  readonly agencies = new AccountRegistry<Ams360Agency>();
  private nextAgencyNo = 360_001;

  createAccount(
    opts: Ams360SeedOptions & {
      empty?: boolean;
      agencyNo?: string;
      loginId?: string;
      password?: string;
    } = {},
  ): { agency: Ams360Agency; credentials: WsapiCredentials } {
    let agencyNo = opts.agencyNo ?? String(this.nextAgencyNo++);
    while (!opts.agencyNo && this.agencies.get(agencyNo)) agencyNo = String(this.nextAgencyNo++);
    const agency = new Ams360Agency(agencyNo, 'Demo Insurance Agency');
    this.agencies.set(agencyNo, agency);
    if (!opts.empty) seedAgency(agency, opts);
    const user = {
      loginId: opts.loginId ?? `wsapi-${randomBytes(4).toString('hex')}`,
      password: opts.password ?? `Pw1-${randomBytes(10).toString('hex')}`,
      employeeCode: null,
      disabled: false,
    };
    agency.users.set(user.loginId.toLowerCase(), user);
    return { agency, credentials: { agencyNo, loginId: user.loginId, password: user.password } };
  }

  /** WSAPI's Login: login ids are case-insensitive, passwords case-sensitive. */
  login(agencyNo: string, loginId: string, password: string): LoginOutcome {
    const agency = this.agencies.get(agencyNo.trim());
    const user = agency?.users.get(loginId.trim().toLowerCase());
    if (!agency || !user || user.password !== password)
      return {
        ok: false,
        code: 'InvalidCredentials',
        message: 'Login failed: the agency number, login id or password is not valid',
      };
    if (user.disabled)
      return { ok: false, code: 'UserDisabled', message: `The WSAPI user ${user.loginId} is disabled` };
    const ticket = agency.issueTicket(user.loginId);
    this.agencies.bindToken(ticket.token, agency);
    return { ok: true, agency, ticket };
  }

  /** The agency and ticket a bearer ticket names (expired tickets included: the caller checks). */
  ticket(token: string): { agency: Ams360Agency; ticket: Ticket } | undefined {
    const agency = this.agencies.forToken(token);
    const ticket = agency?.tickets.get(token);
    return agency && ticket ? { agency, ticket } : undefined;
  }
}
