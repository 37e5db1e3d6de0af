// Inbound pushes in the specification's payloads: validated with every failing field listed,
// merged like a sync (a rater's sold quote becomes a policy; the AMS's record of the same term
// later merges into it), and idempotent both by payload and by Idempotency-Key.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueApiKey } from '../../db/tenant-store.ts';
import { createHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness();
  ({ tenantId, apiKey } = await h.newTenant('Inbound'));
});
afterAll(async () => {
  await h?.close();
});

interface Result {
  status: 'created' | 'updated' | 'unchanged';
  entity_type: string;
  entity_id: string;
  connection_id: string;
  transaction_ids: string[];
  ignored_fields: string[];
}

async function push<T = Result>(
  path: string,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
) {
  const res = await h.request('POST', path, { apiKey, body, headers });
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return { body: JSON.parse(text) as T, headers: res.headers };
}

const policy = async (id: string) =>
  (
    await h.pool.query(
      `select p.*, c.name as carrier_name, k.display_name as client_name, k.lookup_code
         from policies p left join carriers c on c.id = p.carrier_id left join clients k on k.id = p.client_id
        where p.id = $1`,
      [id],
    )
  ).rows[0];

describe('inbound pushes', () => {
  test('a rater’s sold quote becomes a policy, and the AMS’s record of that term merges into it', async () => {
    const quote = {
      source: 'turborater',
      quote_id: 'QUOTE-456789',
      policy_data: {
        carrier: 'Progressive',
        premium: 800.1,
        commission_rate: 0.12,
        agent_id: 'AGENT-123',
        policy_number: 'AUTO-789',
        effective_date: '2026-09-01',
        expiration_date: '2027-03-01',
        client_name: 'Adam Gomes',
      },
    };
    const sold = await push('/v1/inbound/rater/quote-sold', quote);
    // The rate is no longer ignored: the sale's new business transaction carries it.
    expect(sold.body).toMatchObject({ status: 'created', entity_type: 'policy', ignored_fields: [] });
    expect(sold.body.transaction_ids).toHaveLength(1);
    expect(await policy(sold.body.entity_id)).toMatchObject({
      policy_number: 'AUTO-789',
      term_premium_cents: 80_010,
      carrier_name: 'Progressive',
      client_name: 'Adam Gomes',
      status: 'active',
    });

    // Pushed again: nothing changes, and it says so.
    expect((await push('/v1/inbound/rater/quote-sold', quote)).body).toMatchObject({
      status: 'unchanged',
      entity_id: sold.body.entity_id,
    });

    const ams = {
      source: 'applied_epic',
      action: 'policy_issued',
      data: {
        policy_number: 'AUTO 789',
        effective_date: '2026-09-01',
        expiration_date: '2027-03-01',
        premium: '812.40',
        client_id: 'GOMEADA-01',
        client_name: 'Gomes, Adam',
        carrier: 'Progressive',
        coverages: [{ code: 'BI', limit: '100/300' }],
      },
    };
    const issued = await push('/v1/inbound/ams/policy', ams);
    expect(issued.body).toMatchObject({ entity_id: sold.body.entity_id, ignored_fields: ['data.coverages'] });
    expect(issued.body.connection_id).not.toBe(sold.body.connection_id);
    expect(await policy(sold.body.entity_id)).toMatchObject({
      term_premium_cents: 81_240,
      client_name: 'Gomes, Adam', // the AMS's client record, its change being the latest
    });
    const { rows: sources } = await h.pool.query(
      `select c.provider, c.display_name, s.stream from source_records s join connections c on c.id = s.connection_id
        where s.canonical_id = $1 order by c.display_name`,
      [sold.body.entity_id],
    );
    expect(sources).toEqual([
      { provider: 'inbound', display_name: 'Inbound AMS push (applied_epic)', stream: 'policies' },
      { provider: 'inbound', display_name: 'Inbound RATER push (turborater)', stream: 'quotes' },
    ]);

    const cancelled = await push('/v1/inbound/ams/policy', { ...ams, action: 'policy_cancelled' });
    expect(cancelled.body.status).toBe('updated');
    const { rows: evts } = await h.pool.query(
      'select type from change_events where entity_id = $1 order by seq',
      [sold.body.entity_id],
    );
    expect(evts.map((e) => e.type)).toEqual([
      'policy.created',
      'policy.updated',
      'policy.updated',
      'policy.cancelled',
    ]);
  });

  test('an Idempotency-Key replays the first answer; a different body under it is a conflict', async () => {
    const body = {
      source: 'ezlynx',
      action: 'policy_issued',
      data: {
        policy_number: 'HOME-123456',
        effective_date: '2025-09-01',
        expiration_date: '2026-09-01',
        premium: 1200.0,
      },
    };
    const first = await push('/v1/inbound/ams/policy', body, 200, { 'idempotency-key': 'push-1' });
    expect(first.body.status).toBe('created');
    const replay = await push('/v1/inbound/ams/policy', body, 200, { 'idempotency-key': 'push-1' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    await push('/v1/inbound/ams/policy', { ...body, data: { ...body.data, premium: 1300 } }, 409, {
      'idempotency-key': 'push-1',
    });
    expect((await policy(first.body.entity_id)).term_premium_cents).toBe(120_000);
  });

  test('a CRM contact update lands on what earlier pushes said of the contact', async () => {
    const nameless = await push<{ errors: { field: string }[] }>(
      '/v1/inbound/crm/contact-update',
      { source: 'hubspot', contact_id: 'HS-1', updates: { email: 'dana@example.com' } },
      422,
    );
    expect(nameless.body.errors.map((e) => e.field)).toEqual(['updates.name']);
    const made = await push('/v1/inbound/crm/contact-update', {
      source: 'hubspot',
      contact_id: 'HS-1',
      updates: { first_name: 'Dana', last_name: 'Scully', email: 'dana@example.com' },
    });
    expect(made.body).toMatchObject({ status: 'created', entity_type: 'client' });
    const updated = await push('/v1/inbound/crm/contact-update', {
      source: 'hubspot',
      contact_id: 'HS-1',
      updates: { phone: '555-0100', renewal_date: '2026-06-01', preferred_contact: 'email' },
    });
    expect(updated.body).toMatchObject({
      status: 'updated',
      entity_id: made.body.entity_id,
      ignored_fields: ['updates.renewal_date', 'updates.preferred_contact'],
    });
    const { rows } = await h.pool.query('select display_name, email, phone from clients where id = $1', [
      made.body.entity_id,
    ]);
    expect(rows[0]).toEqual({ display_name: 'Dana Scully', email: 'dana@example.com', phone: '555-0100' });
  });

  // Issue 13, case 5: the AMS owns premium, line and client after its push; its next update
  // omits them, and they must stay (they used to be cleared although the rater still supplies them).
  test('an update that omits fields the pushing system owns leaves them as they are', async () => {
    const term = { policy_number: 'HOME-5150', effective_date: '2026-10-01', expiration_date: '2027-10-01' };
    await push('/v1/inbound/rater/quote-sold', {
      source: 'turborater',
      quote_id: 'Q-5150',
      sold_at: '2026-09-01T10:00:00Z',
      policy_data: {
        ...term,
        carrier: 'Safeco',
        premium: 900,
        line_of_business: 'Homeowners',
        client_name: 'Maria Silva',
      },
    });
    const issued = await push('/v1/inbound/ams/policy', {
      source: 'applied_epic',
      action: 'policy_issued',
      occurred_at: '2026-09-20T10:00:00Z',
      data: {
        ...term,
        premium: '1000.00',
        line_of_business: 'Personal Home',
        client_id: 'SILVA-01',
        client_name: 'Maria Silva',
      },
    });
    const id = issued.body.entity_id;
    const owned = {
      term_premium_cents: 100_000,
      line_of_business: 'Personal Home',
      client_name: 'Maria Silva',
    };
    expect(await policy(id)).toMatchObject(owned);
    const changed = await push('/v1/inbound/ams/policy', {
      source: 'applied_epic',
      action: 'policy_changed',
      occurred_at: '2026-09-25T10:00:00Z',
      data: { ...term, state: 'OR' },
    });
    expect(changed.body).toMatchObject({ entity_id: id, status: 'updated' });
    const after = await policy(id);
    expect(after).toMatchObject({ ...owned, state: 'OR' });
    expect(after.client_id).not.toBeNull();
    // What it states still wins.
    await push('/v1/inbound/ams/policy', {
      source: 'applied_epic',
      action: 'policy_changed',
      occurred_at: '2026-09-26T10:00:00Z',
      data: { ...term, premium: '1100.00' },
    });
    expect(await policy(id)).toMatchObject({ ...owned, term_premium_cents: 110_000, state: 'OR' });
  });

  test('invalid payloads list every failing field', async () => {
    const res = await push<{ type: string; errors: { field: string }[] }>(
      '/v1/inbound/ams/policy',
      {
        source: 'applied epic!',
        action: 'policy_teleported',
        data: { effective_date: '2026-13-01', premium: 12.345, client_email: 'not-an-email' },
      },
      422,
    );
    expect(res.body.type).toBe('/problems/validation');
    expect(res.body.errors.map((e) => e.field).sort()).toEqual([
      'action',
      'data.client_email',
      'data.effective_date',
      'data.policy_number',
      'data.premium',
      'source',
    ]);
    const renewal = await push<{ errors: { field: string }[] }>(
      '/v1/inbound/ams/policy',
      {
        source: 'applied_epic',
        action: 'policy_renewed',
        data: { policy_number: 'R-1', effective_date: '2026-01-01' },
      },
      422,
    );
    expect(renewal.body.errors.map((e) => e.field)).toEqual(['data.prior_policy_number']);
    const quote = await push<{ errors: { field: string }[] }>(
      '/v1/inbound/rater/quote-sold',
      { source: 'turborater', policy_data: { premium: 'lots' } },
      422,
    );
    expect(quote.body.errors.map((e) => e.field).sort()).toEqual([
      'policy_data.carrier',
      'policy_data.premium',
      'quote_id',
    ]);
    await push('/v1/inbound/rater/policy-bound', { source: 'x' }, 404);
    const { rows } = await h.pool.query(
      `select count(*)::int as n from source_records where tenant_id = $1 and external_id like 'R-1%'`,
      [tenantId],
    );
    expect(rows[0].n).toBe(0);
  });

  test('401 without a key, 403 without policies:write', async () => {
    const { key: reader } = await issueApiKey(h.pool, {
      tenantId,
      name: 'reader',
      scopes: ['policies:read'],
    });
    for (const path of [
      '/v1/inbound/ams/policy',
      '/v1/inbound/rater/quote-sold',
      '/v1/inbound/crm/contact-update',
    ]) {
      expect((await h.request('POST', path, { body: {} })).status).toBe(401);
      expect((await h.request('POST', path, { apiKey: reader, body: {} })).status).toBe(403);
    }
  });
});
