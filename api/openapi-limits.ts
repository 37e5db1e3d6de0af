// The limits of api/limits.ts as the OpenAPI document states them: in the API's description, and
// on every operation that takes a JSON body (its byte limit as x-max-bytes, and the 400, 413, 415
// and 422 answers a body outside them gets). Array and string bounds of single fields come from
// the schemas themselves (maxItems, maxLength).
import { limits } from './limits.ts';
import type { RouteBody } from './route-bodies.ts';

interface Operation {
  requestBody?: Record<string, unknown> & { description?: string };
  responses?: Record<string, unknown>;
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export const limitsDescription = [
  'Limits: a JSON body is at most',
  `${limits.jsonBodyBytes} bytes unless its operation states another \`x-max-bytes\` (413 beyond it),`,
  `sent as application/json in UTF-8 (415, 400), nested at most ${limits.jsonDepth} levels,`,
  `with at most ${limits.arrayItems} items in any array and no NUL character or unpaired surrogate in`,
  `any string (422 naming the field). Dates are real days from ${limits.firstYear} to ${limits.lastYear};`,
  `amounts at most ${limits.maxCents} cents either way. A schedule backfill reaches at most`,
  `${limits.backfillDays} days and ${limits.backfillTicks} ticks; a report range at most ${limits.reportDays} days.`,
].join(' ');

export function announceLimits<D extends { paths?: unknown; components?: unknown }>(
  doc: D,
  table: readonly RouteBody[],
): D {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const route of table) {
    const op = paths[route.path]?.[route.method.toLowerCase()];
    if (!op?.requestBody || route.kind !== 'json') continue;
    op.requestBody['x-max-bytes'] = route.maxBytes;
    op.requestBody.description = [op.requestBody.description, `At most ${route.maxBytes} bytes.`]
      .filter(Boolean)
      .join(' ');
    op.responses = {
      '400': problem('The body is not JSON or not UTF-8'),
      '413': problem(`The body is larger than ${route.maxBytes} bytes`),
      '415': problem('The body is not sent as application/json'),
      '422': problem('A field is not valid; every failing field is listed'),
      ...op.responses,
    };
  }
  const components = (doc.components ?? {}) as { schemas?: Record<string, unknown> };
  components.schemas = { ...components.schemas, Problem: problemSchema };
  return Object.assign(doc, { components });
}

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: ['string', 'null'] }, message: { type: 'string' } },
      },
    },
  },
  required: ['type', 'title', 'status'],
};
