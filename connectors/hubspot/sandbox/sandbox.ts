// The HubSpot sandbox: a set of portals (HubSpot accounts), each reached with its own tokens.
import { createHash } from 'node:crypto';
import type { DemoAgency } from '../../kit/demo-agency.ts';
import { HubSpotPortal } from './portal.ts';
import { type HubSpotSeedOptions, seedPortal } from './seed.ts';

export interface CreatedPortal {
  portal: HubSpotPortal;
  accessToken: string;
  agency: DemoAgency | null;
}

/** A private-app token that stays the same for the same seed, so `.data/sandboxes.json` is stable. */
export function staticPrivateAppToken(seed: string): string {
  const h = createHash('sha256').update(`hubspot:${seed}`).digest('hex');
  return `pat-na1-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export class HubSpotSandbox {
  readonly portals = new Map<number, HubSpotPortal>();
  private readonly tokenIndex = new Map<string, HubSpotPortal>();
  private nextPortalId = 24_000_001;

  createPortal(opts: HubSpotSeedOptions & { empty?: boolean; accessToken?: string } = {}): CreatedPortal {
    const portal = new HubSpotPortal(this.nextPortalId++);
    this.portals.set(portal.portalId, portal);
    const agency = opts.empty ? null : seedPortal(portal, opts);
    const accessToken = opts.accessToken ?? portal.issueToken('pat-na1', null);
    portal.tokens.set(accessToken, null);
    this.tokenIndex.set(accessToken, portal);
    return { portal, accessToken, agency };
  }

  issueToken(portal: HubSpotPortal, ttlSeconds: number | null): string {
    const token = portal.issueToken(ttlSeconds === null ? 'pat-na1' : 'CO-na1', ttlSeconds);
    this.tokenIndex.set(token, portal);
    return token;
  }

  revokeToken(portal: HubSpotPortal, token: string): void {
    portal.tokens.delete(token);
    if (this.tokenIndex.get(token) === portal) this.tokenIndex.delete(token);
  }

  portalForToken(token: string): HubSpotPortal | undefined {
    return this.tokenIndex.get(token);
  }
}
