// A file upload read as a stream, never whole: the request body itself, or a multipart/form-data
// form whose file part streams through busboy. The fields a form sends before its file are known
// when the file starts, so the file goes straight on to its reader; a file sent first (as browsers
// and FormData do) waits in a temporary file until the fields after it have arrived. Either way
// the size bound is enforced as the bytes arrive (413), never after reading them all.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Busboy } from '@fastify/busboy';
import { ProblemError } from './problem.ts';

export interface UploadBounds {
  /** The most a file may be, whatever it turns out to be. */
  maxBytes: number;
  /** The bound for a file that starts with these bytes (a format with a tighter one). */
  maxBytesFor: (head: Buffer) => number;
}

export interface UploadForm {
  /** The text fields: those sent before the file, and after `rest` has resolved, all of them. */
  fields: Record<string, string>;
  file: { filename: string | null; bytes: AsyncIterable<Buffer> } | null;
  /** Whether the file goes straight on (true) or was kept on disk until the form ended. */
  streamed: boolean;
  /** Resolves once the form has been read to its end (for a streamed file: after it is read). */
  rest: () => Promise<void>;
  /** Removes a file kept on disk and stops reading whatever is left of the request. */
  close: () => Promise<void>;
}

const fieldBytes = 256 * 1024;
const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

export function tooLarge(reason: string): ProblemError {
  return new ProblemError('too-large', `This file was not imported: ${reason}.`, {
    errors: [{ row: null, field: 'file', value: null, reason: `too large: ${reason}` }],
  });
}

/** Refuses a body whose declared length is already past the bound, before reading any of it. */
export function checkDeclaredLength(request: Request, maxBytes: number): void {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes)
    throw tooLarge(
      `the request is ${megabytes(declared)}, more than the ${megabytes(maxBytes)} a statement may be`,
    );
}

/** The request body as the file, bounded as it streams. */
export function rawUpload(request: Request, bounds: UploadBounds): AsyncIterable<Buffer> | null {
  if (!request.body) return null;
  return bounded(Readable.fromWeb(request.body as never), bounds);
}

/**
 * Reads a form up to its file part named `fileField`. When `readyToStream` says the fields so far
 * are enough, the file is handed over as it arrives; otherwise the whole form is read first.
 */
export function readMultipart(
  request: Request,
  fileField: string,
  bounds: UploadBounds,
  readyToStream: (fields: Record<string, string>) => boolean,
): Promise<UploadForm> {
  const body = request.body ? Readable.fromWeb(request.body as never) : Readable.from([]);
  let spoolDir: string | null = null;
  let spooled: Promise<void> = Promise.resolve();
  const form: UploadForm = {
    fields: {},
    file: null,
    streamed: false,
    rest: () => ended,
    close: async () => {
      body.destroy();
      if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
    },
  };
  let handOver: () => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    const parser = Busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      // A part named like the file field is the file, whatever its headers say.
      isPartAFile: (name, type, filename) =>
        name === fileField || type === 'application/octet-stream' || filename !== undefined,
      // One byte past the bound gets through, so the reader sees that the bound was passed.
      limits: { fileSize: bounds.maxBytes + 1, files: 1, fields: 20, parts: 25, fieldSize: fieldBytes },
    });
    const fail = (err: unknown) => {
      body.unpipe(parser);
      reject(err instanceof ProblemError ? err : malformed(err));
    };
    parser.on('field', (name, value, _nameCut, valueCut) => {
      if (valueCut)
        fail(new ProblemError('validation', `The form field "${name}" is longer than ${fieldBytes} bytes.`));
      else form.fields[name] = value;
    });
    parser.on('file', (name, stream, filename) => {
      if (name !== fileField || form.file) return stream.resume();
      const bytes = bounded(stream, bounds);
      if (readyToStream(form.fields)) {
        form.file = { filename: filename ?? null, bytes };
        form.streamed = true;
        return handOver();
      }
      spooled = (async () => {
        spoolDir = await mkdtemp(join(tmpdir(), 'chub-upload-'));
        const path = join(spoolDir, 'file');
        await pipeline(Readable.from(bytes), createWriteStream(path));
        form.file = {
          filename: filename ?? null,
          bytes: createReadStream(path, { highWaterMark: 64 * 1024 }),
        };
      })();
      spooled.catch((err) => {
        stream.resume();
        fail(err);
      });
    });
    parser.on('error', fail);
    parser.on('finish', () => spooled.then(() => resolve(), fail));
    body.on('error', fail);
    body.pipe(parser);
  });
  return new Promise<UploadForm>((resolve, reject) => {
    handOver = () => resolve(form);
    ended.then(
      () => resolve(form),
      async (err) => {
        await form.close();
        reject(err);
      },
    );
  });
}

/** The file's bytes, refused (413) as soon as they pass the bound for what they turn out to be. */
async function* bounded(stream: Readable, bounds: UploadBounds): AsyncGenerator<Buffer> {
  let limit = bounds.maxBytes;
  let seen = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (seen === 0) limit = Math.min(limit, bounds.maxBytesFor(chunk));
    seen += chunk.length;
    if (seen > limit)
      throw tooLarge(`the file is larger than ${megabytes(limit)}, the most a statement of its kind may be`);
    yield chunk;
  }
}

function malformed(err: unknown): ProblemError {
  return new ProblemError('malformed', `The multipart form cannot be read: ${(err as Error).message}.`);
}
