import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { Connector } from '../types.ts';
import { SalesforceClient } from './client.ts';
import { salesforceCrm } from './crm.ts';
import { salesforceDefinition } from './definition.ts';
import { classifySalesforceError } from './errors.ts';
import { SalesforceReader } from './streams.ts';
import { salesforceWebhooks } from './webhooks.ts';
import { salesforceUpsert } from './writes.ts';

export const salesforceConnector: Connector = {
  definition: salesforceDefinition,
  open(ctx) {
    const throttle = throttleFor(
      `salesforce:${ctx.connectionId}`,
      rateBudgetFor(ctx, salesforceDefinition.rateBudget),
    );
    const client = new SalesforceClient(ctx, throttle);
    const reader = new SalesforceReader(client, ctx.fields, ctx.settings);
    return {
      read: (req) => reader.read(req),
      upsert: (stream, idField, records) => salesforceUpsert(client, stream, idField, records),
    };
  },
  classifyError: classifySalesforceError,
  // In the demo agency: its fixed connection.
  demo: { connectionId: '00000000-0000-4000-8000-000000000002' },
  webhooks: salesforceWebhooks,
  crm: salesforceCrm,
};
