// Every connector, end to end through the sync workflow: a full sync against its sandbox brings
// in every stream, a second full sync creates nothing, and a change made in the vendor arrives
// with an incremental sync.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registry } from '../../connectors/registry.ts';
import type { ProviderId } from '../../connectors/types.ts';
import {
  createHarness,
  type Harness,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  vendorConnection,
} from '../support/harness.ts';

interface VendorCase {
  provider: ProviderId;
  /** The sandbox object type a vendor user changes, which record, and how. */
  policies: string;
  pick: (records: Record<string, unknown>[]) => Record<string, unknown>;
  change: Record<string, unknown>;
  /** How the change shows in the canonical model (default: a policy premium of $4,321.00). */
  shows?: { table: string; where: string };
  idOf?: (record: Record<string, unknown>) => string;
}

const live = (r: Record<string, unknown>) => !r.archived && !r.deleted && !r.clientDeleted;

const allCases: VendorCase[] = [
  {
    provider: 'hubspot',
    policies: 'deals',
    pick: (rs) => rs.find(live)!,
    change: { properties: { amount: '4321.00' } },
  },
  {
    provider: 'salesforce',
    policies: 'InsurancePolicy',
    pick: (rs) => rs.find((r) => live(r) && !r.IsDeleted)!,
    change: { PremiumAmount: 4321 },
    idOf: (r) => String(r.Id),
  },
  {
    provider: 'applied-epic',
    policies: 'policies',
    pick: (rs) => rs.find((r) => live(r) && !r.removedAt && r.policyNumber)!,
    change: { premium: { estimated: { currencySymbol: '$', units: '4321', partialUnits: 0 } } },
  },
  {
    provider: 'hawksoft',
    policies: 'policies',
    pick: (rs) => rs.find((r) => live(r) && r.policyNumber)!,
    change: { premium: 4321 },
  },
  {
    provider: 'ezlynx',
    policies: 'policies',
    pick: (rs) => rs.find(live)!,
    change: { termPremium: '4321.00' },
  },
  {
    provider: 'quickbooks',
    policies: 'customers',
    pick: (rs) => rs.find((r) => live(r) && r.Active !== false)!,
    change: { DisplayName: 'Renamed In QuickBooks' },
    shows: { table: 'clients', where: `display_name = 'Renamed In QuickBooks'` },
    idOf: (r) => String(r.Id),
  },
];
const cases = allCases.filter((c) => registry[c.provider]);

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

describe.each(cases)(
  '$provider through the sync workflow',
  ({ provider, policies, pick, change, shows, idOf }) => {
    test('full, full again, then incremental after a change in the vendor', async () => {
      const { tenantId } = await h.newTenant(`${provider} agency`);
      const account = await sandboxAccount(h.sandboxUrl, provider, {
        seed: `e2e-${provider}`,
        clients: 60,
        clean: true,
        asOf: '2026-11-01',
      });
      const connectionId = await vendorConnection(h, tenantId, provider, account);
      const target = { connectionId, tenantId, provider };

      await startSync(h, target, 'full');
      const first = await syncResult(h, connectionId);
      expect(first.status).toBe('completed');
      expect(first.counts.created).toBeGreaterThan(0);
      expect(first.counts.quarantined).toBe(0);
      const { rows: streams } = await h.pool.query(
        'select distinct stream from source_records where connection_id = $1',
        [connectionId],
      );
      const declared = registry[provider]!.connector.definition.streams.map((s) => s.name);
      for (const s of streams) expect(declared).toContain(s.stream);
      const table = shows?.table ?? 'policies';
      const { rows: entityCount } = await h.pool.query(
        `select count(*)::int as n from ${table} where tenant_id = $1`,
        [tenantId],
      );
      expect(entityCount[0].n).toBeGreaterThan(0);

      await startSync(h, target, 'full');
      const second = await syncResult(h, connectionId);
      expect(second.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });

      const records = (
        await sandboxAdmin<{ results: Record<string, unknown>[] }>(`${account.adminUrl}/objects/${policies}`)
      ).results;
      const policy = pick(records);
      await sandboxAdmin(
        `${account.adminUrl}/objects/${policies}/${idOf ? idOf(policy) : policy.id}`,
        'PATCH',
        change,
      );
      await startSync(h, target, 'incremental');
      const third = await syncResult(h, connectionId);
      expect(third.status).toBe('completed');
      expect(third.counts.updated).toBeGreaterThanOrEqual(1);
      const { rows: changed } = await h.pool.query(
        `select count(*)::int as n from ${table} where tenant_id = $1 and ${shows?.where ?? 'term_premium_cents = 432100'}`,
        [tenantId],
      );
      expect(changed[0].n).toBeGreaterThanOrEqual(1);
    });
  },
);
