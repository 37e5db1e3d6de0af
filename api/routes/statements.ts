// Carrier statements and their reconciliation. An upload is parsed as it streams and every row is
// written in the request's transaction: its lines, and its other rows (titles, page headers,
// subtotals and totals, notes, and the lines that could not be read, kept for review). Only a file
// that is not a statement at all is refused (the transaction rolls back: nothing stored). The same
// bytes twice are recognised by hash. A stored statement is reconciled by a reconcile/<statementId> workflow;
// people then confirm, reject or re-match lines, and what they teach is kept for next time.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { demoCarrierByName } from '../../connectors/kit/demo-agency.ts';
import { registered, registry } from '../../connectors/registry.ts';
import type { ProviderId } from '../../connectors/types.ts';
import type { PoolClient } from '../../db/pool.ts';
import { decideLine, reconciliationSettings } from '../../db/reconciliation-store.ts';
import {
  loadStatement,
  STATEMENT_COLUMNS,
  StatementWriter,
  savedMapping,
  saveMapping,
  statementRows,
  statementWithHash,
} from '../../db/statement-store.ts';
import { defaultTolerances } from '../../domain/reconciliation/types.ts';
import { statementSizeLimits } from '../../domain/statements/import.ts';
import { importStatementOffThread } from '../../domain/statements/import-thread.ts';
import { xlsxLimits } from '../../domain/statements/parse-xlsx.ts';
import { nonDataRowKinds } from '../../domain/statements/types.ts';
import { maxQuotedChars, maxStoredCellChars } from '../../domain/statements/validate.ts';
import { markReconciling, requestReconciliation } from '../../runtime/reconciliation-requests.ts';
import { reconcileWorkflowId } from '../../workflows/shared.ts';
import type { AppEnv } from '../deps.ts';
import { requireScope } from '../middleware.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import { ProblemError } from '../problem.ts';
import { idParam } from '../schemas.ts';
import { openStatementUpload } from '../statement-upload.ts';

/** The connectors whose deposits become statements (their `accounting.deposits`), in registry order. */
const depositSources = (Object.keys(registry) as ProviderId[]).flatMap((provider) => {
  const { connector } = registry[provider]!;
  const deposits = connector.accounting?.deposits;
  return deposits
    ? [{ name: connector.definition.shortName ?? connector.definition.displayName, deposits }]
    : [];
});
const depositNames = depositSources.map((d) => d.name).join(' or ');

const importErrorSchema = z.object({
  row: z.number().int().nullable(),
  field: z.string(),
  value: z.string().nullable(),
  reason: z.string(),
});

const statementSchema = z
  .object({
    id: z.uuid(),
    carrier_id: z.uuid().nullable(),
    carrier_name: z.string().nullable(),
    source: z.enum(['upload', ...depositSources.map((d) => d.deposits.statementSource)]),
    filename: z.string(),
    format: z.string(),
    content_hash: z.string(),
    statement_date: z.string().nullable(),
    period_start: z.string().nullable(),
    period_end: z.string().nullable(),
    line_count: z.number().int().openapi({ description: 'Statement lines (payments to reconcile).' }),
    non_data_row_count: z.number().int().openapi({
      description: 'Rows that are part of the statement but not lines (titles, page headers, totals, notes).',
    }),
    unreadable_line_count: z.number().int().openapi({
      description: 'Rows that look like lines but could not be read: kept for review, not matched.',
    }),
    rows_by_kind: z.record(z.string(), z.number().int()),
    needs_review: z
      .boolean()
      .openapi({ description: 'Unreadable lines, or a printed total that does not add up.' }),
    control_checks: z.array(
      z.object({
        sourceRow: z.number().int().nullable(),
        sheet: z.string().nullable(),
        kind: z.enum(['total', 'subtotal']),
        label: z.string(),
        statedCents: z.number().int(),
        computedCents: z.number().int(),
        lines: z.number().int(),
        ok: z.boolean(),
        unreadableLines: z.number().int(),
        unreadableCents: z.number().int(),
        explanation: z.string(),
      }),
    ),
    warnings: z.array(z.string()),
    total_premium_cents: z.number().int(),
    total_commission_cents: z.number().int(),
    status: z.enum(['imported', 'reconciling', 'reconciled']),
    summary: z.record(z.string(), z.unknown()),
    workflow_id: z.string().nullable(),
    temporal_ui_url: z.string().nullable(),
    uploaded_at: z.string(),
    reconciled_at: z.string().nullable(),
  })
  .openapi('Statement');

