import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { Connector } from '../types.ts';
import { quickbooksAccounting } from './accounting.ts';
import { QuickBooksClient } from './client.ts';
import { quickbooksDefinition } from './definition.ts';
import { classifyQuickBooksError } from './errors.ts';
import { QuickBooksReader } from './streams.ts';
import { quickbooksWebhooks } from './webhooks.ts';
import { removeAbsentJournalEntries, updateNameListRecord, upsertJournalEntries } from './writes.ts';

export const quickbooksConnector: Connector = {
  definition: quickbooksDefinition,
  open(ctx) {
    // Keyed by connection: the hub's budget for this company is spent by this connection alone.
    const throttle = throttleFor(
      `quickbooks:${ctx.connectionId}`,
      rateBudgetFor(ctx, quickbooksDefinition.rateBudget),
    );
    const client = new QuickBooksClient(ctx, throttle);
    const reader = new QuickBooksReader(client, ctx.settings);
    return {
      read: (req) => reader.read(req),
      upsert: (stream, idField, records) => upsertJournalEntries(client, stream, idField, records),
      update: (stream, externalId, fields) => updateNameListRecord(client, stream, externalId, fields),
      removeAbsent: (stream, idField, prefix, keep) =>
        removeAbsentJournalEntries(client, stream, idField, prefix, keep),
    };
  },
  classifyError: classifyQuickBooksError,
  // In the demo agency: its fixed connection.
  demo: { connectionId: '00000000-0000-4000-8000-000000000003' },
  webhooks: quickbooksWebhooks,
  accounting: quickbooksAccounting,
};
