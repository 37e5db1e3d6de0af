// Errors as RFC 9457 problem details (application/problem+json) with a stable `type` per kind
// of problem, so clients branch on the type and people read the title and detail.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const problemTypes = {
  malformed: { status: 400, title: 'The request cannot be read' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Missing scope' },
  'not-found': { status: 404, title: 'Not found' },
  validation: { status: 422, title: 'The request is not valid' },
  'not-a-statement': { status: 422, title: 'Not a statement we can read' },
  'too-large': { status: 413, title: 'Too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  conflict: { status: 409, title: 'Conflict' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'A dependency is unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;
export type ProblemType = keyof typeof problemTypes;

export class ProblemError extends Error {
  readonly problem: ProblemType;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown>;
  constructor(problem: ProblemType, detail?: string, extra: Record<string, unknown> = {}) {
    super(detail ?? problemTypes[problem].title);
    this.problem = problem;
    this.detail = detail;
    this.extra = extra;
  }
}

export function problemBody(
  problem: ProblemType,
  detail: string | undefined,
  instance: string,
  extra: Record<string, unknown> = {},
) {
  const t = problemTypes[problem];
  return {
    type: `/problems/${problem}`,
    title: t.title,
    status: t.status,
    ...(detail ? { detail } : {}),
    instance,
    ...extra,
  };
}

export function problemResponse(
  c: Context,
  problem: ProblemType,
  detail?: string,
  extra: Record<string, unknown> = {},
): Response {
  const body = problemBody(problem, detail, c.req.path, extra);
  return c.body(JSON.stringify(body), problemTypes[problem].status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
  });
}
