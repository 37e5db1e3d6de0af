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
