// HubSpot renewal outreach (the `crm` capability): one renewal deal per policy in a "Renewals"
// pipeline, keyed on a unique deal property, associated with the client's company or contact,
// and one follow-up task for the producer, found again through the deal's associations and the
// reference line in its body. Reruns update, never add; stage and task status are set on create
// only, so what the producer changed stays.
import type { Client as HubSpotClient } from '@hubspot/api-client';
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { type Throttle, throttleFor } from '../kit/throttle.ts';
import {
  type ConnectionContext,
  ConnectorError,
  type ConnectorSession,
  type CrmCapability,
  type CrmPushCounts,
  type CrmRenewal,
  type DecidedRenewal,
  type UpsertResult,
} from '../types.ts';
import { hubspotClient } from './client.ts';
import { hubspotDefinition } from './definition.ts';
import { classifyHubSpotError } from './errors.ts';
import { HubSpotUpsertRefused } from './writes.ts';

/** Renewals come a page (at most 50) at a time: one search finds every deal of the page. */
const SEARCH_LIMIT = 50;

/** Keys with undefined values left out: an omitted field keeps the CRM's value. */
function defined<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

// HubSpot: a "Renewals" deal pipeline and the deal properties the hub writes are set up in the
// portal on first use (and kept: a person may rename stages); deals are upserted by the unique
// property commission_hub_renewal_id; each deal's task is found through the deal's associations.

const HS_ID_PROPERTY = 'commission_hub_renewal_id';
const HS_PIPELINE = 'Renewals';
const HS_TASK_TO_DEAL = 216;
// Unlabeled deal-to-company (5 is the primary company, which stays the producer's choice).
const HS_DEAL_TO_COMPANY = 341;
const HS_DEAL_TO_CONTACT = 3;

const hubspotDealProperties = [
  {
    name: HS_ID_PROPERTY,
    label: 'Commission Hub renewal id',
    type: 'string',
    fieldType: 'text',
    unique: true,
  },
  { name: 'renewal_probability', label: 'Renewal probability', type: 'number', fieldType: 'number' },
  { name: 'renewal_window_days', label: 'Renewal window (days)', type: 'number', fieldType: 'number' },
  { name: 'prior_policy_number', label: 'Prior policy number', type: 'string', fieldType: 'text' },
  { name: 'carrier_name', label: 'Carrier', type: 'string', fieldType: 'text' },
  { name: 'line_of_business', label: 'Line of business', type: 'string', fieldType: 'text' },
  { name: 'expiration_date', label: 'Expiration date', type: 'string', fieldType: 'text' },
];

interface HubSpotSetup {
  pipelineId: string;
  firstStageId: string;
  /** The pipeline's closed stages: won (probability 1) and lost (probability 0), by metadata. */
  wonStageId: string | null;
  lostStageId: string | null;
  closedStageIds: string[];
  at: number;
}
const hubspotSetups = new Map<string, HubSpotSetup>();
const SETUP_TTL_MS = 10 * 60_000;

const statusOf = (err: unknown) => (err as { code?: number })?.code;

async function hubspotSetup(
  client: HubSpotClient,
  throttle: Throttle,
  connectionId: string,
): Promise<HubSpotSetup> {
  const cached = hubspotSetups.get(connectionId);
  if (cached && Date.now() - cached.at < SETUP_TTL_MS) return cached;
  for (const p of hubspotDealProperties) {
    try {
      await throttle.run(() => client.crm.properties.coreApi.getByName('deals', p.name));
    } catch (err) {
      if (statusOf(err) !== 404) throw classifyHubSpotError(err);
      try {
        await throttle.run(() =>
          client.crm.properties.coreApi.create('deals', {
            name: p.name,
            label: p.label,
            type: p.type,
            fieldType: p.fieldType,
            groupName: 'dealinformation',
            hasUniqueValue: Boolean(p.unique),
          } as never),
        );
      } catch (createErr) {
        if (statusOf(createErr) !== 409) throw classifyHubSpotError(createErr); // made meanwhile
      }
    }
  }
  type Stage = { id: string; displayOrder: number; metadata?: Record<string, string> };
  let pipelines: { id: string; label: string; stages: Stage[] }[];
  try {
    pipelines = (await throttle.run(() => client.crm.pipelines.pipelinesApi.getAll('deals'))).results;
  } catch (err) {
    throw classifyHubSpotError(err);
  }
  let pipeline = pipelines.find((p) => p.label === HS_PIPELINE);
  if (!pipeline) {
    const stages = ['Upcoming', 'Contacted', 'Quoted', 'Renewed', 'Lost'];
    try {
      pipeline = await throttle.run(() =>
        client.crm.pipelines.pipelinesApi.create('deals', {
          label: HS_PIPELINE,
          displayOrder: 1,
          stages: stages.map((label, i) => ({
            label,
            displayOrder: i,
            metadata: {
              probability: label === 'Renewed' ? '1.0' : label === 'Lost' ? '0.0' : '0.5',
              isClosed: String(label === 'Renewed' || label === 'Lost'),
            },
          })),
        }),
      );
    } catch (err) {
      throw classifyHubSpotError(err);
    }
  }
  const first = [...pipeline.stages].sort((a, b) => a.displayOrder - b.displayOrder)[0];
  if (!first) throw new ConnectorError('bad_request', `HubSpot pipeline ${HS_PIPELINE} has no stages`);
  // A person may rename stages, so closed ones are known by their metadata, not their labels.
  const closed = (pipeline.stages as Stage[]).filter((st) => st.metadata?.isClosed === 'true');
  const setup = {
    pipelineId: pipeline.id,
    firstStageId: first.id,
    wonStageId: closed.find((st) => Number(st.metadata?.probability) === 1)?.id ?? null,
    lostStageId: closed.find((st) => Number(st.metadata?.probability) === 0)?.id ?? null,
    closedStageIds: closed.map((st) => st.id),
    at: Date.now(),
  };
  hubspotSetups.set(connectionId, setup);
  return setup;
}

