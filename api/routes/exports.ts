// What the hub pushes out of itself: renewal outreach into the tenant's CRMs and the monthly
// commission journal into its ledger. Both run as Temporal workflows (daily and monthly
// Schedules per tenant, ensured here on first use, plus these on-demand starts); the journal can
// also be read directly, as JSON or as a manual-journal import CSV (domain/accounting/journal.ts).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { registry } from '../../connectors/registry.ts';
import { loadChartOfAccounts, loadCommissionAccruals } from '../../db/accounting-store.ts';
import { accountRoles, buildJournal, isPeriod, journalCsv } from '../../domain/accounting/journal.ts';
import { formatCents } from '../../domain/money.ts';
import {
  accountingExportWorkflowId,
  ensureOutboundSchedules,
  renewalOutreachWorkflowId,
} from '../../runtime/outbound-schedules.ts';
import { TenantId } from '../../runtime/search-attributes.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate } from '../fields.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';

const period = z
  .string()
  .refine(isPeriod, 'a month as YYYY-MM')
  .refine((p) => calendarDate.safeParse(`${p}-01`).success, 'a month within the years the hub knows')
  .openapi({ example: '2026-10', description: 'The accounting period: a calendar month.' });

const journalLineSchema = z.object({
  posting_type: z.enum(['Debit', 'Credit']),
  account_role: z.enum(accountRoles),
  account_code: z.string(),
  account_name: z.string(),
  amount_cents: z.number().int().nonnegative(),
  amount: z.string().openapi({ description: 'The amount as exact decimal text, e.g. "1234.50".' }),
  description: z.string(),
  producer_id: z.uuid().nullable(),
  producer_name: z.string().nullable(),
});

const journalEntrySchema = z
  .object({
    doc_number: z
      .string()
      .openapi({ description: 'Stable per carrier and month: the idempotency key in the ledger.' }),
    txn_date: z.string(),
    carrier_id: z.uuid(),
    carrier_name: z.string(),
    memo: z.string(),
    debit_cents: z.number().int(),
    credit_cents: z.number().int(),
    lines: z.array(journalLineSchema),
  })
  .openapi('JournalEntry');

const startedSchema = z.object({ workflow_id: z.string(), run_id: z.string() });

/** Where the accounting workflow posts the journal: the connectors with an `accounting` capability. */
const journalTargets = Object.values(registry)
  .filter((entry) => entry?.connector.accounting)
  .map((entry) => entry!.connector.definition.displayName)
  .join(' or ');

export const exportRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/exports/accounting',
      tags: ['Exports'],
      summary: 'The commission journal of a month: balanced entries per carrier with producer lines',
      description: `The entries the accounting workflow posts to ${journalTargets}. \`format=csv\` gives the same lines as a manual-journal import file (*Narration, *Date, Description, *AccountCode, *TaxRate, *Amount, two tracking pairs; debits positive, credits negative).`,
      middleware: [requireScope('commissions:read')] as const,
      request: {
        query: z.object({ period, format: z.enum(['json', 'csv']).default('json') }),
      },
      responses: {
        200: {
          description: 'The journal',
          content: {
            'application/json': {
              schema: z.object({
                period: z.string(),
                currency: z.literal('USD'),
                entries: z.array(journalEntrySchema),
                totals: z.object({
                  entries: z.number().int(),
                  debit_cents: z.number().int(),
                  credit_cents: z.number().int(),
                }),
              }),
            },
            'text/csv': { schema: z.string() },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const db = c.get('db');
      const tenantId = c.get('tenantId');
      const [accruals, chart] = await Promise.all([
        loadCommissionAccruals(db, tenantId, q.period),
        loadChartOfAccounts(db, tenantId),
      ]);
      const entries = buildJournal(q.period, accruals);
      if (q.format === 'csv') {
        return c.body(journalCsv(entries, chart), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="commission-journal-${q.period}.csv"`,
        }) as never;
      }
      return c.json(
        {
          period: q.period,
          currency: 'USD' as const,
          entries: entries.map((e) => ({
            doc_number: e.docNumber,
            txn_date: e.txnDate,
            carrier_id: e.carrierId,
            carrier_name: e.carrierName,
            memo: e.memo,
            debit_cents: e.debitCents,
            credit_cents: e.creditCents,
            lines: e.lines.map((l) => ({
              posting_type: l.postingType,
              account_role: l.account,
              account_code: chart[l.account].code,
              account_name: chart[l.account].name,
              amount_cents: l.amountCents,
              amount: formatCents(l.amountCents),
              description: l.description,
              producer_id: l.producerId,
              producer_name: l.producerName,
            })),
          })),
          totals: {
            entries: entries.length,
            debit_cents: entries.reduce((s, e) => s + e.debitCents, 0),
            credit_cents: entries.reduce((s, e) => s + e.creditCents, 0),
          },
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/exports/accounting/{period}/post',
      tags: ['Exports'],
      summary: 'Post a month’s commission journal to the tenant’s accounting connections now',
      description:
        'Starts the accounting workflow for the month (or joins the run already going). Posting is idempotent by DocNumber: entries that exist are updated with their current SyncToken. Also ensures the tenant’s monthly close schedule.',
      middleware: [requireScope('commissions:write')] as const,
      request: { params: z.object({ period: period.openapi({ param: { name: 'period', in: 'path' } }) }) },
      responses: {
        202: { description: 'Started', content: { 'application/json': { schema: startedSchema } } },
      },
    }),
    async (c) => {
      const { period: p } = c.req.valid('param');
      const { temporal, taskQueue } = c.get('deps');
      const tenantId = c.get('tenantId');
      const handle = await start(() =>
        temporal.workflow.start('accountingExport', {
          workflowId: accountingExportWorkflowId(tenantId, p),
          taskQueue,
          args: [{ tenantId, period: p }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [{ key: TenantId, value: tenantId }],
        }),
      );
      await ensureOutboundSchedules(temporal, taskQueue, tenantId);
      return c.json({ workflow_id: handle.workflowId, run_id: handle.firstExecutionRunId }, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/renewals/outreach',
      tags: ['Renewals'],
      summary: 'Run the renewal outreach now: renewal.upcoming events and CRM deals/opportunities with tasks',
      description:
        'Starts the tenant’s renewal outreach (or joins the run already going): policies expiring in 90/60/30 days are announced once per window and upserted into each CRM connection by external id. Also ensures the tenant’s daily outreach schedule.',
      middleware: [requireScope('policies:write')] as const,
      request: {
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z.object({
                as_of: calendarDate
                  .optional()
                  .openapi({ description: 'Look ahead from this day instead of today.' }),
              }),
            },
          },
        },
      },
      responses: {
        202: { description: 'Started', content: { 'application/json': { schema: startedSchema } } },
      },
    }),
    async (c) => {
      const body = c.req.valid('json') ?? {};
      const { temporal, taskQueue } = c.get('deps');
      const tenantId = c.get('tenantId');
      const handle = await start(() =>
        temporal.workflow.start('renewalOutreach', {
          workflowId: renewalOutreachWorkflowId(tenantId),
          taskQueue,
          args: [{ tenantId, ...(body.as_of ? { asOf: body.as_of } : {}) }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [{ key: TenantId, value: tenantId }],
        }),
      );
      await ensureOutboundSchedules(temporal, taskQueue, tenantId);
      return c.json({ workflow_id: handle.workflowId, run_id: handle.firstExecutionRunId }, 202);
    },
  );

async function start<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ProblemError('unavailable', `The workflow could not be started: ${(err as Error).message}`);
  }
}
