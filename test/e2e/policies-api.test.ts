// Policies through the API: writes take the same merge path as syncs (the tenant's "API" source,
// with provenance and outbox events), so a policy another system already described is the same
// policy, a later change from that system is merged by the tenant's rules, and a manual rule opens
// a conflict. Bulk answers per item; renewals, the expiring list and the time line read it all back.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureSourceConnection, writeSourceRecords } from '../../db/source-writer.ts';
import { issueApiKey } from '../../db/tenant-store.ts';
import { clientDraft, policyDraft } from '../../domain/canonical.ts';
import { createHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness();
  ({ tenantId, apiKey } = await h.newTenant('Policies API'));
});
afterAll(async () => {
  await h?.close();
});

type Policy = Record<string, unknown> & { id: string };

async function call<T = Policy>(
  method: string,
  path: string,
  body?: unknown,
  status = 200,
  key = apiKey,
): Promise<T> {
  const res = await h.request(method, path, { apiKey: key, body });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(status);
  return (text ? JSON.parse(text) : null) as T;
}

async function events(entityId: string): Promise<{ type: string; connection_id: string | null }[]> {
  const { rows } = await h.pool.query(
    'select type, connection_id from change_events where entity_id = $1 order by seq',
    [entityId],
  );
  return rows;
}

const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** A policy as another system (a HubSpot connection) describes it, through the sync's merge path. */
async function fromHubSpot(fields: Record<string, unknown>, updatedAt: string, externalId = 'deal-1') {
  const connectionId = await ensureSourceConnection(h.pool, tenantId, 'test-hubspot', {
    provider: 'hubspot',
    displayName: 'HubSpot (test)',
  });
  const draft = policyDraft.parse(fields);
  const written = await writeSourceRecords(
    h.pool,
    { tenantId, connectionId, provider: 'hubspot', stream: 'deals' },
    [{ externalId, payload: fields, entity: 'policy', draft, resolved: {}, updatedAt }],
    undefined,
  );
  return { connectionId, id: written.items[0]!.canonicalId };
}

