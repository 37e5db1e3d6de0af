// The Applied Epic connector: Epic is the agency's system of record, read over Applied's REST
// platform with client credentials.
//
// No writes (no writes.ts): the REST platform can create policies and lines but has no upsert
// by an external id the hub could own, and pushing hub data into the agency's AMS of record is
// not something a commission hub should do unasked.
//
// No webhooks (no webhooks.ts): Applied publishes no webhooks or events for Epic, so `webhooks`
// is left undefined and changes are found by polling the audit-stamp filters.
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { Connector } from '../types.ts';
import { AppliedEpicClient } from './client.ts';
import { appliedEpicDefinition } from './definition.ts';
import { classifyAppliedEpicError } from './errors.ts';
import { AppliedEpicReader } from './streams.ts';

export const appliedEpicConnector: Connector = {
  definition: appliedEpicDefinition,
  open(ctx) {
    const throttle = throttleFor(
      `applied-epic:${ctx.connectionId}`,
      rateBudgetFor(ctx, appliedEpicDefinition.rateBudget),
    );
    const reader = new AppliedEpicReader(new AppliedEpicClient(ctx, throttle), ctx.settings);
    return { read: (req) => reader.read(req) };
  },
  classifyError: classifyAppliedEpicError,
  // In the demo agency: its fixed connection (part of the book of record).
  demo: { connectionId: '00000000-0000-4000-8000-000000000004', holdsBook: true },
};
