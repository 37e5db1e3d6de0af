// OpenTelemetry: one trace from an API request through the workflow it starts and that
// workflow's activities, exported by OTLP/HTTP to a collector (here a local receiver that keeps
// what it is sent), and nothing secret in it.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTracing, type Tracing } from '../../runtime/tracing.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  syncResult,
  waitFor,
} from '../support/harness.ts';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

// OTLP/JSON: resourceSpans[].scopeSpans[].spans[], attributes as [{ key, value: { stringValue… } }].
type OtlpValue = Record<string, unknown>;
const plain = (v: OtlpValue): unknown =>
  v.stringValue ??
  v.intValue ??
  v.boolValue ??
  v.doubleValue ??
  (v.arrayValue ? JSON.stringify(v.arrayValue) : v);
const attrs = (list: { key: string; value: OtlpValue }[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

const received: ReceivedSpan[] = [];
const rawBodies: string[] = [];
let receiver: Server;
let tracing: Tracing;
let h: Harness;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url !== '/v1/traces' || !req.headers['content-type']?.startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      rawBodies.push(body);
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        const service = String(attrs(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            received.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              attributes: attrs(s.attributes),
              service,
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  tracing = startTracing('commission-hub-test', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  h = await createHarness({ tracing });
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
  await tracing?.shutdown();
  receiver?.close();
});

describe('OpenTelemetry tracing', () => {
  test('an API request, the sync workflow it starts and its activities share one trace', async () => {
    expect(tracing.enabled).toBe(true);
    const { tenantId, apiKey } = await h.newTenant('Traced Agency');
    const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
      seed: 'traced',
      clients: 4,
      clean: true,
    });
    const connectionId = await hubspotConnection(h, tenantId, account);

    // The caller's own trace: the request continues it.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await h.request('POST', `/v1/connections/${connectionId}/syncs`, {
      apiKey,
      body: { mode: 'full' },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(res.status).toBe(202);
    expect((await syncResult(h, connectionId)).status).toBe('completed');

    const ofTrace = () => received.filter((s) => s.traceId === traceId);
    await waitFor(async () => {
      await tracing.flush();
      return ofTrace().some((s) => s.name.startsWith('RunWorkflow:')) &&
        ofTrace().some((s) => s.name.startsWith('RunActivity:'))
        ? true
        : null;
    }, 'the workflow and activity spans to reach the receiver');
    const spans = ofTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (s: ReceivedSpan) => {
      const chain: string[] = [];
      for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) chain.push(p.name);
      return chain;
    };

    // The API's server span: named by the route pattern, a child of the caller's span.
    const server = spans.find((s) => s.name === 'POST /v1/connections/:id/syncs');
    expect(server, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(server).toMatchObject({ kind: 2, parentSpanId: callerSpanId, service: 'commission-hub-test' });
    expect(server?.attributes).toMatchObject({
      'http.route': '/v1/connections/:id/syncs',
      'http.response.status_code': 202,
      'commission_hub.tenant_id': tenantId,
    });

    // The client call that started the workflow hangs under the request…
    const start = spans.find((s) =>
      /^(StartWorkflow|SignalWithStartWorkflow|UpdateWithStartWorkflow):/.test(s.name),
    );
    expect(start?.parentSpanId).toBe(server?.spanId);
    // …the workflow run under that call…
    const run = spans.find((s) => s.name === 'RunWorkflow:syncConnection');
    expect(run && ancestors(run)).toContain(start?.name);
    // …and every activity of the run under the workflow, each started by it.
    const activities = spans.filter((s) => s.name.startsWith('RunActivity:'));
    expect(activities.length).toBeGreaterThan(1);
    for (const a of activities) {
      expect(ancestors(a)[0]).toBe(a.name.replace('RunActivity', 'StartActivity'));
      expect(ancestors(a)).toContain('RunWorkflow:syncConnection');
      expect(ancestors(a).at(-1)).toBe(server?.name);
    }
    // Workflow spans carry identifiers (workflow id, type), not the run's payloads.
    expect(run?.attributes).toMatchObject({
      workflowId: `sync/${connectionId}`,
      workflowType: 'syncConnection',
    });

    // Nothing secret reached the collector: no API key, no vendor token, no object-valued attribute.
    const everything = rawBodies.join('\n');
    expect(everything).not.toContain(apiKey);
    expect(everything).not.toContain(account.accessToken);
    for (const s of spans)
      for (const [key, value] of Object.entries(s.attributes))
        expect(typeof value === 'object' && value !== null, `${s.name} ${key}`).toBe(false);
  });
});