describe('single policy writes', () => {
  test('create, read, replace and delete, with provenance and outbox events', async () => {
    const created = await call(
      'POST',
      '/v1/policies',
      {
        policy_number: 'API-100',
        effective_date: '2026-01-01',
        expiration_date: '2027-01-01',
        term_premium_cents: 123_456,
        line_of_business: 'Homeowners',
        state: 'TX',
      },
      201,
    );
    expect(created).toMatchObject({
      policy_number: 'API-100',
      status: 'active',
      term_premium_cents: 123_456,
    });
    const { rows: api } = await h.pool.query(
      `select id from connections where tenant_id = $1 and provider = 'api'`,
      [tenantId],
    );
    expect(api).toHaveLength(1);
    const sources = (created.provenance as { sources: { connectionId: string; fields: string[] }[] }).sources;
    expect(sources.map((s) => s.connectionId)).toEqual([api[0].id]);
    expect(sources[0]!.fields).toContain('termPremiumCents');

    expect(await call('GET', `/v1/policies/${created.id}`)).toEqual(created);

    const replaced = await call('PUT', `/v1/policies/${created.id}`, {
      policy_number: 'API-100',
      effective_date: '2026-01-01',
      expiration_date: '2027-01-01',
      term_premium_cents: 150_000,
      line_of_business: 'Homeowners',
      state: 'TX',
      status: 'cancelled',
    });
    expect(replaced).toMatchObject({ term_premium_cents: 150_000, status: 'cancelled' });

    await call('DELETE', `/v1/policies/${created.id}`, undefined, 204);
    await call('GET', `/v1/policies/${created.id}`, undefined, 404);
    expect((await events(created.id)).map((e) => e.type)).toEqual([
      'policy.created',
      'policy.updated',
      'policy.cancelled',
      'policy.deleted',
    ]);
    expect((await events(created.id)).every((e) => e.connection_id === api[0].id)).toBe(true);
  });

  test('the same term twice is a conflict naming the policy; invalid bodies list their fields', async () => {
    const body = { policy_number: 'API-200', effective_date: '2026-02-01' };
    const first = await call('POST', '/v1/policies', body, 201);
    const again = await call<{ type: string; existing_id: string }>('POST', '/v1/policies', body, 409);
    expect(again).toMatchObject({ type: '/problems/conflict', existing_id: first.id });

    const bad = await call<{ errors: { field: string }[] }>(
      'POST',
      '/v1/policies',
      {
        policy_number: '',
        effective_date: '2026-02-30',
        term_premium_cents: 12.5,
        client_id: '00000000-0000-4000-8000-000000000000',
      },
      422,
    );
    expect(bad.errors.map((e) => e.field).sort()).toEqual([
      'effective_date',
      'policy_number',
      'term_premium_cents',
    ]);
    const unknownClient = await call<{ errors: { field: string }[] }>(
      'POST',
      '/v1/policies',
      { policy_number: 'API-201', client_id: '00000000-0000-4000-8000-000000000000' },
      422,
    );
    expect(unknownClient.errors.map((e) => e.field)).toEqual(['client_id']);
  });

  test('a policy another system described is the same policy; a later sync merges by the latest change', async () => {
    const hub = await fromHubSpot(
      { policyNumber: 'HS-300', effectiveDate: '2026-03-01', termPremiumCents: 90_000, status: 'active' },
      '2026-03-01T00:00:00.000Z',
    );
    // The API sends the same term (number written differently): it merges into HubSpot's policy.
    const merged = await call('POST', '/v1/policies', {
      policy_number: 'hs 300',
      effective_date: '2026-03-01',
      term_premium_cents: 95_000,
      state: 'CA',
    });
    expect(merged.id).toBe(hub.id);
    expect(merged).toMatchObject({ term_premium_cents: 95_000, state: 'CA' });
    const owners = (merged.provenance as { sources: { provider: string; fields: string[] }[] }).sources;
    expect(owners.find((s) => s.provider === 'api')?.fields).toEqual(
      expect.arrayContaining(['termPremiumCents', 'state']),
    );

    // HubSpot changes the premium later: latest wins, as between two syncs.
    await fromHubSpot(
      { policyNumber: 'HS-300', effectiveDate: '2026-03-01', termPremiumCents: 99_000, status: 'active' },
      new Date(Date.now() + 60_000).toISOString(),
    );
    const after = await call('GET', `/v1/policies/${hub.id}`);
    expect(after).toMatchObject({ term_premium_cents: 99_000, state: 'CA' });

    // Under a manual rule the API's disagreement becomes an open conflict instead of a change.
    await h.pool.query(
      `insert into merge_rules (tenant_id, entity_type, field, strategy) values ($1, 'policy', 'termPremiumCents', 'manual')`,
      [tenantId],
    );
    try {
      const put = await call('PUT', `/v1/policies/${hub.id}`, {
        policy_number: 'HS-300',
        effective_date: '2026-03-01',
        term_premium_cents: 80_000,
        state: 'CA',
      });
      expect(put.term_premium_cents).toBe(99_000);
      const { rows } = await h.pool.query(
        `select field, incoming_value, status, workflow_started from conflicts where entity_id = $1`,
        [hub.id],
      );
      expect(rows).toEqual([
        { field: 'termPremiumCents', incoming_value: 80_000, status: 'open', workflow_started: true },
      ]);
      const timeline = await call<{ entries: { kind: string }[] }>('GET', `/v1/policies/${hub.id}/timeline`);
      expect(timeline.entries.map((e) => e.kind)).toContain('conflict_opened');

      // A person keeps HubSpot's premium. The losing side is our own API: nothing to write back
      // to, and the decision still applies.
      const worker = await h.startWorker();
      try {
        const { rows: open } = await h.pool.query(`select id from conflicts where entity_id = $1`, [hub.id]);
        await call('POST', `/v1/conflicts/${open[0].id}/resolve`, { resolution: 'current' }, 202);
        const outcome = await h.temporal.workflow.getHandle(`conflict/${open[0].id}`).result();
        expect(outcome).toMatchObject({ status: 'resolved', resolvedBy: 'user', writtenBack: 0 });
        expect((await call('GET', `/v1/policies/${hub.id}`)).term_premium_cents).toBe(99_000);
      } finally {
        await worker.stop();
      }
    } finally {
      await h.pool.query(`delete from merge_rules where tenant_id = $1`, [tenantId]);
    }
  });
});

