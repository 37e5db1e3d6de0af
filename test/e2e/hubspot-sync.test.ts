// The walking skeleton end to end: the API starts a sync, a real worker runs it on the real
// Temporal dev server, the real @hubspot/api-client reads the HubSpot sandbox, and the result
// in the database matches what the sandbox holds.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  sandboxAdmin,
  waitFor,
} from '../support/harness.ts';

interface SandboxDeal {
  id: string;
  archived: boolean;
  properties: Record<string, string | null>;
  associations: Record<string, string[]>;
}

let h: Harness;
let apiKey: string;
let tenantId: string;
let connectionId: string;
let account: Awaited<ReturnType<typeof sandboxAccount>>;

async function runSync(mode: 'full' | 'incremental') {
  const res = await h.request('POST', `/v1/connections/${connectionId}/syncs`, { apiKey, body: { mode } });
  expect(res.status).toBe(202);
  const accepted = (await res.json()) as { workflow_id: string; run_id: string };
  expect(accepted.workflow_id).toBe(`sync/${connectionId}`);
  return waitFor(
    async () => {
      const s = await h.request('GET', `/v1/syncs/${encodeURIComponent(accepted.workflow_id)}`, { apiKey });
      const body = (await s.json()) as {
        status: string;
        run: { counts: Record<string, number>; error: string | null } | null;
      };
      const handle = h.temporal.workflow.getHandle(accepted.workflow_id);
      const desc = await handle.describe();
      if (desc.runId !== accepted.run_id && desc.status.name === 'RUNNING') return null;
      return body.status === 'completed' || body.status === 'failed' ? body : null;
    },
    `the ${mode} sync to finish`,
    90_000,
  );
}

async function sandboxDeals(): Promise<SandboxDeal[]> {
  return (await sandboxAdmin<{ results: SandboxDeal[] }>(`${account.adminUrl}/objects/deals`)).results;
}

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  ({ tenantId, apiKey } = await h.newTenant('HubSpot E2E Agency'));
  account = await sandboxAccount(h.sandboxUrl, 'hubspot', { seed: 'e2e', clients: 120, asOf: '2026-11-01' });
  connectionId = await hubspotConnection(h, tenantId, account);
});

afterAll(async () => {
  await h?.close();
});

