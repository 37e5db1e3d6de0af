// The EZLynx connector: a typed fetch client against our design of EZLynx's API (the public
// overview documents resources and webhook events only), paced by the connection's throttle.
// Writes: applicant upsert and update, the one write the overview documents that the hub needs.
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { Connector } from '../types.ts';
import { EzlynxClient } from './client.ts';
import { ezlynxDefinition } from './definition.ts';
import { classifyEzlynxError } from './errors.ts';
import { EzlynxReader } from './streams.ts';
import { ezlynxWebhooks } from './webhooks.ts';
import { ezlynxUpdate, ezlynxUpsert } from './writes.ts';

export const ezlynxConnector: Connector = {
  definition: ezlynxDefinition,
  open(ctx) {
    const throttle = throttleFor(
      `ezlynx:${ctx.connectionId}`,
      rateBudgetFor(ctx, ezlynxDefinition.rateBudget),
    );
    const client = new EzlynxClient({
      baseUrl: ctx.baseUrl,
      credentials: ctx.credentials,
      refreshCredentials: () => ctx.refreshCredentials(),
      throttle,
    });
    const reader = new EzlynxReader(client, ctx.fields, Number(ctx.settings.pageSize) || undefined);
    return {
      read: (req) => reader.read(req),
      upsert: (stream, idField, records) => ezlynxUpsert(client, stream, idField, records),
      update: (stream, externalId, fields) => ezlynxUpdate(client, stream, externalId, fields),
    };
  },
  classifyError: classifyEzlynxError,
  // In the demo agency: its fixed connection (part of the book of record, which records no commission rates).
  demo: { connectionId: '00000000-0000-4000-8000-000000000005', holdsBook: true, recordsNoRates: true },
  webhooks: ezlynxWebhooks,
};
