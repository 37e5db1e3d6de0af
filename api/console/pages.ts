// The console's pages. Each reads through the request's tenant transaction (row-level security
// applies) and renders HTML; live parts (sync progress, conflict decisions) are small scripts
// against the public /v1 API.
import type { Context } from 'hono';
import { html } from 'hono/html';
import { registered } from '../../connectors/registry.ts';
import { rateDisagreements } from '../../db/commission-store.ts';
import { rateProposals } from '../../db/learned-rates.ts';
import {
  defaultScheduleSettings,
  describeConnectionSchedules,
  type ScheduleSettings,
} from '../../runtime/schedules.ts';
import type { AppEnv } from '../deps.ts';
import { oauthProviders } from '../routes/connect.ts';
import { type Html, money, page, shown, when } from './layout.ts';

type Ctx = Context<AppEnv>;

export function temporalUiBase(c: Ctx): string {
  return (c.get('deps').temporalUiUrl ?? process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(
    /\/$/,
    '',
  );
}

export function workflowLink(c: Ctx, workflowId: string): string {
  return `${temporalUiBase(c)}/namespaces/${encodeURIComponent(c.get('deps').namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function signInPage(error?: string, email = ''): Html {
  return page({
    title: 'Sign in',
    body: html`<form class="signin card" method="post" action="/console/sign-in">
      <h1>Commission Hub</h1>
      ${error ? html`<div class="flash error" role="alert">${error}</div>` : ''}
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <p><button type="submit">Sign in</button></p>
    </form>`,
  });
}

const progressScript = `
async function watch(el) {
  const id = el.dataset.connection;
  const bar = el.querySelector('.bar');
  const label = el.querySelector('.label');
  for (;;) {
    const res = await api('GET', '/v1/syncs/sync/' + id);
    let pct = 0, text = 'Never synced', status = 'none';
    if (res.ok) {
      const s = await res.json();
      status = s.status;
      const since = Number(el.dataset.since || 0);
      const run = s.run;
      const current = !since || (run && Date.parse(run.started_at) >= since - 1000);
      const read = run && run.counts ? (run.counts.read || 0) : 0;
      if (s.status === 'running' && current) {
        const p = s.progress;
        const n = p ? p.streams.length : 0;
        pct = n ? Math.min(99, Math.round((100 * p.stream_index) / n)) : 0;
        text = 'Syncing ' + (p && p.stream ? p.stream + ' (' + (p.stream_index + 1) + '/' + n + ')' : '') + ' · ' + read + ' records read';
        const r = s.retry;
        if (r) {
          // The vendor is failing: say so, with its words, and until when the hub keeps trying.
          status = 'retrying';
          const at = (t) => t ? new Date(t).toLocaleTimeString() : '?';
          text = 'Retrying (attempt ' + r.attempt + ')' + (r.last_error ? ': ' + r.last_error.message : '') +
            ' · next try ' + at(r.next_attempt_at) + ' · gives up ' + at(r.gives_up_at);
        }
      } else if (!current) {
        status = 'queued'; text = 'Starting…';
      } else if (run && run.status === 'completed') {
        pct = 100; text = 'Done · ' + read + ' records read · ' + run.mode;
      } else {
        text = run ? 'Last run ' + run.status + (run.error ? ': ' + run.error : '') : s.status;
      }
    }
    bar.style.width = pct + '%';
    label.textContent = pct + '% · ' + text;
    el.dataset.percent = String(pct);
    el.dataset.status = status;
    // Poll fast while a sync runs; a click on "Sync now" (a new data-since) cuts the wait short.
    const wait = status === 'running' || status === 'queued' || status === 'retrying' ? 300 : 3000;
    const since = el.dataset.since;
    for (let t = 0; t < wait && el.dataset.since === since; t += 100) await sleep(100);
  }
}
document.querySelectorAll('.progress[data-connection]').forEach((el) => watch(el));
document.querySelectorAll('[data-sync]').forEach((btn) => btn.addEventListener('click', async () => {
  const el = document.querySelector('.progress[data-connection="' + btn.dataset.sync + '"]');
  btn.disabled = true;
  el.dataset.since = String(Date.now());
  el.dataset.status = 'queued';
  el.dataset.percent = '0';
  el.querySelector('.bar').style.width = '0%';
  const res = await api('POST', '/v1/connections/' + btn.dataset.sync + '/syncs', { mode: 'full' });
  if (!res.ok) el.querySelector('.label').textContent = 'Could not start: ' + ((await res.json()).detail || res.status);
  btn.disabled = false;
}));
document.querySelectorAll('[data-disconnect]').forEach((btn) => btn.addEventListener('click', async () => {
  if (!confirm('Disconnect this account? Its schedules stop and its credentials are deleted.')) return;
  const res = await api('DELETE', '/v1/connections/' + btn.dataset.disconnect);
  if (res.ok) location.reload();
}));
`;

/** The Connect buttons: every vendor that connects by OAuth redirect, by its short name. */
const providerNames: Record<string, string> = Object.fromEntries(
  oauthProviders.map((p) => {
    const d = registered(p).connector.definition;
    return [p, d.shortName ?? d.displayName];
  }),
);

function scheduleLine(settings: ScheduleSettings): string {
  const every = settings.incrementalEverySeconds
    ? `${settings.incrementalEverySeconds} s`
    : `${settings.incrementalEveryMinutes} min`;
  const hour = String(settings.fullSyncHourUtc).padStart(2, '0');
  return `Incremental every ${every}, full nightly at ${hour}:00 UTC${settings.paused ? ` — paused${settings.note ? ` (${settings.note})` : ''}` : ''}`;
}

export async function connectionsPage(c: Ctx, who: string): Promise<Html> {
  const db = c.get('db');
  const tenantId = c.get('tenantId');
  const { rows: connections } = await db.query(
    'select id, provider, display_name, status, status_reason, settings, created_at from connections where tenant_id = $1 order by created_at, id',
    [tenantId],
  );
  const { rows: runs } = await db.query(
    `select * from (select r.*, row_number() over (partition by connection_id order by started_at desc) as n
                      from sync_runs r where tenant_id = $1) x where n <= 5 order by started_at desc`,
    [tenantId],
  );
  const temporal = c.get('deps').temporal;
  const cards = await Promise.all(
    connections.map(async (conn) => {
      const settings: ScheduleSettings = { ...defaultScheduleSettings, ...(conn.settings?.schedule ?? {}) };
      const schedules =
        conn.status === 'disconnected'
          ? null
          : await describeConnectionSchedules(temporal, conn.id).catch(() => null);
      const next = schedules
        ? [schedules.incremental?.next_runs[0], schedules.full?.next_runs[0]].filter(Boolean).sort()[0]
        : undefined;
      const mine = runs.filter((r) => r.connection_id === conn.id);
      return html`<section class="card" data-connection-card="${conn.id}">
        <div class="row">
          <h2 class="grow">${conn.display_name}</h2>
          <span class="status ${conn.status}">${conn.status}</span>
          <a href="${workflowLink(c, `sync/${conn.id}`)}" target="_blank" rel="noopener">Workflow in Temporal UI</a>
        </div>
        <p class="muted">
          ${conn.provider} · account ${conn.settings?.accountId ?? '—'}${conn.status_reason ? ` · ${conn.status_reason}` : ''}
        </p>
        <p>
          Schedule: ${scheduleLine(settings)}${schedules ? '' : ' (no schedules)'}${next ? html` · next run ${when(next)}` : ''}
        </p>
        ${
          conn.status === 'disconnected'
            ? ''
            : html`<div class="row">
                <div class="progress grow" data-connection="${conn.id}" data-percent="0">
                  <div class="bar"></div>
                  <span class="label">…</span>
                </div>
                <button type="button" data-sync="${conn.id}">Sync now</button>
                <button type="button" class="danger" data-disconnect="${conn.id}">Disconnect</button>
              </div>`
        }
        <table>
          <thead>
            <tr><th>Started</th><th>Mode</th><th>Status</th><th>Read</th><th>Created</th><th>Updated</th><th>Finished</th></tr>
          </thead>
          <tbody>
            ${
              mine.length
                ? mine.map(
                    (r) => html`<tr data-run="${r.id}">
                      <td><a href="${workflowLink(c, r.workflow_id)}" target="_blank" rel="noopener">${when(r.started_at)}</a></td>
                      <td>${r.mode}</td>
                      <td>${r.status}${r.error ? html` <span class="muted">${r.error}</span>` : ''}</td>
                      <td>${r.counts?.read ?? 0}</td>
                      <td>${r.counts?.created ?? 0}</td>
                      <td>${r.counts?.updated ?? 0}</td>
                      <td>${when(r.finished_at)}</td>
                    </tr>`,
                  )
                : html`<tr><td colspan="7" class="muted">No runs yet.</td></tr>`
            }
          </tbody>
        </table>
      </section>`;
    }),
  );
  const connected = c.req.query('connected');
  const failed = c.req.query('connect_error');
  return page({
    title: 'Connections',
    active: 'connections',
    who,
    script: progressScript,
    body: html`<h1>Connections</h1>
      ${connected ? html`<div class="flash" role="status">Connected. The first sync has started.</div>` : ''}
      ${failed ? html`<div class="flash error" role="alert">The vendor did not connect: ${failed}</div>` : ''}
      <div class="card row">
        ${Object.entries(providerNames).map(
          ([provider, name]) =>
            html`<a class="button" data-connect="${provider}" href="/v1/connect/${provider}?return_to=/console/connections">Connect ${name}</a>`,
        )}
      </div>
      ${cards.length ? cards : html`<p class="muted">No connections yet.</p>`}`,
  });
}

const conflictScript = `
document.querySelectorAll('[data-resolve]').forEach((btn) => btn.addEventListener('click', async () => {
  const row = btn.closest('[data-conflict]');
  const state = row.querySelector('.state');
  row.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  const res = await api('POST', '/v1/conflicts/' + row.dataset.conflict + '/resolve', { resolution: btn.dataset.resolve });
  if (!res.ok) { state.textContent = 'Failed: ' + ((await res.json()).detail || res.status); return; }
  state.textContent = 'Resolving…';
  for (let i = 0; i < 240; i++) {
    const r = await api('GET', '/v1/conflicts/' + row.dataset.conflict);
    const c = r.ok ? await r.json() : null;
    if (c && c.status === 'resolved') {
      row.dataset.status = 'resolved';
      state.textContent = 'Resolved: ' + c.resolution + ' (' + JSON.stringify(c.resolved_value) + ')';
      return;
    }
    await sleep(400);
  }
}));
`;

export async function conflictsPage(c: Ctx, who: string): Promise<Html> {
  const db = c.get('db');
  const { rows } = await db.query(
    `select k.*, ci.display_name as current_name, ii.display_name as incoming_name
       from conflicts k
       left join connections ci on ci.id::text = k.current_source->>'connectionId'
       left join connections ii on ii.id::text = k.incoming_source->>'connectionId'
      where k.tenant_id = $1 and (k.status = 'open' or k.resolved_at > now() - interval '1 day')
      order by k.status = 'open' desc, k.opened_at desc limit 200`,
    [c.get('tenantId')],
  );
  const side = (label: string, value: unknown, source: Record<string, unknown> | null, name: string | null) =>
    html`<div class="side">
      <div class="muted">${label} · ${name ?? source?.provider ?? 'unknown source'}</div>
      <div class="value">${shown(value)}</div>
      <div class="muted">changed ${when(source?.sourceUpdatedAt)}</div>
    </div>`;
  return page({
    title: 'Conflicts',
    active: 'conflicts',
    who,
    script: conflictScript,
    body: html`<h1>Conflicts</h1>
      ${
        rows.length
          ? rows.map(
              (k) => html`<section class="card" data-conflict="${k.id}" data-status="${k.status}">
                <div class="row">
                  <h2 class="grow">${k.entity_type} · ${k.field}</h2>
                  <a href="${workflowLink(c, `conflict/${k.id}`)}" target="_blank" rel="noopener">Workflow in Temporal UI</a>
                </div>
                <p class="muted">Opened ${when(k.opened_at)} · decide by ${when(k.deadline_at)}</p>
                <div class="sides">
                  ${side('Current', k.current_value, k.current_source, k.current_name)}
                  ${side('Incoming', k.incoming_value, k.incoming_source, k.incoming_name)}
                </div>
                <div class="row" style="margin-top:.7rem">
                  ${
                    k.status === 'open'
                      ? html`<button type="button" data-resolve="current">Keep current</button>
                          <button type="button" data-resolve="incoming">Take incoming</button>`
                      : ''
                  }
                  <span class="state muted">${k.status === 'resolved' ? `Resolved: ${k.resolution} (${shown(k.resolved_value)})` : 'Open'}</span>
                </div>
              </section>`,
            )
          : html`<p class="muted">No open conflicts.</p>`
      }`,
  });
}

/** A statement's reconciliation summary, whatever its shape: flat "key: value" pairs. */
function summaryPairs(summary: unknown, prefix = ''): [string, string][] {
  if (!summary || typeof summary !== 'object') return [];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(summary as Record<string, unknown>)) {
    const name = prefix ? `${prefix} ${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value)) out.push(...summaryPairs(value, name));
    else out.push([name.replace(/_/g, ' '), /cents$/i.test(key) ? money(value) : shown(value)]);
  }
  return out;
}

