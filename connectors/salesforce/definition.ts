import { type ConnectorDefinition, ConnectorError } from '../types.ts';

export const salesforceDefinition: ConnectorDefinition = {
  provider: 'salesforce',
  displayName: 'Salesforce',
  category: 'crm',
  auth: [
    {
      kind: 'oauth2_authorization_code',
      authorizePath: '/services/oauth2/authorize',
      tokenPath: '/services/oauth2/token',
      revokePath: '/services/oauth2/revoke',
      scopes: ['api', 'refresh_token', 'offline_access'],
      pkce: true,
      // Every API call goes to instance_url; the id URL names the org and the user.
      keepFromToken: ['instance_url', 'id'],
      // Salesforce keeps refresh tokens unless the connected app's policy rotates them; the hub
      // stores any refresh_token a refresh returns either way.
      rotatesRefreshToken: false,
      clientAuth: 'post',
    },
  ],
  // The org is named by the identity URL kept from the token response: /id/<orgId>/<userId>.
  connect: {
    kind: 'oauth',
    async identifyAccount({ credentials }) {
      const orgId = /\/id\/([^/]+)\/[^/]+$/.exec(String(credentials.id ?? ''))?.[1];
      if (!orgId) throw new ConnectorError('bad_request', 'Salesforce returned no identity URL.');
      return orgId;
    },
  },
  // The org's allowance is a rolling 24 h total shared with every other integration (Enterprise
  // Edition starts at 100,000); the hub takes a quarter unless the connection says otherwise.
  // Salesforce has no per-second limit, but long-running requests are capped per org.
  rateBudget: { requests: 25_000, windowMs: 86_400_000, concurrency: 5 },
  streams: [
    // Users are deactivated, never deleted: IsActive is the signal.
    { name: 'users', entity: 'producer', cursor: 'modified_since', deletes: 'status_field' },
    { name: 'accounts', entity: 'client', cursor: 'modified_since', deletes: 'deleted_feed' },
    // The people at a business client: contacts, not insureds (mappings/salesforce.ts).
    { name: 'contacts', entity: null, cursor: 'modified_since', deletes: 'deleted_feed' },
    // Policy terms kept on opportunities: read only when the org has no InsurancePolicy object.
    { name: 'opportunities', entity: 'policy', cursor: 'modified_since', deletes: 'deleted_feed' },
    { name: 'insurance_policies', entity: 'policy', cursor: 'modified_since', deletes: 'deleted_feed' },
  ],
};
