// An open-loop HTTP load generator for a worker thread: requests leave on a fixed schedule
// whether or not earlier ones have answered, and each latency is measured from the moment its
// request was due (not when it could finally be sent), so a stalled server shows up in the tail
// instead of silently lowering the offered load (no coordinated omission).
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

export interface LoadSpec {
  origin: string;
  path: string;
  headers: Record<string, string>;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  connections: number;
}

export interface LoadResult {
  offered: number;
  completed: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Latencies in ms of the measured (post-warm-up) requests, sorted. */
  latencies: number[];
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1 });
  const total = Math.round(spec.rate * (spec.warmupSeconds + spec.seconds));
  const warmup = Math.round(spec.rate * spec.warmupSeconds);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  let done = 0;
  let measuredStart = 0;
  let measuredEnd = 0;
  const start = performance.now();
  const fire = (n: number) => {
    const due = start + (n * 1000) / spec.rate;
    if (n === warmup) measuredStart = due;
    pool
      .request({ path: spec.path, method: 'GET', headers: spec.headers })
      .then(async (res) => {
        await res.body.dump();
        return res.statusCode;
      })
      .then(
        (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 200) errors++;
        },
        () => {
          errors++;
        },
      )
      .finally(() => {
        const now = performance.now();
        if (n >= warmup) {
          latencies.push(now - due);
          measuredEnd = Math.max(measuredEnd, now);
        }
        done++;
      });
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * spec.rate) / 1000) + 1);
      while (sent < due) fire(sent++);
      // A 1 ms timer, not setImmediate: spinning would take a whole core from the server under
      // test on a small machine. Requests still leave within ~1 ms of being due, and the latency
      // of each is counted from when it was due.
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (done < total) await new Promise((r) => setTimeout(r, 10));
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    offered: total - warmup,
    completed: latencies.length,
    errors,
    statuses,
    seconds: (measuredEnd - measuredStart) / 1000,
    latencies,
  };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadSpec).then(
    (r) => port.postMessage({ ok: true, result: r }),
    (err) => port.postMessage({ ok: false, error: String(err?.stack ?? err) }),
  );
}
