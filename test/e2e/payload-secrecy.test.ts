// No secrets in Temporal: every payload in workflow history is AES-GCM ciphertext (inputs,
// signals, results) and failure messages travel encoded too. Read raw, without the codec, the
// history shows no email, name or vendor message; through the codec endpoint an operator (Temporal
// UI, with CODEC_TOKEN) sees the payloads in the clear, and no tenant's API key does.
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { issueApiKey } from '../../db/tenant-store.ts';
import { uiCodecEndpoint } from '../../runtime/codec-endpoint.ts';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec.ts';
import { parseKeyring } from '../../runtime/secret-box.ts';
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
  const token = 'codec-operator-token-0123456789abcdefghij';
  const plain = {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from('{"email":"x@y.test"}').toString('base64'),
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  beforeAll(() => {
    process.env.CODEC_TOKEN = token;
  });
  afterAll(() => {
    delete process.env.CODEC_TOKEN;
  });

  test('the operator token encodes and decodes, as a bearer token or in the query Temporal UI is given', async () => {
    const encodedRes = await post(
      '/codec/encode',
      { payloads: [plain] },
      { authorization: `Bearer ${token}` },
    );
    expect(encodedRes.status).toBe(200);
    const encoded = (await encodedRes.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(
      'binary/encrypted',
    );
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString()).not.toContain('x@y.test');
    const decoded = await post('/codec/decode', encoded, { authorization: `Bearer ${token}` });
    expect(((await decoded.json()) as { payloads: unknown[] }).payloads[0]).toEqual(plain);

    // What Temporal UI requests: the endpoint it was given with `/decode` appended.
    const endpoint = uiCodecEndpoint('http://127.0.0.1:3000', token);
    const url = new URL(`${endpoint}/decode`);
    expect(url.pathname).toBe('/codec');
    const viaUi = await post(url.pathname + url.search, encoded, { 'x-namespace': 'default' });
    expect(viaUi.status).toBe(200);
    expect(((await viaUi.json()) as { payloads: unknown[] }).payloads[0]).toEqual(plain);
    const encodeUrl = new URL(`${endpoint}/encode`);
    expect((await post(encodeUrl.pathname + encodeUrl.search, { payloads: [plain] })).status).toBe(200);
    expect((await post('/codec?token=x&op=/decode', encoded)).status).toBe(401);
    expect((await post(`/codec?token=${token}&op=/other`, encoded)).status).toBe(404);
    expect(
      (
        await post(
          '/codec/decode',
          { payloads: [{ ...encoded.payloads[0], data: 'AAAA' }] },
          {
            authorization: `Bearer ${token}`,
          },
        )
      ).status,
    ).toBe(422);
  });

  test('no tenant key opens it, whatever its scopes: another tenant’s payloads stay sealed', async () => {
    const owner = await h.newTenant('Codec Agency');
    const { tenantId } = await h.newTenant('Curious Agency');
    // The issue's probe: a tenant's `*` key, and a key of the scope the codec used to take.
    const { key: star } = await issueApiKey(h.pool, { tenantId, name: 'everything', scopes: ['*'] });
    const { key: scoped } = await issueApiKey(h.pool, {
      tenantId,
      name: 'old codec scope',
      scopes: ['codec:decode' as never],
    });
    // A payload of the other tenant, encoded the way the hub does it.
    const sealed = await new AesGcmPayloadCodec(parseKeyring(inject('payloadKeys'))).encode([
      {
        metadata: { encoding: Buffer.from('json/plain') },
        data: Buffer.from(`{"tenant":"${owner.tenantId}"}`),
      },
    ]);
    const body = {
      payloads: sealed.map((p) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata ?? {}).map(([k, v]) => [
            k,
            Buffer.from(v as Uint8Array).toString('base64'),
          ]),
        ),
        data: Buffer.from(p.data!).toString('base64'),
      })),
    };
    for (const key of [star, scoped, owner.apiKey]) {
      const res = await post('/codec/decode', body, { authorization: `Bearer ${key}` });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(owner.tenantId);
      expect((await post(`/codec?token=${key}&op=/decode`, body)).status).toBe(401);
    }
    expect((await post('/codec/decode', body)).status).toBe(401);
    expect((await post('/codec/decode', body, { 'x-api-key': star })).status).toBe(401);
    // Nor can a tenant make itself such a key any more.
    const made = await h.request('POST', '/v1/api-keys', {
      apiKey: star,
      body: { name: 'codec', scopes: ['codec:decode'] },
    });
    expect(made.status).toBe(422);
    // Without CODEC_TOKEN there is no codec at all.
    delete process.env.CODEC_TOKEN;
    expect((await post('/codec/decode', body, { authorization: `Bearer ${token}` })).status).toBe(404);
    process.env.CODEC_TOKEN = token;
  });

  test('CORS only for the Temporal UI’s origin (on loopback under either name)', async () => {
    const app = h.newApp({ temporalUiUrl: 'http://127.0.0.1:8233' });
    const preflight = (origin: string) =>
      app.request('/codec?token=x&op=/decode', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    for (const origin of ['http://127.0.0.1:8233', 'http://localhost:8233'])
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBe(origin);
    for (const origin of ['https://evil.example', 'http://127.0.0.1:8234', 'http://localhost:3000'])
      expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
    const remote = h.newApp({ temporalUiUrl: 'https://temporal.agency.example' });
    const allowed = await remote.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: 'https://temporal.agency.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://temporal.agency.example');
  });
});
