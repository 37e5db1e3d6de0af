// Cursor pagination over (updated_at, id): stable under inserts, resumable, and opaque to
// clients. The cursor carries the exact timestamp text PostgreSQL gave us, so microseconds
// survive the round trip and no row is repeated or skipped.
import { z } from '@hono/zod-openapi';
import { ProblemError } from './problem.ts';

export const pageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ description: 'Items per page (1–200).' }),
  cursor: z.string().optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
  updated_since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Only items changed at or after this time.' }),
});

export interface Position {
  t: string;
  id: string;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Position | null {
  if (!cursor) return null;
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof p?.t === 'string' && typeof p?.id === 'string') return p;
  } catch {}
  throw new ProblemError('validation', 'cursor is not one this API issued', {
    errors: [{ field: 'cursor', message: 'invalid cursor' }],
  });
}

export const pageSchema = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });
