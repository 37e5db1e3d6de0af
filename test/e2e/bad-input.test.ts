// Issue 13, case 9: the inputs that answered 500 (or were stored) now get a 4xx problem document
// and change nothing: NUL bytes and unpaired surrogates in strings, impossible dates, crafted
// cursors, deep JSON, money out of range, wrong or missing Content-Type, a bad percent-encoding,
// an inbound connection's id on the vendor webhook route, invalid UTF-8.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHarness, type Harness, hubspotConnection, sandboxAccount } from '../support/harness.ts';
import { tenantState } from '../support/tenant-state.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness();
  ({ tenantId, apiKey } = await h.newTenant('Bad input'));
  ids.connection = await hubspotConnection(
    h,
    tenantId,
    await sandboxAccount(h.sandboxUrl, 'hubspot', { empty: true }),
  );
  const { rows: carrier } = await h.pool.query(
    `insert into carriers (tenant_id, name, name_normalized) values ($1, 'Bad Input Mutual', 'bad input mutual') returning id`,
    [tenantId],
  );
  ids.carrier = carrier[0].id;
  // The source connection an inbound push makes, whose id the vendor webhook route must refuse.
  const pushed = await h.request('POST', '/v1/inbound/crm/contact-update', {
    apiKey,
    body: { source: 'hubspot', contact_id: 'c-1', updates: { name: 'Ana Pushed' } },
  });
  ids.inbound = ((await pushed.json()) as { connection_id: string }).connection_id;
});
afterAll(async () => {
  await h?.close();
});

