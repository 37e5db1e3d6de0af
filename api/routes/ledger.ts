// The policy revenue ledger as a file: CSV or XLSX, grouped by carrier with subtotals and a
// grand total, for a date range of transaction effective dates.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ledgerCsv, ledgerXlsx, loadLedger } from '../../db/ledger-store.ts';
import type { AppEnv } from '../deps.ts';
import { calendarDate, checkRange } from '../fields.ts';
import { limits } from '../limits.ts';
import { requireScope } from '../middleware.ts';

export const ledgerRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/v1/exports/ledger',
    tags: ['Exports'],
    summary:
      'Policy revenue ledger (expected, paid, balance per transaction; subtotals per carrier) as CSV or XLSX',
    middleware: [requireScope('commissions:read')] as const,
    request: {
      query: z.object({
        from: calendarDate,
        to: calendarDate,
        format: z.enum(['csv', 'xlsx']).default('csv'),
      }),
    },
    responses: {
      200: {
        description: 'The ledger file',
        content: {
          'text/csv': { schema: z.string() },
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
            schema: z.string().openapi({ format: 'binary' }),
          },
        },
      },
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    checkRange(q, limits.reportDays);
    const rows = await loadLedger(c.get('db'), c.get('tenantId'), q.from, q.to);
    const name = `policy-revenue-ledger-${q.from}-${q.to}.${q.format}`;
    const disposition = `attachment; filename="${name}"`;
    if (q.format === 'xlsx')
      return c.body(new Uint8Array(await ledgerXlsx(rows)), 200, {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-disposition': disposition,
      });
    return c.body(ledgerCsv(rows), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': disposition,
    });
  },
);
