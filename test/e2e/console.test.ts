// Console sessions and the agency console in a real browser. Sessions: sign in for a JWT access
// token and a refresh token; each refresh token works once and a replayed one revokes the whole
// session; an expired access token gets 401; signing out stops the session at once. Browser
// (Debian's chromium through playwright-core): sign in, connect a HubSpot account through the
// OAuth flow against the sandbox, start a sync and watch its progress reach 100%, resolve a
// conflict between two systems, and read statements with their reconciliation summary.
// Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countSignInAttempt, MAX_FAILED_SIGN_INS } from '../../api/sign-in-throttle.ts';
import { projectRoot } from '../../runtime/config.ts';
import { deleteConnectionSchedules } from '../../runtime/schedules.ts';
import { launchChromium } from '../support/chromium.ts';
import { createHarness, type Harness, sandboxAdmin, syncResult, waitFor } from '../support/harness.ts';
import { serveApp } from '../support/serve-app.ts';

let h: Harness;
const ADMIN_TOKEN = 'console-test-operator-token';
const artifacts = join(projectRoot, 'test-artifacts');
const created: string[] = [];

async function newAgency(name: string, email: string, password: string) {
  const res = await h.request('POST', '/admin/tenants', {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: { name, plan: 'professional', console_user: { email, password } },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as {
    tenant: { id: string };
    api_key: { key: string };
    console_user: { id: string; email: string };
  };
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

async function signIn(email: string, password: string): Promise<Response> {
  return h.request('POST', '/sessions', { body: { email, password } });
}

const asBearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  process.env.ADMIN_TOKEN = ADMIN_TOKEN;
  h = await createHarness();
  process.env.SANDBOX_URL = h.sandboxUrl;
});
afterAll(async () => {
  for (const id of created) await deleteConnectionSchedules(h.temporal, id).catch(() => {});
  await h?.close();
});

describe('console sessions', () => {
  const email = 'Owner@Sessions.example';
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    await newAgency('Sessions Agency', email, password);
  });

  test('the password is stored as a scrypt hash; a wrong one is refused', async () => {
    const { rows } = await h.pool.query('select password_hash from console_users where email = $1', [
      email.toLowerCase(),
    ]);
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain(password);
    expect((await signIn(email, 'wrong password')).status).toBe(401);
    expect((await signIn('nobody@example.test', password)).status).toBe(401);
  });

  test('ten failed sign-ins lock the account for a while, even to the right password; others are untouched', async () => {
    const victim = 'target@throttle.example';
    await newAgency('Throttled Agency', victim, password);
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++)
      expect((await signIn(victim, `guess ${i}`)).status).toBe(401);
    const locked = await signIn(victim.toUpperCase(), password);
    expect(locked.status).toBe(429);
    const wait = Number(locked.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    // At most the rest of this 15-minute window and the next one (the clock may be anywhere in it).
    expect(wait).toBeLessThanOrEqual(2 * 15 * 60);
    expect(await locked.json()).toMatchObject({ type: '/problems/rate-limited', retry_after_seconds: wait });
    // The console's own form says so too.
    const form = await h.app.request('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams({ email: victim, password }),
    });
    expect(form.status).toBe(429);
    expect(await form.text()).toContain('Too many failed sign-ins');
    // Another account signs in as usual.
    expect((await signIn(email, password)).status).toBe(201);
    // Guesses fired all at once are each counted: a burst gets no more than ten tries.
    const burst = 'burst@throttle.example';
    await newAgency('Burst Agency', burst, password);
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) => signIn(burst, `parallel guess ${i}`).then((r) => r.status)),
    );
    expect(answers.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILED_SIGN_INS);
    expect(answers.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25 - MAX_FAILED_SIGN_INS);
  });

  test('a locked account opens exactly when Retry-After says, not a second before', async () => {
    // Fixed instants, so the quarter hour the test runs in does not matter.
    for (const minute of [1, 14]) {
      const account = `clock-${minute}@throttle.example`;
      const t0 = Date.UTC(2026, 0, 1, 9, minute);
      for (let i = 0; i < MAX_FAILED_SIGN_INS; i++)
        expect(await countSignInAttempt(h.pool, account, t0)).toBe(0);
      const wait = await countSignInAttempt(h.pool, account, t0);
      expect(wait).toBeGreaterThan(0);
      expect(await countSignInAttempt(h.pool, account, t0 + wait * 1000)).toBe(0);
    }
    const early = 'early@throttle.example';
    const t0 = Date.UTC(2026, 0, 1, 10, 5);
    for (let i = 0; i <= MAX_FAILED_SIGN_INS; i++) await countSignInAttempt(h.pool, early, t0);
    const wait = await countSignInAttempt(h.pool, early, t0);
    expect(await countSignInAttempt(h.pool, early, t0 + (wait - 1) * 1000)).toBeGreaterThan(0);
  });

  test('refresh rotates; a replayed refresh token revokes the whole session', async () => {
    const first = (await (await signIn(email.toUpperCase(), password)).json()) as Tokens;
    expect(first.access_token.split('.')).toHaveLength(3);
    expect((await h.request('GET', '/v1/connections', asBearer(first.access_token))).status).toBe(200);

    const rotated = await h.request('POST', '/sessions/refresh', {
      body: { refresh_token: first.refresh_token },
    });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await h.request('GET', '/v1/connections', asBearer(second.access_token))).status).toBe(200);

    // The first refresh token again: someone else holds a copy. Both tokens die, and the session.
    const replay = await h.request('POST', '/sessions/refresh', {
      body: { refresh_token: first.refresh_token },
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { reason: string }).reason).toBe('reused');
    const after = await h.request('POST', '/sessions/refresh', {
      body: { refresh_token: second.refresh_token },
    });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { reason: string }).reason).toBe('revoked');
    expect((await h.request('GET', '/v1/connections', asBearer(second.access_token))).status).toBe(401);
  });

  test('an expired access token gets 401; a refresh brings the session back', async () => {
    process.env.SESSION_ACCESS_TTL_SECONDS = '1';
    try {
      const tokens = (await (await signIn(email, password)).json()) as Tokens;
      expect(tokens.expires_in).toBe(1);
      await new Promise((r) => setTimeout(r, 2100));
      const expired = await h.request('GET', '/v1/connections', asBearer(tokens.access_token));
      expect(expired.status).toBe(401);
      expect(((await expired.json()) as { detail: string }).detail).toContain('expired');
      const next = (await (
        await h.request('POST', '/sessions/refresh', { body: { refresh_token: tokens.refresh_token } })
      ).json()) as Tokens;
      expect((await h.request('GET', '/v1/connections', asBearer(next.access_token))).status).toBe(200);
    } finally {
      delete process.env.SESSION_ACCESS_TTL_SECONDS;
    }
  });

  test('a forged token is refused and signing out ends the session at once', async () => {
    const tokens = (await (await signIn(email, password)).json()) as Tokens;
    const [head, body] = tokens.access_token.split('.');
    const forged = `${head}.${body}.${Buffer.from('not the signature').toString('base64url')}`;
    expect((await h.request('GET', '/v1/connections', asBearer(forged))).status).toBe(401);
    const out = await h.request('POST', '/sessions/sign-out', {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(out.status).toBe(204);
    expect((await h.request('GET', '/v1/connections', asBearer(tokens.access_token))).status).toBe(401);
    const refresh = await h.request('POST', '/sessions/refresh', {
      body: { refresh_token: tokens.refresh_token },
    });
    expect(refresh.status).toBe(401);
  });
});