describe('clients across systems', () => {
  /** One client record as a connection of `provider` would write it; returns its canonical id. */
  const write = async (
    key: string,
    provider: string,
    externalId: string,
    fields: Record<string, unknown>,
  ) => {
    const connectionId = await ensureSourceConnection(h.pool, tenantId, key, { provider, displayName: key });
    const written = await writeSourceRecords(
      h.pool,
      { tenantId, connectionId, provider, stream: 'clients' },
      [
        {
          externalId,
          payload: fields,
          entity: 'client',
          draft: clientDraft.parse(fields),
          resolved: {},
          updatedAt: new Date().toISOString(),
        },
      ],
      undefined,
    );
    return written.items[0]!.canonicalId;
  };

  test('the AMS lookup code is kept and finds the same client in another system, whatever its name there', async () => {
    const epic = await write('test-epic', 'applied-epic', 'cl-1', {
      kind: 'business',
      displayName: 'Gomes Landscaping LLC',
      lookupCode: 'GOMELAN-01',
    });
    // The CRM spells the name differently and has another email, but carries the agency's code.
    const crm = await write('test-crm', 'hubspot', 'co-77', {
      kind: 'business',
      displayName: 'Gomes Lawn & Garden',
      email: 'office@gomes.example',
      lookupCode: 'GOMELAN-01',
    });
    expect(crm).toBe(epic);
    const listed = await call<{ data: { id: string; lookup_code: string | null }[] }>(
      'GET',
      '/v1/clients?limit=200',
    );
    expect(listed.data.find((c) => c.id === epic)?.lookup_code).toBe('GOMELAN-01');
  });

  test('a client code matches without case, but never merges two parties whose names have nothing in common', async () => {
    const epic = await write('case-epic', 'applied-epic', 'cl-2', {
      kind: 'person',
      displayName: 'Rivera, Maria',
      lookupCode: 'RIVEMAR-01',
    });
    const crm = await write('case-crm', 'hubspot', 'co-78', {
      kind: 'person',
      displayName: 'Maria L. Rivera',
      lookupCode: 'rivemar-01',
    });
    expect(crm).toBe(epic);

    // HawkSoft's client 1001 and QuickBooks' customer account 1001 are numbered by different systems.
    const hawksoft = await write('case-hawksoft', 'hawksoft', 'c-1001', {
      kind: 'person',
      displayName: 'Adam Gomes',
      lookupCode: '1001',
    });
    const books = await write('case-books', 'quickbooks', 'cust-9', {
      kind: 'business',
      displayName: 'Acme Bakery Inc',
      lookupCode: '1001',
    });
    expect(books).not.toBe(hawksoft);
    // The same number on a record that names the same party still merges.
    const crm2 = await write('case-crm-2', 'salesforce', 'acc-5', {
      kind: 'person',
      displayName: 'Gomes, Adam',
      lookupCode: '1001',
    });
    expect(crm2).toBe(hawksoft);
  });
});

describe('bulk', () => {
  test('up to 1,000 items, each with its own result; failed items change nothing', async () => {
    const existing = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'BULK-0', effective_date: '2026-04-01' },
      201,
    );
    const doomed = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'BULK-X', effective_date: '2026-04-01' },
      201,
    );
    const res = await call<{
      results: {
        index: number;
        status: number;
        outcome: string | null;
        id: string | null;
        problem: { errors?: { field: string }[] } | null;
      }[];
      succeeded: number;
      failed: number;
    }>('POST', '/v1/policies/bulk', {
      items: [
        {
          op: 'create',
          policy: { policy_number: 'BULK-1', effective_date: '2026-04-01', term_premium_cents: 1000 },
        },
        { op: 'create', policy: { effective_date: '2026-04-01' } },
        {
          op: 'update',
          id: existing.id,
          policy: { policy_number: 'BULK-0', effective_date: '2026-04-01', state: 'NY' },
        },
        { op: 'update', id: '00000000-0000-4000-8000-000000000001', policy: { policy_number: 'NOPE' } },
        { op: 'delete', id: doomed.id },
        { op: 'create', policy: { policy_number: 'BULK-0', effective_date: '2026-04-01' } },
        {
          op: 'create',
          policy: { policy_number: 'BULK-2', carrier_id: '00000000-0000-4000-8000-000000000002' },
        },
        { op: 'create', policy: { policy_number: 'BULK-3', effective_date: '2026-04-01' } },
        { op: 'frobnicate' },
      ],
    });
    expect(res.results.map((r) => [r.index, r.status, r.outcome])).toEqual([
      [0, 201, 'created'],
      [1, 422, null],
      [2, 200, 'updated'],
      [3, 404, null],
      [4, 204, 'deleted'],
      [5, 409, null],
      [6, 422, null],
      [7, 201, 'created'],
      [8, 422, null],
    ]);
    expect(res.results[1]!.problem?.errors?.map((e) => e.field)).toEqual(['policy.policy_number']);
    expect(res.results[5]!.id).toBe(existing.id);
    expect([res.succeeded, res.failed]).toEqual([4, 5]);
    const { rows } = await h.pool.query(
      `select policy_number, state, deleted_at is not null as deleted from policies
        where tenant_id = $1 and policy_number like 'BULK-%' order by policy_number`,
      [tenantId],
    );
    expect(rows).toEqual([
      { policy_number: 'BULK-0', state: 'NY', deleted: false },
      { policy_number: 'BULK-1', state: null, deleted: false },
      { policy_number: 'BULK-3', state: null, deleted: false },
      { policy_number: 'BULK-X', state: null, deleted: true },
    ]);
  });

  test('1,000 creates in one request; 1,001 items are refused', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      op: 'create',
      policy: { policy_number: `MASS-${i}`, effective_date: '2026-05-01', term_premium_cents: 10_000 + i },
    }));
    const started = performance.now();
    const res = await call<{ succeeded: number; failed: number }>('POST', '/v1/policies/bulk', { items });
    const seconds = (performance.now() - started) / 1000;
    expect(res).toMatchObject({ succeeded: 1000, failed: 0 });
    expect(seconds).toBeLessThan(10); // the specification: bulk 1,000 records < 10 s
    const { rows } = await h.pool.query(
      `select count(*)::int as n, count(distinct e.entity_id)::int as events from policies p
         left join change_events e on e.entity_id = p.id and e.type = 'policy.created'
        where p.tenant_id = $1 and p.policy_number like 'MASS-%'`,
      [tenantId],
    );
    expect(rows[0]).toEqual({ n: 1000, events: 1000 });
    await call('POST', '/v1/policies/bulk', { items: [...items, items[0]] }, 422);
  });
});