describe('HubSpot sync end to end', () => {
  test('a full sync brings in exactly what the sandbox holds', async () => {
    const status = await runSync('full');
    expect(status.status).toBe('completed');
    const deals = await sandboxDeals();
    const live = deals.filter((d) => !d.archived);
    const malformed = live.filter((d) => d.properties.effective_date === 'TBD');
    expect(malformed.length).toBeGreaterThan(0);

    // Every vendor record is kept as a source record, exactly once.
    const { rows: sources } = await h.pool.query(
      `select stream, count(*)::int as n, count(distinct external_id)::int as distinct_ids
         from source_records where connection_id = $1 and deleted_at is null group by stream`,
      [connectionId],
    );
    const byStream = Object.fromEntries(sources.map((r) => [r.stream, r]));
    expect(byStream.deals.n).toBe(live.length);
    expect(byStream.deals.distinct_ids).toBe(live.length);

    // Each well-formed deal is a policy; each malformed one is quarantined with its reason.
    const { rows: policies } = await h.pool.query(
      'select * from policies where tenant_id = $1 and deleted_at is null',
      [tenantId],
    );
    expect(policies.length).toBe(live.length - malformed.length);
    const { rows: quarantined } = await h.pool.query(
      'select external_id, field, reason from quarantined_records where connection_id = $1 and resolved_at is null',
      [connectionId],
    );
    expect(quarantined.map((q) => q.external_id).sort()).toEqual(malformed.map((d) => d.id).sort());
    expect(quarantined[0]).toMatchObject({
      field: 'effectiveDate',
      reason: expect.stringContaining('not a date'),
    });
    expect(status.run?.counts).toMatchObject({ quarantined: malformed.length });

    // Field by field, a policy says what its deal says, and points at the deal's company.
    const deal = live.find(
      (d) =>
        d.associations.companies?.length &&
        d.properties.expiration_date &&
        d.properties.effective_date !== 'TBD',
    )!;
    const { rows: linked } = await h.pool.query(
      `select p.*, c.display_name as client_name, ca.name as carrier_name
         from source_records s join policies p on p.id = s.canonical_id
         left join clients c on c.id = p.client_id left join carriers ca on ca.id = p.carrier_id
        where s.connection_id = $1 and s.stream = 'deals' and s.external_id = $2`,
      [connectionId, deal.id],
    );
    const policy = linked[0];
    expect(policy.policy_number).toBe(deal.properties.policy_number);
    expect(policy.term_premium_cents).toBe(Math.round(Number(deal.properties.amount) * 100));
    expect(policy.effective_date).toBe(deal.properties.effective_date);
    expect(policy.expiration_date).toBe(deal.properties.expiration_date);
    expect(policy.carrier_name).toBe(deal.properties.carrier_name);
    const companies = (
      await sandboxAdmin<{ results: SandboxDeal[] }>(`${account.adminUrl}/objects/companies`)
    ).results;
    expect(policy.client_name).toBe(
      companies.find((c) => c.id === deal.associations.companies![0])!.properties.name,
    );
  });

  test('policies page through the API with a cursor, each exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request('GET', `/v1/policies?limit=37${cursor ? `&cursor=${cursor}` : ''}`, {
        apiKey,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: { id: string }[]; next_cursor: string | null };
      seen.push(...page.data.map((p) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    const { rows } = await h.pool.query(
      'select count(*)::int as n from policies where tenant_id = $1 and deleted_at is null',
      [tenantId],
    );
    expect(seen.length).toBe(rows[0].n);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('a second full sync with nothing changed writes nothing and emits nothing', async () => {
    const { rows: before } = await h.pool.query(
      'select max(seq) as seq from change_events where tenant_id = $1 and op is not null',
      [tenantId],
    );
    const status = await runSync('full');
    expect(status.status).toBe('completed');
    expect(status.run?.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    const { rows: after } = await h.pool.query(
      'select max(seq) as seq from change_events where tenant_id = $1 and op is not null',
      [tenantId],
    );
    expect(after[0].seq).toBe(before[0].seq);
  });

  test('a change made in HubSpot arrives with an incremental sync', async () => {
    const deal = (await sandboxDeals()).find(
      (d) => !d.archived && d.properties.effective_date && d.properties.effective_date !== 'TBD',
    )!;
    await sandboxAdmin(`${account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { amount: '4321.99', expiration_date: '2027-12-31' },
    });
    const status = await runSync('incremental');
    expect(status.status).toBe('completed');
    // Only what changed is read: the one deal, plus the owners list that HubSpot can only list whole
    // (its people; queues are not producers and are not read as records).
    const owners = (await sandboxAdmin<{ results: { type: string }[] }>(`${account.adminUrl}/objects/owners`))
      .results;
    expect(status.run?.counts.read).toBe(owners.filter((o) => o.type === 'PERSON').length + 1);
    const { rows } = await h.pool.query(
      `select p.id, p.term_premium_cents, p.expiration_date from source_records s join policies p on p.id = s.canonical_id
        where s.connection_id = $1 and s.stream = 'deals' and s.external_id = $2`,
      [connectionId, deal.id],
    );
    expect(rows[0]).toMatchObject({ term_premium_cents: 432199, expiration_date: '2027-12-31' });
    const { rows: events } = await h.pool.query(
      `select op, changed_fields from change_events where entity_id = $1 order by seq desc limit 1`,
      [rows[0].id],
    );
    expect(events[0]).toEqual({ op: 'updated', changed_fields: ['expirationDate', 'termPremiumCents'] });
  });

  test('an archived deal is marked deleted, with when and why', async () => {
    const deal = (await sandboxDeals()).find((d) => !d.archived && d.properties.effective_date !== 'TBD')!;
    await sandboxAdmin(`${account.adminUrl}/objects/deals/${deal.id}`, 'DELETE');
    const status = await runSync('incremental');
    expect(status.status).toBe('completed');
    expect(status.run?.counts.deleted).toBe(1);
    const { rows } = await h.pool.query(
      `select s.deleted_at as source_deleted, s.delete_reason, p.deleted_at, p.delete_reason as policy_reason, p.id
         from source_records s join policies p on p.id = s.canonical_id
        where s.connection_id = $1 and s.stream = 'deals' and s.external_id = $2`,
      [connectionId, deal.id],
    );
    expect(rows[0].source_deleted).toBeInstanceOf(Date);
    expect(rows[0].deleted_at).toBeInstanceOf(Date);
    expect(rows[0].policy_reason).toBe('archived in HubSpot');
    const res = await h.request(
      'GET',
      `/v1/policies?limit=200&updated_since=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`,
      { apiKey },
    );
    const page = (await res.json()) as { data: { id: string }[] };
    expect(page.data.map((p) => p.id)).not.toContain(rows[0].id);
    const { rows: events } = await h.pool.query(
      `select op from change_events where entity_id = $1 order by seq desc limit 1`,
      [rows[0].id],
    );
    expect(events[0].op).toBe('deleted');
  });

  test('the workflow carries its search attributes for operators', async () => {
    const desc = await h.temporal.workflow.getHandle(`sync/${connectionId}`).describe();
    const attrs = Object.fromEntries(desc.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    expect(attrs).toMatchObject({
      TenantId: tenantId,
      ConnectionId: connectionId,
      Provider: 'hubspot',
      SyncMode: 'incremental',
      SyncPhase: 'completed',
    });
  });
});
