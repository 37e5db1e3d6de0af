// The one gate every documented request passes before a route reads it: a URL whose
// percent-encoding decodes and whose query holds storable text; a body no larger than the route
// allows (413, told by Content-Length or counted while reading); for a JSON route, the JSON
// media type (415), UTF-8 (invalid bytes are refused, never stored as U+FFFD), nesting within
// limits.jsonDepth, and strings and arrays within bounds (422 naming the field). The body is read
// once, bounded, and handed on as a buffered request. Routes that stream a file (statement
// uploads) are left to bound their own.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.ts';
import { isStorableText } from './fields.ts';
import { jsonDepth, jsonFindings } from './json-checks.ts';
import { limits } from './limits.ts';
import { ProblemError } from './problem.ts';
import { findRoute, type RouteBody, routeBodies } from './route-bodies.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function requestLimits(definitions: () => readonly unknown[]): MiddlewareHandler<AppEnv> {
  let table: RouteBody[] | undefined;
  return async (c, next) => {
    checkTarget(c.req.url, c.req.queries());
    table ??= routeBodies(definitions());
    const route = findRoute(table, c.req.method, c.req.path);
    if (!route || route.kind === 'stream' || c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const bytes = await readBounded(c.req.raw, route.maxBytes);
    if (route.kind === 'json' && bytes.length > 0) checkJson(bytes, c.req.header('content-type'));
    // The stream is spent: later readers (validation, Idempotency-Key, a signature check) get the bytes.
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers, body: bytes });
    await next();
  };
}

function checkTarget(url: string, queries: Record<string, string[]>): void {
  const path = new URL(url).pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new ProblemError('malformed', 'The URL path has invalid percent-encoding (write % as %25).');
  }
  if (decoded.includes('\u0000'))
    throw new ProblemError('malformed', 'The URL path contains a NUL character.');
  const errors = Object.entries(queries).flatMap(([field, values]) =>
    values.every(isStorableText) ? [] : [{ field, message: 'contains a NUL character' }],
  );
  if (errors.length)
    throw new ProblemError('validation', `${errors.length} field(s) failed validation`, { errors });
}

async function readBounded(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new ProblemError('too-large', `The body is larger than this route accepts (${maxBytes} bytes).`, {
      limit_bytes: maxBytes,
    });
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function checkJson(bytes: Uint8Array, contentType: string | undefined): void {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!/^application\/([\w.-]+\+)?json$/.test(mediaType))
    throw new ProblemError(
      'unsupported-media-type',
      `Send the body as application/json${contentType ? `, not ${mediaType}` : ' (Content-Type is missing)'}.`,
    );
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ProblemError('malformed', 'The body is not valid UTF-8.');
  }
  if (jsonDepth(text, limits.jsonDepth) > limits.jsonDepth)
    throw new ProblemError('validation', `The body nests deeper than ${limits.jsonDepth} levels.`, {
      limit_depth: limits.jsonDepth,
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProblemError('malformed', `The body is not valid JSON: ${(err as Error).message}`);
  }
  const errors = jsonFindings(value);
  if (errors.length)
    throw new ProblemError('validation', `${errors.length} field(s) failed validation`, { errors });
}
