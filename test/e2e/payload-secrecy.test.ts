// No secrets in Temporal: every payload in workflow history is AES-GCM ciphertext (inputs,
// signals, results) and failure messages travel encoded too. Read raw, without the codec, the
// history shows no email, name or vendor message; through the codec endpoint an authenticated
// operator (Temporal UI) sees the payloads in the clear.
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueApiKey } from '../../db/tenant-store.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const rawClient = () => new Client({ connection: h.temporal.connection, namespace: 'default' });

/** Everything in a history as text, bytes included (decoded as latin1 so any plaintext shows). */
function allText(node: unknown): string {
  if (node === null || node === undefined) return '';
  if (node instanceof Uint8Array) return Buffer.from(node).toString('latin1');
  if (Array.isArray(node)) return node.map(allText).join(' ');
  if (typeof node === 'object')
    return Object.entries(node as Record<string, unknown>)
      .map(([k, v]) => `${k} ${allText(v)}`)
      .join(' ');
  return String(node);
}

describe('payloads in Temporal history', () => {
  test('a conflict decided with a person’s email and a failed sync leave no plaintext in history', async () => {
    const { tenantId } = await h.newTenant('Secrecy Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'secrecy',
      clients: 6,
      clean: true,
      asOf: '2026-11-01',
    });
    const connectionId = await hubspotConnection(h, tenantId, account);
    await startSync(h, { connectionId, tenantId }, 'full');
    await syncResult(h, connectionId);
    const { rows: client } = await h.pool.query(
      `select id, display_name from clients where tenant_id = $1 and kind = 'person' limit 1`,
      [tenantId],
    );
    const secretEmail = 'very.private.person@example.com';
    const { rows: conflict } = await h.pool.query(
      `insert into conflicts (tenant_id, entity_type, entity_id, field, current_value, current_source, incoming_value, incoming_source, deadline_at)
       values ($1, 'client', $2, 'email', '"a@x.test"', $3::jsonb, '"b@x.test"', $3::jsonb, now() + interval '1 hour') returning id`,
      [
        tenantId,
        client[0].id,
        JSON.stringify({ connectionId, provider: 'hubspot', sourceRecordId: 0, sourceUpdatedAt: null }),
      ],
    );
    const handle = await h.temporal.workflow.start('resolveConflict', {
      taskQueue: h.taskQueue,
      workflowId: `conflict/${conflict[0].id}`,
      args: [{ conflictId: conflict[0].id, deadlineAt: new Date(Date.now() + 3_600_000).toISOString() }],
    });
    await handle.signal('decide', {
      resolution: 'value',
      value: secretEmail,
      decidedBy: client[0].display_name,
    });
    await handle.result();
    const { rows: after } = await h.pool.query('select email from clients where id = $1', [client[0].id]);
    expect(after[0].email).toBe(secretEmail);

    // A failed sync: the vendor's error message must not show in plain text either.
    await sandboxAdmin(`${account.adminUrl}/tokens/${account.accessToken}`, 'DELETE');
    await startSync(h, { connectionId, tenantId }, 'incremental');
    await expect(syncResult(h, connectionId)).rejects.toThrow();

    for (const workflowId of [`conflict/${conflict[0].id}`, `sync/${connectionId}`]) {
      const raw = await rawClient().workflow.getHandle(workflowId).fetchHistory();
      const text = allText(raw);
      expect(text).not.toContain(secretEmail);
      expect(text).not.toContain(client[0].display_name);
      expect(text).not.toContain('Authentication credentials');
      expect(text).not.toContain('HubSpot 401');
      expect(text).toContain('binary/encrypted');
    }
    // The same run read through the codec: the decision is there, so the checks above could have failed.
    const decoded = await (await import('../support/decode-history.ts')).decodeHistory(
      await rawClient().workflow.getHandle(`conflict/${conflict[0].id}`).fetchHistory(),
      (await import('../../runtime/secret-box.ts')).parseKeyring(
        (await import('vitest')).inject('payloadKeys'),
      ),
      false,
    );
    expect(allText(decoded)).toContain(secretEmail);
  });
});

describe('the codec endpoint for Temporal UI', () => {
  test('an operator key encodes and decodes; no key or no scope is refused; CORS only for the UI origin', async () => {
    const { tenantId } = await h.newTenant('Codec Agency');
    const { key } = await issueApiKey(h.pool, { tenantId, name: 'operator', scopes: ['codec:decode'] });
    const { key: other } = await issueApiKey(h.pool, { tenantId, name: 'reader', scopes: ['policies:read'] });
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"email":"x@y.test"}').toString('base64'),
    };
    const encodedRes = await h.request('POST', '/codec/encode', { apiKey: key, body: { payloads: [plain] } });
    expect(encodedRes.status).toBe(200);
    const encoded = (await encodedRes.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(
      'binary/encrypted',
    );
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString()).not.toContain('x@y.test');
    const decoded = (await (
      await h.request('POST', '/codec/decode', { apiKey: key, body: encoded })
    ).json()) as { payloads: unknown[] };
    expect(decoded.payloads[0]).toEqual(plain);
    expect((await h.request('POST', '/codec/decode', { body: encoded })).status).toBe(401);
    expect((await h.request('POST', '/codec/decode', { apiKey: other, body: encoded })).status).toBe(403);

    const preflight = (origin: string) =>
      h.app.request('/codec/decode', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('http://localhost:8233')).headers.get('access-control-allow-origin')).toBe(
      'http://localhost:8233',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