export async function statementsPage(c: Ctx, who: string): Promise<Html> {
  const { rows } = await c.get('db').query(
    `select s.*, k.name as carrier_name from statements s left join carriers k on k.id = s.carrier_id
      where s.tenant_id = $1 order by s.uploaded_at desc limit 100`,
    [c.get('tenantId')],
  );
  return page({
    title: 'Statements',
    active: 'statements',
    who,
    body: html`<h1>Statements</h1>
      ${
        rows.length
          ? html`<table class="card">
              <thead>
                <tr><th>Statement</th><th>Carrier</th><th>Date</th><th>Lines</th><th>Premium</th><th>Commission</th><th>Status</th><th>Reconciliation</th></tr>
              </thead>
              <tbody>
                ${rows.map(
                  (s) => html`<tr data-statement="${s.id}">
                    <td>${s.filename}<div class="muted">${s.format} · ${when(s.uploaded_at)}</div></td>
                    <td>${s.carrier_name ?? '—'}</td>
                    <td>${s.statement_date ? String(s.statement_date instanceof Date ? s.statement_date.toISOString().slice(0, 10) : s.statement_date) : '—'}</td>
                    <td>${s.line_count}
                      ${s.unreadable_line_count > 0 ? html`<div class="status error" data-unreadable="${s.unreadable_line_count}">${s.unreadable_line_count} unreadable: review</div>` : ''}
                      ${(s.control_checks as { ok: boolean; explanation: string }[])
                        .filter((k) => !k.ok)
                        .map((k) => html`<div class="muted">${k.explanation}</div>`)}
                    </td>
                    <td>${money(s.total_premium_cents)}</td>
                    <td>${money(s.total_commission_cents)}</td>
                    <td>${s.status}${s.reconciled_at ? html`<div class="muted">${when(s.reconciled_at)}</div>` : ''}</td>
                    <td>
                      ${summaryPairs(s.summary).map(([k, v]) => html`<div>${k}: <strong>${v}</strong></div>`)}
                      ${s.workflow_id ? html`<a href="${workflowLink(c, s.workflow_id)}" target="_blank" rel="noopener">Workflow</a>` : ''}
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">No statements yet.</p>`
      }`,
  });
}

const rateScript = `
document.querySelectorAll('[data-accept]').forEach((btn) => btn.addEventListener('click', async () => {
  const row = btn.closest('[data-proposal]');
  const state = row.querySelector('.state');
  btn.disabled = true;
  const res = await api('POST', '/v1/commissions/rate-proposals/' + row.dataset.proposal + '/accept', {});
  if (!res.ok) { state.textContent = 'Failed: ' + ((await res.json()).detail || res.status); btn.disabled = false; return; }
  row.dataset.status = 'accepted';
  state.textContent = 'Accepted: added to the schedule; expected commissions are being recalculated.';
}));
`;

/** Rates learned from what carriers paid, each accepted with one click; and where schedule and AMS disagree. */
export async function ratesPage(c: Ctx, who: string): Promise<Html> {
  const db = c.get('db');
  const tenantId = c.get('tenantId');
  const [proposals, disagreements] = await Promise.all([
    rateProposals(db, tenantId),
    rateDisagreements(db, tenantId),
  ]);
  const kind = (k: string) => (k === 'new' ? 'new business' : 'renewal');
  return page({
    title: 'Rates',
    active: 'rates',
    who,
    script: rateScript,
    body: html`<h1>Rates learned from statements</h1>
      <p class="muted">What carriers actually paid on reconciled statements, where the book expects something else or nothing.</p>
      ${
        proposals.length
          ? html`<table class="card">
              <thead><tr><th>Carrier</th><th>Line</th><th>State</th><th>Term</th><th>Paid</th><th>Lines</th><th>Expected now</th><th></th></tr></thead>
              <tbody>
                ${proposals.map(
                  (p) => html`<tr data-proposal="${p.id}" data-status="proposed">
                    <td>${p.carrierName ?? p.carrierId}</td>
                    <td>${p.lineOfBusiness ?? 'any'}</td>
                    <td>${p.state ?? 'all'}</td>
                    <td>${kind(p.termKind)}</td>
                    <td><strong>${p.rate}%</strong><div class="muted">${p.spread.min}% to ${p.spread.max}%</div></td>
                    <td>${p.agreeing} of ${p.observations}</td>
                    <td>${p.current.rate === null ? 'nothing' : `${p.current.rate}% (${p.current.source})`}</td>
                    <td><button type="button" data-accept>Accept</button><div class="state muted"></div></td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">No proposals: the book expects what carriers paid.</p>`
      }
      <h2>Where the schedule and the AMS disagree</h2>
      ${
        disagreements.length
          ? html`<table class="card">
              <thead><tr><th>Carrier</th><th>Line</th><th>Term</th><th>Schedule</th><th>AMS</th><th>Policies</th></tr></thead>
              <tbody>
                ${disagreements.map(
                  (d) => html`<tr>
                    <td>${d.carrier_name ?? '—'}</td><td>${d.line_of_business ?? 'any'}</td><td>${kind(d.term_kind)}</td>
                    <td>${d.schedule_rate}%</td><td>${d.recorded_rate}% (${d.recorded_source ?? 'AMS'})</td><td>${d.policies}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">No disagreements.</p>`
      }`,
  });
}
