// The demo `npm start` makes, through the same steps: the demo tenant with its API key and console
// user, a connection to each sandbox's demo account, its first full syncs, and the
// demo-commissions workflow. Once the syncs are done the agency sees its commission picture: items
// pending, a non-zero dashboard, a carrier statement reconciled with a commission paid short and
// one missing, QuickBooks deposits reconciled, no producer twice on the leaderboard; and its console
// user signs in, in a real browser.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SandboxServer, startSandboxServer } from '../../connectors/sandbox-server.ts';
import { projectRoot } from '../../runtime/config.ts';
import { DEMO_TENANT_ID, demoCredentials, seedDemo, startDemoWork } from '../../runtime/demo-seed.ts';
import { deleteConnectionSchedules } from '../../runtime/schedules.ts';
import { launchChromium } from '../support/chromium.ts';
import { createHarness, type Harness, waitFor } from '../support/harness.ts';
import { serveApp } from '../support/serve-app.ts';

let h: Harness;
let sandboxes: SandboxServer;
let connections: string[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'chub-demo-'));
const agency = { seed: 'e2e-demo', clients: 120, asOf: '2026-11-01' };

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  sandboxes = await startSandboxServer({ port: 0, demo: agency });
});
afterAll(async () => {
  for (const id of connections) await deleteConnectionSchedules(h.temporal, id).catch(() => {});
  await sandboxes?.stop();
  await h?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo agency shows the product', () => {
  const credentials = demoCredentials(dataDir);
  const api = (path: string) =>
    h.request('GET', path, { apiKey: credentials.apiKey }).then(async (r) => {
      expect(r.status, path).toBe(200);
      return r.json() as Promise<Record<string, unknown>>;
    });

  beforeAll(async () => {
    const demo = await seedDemo(h.pool, h.keyring, {
      credentials,
      sandboxes: sandboxes.describe() as Parameters<typeof seedDemo>[2]['sandboxes'],
    });
    connections = Object.values(demo.connections);
    expect(demo.firstStart).toBe(true);
    await startDemoWork(h.temporal, h.taskQueue, demo, agency);
    // A second start finds everything made and starts nothing again.
    await startDemoWork(h.temporal, h.taskQueue, { ...demo, firstStart: false }, agency);
    await waitFor(
      async () => {
        const { rows } = await h.pool.query(
          `select count(*) filter (where status = 'reconciled')::int as reconciled, count(*)::int as n
             from statements where tenant_id = $1 and source = 'upload'`,
          [DEMO_TENANT_ID],
        );
        return rows[0].n === 1 && rows[0].reconciled === 1;
      },
      "the demo's syncs and its carrier statement's reconciliation",
      420_000,
    );
  }, 480_000);

  test('pending commissions, a non-zero dashboard, a reconciled statement and deposits, one person one producer', async () => {
    const pending = (await api('/v1/commissions/pending?limit=5')) as { data: unknown[] };
    expect(pending.data.length).toBeGreaterThan(0);

    const { rows: lines } = await h.pool.query<{ status: string; discrepancies: string[] }>(
      `select l.status, l.discrepancies from statement_lines l join statements s on s.id = l.statement_id
        where s.tenant_id = $1 and s.source = 'upload'`,
      [DEMO_TENANT_ID],
    );
    expect(lines.some((l) => l.status === 'underpaid')).toBe(true);
    const { rows: missing } = await h.pool.query(
      `select count(*)::int as n from expected_commissions where tenant_id = $1 and status = 'missing'`,
      [DEMO_TENANT_ID],
    );
    expect(missing[0].n).toBeGreaterThan(0);
    await waitFor(
      async () =>
        (
          await h.pool.query(
            `select count(*) > 0 and bool_and(status = 'reconciled') as ok from statements where tenant_id = $1 and source = 'quickbooks'`,
            [DEMO_TENANT_ID],
          )
        ).rows[0]?.ok === true,
      'the QuickBooks deposits to be reconciled',
      120_000,
    );

    const dashboard = (await api(`/v1/analytics/dashboard?as_of=${agency.asOf}`)) as {
      commission: Record<string, number>;
      leaderboard: { producer_id: string; name: string }[];
    };
    expect(dashboard.commission.expected_ytd_cents).toBeGreaterThan(0);
    expect(dashboard.commission.received_ytd_cents).toBeGreaterThan(0);
    expect(dashboard.commission.missing_count).toBeGreaterThan(0);
    // One person, one producer: no name twice on the leaderboard.
    const names = dashboard.leaderboard.map((r) => r.name.toLowerCase());
    expect(names.length).toBeGreaterThan(1);
    expect(new Set(names).size).toBe(names.length);

    // Expected commissions come from the AMS's records and the demo's schedule lines.
    const { rows: sources } = await h.pool.query<{ rate_source: string }>(
      `select distinct rate_source from expected_commissions where tenant_id = $1 and rate_source is not null`,
      [DEMO_TENANT_ID],
    );
    expect(sources.map((s) => s.rate_source).sort()).toEqual(expect.arrayContaining(['ams', 'schedule']));
  });

  test("the demo's console user signs in, in Chromium, and sees the statement", async () => {
    const server = await serveApp(h.app as unknown as Hono);
    const profile = mkdtempSync(join(tmpdir(), 'chub-demo-browser-'));
    const context = await launchChromium(profile);
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${server.url}/console`);
      await page.fill('#email', credentials.email);
      await page.fill('#password', credentials.password);
      await page.click('button[type=submit]');
      await page.waitForURL('**/console/connections');
      await page.goto(`${server.url}/console/statements`);
      expect(await page.locator('[data-statement]').count()).toBeGreaterThan(0);
      await page.goto(`${server.url}/console/rates`);
      expect(await page.locator('h1').first().textContent()).toMatch(/Rates/);
      const artifacts = join(projectRoot, 'test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'demo-rates.png'), fullPage: true });
    } finally {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
