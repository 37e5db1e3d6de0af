// EZLynx publishes only an overview of its API, so everything declared here follows our sandbox's
// design (connectors/ezlynx/sandbox/api.ts), which must be checked against the partner
// documentation before a real agency is connected.
import type { ConnectorDefinition } from '../types.ts';

export const ezlynxDefinition: ConnectorDefinition = {
  provider: 'ezlynx',
  displayName: 'EZLynx',
  category: 'ams',
  auth: [
    // The integration's API key is exchanged for a short-lived bearer token. Declared as a
    // client-credentials grant (client id + API key as the client secret) so the hub's refresher
    // mints tokens without EZLynx-specific code; `api_key` would mean a static header.
    {
      kind: 'oauth2_client_credentials',
      tokenPath: '/oauth2/token',
      scopes: ['ezlynx.api'],
      clientAuth: 'post',
    },
  ],
  // Assumed: 300 requests per rolling minute per integration group; keep a margin for the
  // agency's other integrations.
  rateBudget: { requests: 270, windowMs: 60_000, concurrency: 4 },
  streams: [
    { name: 'agents', entity: 'producer', cursor: 'modified_since', deletes: 'archived_flag' },
    // Carriers are deactivated, never deleted (the overview has no CarrierDeleted event).
    { name: 'carriers', entity: 'carrier', cursor: 'modified_since', deletes: 'full_sweep_only' },
    { name: 'applicants', entity: 'client', cursor: 'modified_since', deletes: 'archived_flag' },
    { name: 'policies', entity: 'policy', cursor: 'modified_since', deletes: 'archived_flag' },
    {
      name: 'policy_transactions',
      entity: 'policy_transaction',
      cursor: 'modified_since',
      deletes: 'archived_flag',
    },
    // Kept as source records for statement reconciliation; no canonical entity yet.
    { name: 'commission_statements', entity: null, cursor: 'modified_since', deletes: 'full_sweep_only' },
  ],
};

/** The API resource each stream reads. */
export const ezlynxResources: Record<string, string> = {
  agents: 'agents',
  carriers: 'carriers',
  applicants: 'applicants',
  policies: 'policies',
  policy_transactions: 'policy-transactions',
  commission_statements: 'commission-statements',
};
