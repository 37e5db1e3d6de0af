// Every HubSpot sandbox answer the hub relies on, checked against HubSpot's documented response
// shapes (test/fixtures/vendor-contracts/hubspot/responses.schema.json, our own schemas written
// from HubSpot's published spec collection), plus the wire details the spec cannot say: what
// OAuth calls leave out, unknown properties, unknown routes.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { sandboxAccount, sandboxAdmin } from '../support/harness.ts';

const sandboxUrl = inject('sandboxUrl');
const contract = JSON.parse(
  readFileSync(
    new URL('../fixtures/vendor-contracts/hubspot/responses.schema.json', import.meta.url),
    'utf8',
  ),
) as { 'x-routes': Record<string, Record<string, string>> };
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(contract, 'hubspot');

/** The answer matches the schema the contract names for this route and status. */
function conforms(route: string, status: number, body: unknown): void {
  const name = contract['x-routes'][route]?.[String(status)];
  expect(name, `${route} has no documented ${status} answer`).toBeDefined();
  const validate = ajv.getSchema(`hubspot#/definitions/${name}`)!;
  const ok = validate(body);
  expect(ok ? [] : validate.errors, `${route} ${status} as ${name}`).toEqual([]);
}

let account: Awaited<ReturnType<typeof sandboxAccount>>;
const call = async (method: string, path: string, body?: unknown, token = account.accessToken) => {
  const res = await fetch(`${account.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    type: res.headers.get('content-type'),
    body: JSON.parse(text || 'null'),
  };
};

beforeAll(async () => {
  account = await sandboxAccount(sandboxUrl, 'hubspot', { seed: 'spec', clients: 30, asOf: '2026-11-01' });
});

describe('CRM objects answer in HubSpot’s documented shapes', () => {
  test('list (with associations), read, search and PATCH', async () => {
    for (const type of ['deals', 'companies', 'contacts']) {
      const list = await call(
        'GET',
        `/crm/v3/objects/${type}?limit=5&properties=amount,policy_number,name,email&associations=companies,contacts`,
      );
      expect(list.status).toBe(200);
      conforms('GET /crm/v3/objects/{objectType}', 200, list.body);
      const archived = await call('GET', `/crm/v3/objects/${type}?limit=5&archived=true`);
      conforms('GET /crm/v3/objects/{objectType}', 200, archived.body);
      const one = await call('GET', `/crm/v3/objects/${type}/${list.body.results[0].id}`);
      conforms('GET /crm/v3/objects/{objectType}/{objectId}', 200, one.body);
      const search = await call('POST', `/crm/v3/objects/${type}/search`, {
        filterGroups: [{ filters: [{ propertyName: 'createdate', operator: 'GTE', value: '0' }] }],
        sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
        properties: ['amount'],
        limit: 3,
      });
      expect(search.status).toBe(200);
      conforms('POST /crm/v3/objects/{objectType}/search', 200, search.body);
    }
    const deal = (await call('GET', '/crm/v3/objects/deals?limit=1')).body.results[0];
    const patched = await call('PATCH', `/crm/v3/objects/deals/${deal.id}`, {
      properties: { amount: '12.00' },
    });
    conforms('PATCH /crm/v3/objects/{objectType}/{objectId}', 200, patched.body);
  });

  test('requested properties the portal does not define are left out, defined empty ones are null', async () => {
    const list = await call(
      'GET',
      '/crm/v3/objects/deals?limit=3&properties=amount,no_such_property,agent_code',
    );
    for (const d of list.body.results) {
      expect(d.properties).not.toHaveProperty('no_such_property');
      expect(d.properties).toHaveProperty('agent_code', null);
    }
    const search = await call('POST', '/crm/v3/objects/deals/search', {
      properties: ['amount', 'no_such_property'],
      limit: 3,
    });
    for (const d of search.body.results) expect(d.properties).not.toHaveProperty('no_such_property');
    const read = await call('POST', '/crm/v3/objects/deals/batch/read', {
      inputs: [{ id: list.body.results[0].id }],
      properties: ['no_such_property'],
    });
    conforms('POST /crm/v3/objects/{objectType}/batch/read', read.status, read.body);
    expect(read.body.results[0].properties).not.toHaveProperty('no_such_property');
  });

  test('batch upsert: all or nothing without trace ids, 207 with per-input errors with them', async () => {
    const input = (id: string, properties: Record<string, string>, trace?: string) => ({
      id,
      idProperty: 'agency_policy_id',
      properties,
      ...(trace === undefined ? {} : { objectWriteTraceId: trace }),
    });
    const good = `spec-${crypto.randomUUID()}`;
    const bad = `spec-${crypto.randomUUID()}`;
    const whole = await call('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [
        input(good, { dealname: 'fine' }),
        input(bad, { dealname: 'bad', dealstage: 'no-such-stage' }),
      ],
    });
    expect(whole.status).toBe(400);
    conforms('POST /crm/v3/objects/{objectType}/batch/upsert', 400, whole.body);
    const deals = async () =>
      (
        await sandboxAdmin<{ results: { properties: Record<string, string> }[] }>(
          `${account.adminUrl}/objects/deals`,
        )
      ).results;
    expect((await deals()).some((d) => d.properties.agency_policy_id === good)).toBe(false);

    const partial = await call('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [input(good, { dealname: 'fine' }, 'a'), input(bad, { dealstage: 'no-such-stage' }, 'b')],
    });
    expect(partial.status).toBe(207);
    conforms('POST /crm/v3/objects/{objectType}/batch/upsert', 207, partial.body);
    expect(partial.body.results).toMatchObject([{ objectWriteTraceId: 'a', new: true }]);
    expect(partial.body.errors).toMatchObject([
      { status: 'error', category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['b'] } },
    ]);
    expect(partial.body.numErrors).toBe(1);
    expect((await deals()).filter((d) => d.properties.agency_policy_id === good)).toHaveLength(1);

    const fine = await call('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [input(good, { dealname: 'fine again' }, 'a')],
    });
    expect(fine.status).toBe(200);
    conforms('POST /crm/v3/objects/{objectType}/batch/upsert', 200, fine.body);
  });
});

describe('owners, properties and associations', () => {
  test('owners carry their type, and a generated portal has queues', async () => {
    const owners = await call('GET', '/crm/v3/owners/?limit=100&archived=false');
    conforms('GET /crm/v3/owners', 200, owners.body);
    const types = owners.body.results.map((o: { type: string }) => o.type);
    expect(types).toContain('PERSON');
    expect(types.filter((t: string) => t === 'QUEUE').length).toBeGreaterThanOrEqual(1);
  });

  test('property definitions are listed and read one by one', async () => {
    const list = await call('GET', '/crm/v3/properties/deals');
    expect(list.status).toBe(200);
    conforms('GET /crm/v3/properties/{objectType}', 200, list.body);
    const names = list.body.results.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['dealname', 'amount', 'dealstage', 'agency_policy_id']));
    const one = await call('GET', '/crm/v3/properties/deals/agency_policy_id');
    conforms('GET /crm/v3/properties/{objectType}/{propertyName}', 200, one.body);
    expect(one.body).toMatchObject({ name: 'agency_policy_id', hasUniqueValue: true, hubspotDefined: false });
    const missing = await call('GET', '/crm/v3/properties/deals/no_such_property');
    conforms('GET /crm/v3/properties/{objectType}/{propertyName}', 404, missing.body);
  });

  test('v4 associations: batch read and one record’s associations, paged', async () => {
    const deals = (
      await sandboxAdmin<{
        results: { id: string; archived: boolean; associations: Record<string, string[]> }[];
      }>(`${account.adminUrl}/objects/deals`)
    ).results;
    const deal = deals.find((d) => !d.archived && d.associations.companies?.length)!;
    const batch = await call('POST', '/crm/v4/associations/deals/companies/batch/read', {
      inputs: [{ id: deal.id }],
    });
    conforms('POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read', 200, batch.body);
    const one = await call('GET', `/crm/v4/objects/deals/${deal.id}/associations/companies`);
    expect(one.status).toBe(200);
    conforms('GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}', 200, one.body);
    expect(one.body.results.map((r: { toObjectId: number }) => String(r.toObjectId))).toEqual(
      deal.associations.companies,
    );
    expect(one.body.results[0].associationTypes).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 5, label: null },
    ]);

    // A company with several deals pages through them.
    const company = deal.associations.companies![0]!;
    const all = deals
      .filter((d) => !d.archived && d.associations.companies?.includes(company))
      .map((d) => d.id);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await call(
        'GET',
        `/crm/v4/objects/companies/${company}/associations/deals?limit=1${after ? `&after=${after}` : ''}`,
      );
      conforms('GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}', 200, page.body);
      seen.push(...page.body.results.map((r: { toObjectId: number }) => String(r.toObjectId)));
      after = page.body.paging?.next?.after;
    } while (after);
    expect(seen.sort()).toEqual(all.sort());
  });

  test('unknown routes and bad tokens answer HubSpot’s JSON error', async () => {
    const unknown = await call('GET', '/crm/v3/no-such-api/deals');
    expect(unknown.status).toBe(404);
    expect(unknown.type).toContain('application/json');
    conforms('any unknown route', 404, unknown.body);
    const bad = await call('GET', '/crm/v3/objects/deals', undefined, 'pat-na1-not-a-token');
    conforms('any call with a bad token', 401, bad.body);
  });
});

describe('OAuth', () => {
  test('the token answer names the portal and scopes; metadata names app, user and scopes; no rate-limit headers', async () => {
    const created = await sandboxAdmin<{ oauthApp: { clientId: string; clientSecret: string } }>(
      `${sandboxUrl}/hubspot/_admin/accounts`,
      'POST',
      { empty: true },
    );
    const { clientId, clientSecret } = created.oauthApp;
    const redirect = 'https://hub.example.test/callback';
    const scope = 'oauth crm.objects.deals.read crm.objects.owners.read';
    const authorize = await fetch(
      `${sandboxUrl}/hubspot/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: redirect, scope })}`,
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
    const tokenRes = await fetch(`${sandboxUrl}/hubspot/oauth/v1/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uri: redirect,
        code,
      }),
    });
    expect(tokenRes.status).toBe(200);
    const token = (await tokenRes.json()) as { access_token: string; hub_id: number; scopes: string[] };
    conforms('POST /oauth/v1/token', 200, token);
    expect(token.scopes).toEqual(scope.split(' '));
    for (const h of ['x-hubspot-ratelimit-daily', 'x-hubspot-ratelimit-daily-remaining'])
      expect(tokenRes.headers.get(h)).toBeNull();

    const infoRes = await fetch(`${sandboxUrl}/hubspot/oauth/v1/access-tokens/${token.access_token}`);
    const info = (await infoRes.json()) as { hub_id: number; scopes: string[]; app_id: number };
    conforms('GET /oauth/v1/access-tokens/{token}', 200, info);
    expect(info).toMatchObject({ hub_id: token.hub_id, scopes: token.scopes, token_type: 'access' });
    for (const h of ['x-hubspot-ratelimit-daily', 'x-hubspot-ratelimit-daily-remaining'])
      expect(infoRes.headers.get(h)).toBeNull();

    // CRM calls do carry them.
    const crm = await fetch(`${sandboxUrl}/hubspot/crm/v3/objects/deals?limit=1`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(crm.headers.get('x-hubspot-ratelimit-daily')).not.toBeNull();
  });
});
