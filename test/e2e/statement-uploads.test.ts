// Uploads that try to cost the API more than they are worth (issue 13, items 1 and 3): a workbook
// whose one cell inflates to 500 MB, files past their format's size bound, and small files whose
// cells are a megabyte each. The upload is streamed and parsed off the event loop, so other
// requests keep their pace; the answers stay small whatever the cells hold.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prewarmStatementImports } from '../../domain/statements/import-thread.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { workbookSharingHugeText, workbookWithHugeCell } from '../support/hostile-workbook.ts';
import { serveApp } from '../support/serve-app.ts';

let h: Harness;
let server: { url: string; close(): Promise<void> };
let apiKey: string;
let carrierId: string;

beforeAll(async () => {
  h = await createHarness();
  server = await serveApp(h.app as never);
  let tenantId: string;
  ({ tenantId, apiKey } = await h.newTenant('Upload Limits Agency'));
  const { rows } = await h.pool.query(
    `insert into carriers (tenant_id, name, name_normalized) values ($1, 'Upload Mutual', 'upload mutual') returning id`,
    [tenantId],
  );
  carrierId = rows[0].id;
  // As an API process does at boot (runtime/api-main.ts).
  await prewarmStatementImports();
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

const auth = () => ({ authorization: `Bearer ${apiKey}` });
const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function healthz(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/healthz`);
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return performance.now() - started;
}

/** Health checks one after another, 10 ms apart, until `done` settles: their latencies. */
async function healthWhile(done: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void done.finally(() => {
    settled = true;
  });
  const latencies: number[] = [];
  while (!settled) {
    latencies.push(await healthz());
    await new Promise((r) => setTimeout(r, 10));
  }
  return latencies;
}

type Upload = { name: string; send: () => Promise<Response> };

function uploads(file: Buffer, filename: string): Upload[] {
  const form = (carrierFirst: boolean) => {
    const body = new FormData();
    if (carrierFirst) body.set('carrier_id', carrierId);
    body.set('file', new File([new Uint8Array(file)], filename));
    if (!carrierFirst) body.set('carrier_id', carrierId);
    return body;
  };
  const post = (body: FormData | Uint8Array, query = '', headers: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/statements${query}`, {
      method: 'POST',
      headers: { ...auth(), ...headers },
      body,
    });
  return [
    { name: 'multipart, file first (kept on disk)', send: () => post(form(false)) },
    { name: 'multipart, carrier first (streamed)', send: () => post(form(true)) },
    {
      name: 'raw body (streamed)',
      send: () =>
        post(new Uint8Array(file), `?carrier_id=${carrierId}&filename=${filename}`, {
          'content-type': xlsxType,
        }),
    },
  ];
}

const max = (xs: number[]) => Math.max(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('one upload does not stall every tenant', () => {
  test('during an upload of the 500 MB-cell workbook /healthz answers within 100 ms, and the upload is refused within 2 s', async () => {
    const bomb = await workbookWithHugeCell(500);
    const liar = await workbookWithHugeCell(500, { understate: true });
    expect(bomb.length).toBeLessThan(1024 * 1024);

    const cases = [
      ...uploads(bomb, 'bomb.xlsx').map((u) => ({ ...u, file: 'declared 500 MB', statuses: [413] })),
      ...uploads(liar, 'liar.xlsx').map((u) => ({ ...u, file: 'understated size', statuses: [422] })),
    ];
    for (const c of cases) {
      // The machine's own pace, measured the same way just before, so a busy CI machine is not held
      // to an idle one's. Other processes can steal a core for a moment: a case gets three tries,
      // and a parse that held the event loop (seconds, as before the fix) fails all three.
      let last = '';
      for (let attempt = 1; ; attempt++) {
        await healthz();
        const baseline: number[] = [];
        for (let i = 0; i < 20; i++) baseline.push(await healthz());
        const allowance = 100 + max(baseline);
        const started = performance.now();
        const answer = c.send().then(async (res) => ({
          status: res.status,
          body: (await res.json()) as { type: string; errors: { reason: string }[] },
          ms: performance.now() - started,
        }));
        const during = await healthWhile(answer);
        const { status, body, ms } = await answer;
        last =
          `${c.file}, ${c.name} (try ${attempt}): ${status} in ${Math.round(ms)} ms; /healthz during it: ${during.length} checks, ` +
          `max ${Math.round(max(during))} ms (baseline median ${Math.round(median(baseline))} ms, max ${Math.round(max(baseline))} ms)`;
        console.log(last);
        expect(c.statuses, JSON.stringify(body)).toContain(status);
        expect(body.errors).toHaveLength(1);
        expect(during.length).toBeGreaterThan(0);
        if (ms < 2000 && max(during) < allowance) break;
        if (attempt === 3)
          expect.fail(`slower than the bounds (2 s; ${Math.round(allowance)} ms) three times: ${last}`);
      }
    }
  });

  test('a file past its format’s bound is refused with 413 as the bytes arrive, before it has all been sent', async () => {
    // A zip (a workbook) that never ends: refused once it passes the 50 MB a workbook may be.
    let sent = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array([0x50, 0x4b, 0x03, 0x04]));
        },
        pull(controller) {
          sent += 1024 * 1024;
          controller.enqueue(new Uint8Array(1024 * 1024));
        },
      });
    const raw = await h.app.request(`/v1/statements?carrier_id=${carrierId}&filename=endless.xlsx`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': xlsxType },
      body: endless(),
      duplex: 'half',
    } as RequestInit);
    expect(raw.status).toBe(413);
    const problem = (await raw.json()) as { errors: { reason: string }[] };
    expect(problem.errors).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/larger than 50 MB/) }),
    ]);
    expect(sent).toBeLessThan(60 * 1024 * 1024);

    // The same as the file part of a form that names its carrier after the file (kept on disk).
    sent = 0;
    const boundary = `----chub${randomUUID()}`;
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="endless.xlsx"\r\nContent-Type: ${xlsxType}\r\n\r\n`,
    );
    const body = endless();
    const reader = body.getReader();
    const form = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(head),
      pull: async (controller) => {
        const { value } = await reader.read();
        controller.enqueue(value!);
      },
    });
    const multipart = await h.app.request('/v1/statements', {
      method: 'POST',
      headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: form,
      duplex: 'half',
    } as RequestInit);
    expect(multipart.status).toBe(413);
    expect(sent).toBeLessThan(60 * 1024 * 1024);

    // A declared length past every bound is refused before a byte is read.
    const declared = await h.app.request(`/v1/statements?carrier_id=${carrierId}&filename=huge.csv`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'text/csv', 'content-length': String(300 * 1024 * 1024) },
      body: 'Policy,Commission\n',
    });
    expect(declared.status).toBe(413);
  });
});

describe('a small upload gets a small answer', () => {
  const rowsOf = async (statementId: string) => {
    const res = await h.request('GET', `/v1/reconciliations/${statementId}/rows?limit=1000`, { apiKey });
    const text = await res.text();
    expect(res.status).toBe(200);
    return {
      bytes: text.length,
      rows: (JSON.parse(text) as { data: { cells: string[]; reason: string }[] }).data,
    };
  };

  test('200 rows whose insured name is a 1 MB text: a small 201, every row kept for review with its cells clipped', async () => {
    const file = await workbookSharingHugeText(200, 1);
    expect(file.length).toBeLessThan(1024 * 1024);
    const res = await fetch(
      `${server.url}/v1/statements?carrier_id=${carrierId}&filename=shared.xlsx&reconcile=false`,
      {
        method: 'POST',
        headers: { ...auth(), 'content-type': xlsxType },
        body: new Uint8Array(file),
      },
    );
    const text = await res.text();
    expect(res.status, text).toBe(201);
    expect(text.length).toBeLessThan(16 * 1024);
    const created = JSON.parse(text) as {
      statement: { id: string };
      rows: { unreadable: number; lines: number };
    };
    expect(created.rows).toMatchObject({ lines: 0, unreadable: 200 });

    const { bytes, rows } = await rowsOf(created.statement.id);
    const unreadable = rows.filter((r) => r.reason.includes('longer than 32,767 characters'));
    expect(unreadable).toHaveLength(200);
    for (const r of rows) for (const cell of r.cells) expect(cell.length).toBeLessThan(1100);
    // Each row is its clipped cells and reasons: a few kilobytes, not a megabyte.
    expect(bytes).toBeLessThan(rows.length * 4 * 1024);
  });

  test('200 CSV rows with 1 MB cells: past the 1 MB record bound the file is refused with one small error', async () => {
    const header = 'Policy Number,Insured Name,Effective Date,Premium,Commission\n';
    const cell = 'N'.repeat(1_000_000);
    const rows = function* () {
      yield Buffer.from(header);
      for (let i = 0; i < 200; i++)
        yield Buffer.from(`POL-${10_000 + i},${cell},2026-01-01,1000.00,125.00\n`);
    };
    const body = ReadableStream.from(rows());
    const res = await h.app.request(`/v1/statements?carrier_id=${carrierId}&filename=wide.csv`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(422);
    expect(text.length).toBeLessThan(4 * 1024);
    expect((JSON.parse(text) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  test('200 CSV lines with a 200 KB insured name each: kept as unreadable lines, not stored as names', async () => {
    const name = 'N'.repeat(200_000);
    let csv = 'Policy Number,Insured Name,Effective Date,Premium,Commission\n';
    for (let i = 0; i < 200; i++) csv += `POL-${20_000 + i},${name},2026-01-01,1000.00,125.00\n`;
    const res = await h.app.request(
      `/v1/statements?carrier_id=${carrierId}&filename=long-names.csv&reconcile=false`,
      {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'text/csv' },
        body: csv,
      },
    );
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(201);
    expect(text.length).toBeLessThan(16 * 1024);
    const created = JSON.parse(text) as {
      statement: { id: string };
      rows: { unreadable: number; lines: number };
    };
    expect(created.rows).toMatchObject({ lines: 0, unreadable: 200 });
    const { bytes, rows } = await rowsOf(created.statement.id);
    expect(rows.filter((r) => r.reason.includes('longer than 1,000 characters'))).toHaveLength(200);
    expect(bytes).toBeLessThan(rows.length * 4 * 1024);
    const lines = await h.request('GET', `/v1/reconciliations/${created.statement.id}/lines?limit=1000`, {
      apiKey,
    });
    expect((await lines.text()).length).toBeLessThan(1024);
  });
});
