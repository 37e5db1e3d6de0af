// The OpenAPI document the API serves validates against the OpenAPI 3.1 specification (schema,
// unique operation ids, parameters that match their paths), and names the policy and inbound routes.
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

test('GET /openapi.json is a valid OpenAPI 3.1 document', async () => {
  const res = await h.request('GET', '/openapi.json');
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(doc.openapi).toBe('3.1.0');
  // validate() dereferences in place: give it a copy.
  const result = await validate(structuredClone(doc) as never);
  expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  const routes = Object.entries(doc.paths).flatMap(([p, methods]) =>
    Object.keys(methods).map((m) => `${m} ${p}`),
  );
  expect(routes).toEqual(
    expect.arrayContaining([
      'get /v1/policies',
      'post /v1/policies',
      'get /v1/policies/{id}',
      'put /v1/policies/{id}',
      'delete /v1/policies/{id}',
      'post /v1/policies/bulk',
      'get /v1/policies/{id}/timeline',
      'post /v1/policies/{id}/renew',
      'get /v1/policies/{id}/transactions',
      'post /v1/policies/{id}/transactions',
      'patch /v1/policies/{id}/transactions/{transactionId}',
      'delete /v1/policies/{id}/transactions/{transactionId}',
      'get /v1/policies/expiring',
      'post /v1/inbound/ams/policy',
      'post /v1/inbound/rater/quote-sold',
      'post /v1/inbound/crm/contact-update',
      'get /readyz',
    ]),
  );
});
