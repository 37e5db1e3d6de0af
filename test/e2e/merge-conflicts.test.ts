// Merge and conflict resolution across connections: the same book in two systems becomes one set
// of canonical entities with per-field provenance; disagreements are settled by the tenant's rule
// (source priority), by a person (a signal to the conflict's workflow, with a write-back to the
// losing system), or by the fallback when the decision window closes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';

interface Deal {
  id: string;
  archived: boolean;
  properties: Record<string, string | null>;
}

let h: Harness;
let tenantId: string;
let apiKey: string;
let a: { connectionId: string; account: Awaited<ReturnType<typeof sandboxAccount>> };
let b: { connectionId: string; account: Awaited<ReturnType<typeof sandboxAccount>> };

async function sync(target: typeof a, mode: 'full' | 'incremental') {
  await startSync(h, { connectionId: target.connectionId, tenantId }, mode);
  const r = await syncResult(h, target.connectionId);
  expect(r.status).toBe('completed');
  return r;
}

async function deals(target: typeof a): Promise<Deal[]> {
  return (await sandboxAdmin<{ results: Deal[] }>(`${target.account.adminUrl}/objects/deals`)).results.filter(
    (d) => !d.archived,
  );
}

async function policyOf(target: typeof a, dealId: string) {
  const { rows } = await h.pool.query(
    `select p.* from source_records s join policies p on p.id = s.canonical_id where s.connection_id = $1 and s.stream = 'deals' and s.external_id = $2`,
    [target.connectionId, dealId],
  );
  return rows[0];
}

async function setRules(rules: unknown[]) {
  const res = await h.request('PUT', '/v1/merge-rules', { apiKey, body: { data: rules } });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  ({ tenantId, apiKey } = await h.newTenant('Two CRMs Agency'));
  for (const key of ['a', 'b'] as const) {
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'twin',
      clients: 40,
      clean: true,
      asOf: '2026-11-01',
    });
    const target = { account, connectionId: await hubspotConnection(h, tenantId, account) };
    if (key === 'a') a = target;
    else b = target;
  }
  await sync(a, 'full');
  await sync(b, 'full');
});
afterAll(async () => {
  await h?.close();
});

describe('merging the same book from two systems', () => {
  test('each policy, client and producer exists once, described by both sources', async () => {
    const live = await deals(a);
    const { rows: policies } = await h.pool.query(
      'select count(*)::int as n from policies where tenant_id = $1 and deleted_at is null',
      [tenantId],
    );
    expect(policies[0].n).toBe(live.length);
    const { rows: linked } = await h.pool.query(
      `select count(distinct s.connection_id)::int as sources from source_records s join policies p on p.id = s.canonical_id
        where p.tenant_id = $1 group by p.id`,
      [tenantId],
    );
    expect(linked.every((r) => r.sources === 2)).toBe(true);
    const { rows: producers } = await h.pool.query(
      'select count(*)::int as n from producers where tenant_id = $1',
      [tenantId],
    );
    const owners = (await sandboxAdmin<{ results: unknown[] }>(`${a.account.adminUrl}/objects/owners`))
      .results;
    expect(producers[0].n).toBe(owners.length);
    const { rows: clients } = await h.pool.query(
      'select count(*)::int as n from clients where tenant_id = $1',
      [tenantId],
    );
    expect(clients[0].n).toBe(40);
  });
});

