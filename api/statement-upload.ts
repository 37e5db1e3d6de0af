// What POST /v1/statements receives: the file as a stream (the body itself, or the `file` part of
// a multipart form) and the fields that say how to read it. A form that names its carrier before
// its file streams straight into the import; fields that change how the file is read (`mapping`,
// `statement_date`) must then come before the file too. Sizes are bounded as the bytes arrive by
// the same per-format limits the importer applies (domain/statements/import.ts).
import { z } from '@hono/zod-openapi';
import { maxStatementBytes, statementSizeLimitFor } from '../domain/statements/import.ts';
import { type ColumnMapping, parseColumnMapping } from '../domain/statements/types.ts';
import { ProblemError } from './problem.ts';
import { checkDeclaredLength, rawUpload, readMultipart, type UploadBounds } from './upload-body.ts';

export interface StatementUpload {
  bytes: AsyncIterable<Buffer>;
  filename: string;
  carrierId: string;
  mapping: ColumnMapping | null;
  statementDate: string | null;
  /** Once the file is read: the rest of the form, and whether to reconcile (default true). */
  finish(): Promise<{ reconcile: boolean }>;
  /** Frees what the upload holds (a file kept on disk, the unread rest of the request). */
  close(): Promise<void>;
}

const bounds: UploadBounds = { maxBytes: maxStatementBytes, maxBytesFor: statementSizeLimitFor };
/** The multipart framing and the text fields around the file. */
const formOverhead = 2 * 1024 * 1024;
/** Fields the import needs before it reads the first byte. */
const readingFields = ['carrier_id', 'mapping', 'statement_date'];

type FieldError = { field: string; message: string };

export async function openStatementUpload(
  request: Request,
  query: Record<string, string>,
): Promise<StatementUpload> {
  checkDeclaredLength(request, maxStatementBytes + formOverhead);
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) {
    const bytes = rawUpload(request, bounds);
    return fromFields(query, bytes, query.filename ?? null, {
      finish: async () => ({ reconcile: query.reconcile !== 'false' }),
      close: async () => {
        await request.body?.cancel().catch(() => {});
      },
    });
  }
  const form = await readMultipart(request, 'file', bounds, (fields) =>
    Boolean(fields.carrier_id ?? query.carrier_id),
  );
  const early = { ...query, ...form.fields };
  try {
    return fromFields(early, form.file?.bytes ?? null, query.filename ?? form.file?.filename ?? null, {
      finish: async () => {
        if (!form.streamed) return { reconcile: early.reconcile !== 'false' };
        await form.rest();
        const late = readingFields.filter((f) => form.fields[f] !== undefined && !(f in early));
        if (late.length)
          throw new ProblemError('validation', 'Fields that say how to read the file must come before it.', {
            errors: late.map((field) => ({
              field,
              message: 'sent after the file: send it before the file part',
            })),
          });
        return { reconcile: (form.fields.reconcile ?? query.reconcile) !== 'false' };
      },
      close: form.close,
    });
  } catch (err) {
    await form.close();
    throw err;
  }
}

function fromFields(
  fields: Record<string, string | undefined>,
  bytes: AsyncIterable<Buffer> | null,
  filename: string | null,
  ends: Pick<StatementUpload, 'finish' | 'close'>,
): StatementUpload {
  const errors: FieldError[] = [];
  if (!bytes)
    errors.push({ field: 'file', message: 'a file part named "file" (or the file as the body) is required' });
  const carrierId = fields.carrier_id;
  if (!carrierId || !z.uuid().safeParse(carrierId).success)
    errors.push({
      field: 'carrier_id',
      message: 'the carrier this statement is from (a carrier id) is required',
    });
  let mapping: ColumnMapping | null = null;
  if (fields.mapping) {
    try {
      mapping = parseColumnMapping(JSON.parse(fields.mapping));
    } catch (err) {
      errors.push({ field: 'mapping', message: `not a column mapping: ${(err as Error).message}` });
    }
  }
  const statementDate = fields.statement_date ?? null;
  if (statementDate && !/^\d{4}-\d{2}-\d{2}$/.test(statementDate))
    errors.push({ field: 'statement_date', message: 'an ISO date (YYYY-MM-DD)' });
  if (errors.length) throw new ProblemError('validation', 'The upload is incomplete.', { errors });
  return {
    bytes: bytes!,
    filename: filename || 'statement',
    carrierId: carrierId!,
    mapping,
    statementDate,
    ...ends,
  };
}
