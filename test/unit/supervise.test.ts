// `npm start` keeps its children running (runtime/supervise.ts, used for the vendor sandboxes, the
// worker and the API): a child that dies or is killed is started again, the first ready message
// is what the caller waits for, and once stopped nothing comes back.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createLogger } from '../../runtime/logger.ts';
import { restartDelayMs, supervise } from '../../runtime/supervise.ts';
import { waitFor } from '../support/harness.ts';

// A child like sandbox-main.ts: says it is ready (with what it serves), then runs until killed or
// until EXIT_AFTER_MS, when it crashes.
const dir = mkdtempSync(join(tmpdir(), 'chub-supervise-'));
const entry = join(dir, 'child.mjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  entry,
  `process.send({ ready: true, pid: process.pid, url: 'http://127.0.0.1:4010' });
   const after = Number(process.env.EXIT_AFTER_MS);
   setInterval(() => {}, 1000);
   if (after) setTimeout(() => process.exit(3), after);`,
);

const logger = createLogger('test', 'silent');

test('a child that crashes or is killed is started again; stopped, it stays down', async () => {
  const pids: number[] = [];
  let crash = true;
  const child = supervise(
    'the vendor sandboxes',
    () => {
      const p = fork(entry, [], { env: { EXIT_AFTER_MS: crash ? '100' : '' }, stdio: 'ignore' });
      pids.push(p.pid!);
      return p;
    },
    { logger, delayMs: () => 20 },
  );
  const ready = await child.ready;
  expect(ready).toMatchObject({ ready: true, url: 'http://127.0.0.1:4010', pid: pids[0] });

  // Crashes (exit 3) bring it back each time.
  await waitFor(async () => child.restarts() >= 2, 'two restarts after crashes', 10_000);
  crash = false;
  await waitFor(async () => pids.length >= 4, 'a child that stays up', 10_000);
  const steady = pids.at(-1)!;
  await new Promise((r) => setTimeout(r, 300));
  expect(pids.at(-1)).toBe(steady);

  // Killed from outside (the OOM killer, a stray kill): back too.
  process.kill(steady, 'SIGKILL');
  await waitFor(async () => pids.at(-1) !== steady, 'a restart after SIGKILL', 10_000);
  const last = pids.at(-1)!;

  await child.stop();
  const count = pids.length;
  await new Promise((r) => setTimeout(r, 200));
  expect(pids.length).toBe(count);
  expect(() => process.kill(last, 0)).toThrow(); // gone
});

test('the back-off doubles from 1 s up to 30 s', () => {
  expect([0, 1, 2, 3, 4, 5, 9].map(restartDelayMs)).toEqual([
    1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
  ]);
});
