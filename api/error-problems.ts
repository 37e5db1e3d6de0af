// One mapping from the errors a bad request can provoke to the problem document that answers it:
// parse errors (JSON, percent-encoding, dates), validation thrown from inside a handler, HTTP
// exceptions of the framework, and the PostgreSQL error classes that mean "this value cannot be
// stored" rather than "the server is broken". The request's transaction rolls back either way;
// only what is left (a bug, an outage) is a 500.
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { ProblemError, type ProblemType } from './problem.ts';

export interface MappedProblem {
  problem: ProblemType;
  detail: string;
  extra?: Record<string, unknown>;
}

/** PostgreSQL SQLSTATEs caused by the values a request carried. */
const databaseClasses: Record<string, MappedProblem> = {
  '22P05': { problem: 'validation', detail: 'A value contains a character that cannot be stored (NUL).' },
  '22021': { problem: 'validation', detail: 'A value contains a character that cannot be stored.' },
  '22007': { problem: 'validation', detail: 'A date or time is not valid.' },
  '22008': { problem: 'validation', detail: 'A date or time is out of range.' },
  '22003': { problem: 'validation', detail: 'A number is out of range.' },
  '22P02': { problem: 'validation', detail: 'A value is not of the expected type.' },
  '22001': { problem: 'validation', detail: 'A value is too long.' },
  '23502': { problem: 'validation', detail: 'A required value is missing.' },
  '23503': { problem: 'validation', detail: 'A value refers to something that does not exist.' },
  '23514': { problem: 'validation', detail: 'A value is not allowed here.' },
  '23505': { problem: 'conflict', detail: 'It already exists.' },
  '54000': { problem: 'too-large', detail: 'A value is too large to store.' },
  '54001': { problem: 'too-large', detail: 'The request is too deeply nested.' },
};

const httpStatuses: Record<number, ProblemType> = {
  400: 'malformed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  413: 'too-large',
  415: 'unsupported-media-type',
  422: 'validation',
};

/** The problem a thrown error stands for, or null when it is the server's own failure. */
export function problemForError(err: unknown): MappedProblem | null {
  if (err instanceof ProblemError)
    return { problem: err.problem, detail: err.detail ?? '', extra: err.extra };
  if (err instanceof HTTPException) {
    const problem = httpStatuses[err.status];
    return problem ? { problem, detail: err.message } : null;
  }
  if (err instanceof ZodError)
    return {
      problem: 'validation',
      detail: `${err.issues.length} field(s) failed validation`,
      extra: { errors: err.issues.map((i) => ({ field: i.path.join('.') || null, message: i.message })) },
    };
  if (err instanceof SyntaxError) return { problem: 'malformed', detail: 'The body is not valid JSON.' };
  if (err instanceof URIError)
    return { problem: 'malformed', detail: 'The URL has invalid percent-encoding.' };
  if (err instanceof RangeError && /invalid time value/i.test(err.message))
    return { problem: 'validation', detail: 'A date or time is not valid.' };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (err as { severity?: unknown }).severity !== undefined)
    return databaseClasses[code] ?? null;
  return null;
}