describe('settling disagreements', () => {
  test('by source priority: the trusted system’s premium stands until it changes itself', async () => {
    await setRules([
      {
        entity_type: 'policy',
        field: 'termPremiumCents',
        strategy: 'priority',
        source_priority: [a.connectionId],
      },
    ]);
    const deal = (await deals(b))[0]!;
    const original = (await policyOf(a, deal.id)).term_premium_cents;
    await sandboxAdmin(`${b.account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { amount: '99.99' },
    });
    await sync(b, 'incremental');
    expect((await policyOf(a, deal.id)).term_premium_cents).toBe(original);
    await sandboxAdmin(`${a.account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { amount: '1234.56' },
    });
    await sync(a, 'incremental');
    const policy = await policyOf(a, deal.id);
    expect(policy.term_premium_cents).toBe(123456);
    const premiumSource = policy.provenance.sources.find((s: { fields: string[] }) =>
      s.fields.includes('termPremiumCents'),
    );
    expect(premiumSource.connectionId).toBe(a.connectionId);
  });

  test('by a person: the conflict waits for a decision, applies it, and writes back to the losing system', async () => {
    await setRules([
      { entity_type: 'policy', field: 'expirationDate', strategy: 'manual', decision_window_seconds: 3600 },
    ]);
    const deal = (await deals(b)).find((d) => d.properties.expiration_date)!;
    const before = (await policyOf(a, deal.id)).expiration_date;
    await sandboxAdmin(`${b.account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { expiration_date: '2031-01-15' },
    });
    await sync(b, 'incremental');
    expect((await policyOf(a, deal.id)).expiration_date).toBe(before);

    const list = (await (await h.request('GET', '/v1/conflicts', { apiKey })).json()) as {
      data: {
        id: string;
        field: string;
        current: { value: unknown; source: { connection_id: string } };
        incoming: { value: unknown; source: { connection_id: string; provider: string } };
      }[];
    };
    expect(list.data).toHaveLength(1);
    const conflict = list.data[0]!;
    expect(conflict).toMatchObject({
      field: 'expirationDate',
      current: { value: before, source: { connection_id: a.connectionId } },
      incoming: { value: '2031-01-15', source: { connection_id: b.connectionId, provider: 'hubspot' } },
    });

    const res = await h.request('POST', `/v1/conflicts/${conflict.id}/resolve`, {
      apiKey,
      body: { resolution: 'incoming' },
    });
    expect(res.status).toBe(202);
    const outcome = (await h.temporal.workflow.getHandle(`conflict/${conflict.id}`).result()) as {
      resolvedBy: string;
      writtenBack: number;
    };
    expect(outcome).toMatchObject({ resolvedBy: 'user', writtenBack: 1 });
    expect((await policyOf(a, deal.id)).expiration_date).toBe('2031-01-15');
    const inA = (await deals(a)).find((d) => d.id === deal.id)!;
    expect(inA.properties.expiration_date).toBe('2031-01-15');

    const again = await h.request('POST', `/v1/conflicts/${conflict.id}/resolve`, {
      apiKey,
      body: { resolution: 'current' },
    });
    expect(again.status).toBe(409);
    // Both systems now agree: syncing either raises nothing new.
    await sync(a, 'incremental');
    await sync(b, 'incremental');
    const open = (await (await h.request('GET', '/v1/conflicts', { apiKey })).json()) as { data: unknown[] };
    expect(open.data).toEqual([]);
  });

  test('by the fallback rule when the decision window closes', async () => {
    await setRules([
      {
        entity_type: 'policy',
        field: 'lineOfBusiness',
        strategy: 'manual',
        decision_window_seconds: 1,
        fallback: 'latest',
      },
    ]);
    const deal = (await deals(b))[2]!;
    const changed = deal.properties.line_of_business === 'UMBRC' ? 'EXCSL' : 'UMBRC';
    await sandboxAdmin(`${b.account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { line_of_business: changed },
    });
    await sync(b, 'incremental');
    const { rows } = await h.pool.query(
      `select id from conflicts where tenant_id = $1 and field = 'lineOfBusiness'`,
      [tenantId],
    );
    expect(rows).toHaveLength(1);
    const outcome = (await h.temporal.workflow.getHandle(`conflict/${rows[0].id}`).result()) as {
      resolvedBy: string;
      resolution: string;
    };
    expect(outcome).toMatchObject({ resolvedBy: 'deadline', resolution: 'incoming' });
    await waitFor(
      async () => (await policyOf(a, deal.id)).line_of_business === changed,
      'the fallback to apply',
    );
  });
});
