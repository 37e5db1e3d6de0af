// Reading and writing overlap: a reader fetches vendor pages ahead (each page's checkpoint tells
// where the next starts) while the writer commits what has arrived. When the database is the
// slower side, pages queue up and the writer takes several at once into one transaction (group
// commit), with the checkpoint of the last one; when the vendor is slower, every page is
// written alone. Either way a checkpoint commits only with all the data before it.
import type { Json, Page } from '../connectors/types.ts';

export interface PipelineOptions {
  /** Pages fetched ahead of the writer at most (also the largest write). */
  maxAhead: number;
  /** No new page is requested after this moment (ms since epoch). */
  deadline: number;
  /** Stop early, e.g. on cancellation. */
  aborted: () => boolean;
}

/** Yields batches of consecutive pages; the last batch ends the stream or the time budget. */
export async function* pagePipeline(
  read: (checkpoint: Json) => Promise<Page>,
  start: Json,
  opts: PipelineOptions,
): AsyncGenerator<Page[]> {
  const buffer: Page[] = [];
  let failure: unknown = null;
  let finished = false;
  // Held in an object so TypeScript sees the closures assign them.
  const waiters: { wake: (() => void) | null; space: (() => void) | null } = { wake: null, space: null };
  const notify = () => {
    waiters.wake?.();
    waiters.wake = null;
  };

  const reader = (async () => {
    let checkpoint = start;
    try {
      for (;;) {
        const page = await read(checkpoint);
        buffer.push(page);
        notify();
        if (page.checkpoint === null || Date.now() >= opts.deadline || opts.aborted()) break;
        checkpoint = page.checkpoint;
        while (buffer.length >= opts.maxAhead) await new Promise<void>((r) => (waiters.space = r));
      }
    } catch (err) {
      failure = err;
    } finally {
      finished = true;
      notify();
    }
  })();

  try {
    for (;;) {
      if (!buffer.length && !finished) await new Promise<void>((r) => (waiters.wake = r));
      if (buffer.length) {
        const batch = buffer.splice(0, buffer.length);
        waiters.space?.();
        waiters.space = null;
        yield batch;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
    }
  } finally {
    await reader.catch(() => {});
  }
}

/** Several consecutive pages as one: later pages win for a record seen twice. */
export function combinePages(pages: Page[]): Page {
  if (pages.length === 1) return pages[0]!;
  const last = pages[pages.length - 1]!;
  return {
    records: pages.flatMap((p) => p.records),
    deleted: pages.flatMap((p) => p.deleted),
    checkpoint: last.checkpoint,
    cursor: last.cursor,
  };
}
