import type { ConnectorDefinition } from '../types.ts';
import { hubspotPortalOf } from './credentials.ts';

export const hubspotDefinition: ConnectorDefinition = {
  provider: 'hubspot',
  displayName: 'HubSpot',
  category: 'crm',
  auth: [
    {
      kind: 'oauth2_authorization_code',
      authorizePath: '/oauth/authorize',
      tokenPath: '/oauth/v1/token',
      deleteRefreshTokenPath: '/oauth/v1/refresh-tokens',
      scopes: [
        'crm.objects.contacts.read',
        'crm.objects.companies.read',
        'crm.objects.deals.read',
        'crm.objects.deals.write',
        'crm.objects.owners.read',
      ],
      pkce: true,
      rotatesRefreshToken: false,
      clientAuth: 'post',
    },
    { kind: 'private_app_token' },
  ],
  // The access token's metadata names the portal.
  connect: { kind: 'oauth', identifyAccount: hubspotPortalOf },
  // Private apps on Professional/Enterprise: 190 requests per rolling 10 s per account.
  rateBudget: { requests: 180, windowMs: 10_000, concurrency: 4 },
  streams: [
    { name: 'owners', entity: 'producer', cursor: 'page_token', deletes: 'full_sweep_only' },
    { name: 'companies', entity: 'client', cursor: 'modified_since', deletes: 'archived_flag' },
    { name: 'contacts', entity: 'client', cursor: 'modified_since', deletes: 'archived_flag' },
    { name: 'deals', entity: 'policy', cursor: 'modified_since', deletes: 'archived_flag' },
  ],
};
