import { type ConnectorDefinition, ConnectorError } from '../types.ts';

// QuickBooks Online holds the agency's books: the carriers (vendors), the agency-billed clients
// (customers) and the money. Streams are in dependency order: accounts before anything posted
// to them, vendors and customers before the transactions that name them.
export const quickbooksDefinition: ConnectorDefinition = {
  provider: 'quickbooks',
  displayName: 'QuickBooks Online',
  shortName: 'QuickBooks',
  category: 'accounting',
  auth: [
    {
      kind: 'oauth2_authorization_code',
      // appcenter.intuit.com and oauth.platform.intuit.com in production.
      authorizePath: '/connect/oauth2',
      tokenPath: '/oauth2/v1/tokens/bearer',
      revokePath: '/oauth2/v1/tokens/revoke',
      scopes: ['com.intuit.quickbooks.accounting'],
      pkce: false,
      // The company id arrives beside the code on the redirect and names every API path.
      keepFromRedirect: ['realmId'],
      // Every refresh may hand back a new refresh token; the old one dies soon after.
      rotatesRefreshToken: true,
      clientAuth: 'basic',
    },
  ],
  // The company (realm) is named on the redirect beside the code.
  connect: {
    kind: 'oauth',
    async identifyAccount({ redirect }) {
      const realmId = redirect.get('realmId');
      if (!realmId) throw new ConnectorError('bad_request', 'QuickBooks sent no realmId with the code.');
      return realmId;
    },
  },
  // About 500 requests per minute and 10 in flight per company (realm).
  rateBudget: { requests: 500, windowMs: 60_000, concurrency: 10 },
  streams: [
    // The chart of accounts: what journal entries post to and deposits land in (reference only).
    { name: 'accounts', entity: null, cursor: 'cdc_window', deletes: 'archived_flag' },
    // Carriers (and ordinary suppliers, which the mapping skips). Made inactive, never deleted.
    { name: 'vendors', entity: 'carrier', cursor: 'cdc_window', deletes: 'archived_flag' },
    // Agency-billed clients.
    { name: 'customers', entity: 'client', cursor: 'cdc_window', deletes: 'archived_flag' },
    // Premiums billed to agency-billed clients (what commission on agency bill is earned on).
    { name: 'invoices', entity: null, cursor: 'cdc_window', deletes: 'cdc_status' },
    // Premiums collected: agency-bill commission is retained at collection.
    { name: 'payments', entity: null, cursor: 'cdc_window', deletes: 'cdc_status' },
    // Carrier commission payments (direct bill), one per statement: future statement lines.
    { name: 'deposits', entity: null, cursor: 'cdc_window', deletes: 'cdc_status' },
    // Commission journal entries, including those the hub posts, so it sees bookkeepers' edits.
    { name: 'journal_entries', entity: null, cursor: 'cdc_window', deletes: 'cdc_status' },
  ],
};
