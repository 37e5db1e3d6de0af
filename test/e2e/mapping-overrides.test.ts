// Per-connection mapping overrides: an agency changes where a canonical field comes from, with
// no code; the API suggests a resync that maps unchanged records again, and the change applies.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  syncResult,
  waitFor,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

describe('mapping overrides', () => {
  test('an override read from another vendor field applies after the suggested resync', async () => {
    const { tenantId, apiKey } = await h.newTenant('Override Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'overrides',
      clients: 10,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotConnection(h, tenantId, account);
    expect(
      (await h.request('POST', `/v1/connections/${connectionId}/syncs`, { apiKey, body: { mode: 'full' } }))
        .status,
    ).toBe(202);
    await syncResult(h, connectionId);

    const before = (await (
      await h.request('GET', `/v1/connections/${connectionId}/mappings`, { apiKey })
    ).json()) as {
      effective: Record<string, { fields: Record<string, unknown> }>;
      vendor_fields_read: Record<string, string[]>;
    };
    expect(before.effective.deals!.fields.lineOfBusiness).toEqual({
      path: 'properties.line_of_business',
      transform: 'upper',
    });

    const put = await h.request('PUT', `/v1/connections/${connectionId}/mappings`, {
      apiKey,
      body: {
        overrides: {
          deals: { fields: { lineOfBusiness: { path: 'properties.pipeline', transform: 'upper' } } },
        },
      },
    });
    expect(put.status).toBe(200);
    const after = (await put.json()) as {
      vendor_fields_read: Record<string, string[]>;
      resync: { request: { path: string; body: unknown } };
    };
    expect(after.vendor_fields_read.deals).toContain('properties.pipeline');
    const bad = await h.request('PUT', `/v1/connections/${connectionId}/mappings`, {
      apiKey,
      body: { overrides: { nosuch: { fields: {} } } },
    });
    expect(bad.status).toBe(422);

    const resync = await h.request('POST', after.resync.request.path, {
      apiKey,
      body: after.resync.request.body,
    });
    expect(resync.status).toBe(202);
    await waitFor(async () => {
      const { rows } = await h.pool.query(
        `select count(*) filter (where line_of_business = 'DEFAULT')::int as moved, count(*)::int as n from policies where tenant_id = $1`,
        [tenantId],
      );
      return rows[0].n > 0 && rows[0].moved === rows[0].n;
    }, 'every policy to take its line of business from the overridden field');
  });
});