const lineSchema = z
  .object({
    id: z.number().int(),
    line_no: z.number().int(),
    source_row: z.number().int().nullable(),
    sheet: z.string().nullable(),
    policy_number: z.string(),
    insured_name: z.string().nullable(),
    effective_date: z.string().nullable(),
    transaction_date: z.string().nullable(),
    transaction_type: z.string().nullable(),
    premium_cents: z.number().int().nullable(),
    commission_rate: z.string().nullable(),
    commission_cents: z.number().int(),
    status: z.enum(['pending', 'matched', 'underpaid', 'overpaid', 'unexpected', 'duplicate']),
    method: z.string().nullable(),
    confidence: z.number().int().nullable(),
    difference_cents: z.number().int().nullable(),
    discrepancies: z.array(z.string()),
    matches: z.array(z.object({ expectedId: z.string(), appliedCents: z.number().int() })),
    evidence: z.record(z.string(), z.unknown()).nullable(),
    reason: z.string().nullable(),
    decision: z.enum(['confirmed', 'rejected', 'rematched']).nullable(),
    decided_by: z.string().nullable(),
    decided_at: z.string().nullable(),
  })
  .openapi('StatementLine');

type StatementRow = Record<string, unknown> & { id: string; workflow_id: string | null; _position?: string };

function toStatement(deps: AppEnv['Variables']['deps'], row: StatementRow) {
  const { _position, ...rest } = row;
  const workflowId = row.workflow_id;
  return {
    ...rest,
    line_count: Number(row.line_count),
    non_data_row_count: Number(row.non_data_row_count),
    unreadable_line_count: Number(row.unreadable_line_count),
    total_premium_cents: Number(row.total_premium_cents),
    total_commission_cents: Number(row.total_commission_cents),
    uploaded_at: new Date(row.uploaded_at as string).toISOString(),
    reconciled_at: row.reconciled_at ? new Date(row.reconciled_at as string).toISOString() : null,
    temporal_ui_url:
      workflowId && deps.temporalUiUrl
        ? `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${encodeURIComponent(workflowId)}`
        : null,
  } as z.infer<typeof statementSchema>;
}

function toLine(r: Record<string, unknown>) {
  return {
    ...r,
    id: Number(r.id),
    premium_cents: r.premium_cents === null ? null : Number(r.premium_cents),
    commission_cents: Number(r.commission_cents),
    difference_cents: r.difference_cents === null ? null : Number(r.difference_cents),
    decided_at: r.decided_at ? new Date(r.decided_at as string).toISOString() : null,
  } as z.infer<typeof lineSchema>;
}

const binary = { type: 'string', format: 'binary' } as const;
const mb = (bytes: number) => bytes / (1024 * 1024);

