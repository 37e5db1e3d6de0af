// The console's page shell: server-rendered HTML (hono/html escapes every interpolated value),
// one small stylesheet and one small script. The script talks to the same /v1 API as any client,
// authenticated by the session cookie; when the access token expires it refreshes once (shared
// by every waiting call, because a refresh token works only once) and retries.
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const style = raw(`
*{box-sizing:border-box}body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
header{background:#1d2433;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#cfd8ea;text-decoration:none}header a.active,header a:hover{color:#fff}header .who{margin-left:auto}
main{max-width:1100px;margin:1.5rem auto;padding:0 1rem}h1{font-size:1.4rem}h2{font-size:1.1rem;margin:.2rem 0}
.card{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.2rem;margin:0 0 1rem}
.row{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}.muted{color:#6b7385}.grow{flex:1}
.button,button{display:inline-block;background:#2859c5;color:#fff;border:0;border-radius:6px;padding:.45rem .9rem;font:inherit;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#e7ebf3;color:#1d2433}button.danger{background:#b3261e}button:disabled{opacity:.5;cursor:default}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eef0f4;font-size:.9rem}
.progress{position:relative;height:22px;background:#e7ebf3;border-radius:11px;overflow:hidden;min-width:260px}
.progress .bar{height:100%;background:#2f9e5b;width:0;transition:width .3s}.progress .label{position:absolute;inset:0;font-size:.8rem;line-height:22px;padding-left:.6rem}
.status{font-size:.8rem;padding:.1rem .5rem;border-radius:10px;background:#e7ebf3}.status.active{background:#d7f2e1}.status.error,.status.disconnected{background:#f8dcda}
.flash{padding:.6rem 1rem;border-radius:6px;background:#d7f2e1;margin-bottom:1rem}.flash.error{background:#f8dcda}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.side{background:#f5f6f8;border-radius:6px;padding:.6rem}
.side .value{font-weight:600;font-size:1.05rem;word-break:break-word}
form.signin{max-width:360px;margin:4rem auto}form.signin label{display:block;margin:.8rem 0 .2rem}form.signin input{width:100%;padding:.5rem;font:inherit}
`);

const script = raw(`
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let refreshing = null;
async function api(method, url, body) {
  const send = () => fetch(url, {
    method, credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let res = await send();
  if (res.status === 401) {
    refreshing ??= fetch('/console/refresh', { method: 'POST', credentials: 'same-origin' }).finally(() => { refreshing = null; });
    const r = await refreshing;
    if (!r.ok) { location.href = '/console/sign-in'; return res; }
    res = await send();
  }
  return res;
}
`);

export function page(opts: {
  title: string;
  active?: string;
  who?: string;
  body: Html;
  script?: string;
}): Html {
  const nav = [
    ['connections', '/console/connections', 'Connections'],
    ['conflicts', '/console/conflicts', 'Conflicts'],
    ['statements', '/console/statements', 'Statements'],
    ['rates', '/console/rates', 'Rates'],
  ] as const;
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${opts.title} · Commission Hub</title>
    <style>${style}</style>
  </head>
  <body>
    ${
      opts.who
        ? html`<header>
            <strong>Commission Hub</strong>
            ${nav.map(([key, href, label]) => html`<a href="${href}" class="${opts.active === key ? 'active' : ''}">${label}</a>`)}
            <span class="who">${opts.who}</span>
            <form method="post" action="/console/sign-out" style="margin:0">
              <button class="secondary" type="submit">Sign out</button>
            </form>
          </header>`
        : ''
    }
    <main>${opts.body}</main>
    <script>${script}${raw(opts.script ?? '')}</script>
  </body>
</html>`;
}

/** Integer cents as dollars, exactly (no floating point). */
export function money(cents: unknown): string {
  if (cents === null || cents === undefined) return '—';
  const value = BigInt(String(cents));
  const abs = value < 0n ? -value : value;
  const dollars = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0n ? '-' : ''}$${dollars}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export function when(value: unknown): string {
  if (!value) return '—';
  const d = value instanceof Date ? value : new Date(String(value));
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A value from either side of a conflict, readable. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
