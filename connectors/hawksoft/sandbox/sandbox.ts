// The HawkSoft sandbox: partners (integration vendors, each with a client id and secret) and the
// agencies that share their data with them. Every new account is an agency with a partner of its
// own, unless the caller names partner credentials to reuse, so one partner can read several
// agencies as in production.
import { createHash, randomBytes } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { AccountRegistry } from '../../kit/sandbox/accounts.ts';
import { HawkSoftAgency } from './agency.ts';
import { type HawkSoftSeedOptions, seedAgency } from './seed.ts';

export interface PartnerCredentials {
  username: string;
  password: string;
}

export interface Partner extends PartnerCredentials {
  agencyIds: Set<number>;
}

export interface CreatedAccount {
  agency: HawkSoftAgency;
  credentials: PartnerCredentials;
  demo: DemoAgency | null;
}

/** Partner credentials that stay the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticPartnerCredentials(seed: string): PartnerCredentials {
  const h = createHash('sha256').update(`hawksoft:${seed}`).digest('hex');
  return { username: `partner-${h.slice(0, 12)}`, password: h.slice(12, 44) };
}

export class HawkSoftSandbox {
  readonly agencies = new AccountRegistry<HawkSoftAgency>();
  readonly partners = new Map<string, Partner>();
  private nextAgencyId = 81_001;

  createAccount(
    opts: HawkSoftSeedOptions & { empty?: boolean; credentials?: PartnerCredentials } = {},
  ): CreatedAccount {
    const agency = new HawkSoftAgency(this.nextAgencyId++, 'Demo Insurance Agency');
    this.agencies.set(agency.agencyId, agency);
    const demo = opts.empty ? null : seedAgency(agency, opts);
    const credentials = opts.credentials ?? {
      username: `partner-${randomBytes(6).toString('hex')}`,
      password: randomBytes(16).toString('hex'),
    };
    let partner = this.partners.get(credentials.username);
    if (partner && partner.password !== credentials.password)
      throw new Error(`partner ${credentials.username} exists with another secret`);
    if (!partner) {
      partner = { ...credentials, agencyIds: new Set() };
      this.partners.set(partner.username, partner);
    }
    partner.agencyIds.add(agency.agencyId);
    return { agency, credentials: { username: partner.username, password: partner.password }, demo };
  }

  /** The partner an `Authorization: Basic …` header names, if its secret matches. */
  authenticate(header: string | undefined): Partner | undefined {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const partner = this.partners.get(decoded.slice(0, colon));
    return partner && partner.password === decoded.slice(colon + 1) ? partner : undefined;
  }

  /** The agencies a partner may read: subscribed and still sharing. */
  agenciesFor(partner: Partner): HawkSoftAgency[] {
    return [...partner.agencyIds]
      .map((id) => this.agencies.get(id))
      .filter((a): a is HawkSoftAgency => a?.sharing === true)
      .sort((a, b) => a.agencyId - b.agencyId);
  }
}