const uploadRoute = createRoute({
  method: 'post',
  path: '/v1/statements',
  tags: ['Statements'],
  summary: 'Import a carrier commission statement (CSV, XLSX or ACORD AL3) and reconcile it',
  description:
    'multipart/form-data with `file`, `carrier_id`, optional `mapping` (a column mapping as JSON, saved for the carrier), `statement_date`, `reconcile` (default true). ' +
    'Or the file itself as the body (text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/octet-stream) with `filename` and `carrier_id` in the query. ' +
    'The file is streamed, never held whole, and parsed off the request thread. A form that sends `carrier_id` (and `mapping`, `statement_date`) before `file` is read as it arrives; one that sends the file first is kept in a temporary file until the form ends. ' +
    `Limits (413 beyond them, refused as the bytes arrive): a CSV or AL3 file ${mb(statementSizeLimits.csv)} MB, an XLSX workbook ${mb(statementSizeLimits.xlsx)} MB and ${mb(xlsxLimits.maxDecompressedBytes)} MB decompressed; ` +
    `a cell is cut at ${xlsxLimits.maxCellChars} characters (its row kept for review), a CSV record is at most 1 MB; a stored cell is clipped to ${maxStoredCellChars} characters and a reason quotes at most ${maxQuotedChars}. ` +
    'Every row of the file is accounted for: a statement line, a row of the statement’s structure (title, repeated page header, section, subtotal or total, blank, note), or an unreadable line kept for review with its cells and reasons. ' +
    'Printed totals and subtotals are checked against the lines they sum. Only a file that is not a statement at all is refused (422 `not-a-statement`: empty, not CSV/XLSX/AL3, no header row, an archive that cannot be opened; 413 past a size bound). ' +
    'The same file twice is a 409 naming the first import.',
  middleware: [requireScope('commissions:write')] as const,
  request: {
    // A plain schema, not zod: the route streams the body itself (no validator may read it first).
    body: {
      required: true,
      description: `The statement file: at most ${mb(statementSizeLimits.csv)} MB (an XLSX workbook ${mb(statementSizeLimits.xlsx)} MB).`,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: {
              carrier_id: { type: 'string', format: 'uuid' },
              mapping: { type: 'string', description: 'A column mapping as JSON' },
              statement_date: { type: 'string', format: 'date' },
              reconcile: { type: 'string', enum: ['true', 'false'] },
              file: { type: 'string', format: 'binary' },
            },
          },
        },
        'text/csv': { schema: binary },
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: binary },
        'application/octet-stream': { schema: binary },
      },
    },
    query: z.object({
      carrier_id: z.uuid().optional(),
      filename: z.string().max(255).optional(),
      statement_date: z.iso.date().optional(),
      reconcile: z.enum(['true', 'false']).optional(),
    }),
  },
  responses: {
    201: {
      description: 'Imported',
      content: {
        'application/json': {
          schema: z.object({
            statement: statementSchema,
            detection: z.record(z.string(), z.unknown()),
            rows: z.object({
              lines: z.number().int(),
              non_data: z.number().int(),
              unreadable: z.number().int(),
              by_kind: z.record(z.string(), z.number().int()),
            }),
            warnings: z.array(z.string()),
          }),
        },
      },
    },
    409: { description: 'This exact file was imported before (`existing_statement_id`)' },
    413: {
      description: `The file is past a size bound: ${mb(statementSizeLimits.csv)} MB (CSV, AL3), ${mb(statementSizeLimits.xlsx)} MB (XLSX), ${mb(xlsxLimits.maxDecompressedBytes)} MB decompressed`,
    },
    422: {
      description: 'Not a statement at all: `errors` says why (nothing was stored)',
      content: {
        'application/problem+json': {
          schema: z.object({ errors: z.array(importErrorSchema) }).passthrough(),
        },
      },
    },
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/commissions/statements',
  tags: ['Statements'],
  summary: 'Imported statements, newest first, with their reconciliation summaries',
  middleware: [requireScope('commissions:read')] as const,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().optional(),
      carrier_id: z.uuid().optional(),
    }),
  },
  responses: {
    200: {
      description: 'Statements',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(statementSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
  },
});

const reconcileRoute = createRoute({
  method: 'post',
  path: '/v1/commissions/reconcile',
  tags: ['Statements'],
  summary: 'Reconcile (or re-reconcile) a statement: starts reconcile/<statementId> on Temporal',
  description:
    'Lines a person decided keep their decision; the others are matched again with the aliases learned since. Returns at once; poll the reconciliation.',
  middleware: [requireScope('commissions:write')] as const,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({ statement_id: z.uuid(), as_of: z.iso.date().optional() }),
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Started',
      content: {
        'application/json': {
          schema: z.object({
            statement_id: z.uuid(),
            workflow_id: z.string(),
            reconciliation_url: z.string(),
          }),
        },
      },
    },
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/reconciliations/{id}',
  tags: ['Statements'],
  summary:
    "A statement's reconciliation: status, summary (lines by status and method, paid, variance, missing)",
  middleware: [requireScope('commissions:read')] as const,
  request: { params: idParam },
  responses: {
    200: { description: 'The reconciliation', content: { 'application/json': { schema: statementSchema } } },
  },
});

