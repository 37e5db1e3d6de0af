import { z } from '@hono/zod-openapi';
import type { ConnectorDefinition } from '../types.ts';
import { Ams360Client, ams360Login } from './client.ts';

// Vertafore AMS360, read over its partner-gated API as the sandbox models it (sandbox/api.ts):
// the WSAPI user the agency sets up (agency number, login id, password, and an employee code when
// the user's data security is by employee) logs in for a ticket; entities are listed by page with
// a changed-since filter.
export const ams360Definition: ConnectorDefinition = {
  provider: 'ams360',
  displayName: 'Vertafore AMS360',
  shortName: 'AMS360',
  category: 'ams',
  // The WSAPI login: static user credentials exchanged for a short-lived ticket, which the client
  // renews itself by logging in again (nothing for the hub to refresh).
  auth: [{ kind: 'basic' }],
  // What the agency enters from System Administration > Web Service API setup; a first login
  // proves it before the connection is stored.
  connect: {
    kind: 'keys',
    fields: {
      agency_no: z.string().min(1).max(20).openapi({ description: 'The AMS360 agency number' }),
      login_id: z.string().min(1).max(100).openapi({ description: 'The WSAPI user id the agency set up' }),
      password: z.string().min(6).max(30).openapi({ description: 'The WSAPI user password' }),
      employee_code: z
        .string()
        .max(20)
        .optional()
        .openapi({ description: "An employee code, when the WSAPI user's data security is by employee" }),
    },
    credentials: (body) => ({
      credentials: {
        agencyNo: body.agency_no!,
        loginId: body.login_id!,
        password: body.password!,
        employeeCode: body.employee_code ?? null,
      },
      accountId: body.agency_no!,
    }),
    verify: null,
    check: async (credentials, baseUrl) => {
      await new Ams360Client({ baseUrl, login: ams360Login(credentials), timeoutMs: 15_000 }).logIn();
    },
  },
  // Vertafore publishes no limit. The sandbox assumes 120 requests per rolling minute per agency;
  // we keep a sixth in reserve for the agency's other integrations.
  rateBudget: { requests: 100, windowMs: 60_000, concurrency: 2 },
  streams: [
    // Producers and CSRs (account executives and reps) as AMS360 employees; inactive ones stay.
    { name: 'employees', entity: 'producer', cursor: 'modified_since', deletes: 'status_field' },
    // Writing companies, their parents and brokers (MGAs, wholesalers).
    { name: 'companies', entity: 'carrier', cursor: 'modified_since', deletes: 'status_field' },
    // An inactivated customer is AMS360's delete (customers cannot be deleted through WSAPI).
    { name: 'customers', entity: 'client', cursor: 'modified_since', deletes: 'status_field' },
    // A deleted policy stays listed with status "Deleted" and a new ChangedDate.
    { name: 'policies', entity: 'policy', cursor: 'modified_since', deletes: 'status_field' },
    // Transactions of deleted policies vanish from the list: the full-sync sweep notices.
    {
      name: 'transactions',
      entity: 'policy_transaction',
      cursor: 'modified_since',
      deletes: 'full_sweep_only',
    },
  ],
};
