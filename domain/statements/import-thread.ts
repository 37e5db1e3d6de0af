// importStatement off the event loop's critical path: the file is tokenised, inflated, parsed and
// validated in a worker thread (import-worker.ts), so neither its CPU time nor its garbage stalls
// the requests of other tenants; this thread only forwards the bytes and stores what comes back.
// Workers are kept warm (starting one costs hundreds of milliseconds) and capped; an import that
// fails on this side (the database, the request) ends its worker rather than reusing it.
import { Worker } from 'node:worker_threads';
import type { ImportStatementInput } from './import.ts';
import type { ColumnMapping, ImportResult, StatementLine, StatementRowRecord } from './types.ts';

export type ImportItem = { line: StatementLine } | { row: StatementRowRecord };

export type ToWorker =
  | { kind: 'start'; filename: string; carrierKey?: string; savedMapping?: ColumnMapping }
  | { kind: 'chunk'; bytes: Uint8Array }
  | { kind: 'end' }
  | { kind: 'ack' }
  | { kind: 'ping' };

export type FromWorker =
  | { kind: 'pull' }
  | { kind: 'ready' }
  | { kind: 'items'; items: ImportItem[] }
  | { kind: 'done'; result: ImportResult }
  | { kind: 'failed'; message: string };

/** Imports running at once; more wait for a worker. */
const maxWorkers = 4;
/** A runaway parse ends its worker (ERR_WORKER_OUT_OF_MEMORY), not the API. */
const heapMb = 512;

const idle: Worker[] = [];
const waiting: ((worker: Worker) => void)[] = [];
let running = 0;

async function acquire(): Promise<Worker> {
  const warm = idle.pop();
  if (warm) {
    warm.ref();
    return warm;
  }
  if (running < maxWorkers) {
    running++;
    return new Worker(new URL('./import-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(worker: Worker, reusable: boolean) {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
  const next = waiting.shift();
  if (!reusable) {
    void worker.terminate();
    running--;
    if (next) void acquire().then(next);
    return;
  }
  if (next) return next(worker);
  worker.unref();
  idle.push(worker);
}

/** Starts a worker ahead of the first upload (an API process does at boot), kept idle until then. */
export async function prewarmStatementImports(): Promise<void> {
  if (idle.length > 0 || running > 0) return;
  const worker = await acquire();
  worker.postMessage({ kind: 'ping' } satisfies ToWorker);
  await new Promise((resolve) => worker.once('message', resolve));
  release(worker, true);
}

/** The same contract as importStatement; lines and rows arrive on this thread in file order. */
export async function importStatementOffThread(input: ImportStatementInput): Promise<ImportResult> {
  const worker = await acquire();
  const source = chunksOf(input.bytes);
  const lines: StatementLine[] = [];
  const rows: StatementRowRecord[] = [];
  let reusable = false;
  let settled = false;
  try {
    const result = await new Promise<ImportResult>((resolve, rejectWith) => {
      const send = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
      const reject = (err: unknown) => {
        settled = true;
        rejectWith(err);
      };
      worker.on('error', (err: Error & { code?: string }) =>
        err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? resolve(outOfMemory()) : reject(err),
      );
      worker.on('exit', (code) => reject(new Error(`the statement import worker exited (${code})`)));
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'pull') {
          source.next().then((next) => {
            if (next.done) return send({ kind: 'end' });
            // A copy of its own, so only these bytes cross (a view would carry its whole buffer).
            const bytes = new Uint8Array(next.value);
            send({ kind: 'chunk', bytes }, [bytes.buffer]);
          }, reject);
        } else if (message.kind === 'items') {
          (async () => {
            for (const item of message.items) {
              if (settled) return; // the import ended on this side: nothing more is stored
              if ('line' in item) await (input.onLine ? input.onLine(item.line) : lines.push(item.line));
              else await (input.onRow ? input.onRow(item.row) : rows.push(item.row));
            }
            send({ kind: 'ack' });
          })().catch(reject);
        } else if (message.kind === 'done') {
          reusable = true;
          resolve(message.result);
        } else if (message.kind === 'failed') reject(new Error(message.message));
      });
      send({
        kind: 'start',
        filename: input.filename,
        carrierKey: input.carrierKey,
        savedMapping: input.savedMapping,
      });
    });
    if (result.ok && !input.onLine) result.lines = lines;
    if (result.ok && !input.onRow) result.rows = rows;
    return result;
  } finally {
    settled = true;
    release(worker, reusable);
    // Whatever the import left unread (a file refused early) is not wanted.
    source.return?.(undefined)?.catch(() => {});
  }
}

function chunksOf(bytes: ImportStatementInput['bytes']): AsyncIterator<Uint8Array> {
  if (!(bytes instanceof Uint8Array)) return bytes[Symbol.asyncIterator]();
  return (async function* () {
    for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
  })();
}

function outOfMemory(): ImportResult {
  return {
    ok: false,
    status: 413,
    errors: [
      {
        row: null,
        field: 'file',
        value: null,
        reason: `too large: reading the file needs more than the ${heapMb} MB of memory an import may use`,
      },
    ],
    contentHash: null,
    detection: null,
  };
}