interface Case {
  name: string;
  method: string;
  path: string | (() => string);
  /** JSON text (sent as is), or raw bytes. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  anonymous?: boolean;
  status: number;
}

const json = (v: unknown) => JSON.stringify(v);
const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ams = (data: Record<string, unknown>) =>
  json({
    source: 'applied_epic',
    action: 'policy_issued',
    data: { policy_number: 'BAD-1', effective_date: '2026-01-01', ...data },
  });
const uuid = '00000000-0000-4000-8000-000000000000';

const cases: Case[] = [
  // NUL and unpaired surrogates, wherever a string goes.
  {
    name: 'NUL in a schedule note',
    method: 'PATCH',
    path: () => `/v1/connections/${ids.connection}/schedule`,
    body: json({ note: 'a\u0000b', paused: true }),
    status: 422,
  },
  {
    name: 'unpaired surrogate in a schedule note',
    method: 'PATCH',
    path: () => `/v1/connections/${ids.connection}/schedule`,
    body: json({ note: 'a\ud800b' }),
    status: 422,
  },
  {
    name: 'NUL in a policy number',
    method: 'POST',
    path: '/v1/policies',
    body: json({ policy_number: 'X\u0000' }),
    status: 422,
  },
  {
    name: 'unpaired surrogate in a policy number',
    method: 'POST',
    path: '/v1/policies',
    body: json({ policy_number: '\udc00X' }),
    status: 422,
  },
  {
    name: 'NUL in an inbound policy number',
    method: 'POST',
    path: '/v1/inbound/ams/policy',
    body: ams({ policy_number: 'B\u0000' }),
    status: 422,
  },
  {
    name: 'NUL in a CRM field kept as is',
    method: 'POST',
    path: '/v1/inbound/crm/contact-update',
    body: json({ source: 'hubspot', contact_id: 'c-2', updates: { name: 'A', note: 'x\u0000' } }),
    status: 422,
  },
  {
    name: 'unpaired surrogate in a CRM key',
    method: 'POST',
    path: '/v1/inbound/crm/contact-update',
    body: json({ source: 'hubspot', contact_id: 'c-2', updates: { name: 'A', '\ud800': 1 } }),
    status: 422,
  },
  {
    name: 'NUL in a merge rule field',
    method: 'PUT',
    path: '/v1/merge-rules',
    body: json({ data: [{ entity_type: 'policy', field: 'a\u0000', strategy: 'latest' }] }),
    status: 422,
  },
  { name: 'NUL in a query value', method: 'GET', path: '/v1/policies?status=%00', status: 422 },
  { name: 'NUL in a path', method: 'GET', path: '/v1/policies/%00', status: 400 },
  // Impossible dates on payments, projections, schedules, and the rest.
  {
    name: 'payment on 2026-02-30',
    method: 'POST',
    path: `/v1/commissions/${uuid}/payments`,
    body: json({ paid_on: '2026-02-30' }),
    status: 422,
  },
  {
    name: 'payment in year 0000',
    method: 'POST',
    path: `/v1/commissions/${uuid}/payments`,
    body: json({ paid_on: '0000-01-01' }),
    status: 422,
  },
  {
    name: 'projection as of 2026-02-30',
    method: 'GET',
    path: '/v1/commissions/projections?as_of=2026-02-30',
    status: 422,
  },
  {
    name: 'projection as of year 0000',
    method: 'GET',
    path: '/v1/commissions/projections?as_of=0000-06-01',
    status: 422,
  },
  {
    name: 'schedule line from 2026-02-30',
    method: 'PUT',
    path: () => `/v1/carriers/${ids.carrier}/commission-schedules`,
    body: json({ data: [{ effective_from: '2026-02-30', basis: { kind: 'percent', rate: '10' } }] }),
    status: 422,
  },
  {
    name: 'schedule line from year 0000',
    method: 'PUT',
    path: () => `/v1/carriers/${ids.carrier}/commission-schedules`,
    body: json({ data: [{ effective_from: '0000-01-01', basis: { kind: 'percent', rate: '10' } }] }),
    status: 422,
  },
  {
    name: 'policy effective in year 0000',
    method: 'POST',
    path: '/v1/policies',
    body: json({ policy_number: 'Y0', effective_date: '0000-01-01' }),
    status: 422,
  },
  {
    name: 'ledger from year 0000',
    method: 'GET',
    path: '/v1/exports/ledger?from=0000-01-01&to=2026-01-01',
    status: 422,
  },
  {
    name: 'commissions from 2026-02-30',
    method: 'GET',
    path: '/v1/commissions?from=2026-02-30',
    status: 422,
  },
  {
    name: 'updated_since in year 0000',
    method: 'GET',
    path: '/v1/policies?updated_since=0000-01-01T00:00:00Z',
    status: 422,
  },
  {
    name: 'renewals as of 2026-02-30 (was 200)',
    method: 'GET',
    path: '/v1/renewals?as_of=2026-02-30',
    status: 422,
  },
  // Crafted cursors.
  {
    name: 'a cursor with a non-time',
    method: 'GET',
    path: `/v1/policies?cursor=${cursor({ t: 'x', id: 'y' })}`,
    status: 422,
  },
  {
    name: 'a cursor with a non-uuid',
    method: 'GET',
    path: `/v1/policies?cursor=${cursor({ t: '2026-01-01 00:00:00+00', id: 'y' })}`,
    status: 422,
  },
  {
    name: 'a cursor on commissions',
    method: 'GET',
    path: `/v1/commissions?cursor=${cursor({ t: '2026-02-30', id: uuid })}`,
    status: 422,
  },
  {
    name: 'a cursor on sync runs',
    method: 'GET',
    path: () => `/v1/connections/${ids.connection}/runs?cursor=${cursor({ t: 'x', id: uuid })}`,
    status: 422,
  },
  {
    name: 'a cursor on statements',
    method: 'GET',
    path: `/v1/commissions/statements?cursor=${cursor({ t: '0000-01-01', id: uuid })}`,
    status: 422,
  },
  // Deep JSON, money out of range.
  {
    name: 'JSON nested 5,000 levels',
    method: 'POST',
    path: '/v1/inbound/crm/contact-update',
    body: `{"source":"hubspot","contact_id":"d","updates":{"name":"A","x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    status: 422,
  },
  {
    name: 'an inbound premium of 1e300',
    method: 'POST',
    path: '/v1/inbound/ams/policy',
    body: ams({ premium: 1e300 }),
    status: 422,
  },
  {
    name: 'a $90-trillion inbound premium (was 200)',
    method: 'POST',
    path: '/v1/inbound/ams/policy',
    body: ams({ premium: '90000000000000.00' }),
    status: 422,
  },
  {
    name: 'a negative inbound premium (was 200)',
    method: 'POST',
    path: '/v1/inbound/ams/policy',
    body: ams({ premium: -100 }),
    status: 422,
  },
  {
    name: 'a negative sold-quote premium',
    method: 'POST',
    path: '/v1/inbound/rater/quote-sold',
    body: json({ source: 'turborater', quote_id: 'Q', policy_data: { carrier: 'C', premium: -5 } }),
    status: 422,
  },
  {
    name: 'a $90-trillion API premium (was 201)',
    method: 'POST',
    path: '/v1/policies',
    body: json({ policy_number: 'BIG', term_premium_cents: 9_000_000_000_000_000 }),
    status: 422,
  },
  {
    name: 'a negative API premium (was 201)',
    method: 'POST',
    path: '/v1/policies',
    body: json({ policy_number: 'NEG', term_premium_cents: -5 }),
    status: 422,
  },
  {
    name: 'an inbound transaction commission past the bound',
    method: 'POST',
    path: '/v1/inbound/ams/policy',
    body: ams({ transactions: [{ type: 'NEW', effective_date: '2026-01-01', commission: '1000000001.00' }] }),
    status: 422,
  },
  // Content types, encodings, the URL.
  {
    name: 'a JSON body sent as text/plain',
    method: 'PUT',
    path: '/v1/merge-rules',
    body: json({ data: [] }),
    headers: { 'content-type': 'text/plain' },
    status: 415,
  },
  {
    name: 'a JSON body without Content-Type',
    method: 'POST',
    path: '/v1/inbound/crm/contact-update',
    body: Buffer.from(json({ source: 'hubspot', contact_id: 'c-3', updates: { name: 'A' } })),
    headers: { 'content-type': '' },
    status: 415,
  },
  {
    name: 'a schedule patch as a form',
    method: 'PATCH',
    path: () => `/v1/connections/${ids.connection}/schedule`,
    body: 'paused=true',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
  },
  {
    name: 'a body that is not JSON',
    method: 'POST',
    path: () => `/v1/connections/${ids.connection}/syncs`,
    body: '{"mode": ',
    status: 400,
  },
  {
    name: 'invalid UTF-8 (was stored as U+FFFD)',
    method: 'POST',
    path: '/v1/inbound/crm/contact-update',
    body: Buffer.concat([
      Buffer.from('{"source":"hubspot","contact_id":"c-4","updates":{"name":"A'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]),
    status: 400,
  },
  { name: '% in a sync workflow id', method: 'GET', path: '/v1/syncs/%', status: 400 },
  {
    name: 'a cut percent-escape in a sync workflow id',
    method: 'GET',
    path: '/v1/syncs/sync%2',
    status: 400,
  },
  {
    name: 'an unauthenticated vendor webhook on an inbound connection',
    method: 'POST',
    path: () => `/webhooks/inbound/${ids.inbound}`,
    body: '{}',
    anonymous: true,
    status: 404,
  },
  {
    name: 'a vendor webhook for no vendor',
    method: 'POST',
    path: () => `/webhooks/__proto__/${ids.inbound}`,
    body: '{}',
    anonymous: true,
    status: 404,
  },
];

describe('bad input is a 4xx problem document and changes nothing', () => {
  test.each(cases)('$name', async (c) => {
    const before = await tenantState(h.pool, tenantId);
    const path = typeof c.path === 'function' ? c.path() : c.path;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...c.headers };
    if (!headers['content-type']) delete headers['content-type'];
    if (!c.anonymous) headers.authorization = `Bearer ${apiKey}`;
    const res = await h.app.request(path, { method: c.method, headers, body: c.body });
    const text = await res.text();
    expect([res.status, text.slice(0, 300)]).toEqual([c.status, expect.any(String)]);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(text)).toMatchObject({
      status: c.status,
      type: expect.stringMatching(/^\/problems\//),
    });
    expect(await tenantState(h.pool, tenantId)).toEqual(before);
  });

  test('a value the database refuses after validation is a 422 too, and its transaction rolls back', async () => {
    const { problemForError } = await import('../../api/error-problems.ts');
    const client = await h.pool.connect();
    try {
      for (const [sql, code] of [
        [`select $1::jsonb`, '22P05'],
        [`select '2026-02-30'::date`, '22008'],
        [`select 'x'::timestamptz`, '22007'],
        [`select 99999999999999999999::bigint`, '22003'],
        [`select 'nope'::uuid`, '22P02'],
      ] as const) {
        const err = await client.query(sql, sql.includes('$1') ? ['"\\u0000"'] : []).catch((e: unknown) => e);
        expect([(err as { code?: string }).code, problemForError(err)?.problem]).toEqual([
          code,
          'validation',
        ]);
      }
    } finally {
      client.release();
    }
  });
});