/** The HubSpot client on the connection's budget, the portal's renewal setup, and a paced, classified call. */
async function openHubSpot(ctx: ConnectionContext) {
  const client = hubspotClient(ctx);
  const throttle = throttleFor(
    `hubspot:${ctx.connectionId}`,
    rateBudgetFor(ctx, hubspotDefinition.rateBudget),
  );
  const setup = await hubspotSetup(client, throttle, ctx.connectionId);
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await throttle.run(fn);
    } catch (err) {
      throw classifyHubSpotError(err);
    }
  };
  return { client, setup, call };
}

async function pushToHubSpot(
  ctx: ConnectionContext,
  session: ConnectorSession,
  all: CrmRenewal[],
): Promise<CrmPushCounts> {
  const { client, setup, call } = await openHubSpot(ctx);

  // The producer's HubSpot user, by email.
  const owners = new Map<string, string | null>();
  for (const email of new Set(
    all.map((r) => r.producerEmail?.toLowerCase()).filter((e): e is string => !!e),
  )) {
    const page = await call(() => client.crm.owners.ownersApi.getPage(email, undefined, 1));
    owners.set(email, page.results.find((o) => o.email?.toLowerCase() === email)?.id ?? null);
  }
  const ownerOf = (r: CrmRenewal) =>
    r.producerEmail ? (owners.get(r.producerEmail.toLowerCase()) ?? undefined) : undefined;

  // Which renewals already have a deal: those keep the stage the producer moved them to.
  const existing = await call(() =>
    client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: HS_ID_PROPERTY,
              operator: 'IN',
              values: all.map((r) => r.externalId),
            },
          ],
        },
      ],
      properties: [HS_ID_PROPERTY],
      limit: SEARCH_LIMIT,
    } as never),
  );
  const known = new Set(existing.results.map((d) => d.properties[HS_ID_PROPERTY]));
  // HubSpot writes the deals it accepts and names the ones it refuses (a stage or owner that is
  // no longer valid, say): those are reported, and the rest of the page goes on without them.
  let deals: UpsertResult[];
  let refused: CrmPushCounts['refused'] = [];
  try {
    deals = await session.upsert!(
      'deals',
      HS_ID_PROPERTY,
      all.map((r) => {
        const externalId = r.externalId;
        return {
          externalId,
          fields: defined({
            dealname: r.title,
            amount: r.amount,
            closedate: `${r.expirationDate}T00:00:00.000Z`,
            pipeline: setup.pipelineId,
            dealstage: known.has(externalId) ? undefined : setup.firstStageId,
            hubspot_owner_id: ownerOf(r),
            renewal_probability: r.probability === null ? undefined : r.probability.toFixed(4),
            renewal_window_days: r.windowDays,
            prior_policy_number: r.policyNumber,
            carrier_name: r.carrierName ?? undefined,
            line_of_business: r.lineOfBusiness ?? undefined,
            expiration_date: r.expirationDate,
          }),
        };
      }),
    );
  } catch (err) {
    if (!(err instanceof HubSpotUpsertRefused)) throw err;
    deals = err.written;
    const policyOf = new Map(all.map((r) => [r.externalId, r.policyId]));
    refused = err.refused.map((x) => ({
      policyId: policyOf.get(x.externalId) ?? x.externalId,
      reason: x.reason,
    }));
  }
  const dealIdOf = new Map(deals.map((d) => [d.externalId, d.vendorId]));
  const created = deals.filter((d) => d.created).length;
  // Associations and tasks only for the deals HubSpot holds.
  const rows = all.filter((r) => dealIdOf.has(r.externalId));
  if (!rows.length) return { created, updated: 0, tasksCreated: 0, tasksUpdated: 0, refused };

  // Each deal sits on the client's company (or contact) record, where the producer looks first.
  // A client record merged or deleted in HubSpot since the last sync refuses its association: the
  // batch is then tried one by one and such records skipped, so one stale id never stops the push.
  for (const [stream, typeId] of [
    ['companies', HS_DEAL_TO_COMPANY],
    ['contacts', HS_DEAL_TO_CONTACT],
  ] as const) {
    const inputs = rows
      .filter((r) => r.crmClient?.stream === stream)
      .map((r) => ({
        // The client library names the field `_from` (it serialises as `from`).
        _from: { id: dealIdOf.get(r.externalId)! },
        to: { id: r.crmClient!.externalId },
        types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }],
      }));
    if (!inputs.length) continue;
    const associate = (batch: typeof inputs) =>
      call(() => client.crm.associations.v4.batchApi.create('deals', stream, { inputs: batch } as never));
    try {
      await associate(inputs);
    } catch (err) {
      if (!(err instanceof ConnectorError) || err.kind !== 'bad_request') throw err;
      for (const one of inputs)
        await associate([one]).catch((e: unknown) => {
          if (!(e instanceof ConnectorError) || e.kind !== 'bad_request') throw e;
        });
    }
  }

  // Each deal's tasks, then ours among them by the reference line in the body.
  const dealIds = rows.map((r) => dealIdOf.get(r.externalId)!);
  const links = await call(() =>
    client.crm.associations.v4.batchApi.getPage('deals', 'tasks', { inputs: dealIds.map((id) => ({ id })) }),
  );
  const taskIds = [...new Set(links.results.flatMap((l) => l.to.map((t) => String(t.toObjectId))))];
  const taskByPolicy = new Map<string, string>();
  if (taskIds.length) {
    const tasks = await call(() =>
      client.crm.objects.tasks.batchApi.read({
        inputs: taskIds.map((id) => ({ id })),
        properties: ['hs_task_body'],
        propertiesWithHistory: [],
      }),
    );
    for (const t of tasks.results) {
      const ref = /Ref: ch-renewal-([0-9a-f-]{36})/.exec(t.properties.hs_task_body ?? '');
      if (ref && !taskByPolicy.has(ref[1]!)) taskByPolicy.set(ref[1]!, t.id);
    }
  }
  let tasksCreated = 0;
  let tasksUpdated = 0;
  for (const r of rows) {
    const properties = defined({
      hs_task_subject: r.task.subject,
      hs_task_body: r.task.body,
      hs_timestamp: `${r.task.dueDate}T15:00:00.000Z`,
      hs_task_priority: r.task.urgent ? 'HIGH' : 'MEDIUM',
      hubspot_owner_id: ownerOf(r),
    }) as Record<string, string>;
    const taskId = taskByPolicy.get(r.policyId);
    if (taskId) {
      await call(() => client.crm.objects.tasks.basicApi.update(taskId, { properties }));
      tasksUpdated++;
    } else {
      await call(() =>
        client.crm.objects.tasks.basicApi.create({
          properties: { ...properties, hs_task_status: 'NOT_STARTED', hs_task_type: 'TODO' },
          associations: [
            {
              to: { id: dealIdOf.get(r.externalId)! },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HS_TASK_TO_DEAL }],
            },
          ],
        } as never),
      );
      tasksCreated++;
    }
  }
  return { created, updated: deals.length - created, tasksCreated, tasksUpdated, refused };
}