describe('renewals, the expiring list and the time line', () => {
  test('renew makes the next term and takes the policy off the expiring list', async () => {
    const soon = await call(
      'POST',
      '/v1/policies',
      {
        policy_number: 'EXP-30',
        effective_date: isoDay(-335),
        expiration_date: isoDay(30),
        term_premium_cents: 200_000,
        line_of_business: 'Auto',
      },
      201,
    );
    const later = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'EXP-90', effective_date: isoDay(-275), expiration_date: isoDay(90) },
      201,
    );
    const expiring = async (within: string) =>
      (
        await call<{ data: (Policy & { days_left: number })[] }>(
          'GET',
          `/v1/policies/expiring?within=${within}`,
        )
      ).data.map((p) => [p.policy_number, p.days_left]);
    expect(await expiring('60d')).toEqual([['EXP-30', 30]]);
    expect(await expiring('120d')).toEqual([
      ['EXP-30', 30],
      ['EXP-90', 90],
    ]);
    await call('GET', '/v1/policies/expiring?within=two-months', undefined, 422);

    const renewal = await call('POST', `/v1/policies/${soon.id}/renew`, {}, 201);
    expect(renewal).toMatchObject({
      policy_number: 'EXP-30',
      prior_policy_number: 'EXP-30',
      effective_date: isoDay(30),
      term_premium_cents: 200_000,
      line_of_business: 'Auto',
      original_inception_date: isoDay(-335),
    });
    const [y, m, d] = isoDay(30).split('-').map(Number) as [number, number, number];
    expect(renewal.expiration_date).toBe(
      new Date(Date.UTC(y + 1, m - 1, Math.min(d, new Date(Date.UTC(y + 1, m, 0)).getUTCDate())))
        .toISOString()
        .slice(0, 10),
    );
    expect((await events(renewal.id)).map((e) => e.type)).toEqual(['policy.created', 'policy.renewed']);
    const twice = await call<{ existing_id: string }>('POST', `/v1/policies/${soon.id}/renew`, {}, 409);
    expect(twice.existing_id).toBe(renewal.id);
    expect(await expiring('120d')).toEqual([['EXP-90', 90]]);
    expect(later.id).toBeTruthy();
  });

  test('the time line puts transactions, changes, conflicts and commissions in time order', async () => {
    const p = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'TL-1', effective_date: '2025-01-01', expiration_date: '2026-01-01' },
      201,
    );
    // What syncs, the commission workflow and statements would have written for this policy.
    const { rows: tx } = await h.pool.query(
      `insert into policy_transactions (tenant_id, policy_id, type, effective_date, premium_delta_cents)
       values ($1, $2, 'NEW', '2025-01-01', 100000), ($1, $2, 'END', '2025-06-15', 5000) returning id, type`,
      [tenantId, p.id],
    );
    const newTx = tx.find((t) => t.type === 'NEW')!.id;
    const { rows: ec } = await h.pool.query(
      `insert into expected_commissions (tenant_id, transaction_id, policy_id, transaction_type, effective_date, agency_cents,
                                         basis_cents, term_kind, house_cents, expected_pay_date, input_hash, paid_cents, status)
       values ($1, $2, $3, 'NEW', '2025-01-01', 15000, 100000, 'new', 15000, '2025-02-15', 'h', 15000, 'paid') returning id`,
      [tenantId, newTx, p.id],
    );
    await h.pool.query(
      `insert into commission_payments (tenant_id, expected_commission_id, amount_cents, paid_on, source)
       values ($1, $2, 15000, '2025-02-20', 'manual')`,
      [tenantId, ec[0].id],
    );
    await h.pool.query(
      `insert into conflicts (tenant_id, entity_type, entity_id, field, incoming_value, incoming_source, opened_at, deadline_at,
                              status, resolved_at, resolved_by, resolution)
       values ($1, 'policy', $2, 'state', '"TX"', '{}', '2025-03-01T10:00:00Z', '2025-03-04T10:00:00Z',
               'resolved', '2025-03-02T09:00:00Z', 'user', 'incoming')`,
      [tenantId, p.id],
    );
    const { entries } = await call<{
      entries: { at: string; kind: string; data: Record<string, unknown> }[];
    }>('GET', `/v1/policies/${p.id}/timeline`);
    expect(entries.map((e) => [e.at.slice(0, 10), e.kind])).toEqual([
      ['2025-01-01', 'transaction'],
      ['2025-02-15', 'commission_expected'],
      ['2025-02-20', 'commission_paid'],
      ['2025-03-01', 'conflict_opened'],
      ['2025-03-02', 'conflict_resolved'],
      ['2025-06-15', 'transaction'],
      [new Date().toISOString().slice(0, 10), 'change'],
    ]);
    expect(entries.at(-1)!.data).toMatchObject({ type: 'policy.created' });
    const times = entries.map((e) => e.at);
    expect([...times].sort()).toEqual(times);
  });
});