const linesRoute = createRoute({
  method: 'get',
  path: '/v1/reconciliations/{id}/lines',
  tags: ['Statements'],
  summary: "A statement's lines with their match, reason and evidence, in line order",
  middleware: [requireScope('commissions:read')] as const,
  request: {
    params: idParam,
    query: z.object({
      status: z.enum(['pending', 'matched', 'underpaid', 'overpaid', 'unexpected', 'duplicate']).optional(),
      discrepancies_only: z.enum(['true', 'false']).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
    }),
  },
  responses: {
    200: {
      description: 'Lines',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(lineSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
  },
});

const rowKinds = [...nonDataRowKinds, 'unreadable'] as const;

const rowSchema = z
  .object({
    position: z.number().int().openapi({ description: 'Order among the rows that are not lines.' }),
    source_row: z.number().int().openapi({ description: 'The row as a spreadsheet shows it.' }),
    sheet: z.string().nullable(),
    kind: z.enum(rowKinds),
    cells: z.array(z.string()),
    reason: z.string(),
    errors: z.array(importErrorSchema),
    amount_cents: z.number().int().nullable(),
  })
  .openapi('StatementRow');

const rowsRoute = createRoute({
  method: 'get',
  path: '/v1/reconciliations/{id}/rows',
  tags: ['Statements'],
  summary: "A statement's rows that are not lines: its structure, and the unreadable lines kept for review",
  description:
    'In file order. `kind=unreadable` lists the lines that could not be read, each with its cells and every reason; ' +
    'they are not matched. Several kinds may be given, comma-separated.',
  middleware: [requireScope('commissions:read')] as const,
  request: {
    params: idParam,
    query: z.object({
      kind: z
        .string()
        .optional()
        .refine(
          (v) => v === undefined || v.split(',').every((k) => (rowKinds as readonly string[]).includes(k)),
          {
            message: `kinds: ${rowKinds.join(', ')}`,
          },
        ),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
    }),
  },
  responses: {
    200: {
      description: 'Rows',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(rowSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
  },
});

const decideRoute = createRoute({
  method: 'post',
  path: '/v1/reconciliations/{id}/lines/{line}',
  tags: ['Statements'],
  summary: 'Confirm, reject or re-match one statement line; remembered for the next statement',
  description:
    'confirm: the match stands. reject: the line pays nothing we expected (its payments come off). rematch: link it to the given expected commissions. ' +
    'When the printed policy number differs from ours, confirm and rematch teach an alias the next reconciliation uses.',
  middleware: [requireScope('commissions:write')] as const,
  request: {
    params: z.object({
      id: z.uuid(),
      line: z.coerce.number().int().min(1).openapi({ description: 'The line number.' }),
    }),
    body: {
      content: {
        'application/json': {
          schema: z.discriminatedUnion('action', [
            z.object({ action: z.literal('confirm') }),
            z.object({ action: z.literal('reject') }),
            z.object({
              action: z.literal('rematch'),
              expected_commission_ids: z.array(z.uuid()).min(1).max(50),
            }),
          ]),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The line after the decision, and the alias learned (if any)',
      content: {
        'application/json': {
          schema: z.object({
            line: lineSchema,
            learned_alias: z
              .object({
                carrier_id: z.uuid(),
                statement_policy_number: z.string(),
                policy_number: z.string(),
              })
              .nullable(),
          }),
        },
      },
    },
  },
});

const depositsRoute = createRoute({
  method: 'post',
  // scan-allow: the public path, kept for its clients (test/unit/provider-neutral.test.ts).
  path: '/v1/statements/quickbooks-deposits',
  tags: ['Statements'],
  summary: `Turn the carrier commission deposits synced from a ${depositNames} connection into statements and reconcile them`,
  description: `Each deposit not yet imported becomes a statement (source ${depositSources.map((d) => d.deposits.statementSource).join(' or ')}, one line per deposit line) and is reconciled as a cash check: the deposit against what the carrier owed in direct-bill commission for the month its reference names.`,
  middleware: [requireScope('commissions:write')] as const,
  request: {
    body: { content: { 'application/json': { schema: z.object({ connection_id: z.uuid() }) } } },
  },
  responses: {
    201: {
      description: 'The statements created (none when every deposit was imported before)',
      content: { 'application/json': { schema: z.object({ statement_ids: z.array(z.uuid()) }) } },
    },
  },
});

const settingsSchema = z
  .object({
    tolerances: z.object({
      amount_cents: z
        .number()
        .int()
        .min(0)
        .openapi({ description: 'A difference up to this clears as rounding.' }),
      rate_points: z
        .string()
        .regex(/^\d{1,2}(\.\d{1,4})?$/)
        .openapi({ description: 'Rate differences above this many points are a rate mismatch.' }),
      review_percent: z
        .string()
        .regex(/^\d{1,2}(\.\d{1,4})?$/)
        .openapi({ description: 'Differences within this percent are a minor variance.' }),
      date_window_days: z.number().int().min(0).max(366),
      name_similarity: z.number().min(0.5).max(1),
    }),
    missing_grace_days: z.record(z.uuid(), z.number().int().min(0).max(365)).openapi({
      description:
        'Per carrier id: days after the expected pay date before an unpaid commission is missing (default 30).',
    }),
  })
  .openapi('ReconciliationSettings');

async function currentSettings(db: PoolClient, tenantId: string): Promise<z.infer<typeof settingsSchema>> {
  const s = await reconciliationSettings(db, tenantId);
  const t = { ...defaultTolerances, ...s.tolerances };
  return {
    tolerances: {
      amount_cents: t.amountCents,
      rate_points: t.ratePoints,
      review_percent: t.reviewPercent,
      date_window_days: t.dateWindowDays,
      name_similarity: t.nameSimilarity,
    },
    missing_grace_days: s.missingGraceDays ?? {},
  };
}

/**
 * Marks the statements as reconciling in the request's transaction and starts their
 * reconcile/<statementId> workflows once it commits (the workflow must see the stored lines).
 */
async function reconcileAfterCommit(vars: AppEnv['Variables'], statementIds: string[], asOf?: string) {
  if (!statementIds.length) return;
  const { deps, tenantId } = vars;
  await markReconciling(vars.db, statementIds);
  vars.afterCommit(async () => {
    for (const id of statementIds)
      await requestReconciliation(deps.temporal, deps.taskQueue, tenantId, id, asOf);
  });
}

const LINE_COLUMNS = `id, line_no, source_row, sheet, policy_number, insured_name, effective_date::text, transaction_date::text, transaction_type,
  premium_cents, commission_rate, commission_cents, status, method, confidence, difference_cents, discrepancies, matches, evidence,
  reason, decision, decided_by, decided_at`;

async function statementOr404(db: PoolClient, tenantId: string, id: string) {
  const row = await loadStatement(db, tenantId, id);
  if (!row) throw new ProblemError('not-found', `No statement ${id}.`);
  return row as StatementRow;
}

export const statementRoutes = new OpenAPIHono<AppEnv>()
  .openapi(uploadRoute, async (c) => {
    const input = await openStatementUpload(c.req.raw, c.req.query());
    try {
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      const deps = c.get('deps');
      const { rows: carriers } = await db.query(
        'select id, name from carriers where tenant_id = $1 and id = $2',
        [tenantId, input.carrierId],
      );
      const carrier = carriers[0];
      if (!carrier) throw new ProblemError('not-found', `No carrier ${input.carrierId}.`);
      const saved = input.mapping ?? (await savedMapping(db, tenantId, input.carrierId));
      const writer = new StatementWriter(db, {
        tenantId,
        carrierId: input.carrierId,
        source: 'upload',
        filename: input.filename,
        statementDate: input.statementDate,
      });
      // Parsed in a worker thread: other requests never wait on this file's parsing.
      const result = await importStatementOffThread({
        bytes: input.bytes,
        filename: input.filename,
        // Carriers named like a known carrier get its column preset (the demo agency's carriers here).
        carrierKey: demoCarrierByName(carrier.name)?.key,
        savedMapping: saved ?? undefined,
        onLine: (line) => writer.add(line),
        onRow: (row) => writer.addRow(row),
      });
      if (!result.ok) {
        // Thrown, so the request's transaction rolls back every row written so far.
        throw new ProblemError(
          result.status === 413 ? 'too-large' : 'not-a-statement',
          `This file was not imported: ${result.errors.map((e) => e.reason).join('; ')}`,
          { errors: result.errors, detection: result.detection },
        );
      }
      const earlier = await statementWithHash(db, tenantId, result.contentHash);
      if (earlier)
        throw new ProblemError(
          'conflict',
          `This file was already imported as statement ${earlier.id} (${earlier.filename}); it was not imported again.`,
          { existing_statement_id: earlier.id },
        );
      const { reconcile } = await input.finish();
      const id = await writer.finish(result, result.mappingUsed);
      if (input.mapping) await saveMapping(db, tenantId, input.carrierId, result.mappingUsed);
      if (reconcile) await reconcileAfterCommit(c.var, [id]);
      const statement = (await loadStatement(db, tenantId, id)) as StatementRow;
      return c.json(
        {
          statement: toStatement(deps, statement),
          detection: result.detection as unknown as Record<string, unknown>,
          rows: {
            lines: result.counts.lines,
            non_data: result.counts.nonData,
            unreadable: result.counts.unreadable,
            by_kind: result.counts.byKind as Record<string, number>,
          },
          warnings: result.warnings,
        },
        201,
      );
    } finally {
      await input.close();
    }
  })
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/commissions/reconciliation-settings',
      tags: ['Statements'],
      summary: 'The tenant’s reconciliation tolerances and per-carrier grace periods',
      middleware: [requireScope('commissions:read')] as const,
      responses: {
        200: { description: 'Settings', content: { 'application/json': { schema: settingsSchema } } },
      },
    }),
    async (c) => c.json(await currentSettings(c.get('db'), c.get('tenantId')), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/v1/commissions/reconciliation-settings',
      tags: ['Statements'],
      summary: 'Replace the tolerances and grace periods; the next reconciliation uses them',
      middleware: [requireScope('commissions:write')] as const,
      request: { body: { content: { 'application/json': { schema: settingsSchema } } } },
      responses: {
        200: { description: 'Settings', content: { 'application/json': { schema: settingsSchema } } },
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const tenantId = c.get('tenantId');
      const t = body.tolerances;
      await c.get('db').query(
        `update tenants set settings = settings || jsonb_build_object('reconciliationTolerances', $2::jsonb, 'missingGraceDays', $3::jsonb)
          where id = $1`,
        [
          tenantId,
          JSON.stringify({
            amountCents: t.amount_cents,
            ratePoints: t.rate_points,
            reviewPercent: t.review_percent,
            dateWindowDays: t.date_window_days,
            nameSimilarity: t.name_similarity,
          }),
          JSON.stringify(body.missing_grace_days),
        ],
      );
      return c.json(body, 200);
    },
  )
  .openapi(depositsRoute, async (c) => {
    const { connection_id: connectionId } = c.req.valid('json');
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    const { rows } = await db.query('select provider from connections where tenant_id = $1 and id = $2', [
      tenantId,
      connectionId,
    ]);
    if (!rows[0]) throw new ProblemError('not-found', `No connection ${connectionId}.`);
    const deposits = registered(rows[0].provider).connector.accounting?.deposits;
    if (!deposits)
      throw new ProblemError('validation', `Deposits come from a ${depositNames} connection.`, {
        errors: [{ field: 'connection_id', message: `a ${rows[0].provider} connection` }],
      });
    const ids = await deposits.importStatements(db, tenantId, connectionId);
    await reconcileAfterCommit(c.var, ids);
    return c.json({ statement_ids: ids }, 201);
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const params: unknown[] = [c.get('tenantId')];
    const where = ['s.tenant_id = $1'];
    const position = decodeCursor(q.cursor);
    if (position) {
      params.push(position.t, position.id);
      where.push(`(s.uploaded_at, s.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (q.carrier_id) {
      params.push(q.carrier_id);
      where.push(`s.carrier_id = $${params.length}`);
    }
    params.push(q.limit + 1);
    const { rows } = await c.get('db').query<StatementRow>(
      `select ${STATEMENT_COLUMNS} from statements s left join carriers c on c.id = s.carrier_id
        where ${where.join(' and ')} order by s.uploaded_at desc, s.id desc limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map((r) => toStatement(c.get('deps'), r)),
        next_cursor: rows.length > q.limit && last ? encodeCursor({ t: last._position!, id: last.id }) : null,
      },
      200,
    );
  })
  .openapi(reconcileRoute, async (c) => {
    const body = c.req.valid('json');
    const tenantId = c.get('tenantId');
    await statementOr404(c.get('db'), tenantId, body.statement_id);
    const workflowId = reconcileWorkflowId(body.statement_id);
    await reconcileAfterCommit(c.var, [body.statement_id], body.as_of);
    return c.json(
      {
        statement_id: body.statement_id,
        workflow_id: workflowId,
        reconciliation_url: `/v1/reconciliations/${body.statement_id}`,
      },
      202,
    );
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(toStatement(c.get('deps'), await statementOr404(c.get('db'), c.get('tenantId'), id)), 200);
  })
  .openapi(linesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    await statementOr404(c.get('db'), c.get('tenantId'), id);
    const params: unknown[] = [
      id,
      q.cursor ? Number.parseInt(Buffer.from(q.cursor, 'base64url').toString(), 10) || 0 : 0,
    ];
    const where = ['statement_id = $1', 'line_no > $2'];
    if (q.status) {
      params.push(q.status);
      where.push(`status = $${params.length}`);
    }
    if (q.discrepancies_only === 'true') where.push(`cardinality(discrepancies) > 0`);
    params.push(q.limit + 1);
    const { rows } = await c
      .get('db')
      .query(
        `select ${LINE_COLUMNS} from statement_lines where ${where.join(' and ')} order by line_no limit $${params.length}`,
        params,
      );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map(toLine),
        next_cursor:
          rows.length > q.limit && last ? Buffer.from(String(last.line_no)).toString('base64url') : null,
      },
      200,
    );
  })
  .openapi(rowsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    await statementOr404(c.get('db'), c.get('tenantId'), id);
    const after = q.cursor ? Number.parseInt(Buffer.from(q.cursor, 'base64url').toString(), 10) || 0 : 0;
    const rows = await statementRows(c.get('db'), id, {
      kinds: q.kind?.split(','),
      after,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return c.json(
      {
        data: page.map((r) => ({
          ...r,
          kind: r.kind as (typeof rowKinds)[number],
          errors: r.errors as z.infer<typeof importErrorSchema>[],
          amount_cents: r.amount_cents === null ? null : Number(r.amount_cents),
        })),
        next_cursor:
          rows.length > q.limit && last ? Buffer.from(String(last.position)).toString('base64url') : null,
      },
      200,
    );
  })
  .openapi(decideRoute, async (c) => {
    const { id, line } = c.req.valid('param');
    const body = c.req.valid('json');
    const db = c.get('db');
    const tenantId = c.get('tenantId');
    await statementOr404(c.get('db'), c.get('tenantId'), id);
    let decided: Awaited<ReturnType<typeof decideLine>>;
    try {
      decided = await decideLine(
        db,
        tenantId,
        id,
        line,
        body.action === 'rematch'
          ? { action: 'rematch', expectedCommissionIds: body.expected_commission_ids }
          : body,
        `api_key:${c.get('apiKeyId')}`,
      );
    } catch (err) {
      if (err instanceof RangeError)
        throw new ProblemError(
          'validation',
          'Every expected commission must exist and belong to the statement’s carrier.',
          {
            errors: [{ field: 'expected_commission_ids', message: err.message }],
          },
        );
      throw err;
    }
    if (!decided) throw new ProblemError('not-found', `Statement ${id} has no line ${line}.`);
    const { rows } = await db.query(`select ${LINE_COLUMNS} from statement_lines where id = $1`, [
      decided.lineId,
    ]);
    return c.json(
      {
        line: toLine(rows[0]),
        learned_alias: decided.alias
          ? {
              carrier_id: decided.alias.carrierId,
              statement_policy_number: decided.alias.statementPolicyNumber,
              policy_number: decided.alias.policyNumber,
            }
          : null,
      },
      200,
    );
  });