/** Open renewal deals of decided renewals move to the pipeline's won or lost stage. */
async function closeInHubSpot(ctx: ConnectionContext, decided: DecidedRenewal[]): Promise<number> {
  const { client, setup, call } = await openHubSpot(ctx);
  const outcomeOf = new Map(decided.map((d) => [d.externalId, d.outcome]));
  const found = await call(() =>
    client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: HS_ID_PROPERTY, operator: 'IN', values: [...outcomeOf.keys()] }] },
      ],
      properties: [HS_ID_PROPERTY, 'dealstage', 'pipeline'],
      limit: SEARCH_LIMIT,
    } as never),
  );
  // Open deals close; a deal closed as lost reopens as won when the renewal turned up late.
  const inputs = found.results
    .filter((d) => d.properties.pipeline === setup.pipelineId)
    .map((d) => {
      const won = outcomeOf.get(d.properties[HS_ID_PROPERTY] ?? '') === 'renewed';
      const stage = d.properties.dealstage ?? '';
      const due = !setup.closedStageIds.includes(stage) || (won && stage === setup.lostStageId);
      return { id: d.id, stage: due ? (won ? setup.wonStageId : setup.lostStageId) : null };
    })
    .filter((d): d is { id: string; stage: string } => d.stage !== null)
    .map((d) => ({ id: d.id, properties: { dealstage: d.stage } }));
  if (inputs.length) await call(() => client.crm.deals.batchApi.update({ inputs }));
  return inputs.length;
}

export const hubspotCrm: CrmCapability = {
  clientStreams: ['companies', 'contacts'],
  pushRenewals: pushToHubSpot,
  closeRenewals: (ctx, _session, decided) => closeInHubSpot(ctx, decided),
};
