import { type ConnectorDefinition, ConnectorError } from '../types.ts';
import { listConnections } from './connections.ts';

// Xero holds the agency's books beside (or instead of) QuickBooks: its chart of accounts, the
// carriers as suppliers, the agency-billed clients as customers, and manual journals, where the
// hub posts the month's commission journal. Streams are in dependency order.
export const xeroDefinition: ConnectorDefinition = {
  provider: 'xero',
  displayName: 'Xero',
  category: 'accounting',
  auth: [
    {
      kind: 'oauth2_authorization_code',
      // login.xero.com/identity/connect/authorize and identity.xero.com/connect/token in production.
      authorizePath: '/identity/connect/authorize',
      tokenPath: '/identity/connect/token',
      scopes: ['offline_access', 'accounting.transactions', 'accounting.settings', 'accounting.contacts'],
      pkce: false,
      // Refresh tokens are single use: every refresh hands back the one to keep.
      rotatesRefreshToken: true,
      clientAuth: 'basic',
    },
  ],
  // A grant names no organisation: the tenant connections the token reaches do (the first
  // ORGANISATION, most recently connected first, is the one the person just authorised).
  connect: {
    kind: 'oauth',
    async identifyAccount({ credentials, baseUrl }) {
      const connections = await listConnections(baseUrl, String(credentials.accessToken ?? ''));
      const org = connections.find((c) => c.tenantType === 'ORGANISATION');
      if (!org) throw new ConnectorError('bad_request', 'Xero connected no organisation to the app.');
      credentials.tenantId = org.tenantId;
      return org.tenantId;
    },
  },
  // Xero allows 60 calls a minute and 5,000 a day per organisation, 5 in flight; we keep a
  // twelfth of the minute for the organisation's other apps.
  rateBudget: { requests: 55, windowMs: 60_000, concurrency: 5 },
  streams: [
    // The chart of accounts: what journal lines post to (reference only). Archived, never deleted.
    { name: 'accounts', entity: null, cursor: 'modified_since', deletes: 'archived_flag' },
    // Contacts that are suppliers: the carriers (with their agency code) and ordinary suppliers.
    { name: 'suppliers', entity: 'carrier', cursor: 'modified_since', deletes: 'archived_flag' },
    // Contacts that are customers: the agency-billed clients.
    { name: 'customers', entity: 'client', cursor: 'modified_since', deletes: 'archived_flag' },
    // Manual journals, including the hub's commission journals; voided and deleted ones as such.
    { name: 'manual_journals', entity: null, cursor: 'modified_since', deletes: 'status_field' },
  ],
};
