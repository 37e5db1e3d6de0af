// The worker-thread side of import-thread.ts: runs importStatement on bytes that arrive as
// messages and sends its lines and rows back in batches. One import at a time; at most one batch
// waits for the main thread's acknowledgement while the next is being read, so memory stays bounded
// however fast the file parses and however slowly the database takes it.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { importStatement } from './import.ts';
import type { FromWorker, ImportItem, ToWorker } from './import-thread.ts';

const port = parentPort!;
const batchItems = 1000;

// On Linux a nice value belongs to the calling thread: parsing then gives way to request handling
// on the main thread whenever both want the CPU (elsewhere it would renice the whole process).
if (process.platform === 'linux') {
  try {
    setPriority(10);
  } catch {
    // Not permitted here: parse at normal priority.
  }
}

const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let onBytes: ((message: ToWorker) => void) | null = null;
let onAck: (() => void) | null = null;

port.on('message', (message: ToWorker) => {
  if (message.kind === 'ping') send({ kind: 'ready' });
  else if (message.kind === 'start') void run(message);
  else if (message.kind === 'ack') onAck?.();
  else onBytes?.(message);
});

async function* incoming(): AsyncGenerator<Buffer> {
  for (;;) {
    const message = await new Promise<ToWorker>((resolve) => {
      onBytes = resolve;
      send({ kind: 'pull' });
    });
    onBytes = null;
    if (message.kind !== 'chunk') return;
    yield Buffer.from(message.bytes);
  }
}

async function run(start: Extract<ToWorker, { kind: 'start' }>) {
  let batch: ImportItem[] = [];
  let inFlight: Promise<void> | null = null;
  const flush = async () => {
    await inFlight;
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    inFlight = new Promise<void>((resolve) => {
      onAck = resolve;
    });
    send({ kind: 'items', items });
  };
  const add = async (item: ImportItem) => {
    batch.push(item);
    if (batch.length >= batchItems) await flush();
  };
  try {
    const result = await importStatement({
      bytes: incoming(),
      filename: start.filename,
      carrierKey: start.carrierKey,
      savedMapping: start.savedMapping,
      onLine: (line) => add({ line }),
      onRow: (row) => add({ row }),
    });
    await flush();
    await inFlight;
    send({ kind: 'done', result });
  } catch (err) {
    send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  } finally {
    onAck = null;
  }
}
