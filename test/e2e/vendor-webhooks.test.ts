// Vendor webhooks into the hub: the sandbox signs a change notification the vendor's way and
// POSTs it to the hub over HTTP; the hub verifies it with the connection's secret and syncs the
// change. A forged or stale notification is refused.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createConnection } from '../../db/connection-store.ts';
import {
  createHarness,
  type Harness,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  waitFor,
} from '../support/harness.ts';
import { serveApp } from '../support/serve-app.ts';

let h: Harness;
let api: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  api = await serveApp(h.app as never);
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

describe('HubSpot webhooks into the hub', () => {
  test('a change in HubSpot reaches the hub as a signed webhook and syncs without polling', async () => {
    const { tenantId } = await h.newTenant('Webhook Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'hooks',
      clients: 15,
      clean: true,
      asOf: '2026-11-01',
    });
    const secret = 'app-client-secret-for-webhooks';
    const connectionId = await createConnection(h.pool, h.keyring, {
      tenantId,
      provider: 'hubspot',
      displayName: 'HubSpot',
      credentials: { accessToken: account.accessToken, webhookSecret: secret },
      settings: { baseUrl: account.baseUrl, accountId: account.accountId },
    });
    await startSync(h, { connectionId, tenantId }, 'full');
    await syncResult(h, connectionId);
    const hookUrl = `${api.url}/webhooks/hubspot/${connectionId}`;
    await sandboxAdmin(`${account.adminUrl}/webhook`, 'PUT', { url: hookUrl, secret });

    const deal = (
      await sandboxAdmin<{ results: { id: string; archived: boolean }[] }>(
        `${account.adminUrl}/objects/deals`,
      )
    ).results.find((d) => !d.archived)!;
    await sandboxAdmin(`${account.adminUrl}/objects/deals/${deal.id}`, 'PATCH', {
      properties: { amount: '2468.00' },
    });
    await waitFor(
      async () => {
        const { rows } = await h.pool.query(
          `select p.term_premium_cents from source_records s join policies p on p.id = s.canonical_id
            where s.connection_id = $1 and s.stream = 'deals' and s.external_id = $2`,
          [connectionId, deal.id],
        );
        return rows[0]?.term_premium_cents === 246800;
      },
      'the webhook-triggered sync',
      30_000,
    );
    const deliveries = (
      await sandboxAdmin<{ results: { status: number }[] }>(`${account.adminUrl}/webhook/deliveries`)
    ).results;
    expect(deliveries.at(-1)?.status).toBe(202);

    const body = JSON.stringify([
      {
        eventId: 1,
        portalId: Number(account.accountId),
        occurredAt: Date.now(),
        subscriptionType: 'deal.deletion',
        objectId: Number(deal.id),
      },
    ]);
    const now = String(Date.now());
    const sign = (key: string, ts: string) =>
      createHmac('sha256', key).update(`POST${hookUrl}${body}${ts}`).digest('base64');
    const post = (signature: string, ts: string) =>
      fetch(hookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signature,
          'x-hubspot-request-timestamp': ts,
        },
        body,
      });
    expect((await post(sign('not-the-secret', now), now)).status).toBe(401);
    const stale = String(Date.now() - 10 * 60_000);
    expect((await post(sign(secret, stale), stale)).status).toBe(401);
    expect((await post(sign(secret, now), now)).status).toBe(202);
  });
});

describe('EZLynx webhooks into the hub', () => {
  test('EZLynx’s signed event is verified and synced', async () => {
    const { tenantId } = await h.newTenant('EZLynx Webhook Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'ezlynx', {
      seed: 'ezhooks',
      clients: 12,
      clean: true,
      asOf: '2026-11-01',
    });
    const secret = 'ezlynx-webhook-secret-0123456789';
    const connectionId = await createConnection(h.pool, h.keyring, {
      tenantId,
      provider: 'ezlynx',
      displayName: 'EZLynx',
      credentials: { ...account.credentials, webhookSecret: secret },
      settings: { baseUrl: account.baseUrl, accountId: account.accountId },
    });
    await startSync(h, { connectionId, tenantId, provider: 'ezlynx' }, 'full');
    await syncResult(h, connectionId);
    await sandboxAdmin(`${account.adminUrl}/webhook`, 'PUT', {
      url: `${api.url}/webhooks/ezlynx/${connectionId}`,
      secret,
    });
    const policy = (
      await sandboxAdmin<{ results: { id: string; deleted: boolean }[] }>(
        `${account.adminUrl}/objects/policies`,
      )
    ).results.find((p) => !p.deleted)!;
    await sandboxAdmin(`${account.adminUrl}/objects/policies/${policy.id}`, 'PATCH', {
      termPremium: '1357.00',
    });
    await waitFor(
      async () => {
        const { rows } = await h.pool.query(
          'select count(*)::int as n from policies where tenant_id = $1 and term_premium_cents = 135700',
          [tenantId],
        );
        return rows[0].n === 1;
      },
      'the EZLynx webhook-triggered sync',
      30_000,
    );
  });
});