describe('access', () => {
  test('401 without a key, 403 without the scope, 404 for another tenant’s policy', async () => {
    const mine = await call(
      'POST',
      '/v1/policies',
      { policy_number: 'SEC-9', effective_date: '2026-07-01' },
      201,
    );
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/policies'],
      ['GET', '/v1/policies/expiring'],
      ['POST', '/v1/policies', { policy_number: 'X' }],
      ['POST', '/v1/policies/bulk', { items: [{ op: 'delete', id: mine.id }] }],
      ['GET', `/v1/policies/${mine.id}`],
      ['PUT', `/v1/policies/${mine.id}`, { policy_number: 'X' }],
      ['DELETE', `/v1/policies/${mine.id}`],
      ['POST', `/v1/policies/${mine.id}/renew`, {}],
      ['GET', `/v1/policies/${mine.id}/timeline`],
    ];
    const { key: noScopes } = await issueApiKey(h.pool, { tenantId, name: 'none', scopes: [] });
    const { key: readOnly } = await issueApiKey(h.pool, {
      tenantId,
      name: 'reader',
      scopes: ['policies:read'],
    });
    const other = await h.newTenant('Someone else');
    for (const [method, path, body] of routes) {
      expect([method, path, (await h.request(method, path, { body })).status]).toEqual([method, path, 401]);
      expect([method, path, (await h.request(method, path, { apiKey: noScopes, body })).status]).toEqual([
        method,
        path,
        403,
      ]);
      if (method !== 'GET')
        expect([method, path, (await h.request(method, path, { apiKey: readOnly, body })).status]).toEqual([
          method,
          path,
          403,
        ]);
      if (path.includes(mine.id) && !path.endsWith('/bulk'))
        expect([
          method,
          path,
          (await h.request(method, path, { apiKey: other.apiKey, body })).status,
        ]).toEqual([method, path, 404]);
    }
    // In bulk, another tenant's id is an item not found, and nothing of ours is touched.
    const bulk = await call<{ results: { status: number }[] }>(
      'POST',
      '/v1/policies/bulk',
      { items: [{ op: 'delete', id: mine.id }] },
      200,
      other.apiKey,
    );
    expect(bulk.results[0]!.status).toBe(404);
    await call('GET', `/v1/policies/${mine.id}`);
  });
});
