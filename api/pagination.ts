// Cursor pagination over (updated_at, id): stable under inserts, resumable, and opaque to
// clients. The cursor carries the exact timestamp text PostgreSQL gave us, so microseconds
// survive the round trip and no row is repeated or skipped.
import { z } from '@hono/zod-openapi';
import { isCalendarDate } from '../domain/canonical.ts';
import { instant } from './fields.ts';
import { ProblemError } from './problem.ts';

export const pageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ description: 'Items per page (1–200).' }),
  cursor: z.string().max(500).optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
  updated_since: instant.optional().openapi({ description: 'Only items changed at or after this time.' }),
});

export interface Position {
  t: string;
  id: string;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url');
}

/** A position's key as the database gave it: a date, or a timestamp with its offset. */
const positionTime =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A crafted cursor is refused here, before its parts reach a query as a date or a uuid. */
function isPosition(p: unknown): p is Position {
  const { t, id } = (p ?? {}) as Record<string, unknown>;
  if (typeof t !== 'string' || typeof id !== 'string' || !uuid.test(id)) return false;
  const m = positionTime.exec(t);
  return m !== null && isCalendarDate(`${m[1]}-${m[2]}-${m[3]}`);
}

export function decodeCursor(cursor: string | undefined): Position | null {
  if (!cursor) return null;
  try {
    const p: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isPosition(p)) return { t: p.t, id: p.id };
  } catch {}
  throw new ProblemError('validation', 'cursor is not one this API issued', {
    errors: [{ field: 'cursor', message: 'invalid cursor' }],
  });
}

export const pageSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });
