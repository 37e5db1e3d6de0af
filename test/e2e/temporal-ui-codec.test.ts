// An operator inspects a sync in the Temporal UI the way `npm start` serves it: a dev server of this
// file's own, started like the supervisor starts it (startTemporalDevServer with a UI port and the
// API's codec endpoint carrying CODEC_TOKEN), the hub's worker encrypting every payload, and the
// API serving /codec. In Chromium the sync's input and result read in the clear; the same history
// fetched raw is ciphertext. Screenshots go to test-artifacts/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { Hono } from 'hono';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { uiCodecEndpoint } from '../../runtime/codec-endpoint.ts';
import { projectRoot } from '../../runtime/config.ts';
import { freePort, type RunningTemporal, startTemporalDevServer } from '../../runtime/temporal-server.ts';
import { launchChromium } from '../support/chromium.ts';
import {
  createHarness,
  type Harness,
  hubspotConnection,
  sandboxAccount,
  startSync,
  syncResult,
} from '../support/harness.ts';
import { serveApp } from '../support/serve-app.ts';

const token = randomBytes(32).toString('base64url');
const artifacts = join(projectRoot, 'test-artifacts');
let temporal: RunningTemporal;
let h: Harness;
let api: { url: string; close(): Promise<void> };
let context: BrowserContext;
let page: Page;
let profile: string;

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const [port, uiPort, apiPort] = await distinctPorts(3);
  temporal = await startTemporalDevServer({
    port: port!,
    uiPort,
    uiCodecEndpoint: uiCodecEndpoint(`http://127.0.0.1:${apiPort}`, token),
  });
  process.env.CODEC_TOKEN = token;
  h = await createHarness({ temporalAddress: temporal.address });
  await h.startWorker();
  api = await serveApp(h.newApp({ temporalUiUrl: temporal.uiUrl }) as unknown as Hono, apiPort);
  profile = mkdtempSync(join(tmpdir(), 'chub-chromium-'));
  context = await launchChromium(profile);
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
}, 180_000);

afterAll(async () => {
  delete process.env.CODEC_TOKEN;
  await context?.close();
  await api?.close();
  await h?.close();
  await temporal?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('an operator opens a sync in the Temporal UI and reads its decoded input and result', async () => {
  const { tenantId } = await h.newTenant('Temporal UI Agency');
  const account = await sandboxAccount(h.sandboxUrl, 'hubspot', {
    seed: 'temporal-ui',
    clients: 4,
    clean: true,
  });
  const connectionId = await hubspotConnection(h, tenantId, account);
  const workflowId = await startSync(h, { connectionId, tenantId }, 'full');
  const result = await syncResult(h, connectionId);
  expect(result.status).toBe('completed');

  // Raw, the result is ciphertext: whatever the UI shows in the clear came through the codec.
  const raw = new Client({ connection: h.temporal.connection, namespace: 'default' });
  const history = await raw.workflow.getHandle(workflowId).fetchHistory();
  const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
  const sealed = completed!.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
  expect(Buffer.from(sealed.metadata!.encoding!).toString()).toBe('binary/encrypted');
  expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain('counts');

  const decodeCalls: number[] = [];
  page.on('response', (res) => {
    if (res.url().startsWith(`${api.url}/codec?`)) decodeCalls.push(res.status());
  });
  await page.goto(`${temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  // The SPA loads the run, then decodes its payloads through the hub's codec.
  const body = page.locator('body');
  await expect.poll(() => body.textContent(), { timeout: 60_000, interval: 500 }).toMatch(/"counts"/);
  const text = (await body.textContent()) ?? '';
  await page.screenshot({ path: join(artifacts, 'temporal-ui-decoded-sync.png'), fullPage: true });
  // The result, as the workflow returned it, and its input.
  expect(text).toContain('"completed"');
  expect(text).toContain(`"read": ${result.counts.read}`);
  expect(text).toMatch(/"options"/);
  expect(text).toContain(connectionId);
  expect(text).not.toContain('encryption-key-id');
  expect(text).not.toContain('binary/encrypted');
  expect(decodeCalls.length).toBeGreaterThan(0);
  expect(decodeCalls.every((s) => s === 200)).toBe(true);
}, 180_000);