describe('the agency console in Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let apiKey: string;
  let tenantId: string;
  const email = 'agent@console.example';
  const password = 'a long console password';
  const portals: Record<
    'a' | 'b',
    { accountId: string; oauthApp: { clientId: string; clientSecret: string } }
  > = {} as never;

  const shot = (name: string) =>
    page.screenshot({ path: join(artifacts, `console-${name}.png`), fullPage: true });
  const useApp = (key: 'a' | 'b') => {
    process.env.HUBSPOT_CLIENT_ID = portals[key].oauthApp.clientId;
    process.env.HUBSPOT_CLIENT_SECRET = portals[key].oauthApp.clientSecret;
  };

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    await h.startWorker();
    const agency = await newAgency('Console Agency', email, password);
    apiKey = agency.api_key.key;
    tenantId = agency.tenant.id;
    // The same book in two HubSpot portals, so the two systems can disagree.
    for (const key of ['a', 'b'] as const)
      portals[key] = await sandboxAdmin(`${h.sandboxUrl}/hubspot/_admin/accounts`, 'POST', {
        seed: 'console-twin',
        clients: 120,
        clean: true,
        asOf: '2026-11-01',
      });
    server = await serveApp(h.app as unknown as Hono);
    profile = mkdtempSync(join(tmpdir(), 'chub-chromium-'));
    context = await launchChromium(profile);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(60_000);
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('sign in, connect HubSpot by OAuth, sync with live progress, resolve a conflict, read statements', async () => {
    // Portal B is connected by an integrator through the API flow (the same code path).
    useApp('b');
    const start = await h.request('GET', '/v1/connect/hubspot', { apiKey });
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);
    // The callback comes from the client that started the flow: it carries the binding cookie.
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const connectedB = await h.app.request(callback.pathname + callback.search, { headers: { cookie } });
    expect(connectedB.status).toBe(201);
    const b = ((await connectedB.json()) as { connection: { id: string } }).connection.id;
    created.push(b);
    expect((await syncResult(h, b, 180_000)).status).toBe('completed');

    // Not signed in: the console sends the browser to the sign-in page.
    await page.goto(`${server.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.fill('#email', email);
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('wrong');
    await page.fill('#password', password);
    await shot('01-sign-in');
    await page.click('button[type=submit]');
    await page.waitForURL('**/console/connections');
    await shot('02-connections');

    // Connect HubSpot: the real redirect to the sandbox's authorize endpoint and back.
    useApp('a');
    await page.click('[data-connect=hubspot]');
    await page.waitForURL(/\/console\/connections\?connected=/);
    const a = new URL(page.url()).searchParams.get('connected')!;
    created.push(a);
    expect(await page.locator('[role=status]').textContent()).toContain('Connected');
    const { rows } = await h.pool.query(
      'select provider, settings from connections where id = $1 and tenant_id = $2',
      [a, tenantId],
    );
    expect(rows[0].provider).toBe('hubspot');
    expect(rows[0].settings.accountId).toBe(portals.a.accountId);
    const card = page.locator(`[data-connection-card="${a}"]`);
    expect(await card.textContent()).toContain('Incremental every 15 min, full nightly at 02:00 UTC');
    expect(await card.locator('a', { hasText: 'Workflow in Temporal UI' }).getAttribute('href')).toBe(
      `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(`sync/${a}`)}`,
    );
    const progress = page.locator(`.progress[data-connection="${a}"]`);
    // The first full sync started by the connect finishes.
    await expect.poll(() => progress.getAttribute('data-percent'), { timeout: 180_000 }).toBe('100');

    // Start a sync and watch its progress: it runs, then reaches 100%. The portal answers slowly
    // (sandbox chaos), so the run lasts long enough to be seen in between.
    const chaosUrl = `${h.sandboxUrl}/hubspot/_admin/accounts/${portals.a.accountId}/chaos`;
    await sandboxAdmin(chaosUrl, 'PUT', { latencyMs: 500 });
    // Every state the bar passes through, recorded in the page (a script string: no DOM types here).
    await page.evaluate(`(() => {
      const el = document.querySelector('.progress[data-connection="${a}"]');
      window.seen = [];
      new MutationObserver(() => window.seen.push(el.dataset.status + ':' + el.dataset.percent))
        .observe(el, { attributes: true, attributeFilter: ['data-status', 'data-percent'] });
    })()`);
    const runsBefore = await h.pool.query<{ id: string }>(
      'select id from sync_runs where connection_id = $1',
      [a],
    );
    let runningShot = false;
    await page.click(`[data-sync="${a}"]`);
    await expect
      .poll(
        async () => {
          const [status, percent] = await Promise.all([
            progress.getAttribute('data-status'),
            progress.getAttribute('data-percent'),
          ]);
          if (status === 'running' && !runningShot) {
            runningShot = true;
            await shot('03-sync-running');
          }
          return status !== 'queued' && percent === '100';
        },
        { timeout: 180_000, interval: 100 },
      )
      .toBe(true);
    await sandboxAdmin(chaosUrl, 'PUT', { latencyMs: 0 });
    const seen = (await page.evaluate('window.seen')) as string[];
    const percents = seen.filter((s) => s.startsWith('running:')).map((s) => Number(s.split(':')[1]));
    expect(percents.length, seen.join(' ')).toBeGreaterThan(0);
    expect(percents.every((p) => p >= 0 && p < 100)).toBe(true);
    expect(seen.at(-1)).toBe('completed:100');
    await shot('04-sync-done');
    // The full run the click asked for. Not simply the latest run: the 15-minute incremental
    // schedule ticks on quarter hours of the clock and may start one right after it.
    const { rows: runs } = await h.pool.query(
      `select status, mode from sync_runs where connection_id = $1 and mode = 'full' and id <> all($2)`,
      [a, runsBefore.rows.map((r) => r.id)],
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', mode: 'full' });
    await page.reload();
    expect(await page.locator(`[data-connection-card="${a}"] tbody tr`).count()).toBeGreaterThanOrEqual(2);

    // A disagreement: expiration dates are decided by a person. Portal B's values came first;
    // someone changes one in portal A, the account connected in the browser.
    const rules = await h.request('PUT', '/v1/merge-rules', {
      apiKey,
      body: {
        data: [
          {
            entity_type: 'policy',
            field: 'expirationDate',
            strategy: 'manual',
            decision_window_seconds: 3600,
          },
        ],
      },
    });
    expect(rules.status).toBe(200);
    const deals = (
      await sandboxAdmin<{
        results: { id: string; archived: boolean; properties: Record<string, string | null> }[];
      }>(`${h.sandboxUrl}/hubspot/_admin/accounts/${portals.a.accountId}/objects/deals`)
    ).results.filter((d) => !d.archived && d.properties.expiration_date);
    const deal = deals[0]!;
    await sandboxAdmin(
      `${h.sandboxUrl}/hubspot/_admin/accounts/${portals.a.accountId}/objects/deals/${deal.id}`,
      'PATCH',
      {
        properties: { expiration_date: '2031-01-15' },
      },
    );
    const syncA = await h.request('POST', `/v1/connections/${a}/syncs`, {
      apiKey,
      body: { mode: 'incremental' },
    });
    expect(syncA.status).toBe(202);
    expect((await syncResult(h, a, 180_000)).status).toBe('completed');

    await page.click('header a[href="/console/conflicts"]');
    await page.waitForURL('**/console/conflicts');
    const conflict = page.locator('[data-conflict][data-status=open]').first();
    expect(await conflict.textContent()).toContain('expirationDate');
    expect(await conflict.locator('.side').nth(1).textContent()).toContain('2031-01-15');
    await shot('05-conflict-open');
    const conflictId = (await conflict.getAttribute('data-conflict'))!;
    await conflict.locator('[data-resolve=incoming]').click();
    await expect
      .poll(() => page.locator(`[data-conflict="${conflictId}"]`).getAttribute('data-status'), {
        timeout: 120_000,
      })
      .toBe('resolved');
    await shot('06-conflict-resolved');
    const { rows: decided } = await h.pool.query(
      'select status, resolution, resolved_by from conflicts where id = $1',
      [conflictId],
    );
    expect(decided[0]).toMatchObject({ status: 'resolved', resolution: 'incoming' });
    expect(decided[0].resolved_by).toBe('user'); // a person, not a rule or the deadline
    // The decision applies: the policy now carries portal A's date.
    await waitFor(async () => {
      const { rows: policy } = await h.pool.query(
        `select p.expiration_date::text as d from source_records s join policies p on p.id = s.canonical_id
          where s.connection_id = $1 and s.stream = 'deals' and s.external_id = $2`,
        [a, deal.id],
      );
      return policy[0]?.d === '2031-01-15';
    }, 'the decided expiration date on the policy');

    // Statements with their reconciliation summary.
    await h.pool.query(
      `insert into statements (tenant_id, filename, format, content_hash, statement_date, line_count,
                               total_premium_cents, total_commission_cents, status, summary, reconciled_at)
       values ($1, 'travelers-2026-10.csv', 'csv', 'console-test', '2026-10-31', 3, 1234567, 148148, 'reconciled',
               $2::jsonb, now())`,
      [tenantId, JSON.stringify({ lines: { matched: 2, underpaid: 1 }, difference_cents: -2500 })],
    );
    await page.click('header a[href="/console/statements"]');
    await page.waitForURL('**/console/statements');
    const statement = page.locator('[data-statement]').first();
    const text = (await statement.textContent()) ?? '';
    expect(text).toContain('travelers-2026-10.csv');
    expect(text).toContain('$12,345.67');
    expect(text).toContain('$1,481.48');
    expect(text).toContain('lines matched: 2');
    expect(text).toContain('lines underpaid: 1');
    expect(text).toContain('difference cents: -$25.00');
    await shot('07-statements');

    // Signing out ends the session; the console asks to sign in again.
    await page.click('header button[type=submit]');
    await page.waitForURL('**/console/sign-in');
    await page.goto(`${server.url}/console/connections`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });
});
