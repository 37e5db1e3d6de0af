import { z } from '@hono/zod-openapi';
import type { ConnectorDefinition } from '../types.ts';

export const appliedEpicDefinition: ConnectorDefinition = {
  provider: 'applied-epic',
  displayName: 'Applied Epic',
  category: 'ams',
  auth: [
    {
      kind: 'oauth2_client_credentials',
      // Under the token host: api.myappliedproducts.com, or api.appliedsystems.com as one source
      // says; the connection's `authBaseUrl` setting chooses, else its `baseUrl`.
      tokenPath: '/v1/auth/connect/token',
      scopes: [
        'epic/accounts:read',
        'epic/policies:read',
        'epic/lines:read',
        'epic/producer-broker-commissions:read',
        'epic/transactions:read',
      ],
      clientAuth: 'basic',
    },
  ],
  // Connected with the integration's client id and secret; a first token proves them.
  connect: {
    kind: 'keys',
    fields: {
      client_id: z.string().min(1).max(200),
      client_secret: z.string().min(1).max(500),
      account_id: z.string().max(100).optional().openapi({ description: 'The Epic database name' }),
    },
    credentials: (body) => ({
      credentials: { clientId: body.client_id!, clientSecret: body.client_secret! },
      accountId: body.account_id ?? body.client_id!,
    }),
    verify: 'first_token',
  },
  // Applied publishes no limit; the sandbox assumes 200 requests per rolling 10 s per database.
  rateBudget: { requests: 180, windowMs: 10_000, concurrency: 4 },
  // Accounts and policies signal removal by status (inactive accounts, cancelled or lapsed lines);
  // purged records and transactions only disappear, which the hub's full-sync sweep notices.
  streams: [
    { name: 'employees', entity: 'producer', cursor: 'modified_since', deletes: 'status_field' },
    { name: 'brokers', entity: 'producer', cursor: 'modified_since', deletes: 'status_field' },
    { name: 'companies', entity: 'carrier', cursor: 'modified_since', deletes: 'status_field' },
    { name: 'clients', entity: 'client', cursor: 'modified_since', deletes: 'status_field' },
    { name: 'policies', entity: 'policy', cursor: 'modified_since', deletes: 'status_field' },
    {
      name: 'transactions',
      entity: 'policy_transaction',
      cursor: 'modified_since',
      deletes: 'full_sweep_only',
    },
  ],
};
