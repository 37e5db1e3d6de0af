import { z } from '@hono/zod-openapi';
import type { ConnectorDefinition } from '../types.ts';

// Every stream walks the same vendor data (HawkSoft has one read surface: changed clients, then
// the clients themselves with their policies embedded) and projects a different part of it.
export const hawksoftDefinition: ConnectorDefinition = {
  provider: 'hawksoft',
  displayName: 'HawkSoft',
  category: 'ams',
  // Partner client id and secret as HTTP Basic credentials; they do not expire.
  auth: [{ kind: 'basic' }],
  // The partner's credentials and the agency to read; nothing to mint, so nothing is asked first.
  connect: {
    kind: 'keys',
    fields: {
      client_id: z.string().min(1).max(200).openapi({ description: 'The partner client id' }),
      client_secret: z.string().min(1).max(500),
      agency_id: z.string().min(1).max(100),
    },
    credentials: (body) => ({
      credentials: { username: body.client_id!, password: body.client_secret!, agencyId: body.agency_id! },
      accountId: body.agency_id!,
    }),
    verify: null,
  },
  // HawkSoft publishes no rate limit. The sandbox assumes 300 requests a minute per agency; we
  // keep a fifth in reserve for the agency's other integrations.
  rateBudget: { requests: 240, windowMs: 60_000, concurrency: 2 },
  streams: [
    // Producer and CSR codes as they appear on clients and policies (the API has no user list).
    { name: 'producers', entity: 'producer', cursor: 'modified_since', deletes: 'full_sweep_only' },
    // Deleted clients are listed by the changed-clients call only when asked with deleted=true.
    { name: 'clients', entity: 'client', cursor: 'modified_since', deletes: 'deleted_feed' },
    // Policy terms flattened from their clients; a deleted policy shows as status "Void".
    { name: 'policies', entity: 'policy', cursor: 'modified_since', deletes: 'status_field' },
    // Derived from each term (no transaction history in the API): the term's opening and its cancellation.
    {
      name: 'policy_transactions',
      entity: 'policy_transaction',
      cursor: 'modified_since',
      deletes: 'status_field',
    },
  ],
};
