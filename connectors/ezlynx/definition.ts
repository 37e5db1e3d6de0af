// EZLynx publishes only an overview of its API, so everything declared here follows our sandbox's
// design (connectors/ezlynx/sandbox/api.ts), which must be checked against the partner
// documentation before a real agency is connected.
import { z } from '@hono/zod-openapi';
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
  // Connected with the client id and API key; a first token proves them.
  connect: {
    kind: 'keys',
    fields: {
      client_id: z.string().min(1).max(200),
      api_key: z.string().min(1).max(500),
      account_id: z.string().max(100).optional().openapi({ description: 'The EZLynx agency id' }),
    },
    credentials: (body) => ({
      credentials: { clientId: body.client_id!, clientSecret: body.api_key!, apiKey: body.api_key! },
      accountId: body.account_id ?? body.client_id!,
    }),
    verify: 'first_token',
  },
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
