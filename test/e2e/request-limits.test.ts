// Issue 13, case 6: every request is bounded in one place. A body larger than its route allows is
// a 413 before it is parsed (told by Content-Length or counted while streaming), 50,000 merge
// rules are refused at once instead of holding the request for seconds, JSON nested 5,000 levels
// or with an over-long array is refused with the field named, and the OpenAPI document announces
// each limit. Nothing refused is stored.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { limits } from '../../api/limits.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { tenantState } from '../support/tenant-state.ts';

let h: Harness;
let tenantId: string;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness();
  ({ tenantId, apiKey } = await h.newTenant('Request limits'));
});
afterAll(async () => {
  await h?.close();
});

function send(
  method: string,
  path: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  return h.app.request(path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function refused(res: Response, status: number, type: string) {
  const body = (await res.json()) as Record<string, unknown>;
  expect([res.status, body.type], JSON.stringify(body).slice(0, 300)).toEqual([status, `/problems/${type}`]);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return body;
}

describe('body size', () => {
  test('a 10 MB JSON body is a 413 naming the limit, declared or streamed, and nothing is stored', async () => {
    const before = await tenantState(h.pool, tenantId);
    const big = JSON.stringify({ policy_number: 'BIG-BODY', line_of_business: 'x'.repeat(10_000_000) });
    const declared = await refused(await send('POST', '/v1/policies', big), 413, 'too-large');
    expect(declared.limit_bytes).toBe(limits.jsonBodyBytes);
    // Without a Content-Length the body is counted while it streams and cut off at the limit.
    const bytes = new TextEncoder().encode(big);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(sent, sent + 65_536));
        sent += 65_536;
      },
    });
    await refused(await send('POST', '/v1/policies', stream), 413, 'too-large');
    expect(sent).toBeLessThan(2 * limits.jsonBodyBytes);
    expect(await tenantState(h.pool, tenantId)).toEqual(before);
  });

  test('a route that takes more states it: bulk accepts a body past the default', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      op: 'create',
      policy: {
        policy_number: `LIMIT-${i}`,
        line_of_business: 'Commercial Property'.padEnd(100, '.'),
        prior_policy_number: `PRIOR-${i}`.padEnd(100, '0'),
      },
    }));
    const body = JSON.stringify({ items });
    expect(body.length).toBeGreaterThan(limits.jsonBodyBytes);
    const res = await send('POST', '/v1/policies/bulk', body);
    expect(res.status).toBe(200);
  });
});

describe('array lengths and nesting', () => {
  test('50,000 merge rules are refused at once; the limit is 200 and the rules stay as they were', async () => {
    const rule = (i: number) => ({ entity_type: 'policy', field: `field${i}`, strategy: 'latest' });
    const before = await tenantState(h.pool, tenantId);
    const started = performance.now();
    const res = await send(
      'PUT',
      '/v1/merge-rules',
      JSON.stringify({ data: Array.from({ length: 50_000 }, (_, i) => rule(i)) }),
    );
    const ms = performance.now() - started;
    // 50,000 rules are also past the body limit (2.9 MB): refused before they are parsed.
    await refused(res, 413, 'too-large');
    expect(ms).toBeLessThan(1_000);
    const tooMany = await send(
      'PUT',
      '/v1/merge-rules',
      JSON.stringify({ data: Array.from({ length: 201 }, (_, i) => rule(i)) }),
    );
    const problem = await refused(tooMany, 422, 'validation');
    expect(JSON.stringify(problem.errors)).toContain('data');
    expect(await tenantState(h.pool, tenantId)).toEqual(before);
    const atLimit = await send(
      'PUT',
      '/v1/merge-rules',
      JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => rule(i)) }),
    );
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as { data: unknown[] }).data).toHaveLength(200);
    await send('PUT', '/v1/merge-rules', JSON.stringify({ data: [] }));
  });

  test('JSON nested 5,000 levels and an array past 1,000 items are refused with the field named', async () => {
    const before = await tenantState(h.pool, tenantId);
    const deep = `{"source":"hubspot","contact_id":"deep","updates":{"name":"Deep","x":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const nested = await refused(
      await send('POST', '/v1/inbound/crm/contact-update', deep),
      422,
      'validation',
    );
    expect(nested.limit_depth).toBe(limits.jsonDepth);
    const long = JSON.stringify({
      source: 'hubspot',
      contact_id: 'long',
      updates: { name: 'Long', tags: Array.from({ length: 1001 }, () => 1) },
    });
    const listed = await refused(
      await send('POST', '/v1/inbound/crm/contact-update', long),
      422,
      'validation',
    );
    expect(listed.errors).toEqual([{ field: 'updates.tags', message: 'at most 1000 items' }]);
    expect(await tenantState(h.pool, tenantId)).toEqual(before);
  });
});

describe('the OpenAPI document', () => {
  test('announces the limits: body bytes per operation, the 413/415 answers, array bounds, the rest in its description', async () => {
    const doc = (await (await h.request('GET', '/openapi.json')).json()) as {
      info: { description: string };
      paths: Record<string, Record<string, Record<string, any>>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.info.description).toContain(`nested at most ${limits.jsonDepth} levels`);
    expect(doc.info.description).toContain(`${limits.arrayItems} items`);
    const rules = doc.paths['/v1/merge-rules']!.put!;
    expect(rules.requestBody['x-max-bytes']).toBe(limits.jsonBodyBytes);
    expect(rules.requestBody.content['application/json'].schema.properties.data.maxItems).toBe(
      limits.mergeRules,
    );
    expect(Object.keys(rules.responses)).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
    expect(doc.paths['/v1/policies/bulk']!.post!.requestBody['x-max-bytes']).toBe(4 * 1024 * 1024);
    expect(doc.paths['/v1/connections/{id}/schedule/backfill']!.post!.description).toContain(
      `${limits.backfillDays} days and ${limits.backfillTicks} schedule ticks`,
    );
    expect(doc.components.schemas.Problem).toBeDefined();
  });
});
