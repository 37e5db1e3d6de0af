import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { Connector } from '../types.ts';
import { hubspotClient } from './client.ts';
import { hubspotCrm } from './crm.ts';
import { hubspotDefinition } from './definition.ts';
import { classifyHubSpotError } from './errors.ts';
import { HubSpotReader } from './streams.ts';
import { hubspotWebhooks } from './webhooks.ts';
import { hubspotUpdate, hubspotUpsert } from './writes.ts';

export const hubspotConnector: Connector = {
  definition: hubspotDefinition,
  open(ctx) {
    const client = hubspotClient(ctx);
    const throttle = throttleFor(
      `hubspot:${ctx.connectionId}`,
      rateBudgetFor(ctx, hubspotDefinition.rateBudget),
    );
    // Search has its own, tighter limit: five requests per second per account.
    const search = throttleFor(`hubspot-search:${ctx.connectionId}`, {
      requests: 4,
      windowMs: 1_000,
      concurrency: 1,
    });
    const reader = new HubSpotReader(client, { api: throttle, search }, ctx.fields);
    return {
      read: (req) => reader.read(req),
      upsert: (stream, idField, records) => hubspotUpsert(client, throttle, stream, idField, records),
      update: (stream, externalId, fields) =>
        hubspotUpdate(
          client,
          throttle,
          stream,
          externalId,
          Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.replace(/^properties\./, ''), v])),
        ),
    };
  },
  classifyError: classifyHubSpotError,
  // In the demo agency: its fixed connection.
  demo: { connectionId: '00000000-0000-4000-8000-000000000001' },
  webhooks: hubspotWebhooks,
  crm: hubspotCrm,
};
