// Renewal outreach: find the tenant's policies expiring within 90 days, tell the outbox once per
// policy per window (90, 60, 30 days) with `renewal.upcoming`, and keep one renewal deal (HubSpot)
// or opportunity (Salesforce) per policy in each CRM connection, with one follow-up task for the
// producer. Idempotent by external id: the record is keyed on `ch-renewal-<policyId>` in the CRM
// (a unique deal property in HubSpot, the External_Id__c field in Salesforce), and the task is
// found again through its deal and a reference line in its body, so reruns update, never add.
// A rerun never resets what the producer changed: stage and task status are set on create only.
// The expiring term's number goes in the prior-policy field: a renewal is a sale still open, so
// the CRM syncs (which read deals and opportunities with a policy number as terms) skip it.
// When the CRM knows the client (a synced company, contact or account merged with the policy's
// client), the deal is associated with it and the opportunity set on its account.
import type { Client as HubSpotClient } from '@hubspot/api-client';
import { hubspotClient } from '../connectors/hubspot/client.ts';
import { hubspotDefinition } from '../connectors/hubspot/definition.ts';
import { classifyHubSpotError } from '../connectors/hubspot/errors.ts';
import { HubSpotUpsertRefused } from '../connectors/hubspot/writes.ts';
import { rateBudgetFor } from '../connectors/kit/rate-budget.ts';
import { type Throttle, throttleFor } from '../connectors/kit/throttle.ts';
import { registered } from '../connectors/registry.ts';
import { SalesforceClient } from '../connectors/salesforce/client.ts';
import { salesforceDefinition } from '../connectors/salesforce/definition.ts';
import {
  type ConnectionContext,
  ConnectorError,
  type ConnectorSession,
  type UpsertResult,
} from '../connectors/types.ts';
import { type LoadedConnection, loadConnection } from '../db/connection-store.ts';
import { appendEvents } from '../db/outbox.ts';
import { withTransaction } from '../db/pool.ts';
import { laterTermsSql, renewalIntelligence, scoreExpiring } from '../db/renewal-store.ts';
import { formatCents } from '../domain/money.ts';
import { refreshConnectionCredentials } from './credentials.ts';
import type { ActivityDeps } from './deps.ts';
import { toActivityFailure } from './failures.ts';

export const renewalWindows = [90, 60, 30] as const;
const PAGE = 50;
const DAY_MS = 86_400_000;

export interface UpcomingRenewalsResult {
  asOf: string;
  upcoming: number;
  /** renewal.upcoming events written by this pass (a policy entering a window it was not told about). */
  notified: number;
  /** Announced renewals that left the list in this pass, now decided (renewed or lost). */
  decided: number;
  scored: boolean;
  connections: { connectionId: string; provider: string }[];
}

export interface CrmCloseResult {
  /** CRM records closed by this call (won or lost); records already closed are left alone. */
  closed: number;
  next: string | null;
}

/** How long after its decision a renewal's CRM records are still closed by the daily pass. */
const CLOSE_WITHIN_DAYS = 60;
/** Days past expiration without a later term before a renewal counts as lost. */
export const LAPSE_GRACE_DAYS = 30;

export interface CrmPushInput {
  tenantId: string;
  connectionId: string;
  asOf: string;
  afterPolicyId: string | null;
}

export interface CrmPushResult {
  processed: number;
  created: number;
  updated: number;
  tasksCreated: number;
  tasksUpdated: number;
  /** Renewals the CRM refused to record (its reason each); the rest of the page went on. */
  refused?: { policyId: string; reason: string }[];
  /** Where the next page starts; null when every upcoming renewal has been pushed. */
  next: string | null;
}

/** One upcoming renewal with what the CRM record shows. */
interface RenewalRow {
  policy_id: string;
  expiration_date: string;
  window_days: number;
  probability: number | null;
  risk_level: string | null;
  drivers: string[];
  actions: string[];
  policy_number: string;
  line_of_business: string | null;
  term_premium_cents: number | null;
  carrier_name: string | null;
  client_name: string | null;
  producer_email: string | null;
  /** The client's record in this CRM (a HubSpot company or contact, a Salesforce account), if synced. */
  crm_client_id: string | null;
  crm_client_stream: string | null;
}

export const renewalExternalId = (policyId: string) => `ch-renewal-${policyId}`;
/** The line in a task's body that ties it to its renewal (activities cannot carry external ids). */
const taskReference = (policyId: string) => `Ref: ${renewalExternalId(policyId)}`;

export function windowFor(asOf: string, expirationDate: string): { days: number; window: number } {
  const days = Math.round(
    (Date.parse(`${expirationDate}T00:00:00Z`) - Date.parse(`${asOf}T00:00:00Z`)) / DAY_MS,
  );
  return { days, window: days <= 30 ? 30 : days <= 60 ? 60 : 90 };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Due a week into the window it opened in (stable while the window lasts), never after expiry. */
function taskDueDate(r: RenewalRow): string {
  const due = addDays(r.expiration_date, -r.window_days + 7);
  const last = addDays(r.expiration_date, -1);
  return [due, last].sort()[0]!; // ISO dates order as text
}

function title(r: RenewalRow): string {
  const what = [r.line_of_business, r.policy_number].filter(Boolean).join(' ');
  return `Renewal: ${r.client_name ?? r.policy_number} — ${what}`.slice(0, 250);
}

function taskSubject(r: RenewalRow): string {
  return `Renewal in ${r.window_days} days: ${r.policy_number}${r.carrier_name ? ` (${r.carrier_name})` : ''}`;
}

function taskBody(r: RenewalRow): string {
  const lines = [
    `${r.client_name ?? 'The insured'}'s ${r.line_of_business ?? ''} policy ${r.policy_number} with ${r.carrier_name ?? 'its carrier'} expires on ${r.expiration_date}.`,
  ];
  if (r.probability !== null)
    lines.push(
      `Renewal probability: ${(r.probability * 100).toFixed(0)}% (${r.risk_level ?? 'unrated'} risk).`,
    );
  for (const d of r.drivers.slice(0, 3)) lines.push(`- ${d}`);
  for (const a of r.actions.slice(0, 3)) lines.push(`Suggested: ${a}`);
  lines.push(taskReference(r.policy_id));
  return lines.join('\n');
}

const premiumText = (r: RenewalRow) =>
  r.term_premium_cents === null ? undefined : formatCents(Number(r.term_premium_cents));

/** Keys with undefined values left out: an omitted field keeps the CRM's value. */
function defined<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function vendorFailure(err: unknown): unknown {
  return err instanceof ConnectorError ? toActivityFailure(err) : err;
}

export function createRenewalOutreachActivities(deps: ActivityDeps) {
  const { pool, keyring } = deps;

  function open(conn: LoadedConnection): { ctx: ConnectionContext; session: ConnectorSession } {
    const ctx: ConnectionContext = {
      connectionId: conn.id,
      tenantId: conn.tenantId,
      baseUrl: conn.settings.baseUrl,
      credentials: conn.credentials,
      settings: conn.settings,
      fields: {},
      refreshCredentials: () => refreshConnectionCredentials(pool, keyring, conn.id, conn.credentials),
    };
    return { ctx, session: registered(conn.provider).connector.open(ctx) };
  }

  /** The daily pass over the book: who is expiring, how likely each is to renew, who is told. */
  async function findUpcomingRenewals(input: {
    tenantId: string;
    asOf: string;
  }): Promise<UpcomingRenewalsResult> {
    const { tenantId, asOf } = input;
    const { rows: expiring } = await pool.query<{
      id: string;
      policy_number: string;
      expiration_date: string;
      carrier_id: string | null;
      producer_id: string | null;
      client_id: string | null;
    }>(
      `select p.id, p.policy_number, p.expiration_date, p.carrier_id, p.producer_id, p.client_id
         from policies p
        where p.tenant_id = $1 and p.deleted_at is null and p.status = 'active'
          and p.effective_date <= $2::date and p.expiration_date > $2::date and p.expiration_date <= $2::date + 90
          -- a term whose renewal is already on the books needs no outreach
          and not exists (${laterTermsSql('p')})
        order by p.id`,
      [tenantId, asOf],
    );
    const intel = await renewalIntelligence(pool, tenantId, asOf);
    const scores = new Map(scoreExpiring(intel, 90).map((s) => [s.termId, s]));
    const pass = await withTransaction(pool, async (db) => {
      await db.query('delete from renewal_outreach where tenant_id = $1', [tenantId]);
      const rows = expiring.map((p) => {
        const score = scores.get(p.id);
        return { p, score, ...windowFor(asOf, p.expiration_date) };
      });
      await db.query(
        `insert into renewal_outreach (policy_id, tenant_id, as_of, expiration_date, window_days, probability, risk_level, drivers, actions)
         select u.policy_id, $1, $2, u.expiration_date, u.window_days, u.probability, u.risk_level, u.drivers::jsonb, u.actions::jsonb
           from unnest($3::uuid[], $4::date[], $5::int[], $6::float8[], $7::text[], $8::text[], $9::text[])
                as u(policy_id, expiration_date, window_days, probability, risk_level, drivers, actions)`,
        [
          tenantId,
          asOf,
          rows.map((r) => r.p.id),
          rows.map((r) => r.p.expiration_date),
          rows.map((r) => r.window),
          rows.map((r) => r.score?.probability ?? null),
          rows.map((r) => r.score?.riskLevel ?? null),
          rows.map((r) => JSON.stringify(r.score?.drivers.map((d) => d.reason) ?? [])),
          rows.map((r) => JSON.stringify(r.score?.recommendedActions.map((a) => a.text) ?? [])),
        ],
      );
      const { rows: fresh } = await db.query<{ policy_id: string; window_days: number }>(
        `insert into renewal_notices (policy_id, window_days, tenant_id, expiration_date)
         select u.policy_id, u.window_days, $1, u.expiration_date
           from unnest($2::uuid[], $3::int[], $4::date[]) as u(policy_id, window_days, expiration_date)
         on conflict (policy_id, window_days) do nothing
         returning policy_id, window_days`,
        [tenantId, rows.map((r) => r.p.id), rows.map((r) => r.window), rows.map((r) => r.p.expiration_date)],
      );
      const byId = new Map(rows.map((r) => [r.p.id, r]));
      await appendEvents(
        db,
        { tenantId, connectionId: null },
        fresh.map((f) => {
          const r = byId.get(f.policy_id)!;
          return {
            type: 'renewal.upcoming',
            entityType: 'policy',
            entityId: f.policy_id,
            data: {
              policy_id: f.policy_id,
              policy_number: r.p.policy_number,
              expiration_date: r.p.expiration_date,
              window_days: f.window_days,
              days_until_expiration: r.days,
              ...(r.score ? { renewal_probability: r.score.probability, risk_level: r.score.riskLevel } : {}),
              carrier_id: r.p.carrier_id,
              producer_id: r.p.producer_id,
              client_id: r.p.client_id,
            },
          };
        }),
      );
      // Announced renewals no longer on the list are decided: renewed when a later term exists;
      // lost when cancelled or deleted, or when a grace period past expiration has gone by with no
      // later term (renewal terms often reach the AMS days late). A later term still turns a lost
      // renewal into a renewed one. One that left the list for another reason (its expiration
      // moved out) stays open.
      const { rowCount: decided } = await db.query(
        `insert into renewal_outcomes (policy_id, tenant_id, outcome, renewal_policy_id)
         select p.id, p.tenant_id, case when r.id is null then 'lost' else 'renewed' end, r.id
           from policies p
           left join lateral (${laterTermsSql('p')} order by n.effective_date desc, n.id limit 1) r on true
           left join renewal_outcomes d on d.policy_id = p.id and d.tenant_id = p.tenant_id
          where p.tenant_id = $1
            and exists (select 1 from renewal_notices x where x.tenant_id = $1 and x.policy_id = p.id)
            and not exists (select 1 from renewal_outreach o where o.tenant_id = $1 and o.policy_id = p.id)
            and (d.policy_id is null or (d.outcome = 'lost' and r.id is not null))
            and (r.id is not null or p.deleted_at is not null or p.status = 'cancelled'
                 or p.expiration_date <= $2::date - $3::int)
         on conflict (policy_id) do update
           set outcome = 'renewed', renewal_policy_id = excluded.renewal_policy_id, decided_at = now()`,
        [tenantId, asOf, LAPSE_GRACE_DAYS],
      );
      return { notified: fresh.length, decided: decided ?? 0 };
    });
    const { rows: connections } = await pool.query<{ id: string; provider: string }>(
      `select id, provider from connections where tenant_id = $1 and status = 'active' order by created_at, id`,
      [tenantId],
    );
    return {
      asOf,
      upcoming: expiring.length,
      notified: pass.notified,
      decided: pass.decided,
      scored: intel.model !== null,
      connections: connections
        .filter((c) => {
          try {
            return registered(c.provider).connector.definition.category === 'crm';
          } catch {
            return false;
          }
        })
        .map((c) => ({ connectionId: c.id, provider: c.provider })),
    };
  }

  async function renewalPage(input: CrmPushInput): Promise<RenewalRow[]> {
    const { rows } = await pool.query<RenewalRow>(
      `select o.policy_id, o.expiration_date, o.window_days, o.probability, o.risk_level, o.drivers, o.actions,
              p.policy_number, p.line_of_business, p.term_premium_cents, c.name as carrier_name,
              cl.display_name as client_name, pr.email as producer_email,
              crm.external_id as crm_client_id, crm.stream as crm_client_stream
         from renewal_outreach o
         join policies p on p.id = o.policy_id
         left join carriers c on c.id = p.carrier_id
         left join clients cl on cl.id = p.client_id
         left join producers pr on pr.id = p.producer_id
         -- The same client as this CRM knows it: a company (or account) before a contact.
         left join lateral (
           select s.external_id, s.stream from source_records s
            where s.tenant_id = o.tenant_id and s.connection_id = $5 and s.canonical_id = p.client_id
              and s.deleted_at is null and s.stream in ('companies', 'accounts', 'contacts')
            order by (s.stream = 'contacts'), s.external_id limit 1) crm on true
        where o.tenant_id = $1 and o.as_of = $2 and ($3::uuid is null or o.policy_id > $3)
        order by o.policy_id limit $4`,
      [input.tenantId, input.asOf, input.afterPolicyId, PAGE, input.connectionId],
    );
    return rows;
  }

  /** The connection a CRM call names, refused unless it is the tenant's. */
  async function crmConnection(input: CrmPushInput): Promise<LoadedConnection> {
    const conn = await loadConnection(pool, keyring, input.connectionId);
    if (conn.tenantId !== input.tenantId) throw new Error('connection belongs to another tenant');
    return conn;
  }

  /** Runs the connection's CRM handler on an open session; vendor errors come back classified. */
  async function onCrm<T>(
    conn: LoadedConnection,
    handlers: Record<
      'hubspot' | 'salesforce',
      (ctx: ConnectionContext, session: ConnectorSession) => Promise<T>
    >,
  ): Promise<T> {
    const handler = handlers[conn.provider as keyof typeof handlers];
    const { ctx, session } = open(conn);
    try {
      if (!handler) throw new ConnectorError('bad_request', `${conn.provider} takes no renewal outreach`);
      return await handler(ctx, session);
    } catch (err) {
      throw vendorFailure(err);
    }
  }

  /** One page of upcoming renewals into one CRM connection. */
  async function pushRenewalsToCrm(input: CrmPushInput): Promise<CrmPushResult> {
    const conn = await crmConnection(input);
    const rows = await renewalPage(input);
    const next = rows.length === PAGE ? rows.at(-1)!.policy_id : null;
    if (!rows.length) return { processed: 0, created: 0, updated: 0, tasksCreated: 0, tasksUpdated: 0, next };
    const counts = await onCrm(conn, {
      hubspot: (ctx, session) => pushToHubSpot(ctx, session, rows),
      salesforce: (ctx, session) => pushToSalesforce(ctx, session, rows),
    });
    return { processed: rows.length, ...counts, next };
  }

  /** One page of decided renewals: their records in this CRM are closed as won or lost. */
  async function closeRenewalsInCrm(input: CrmPushInput): Promise<CrmCloseResult> {
    const conn = await crmConnection(input);
    const { rows } = await pool.query<DecidedRenewal>(
      `select policy_id, outcome from renewal_outcomes
        where tenant_id = $1 and decided_at > now() - make_interval(days => $2)
          and ($3::uuid is null or policy_id > $3)
        order by policy_id limit $4`,
      [input.tenantId, CLOSE_WITHIN_DAYS, input.afterPolicyId, PAGE],
    );
    const next = rows.length === PAGE ? rows.at(-1)!.policy_id : null;
    if (!rows.length) return { closed: 0, next };
    const closed = await onCrm(conn, {
      hubspot: (ctx) => closeInHubSpot(ctx, rows),
      salesforce: (ctx) => closeInSalesforce(ctx, rows),
    });
    return { closed, next };
  }

  return { findUpcomingRenewals, pushRenewalsToCrm, closeRenewalsInCrm };
}

interface DecidedRenewal {
  policy_id: string;
  outcome: 'renewed' | 'lost';
}

export type RenewalOutreachActivities = ReturnType<typeof createRenewalOutreachActivities>;

type PushCounts = Omit<CrmPushResult, 'processed' | 'next'>;

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
  all: RenewalRow[],
): Promise<PushCounts> {
  const { client, setup, call } = await openHubSpot(ctx);

  // The producer's HubSpot user, by email.
  const owners = new Map<string, string | null>();
  for (const email of new Set(
    all.map((r) => r.producer_email?.toLowerCase()).filter((e): e is string => !!e),
  )) {
    const page = await call(() => client.crm.owners.ownersApi.getPage(email, undefined, 1));
    owners.set(email, page.results.find((o) => o.email?.toLowerCase() === email)?.id ?? null);
  }
  const ownerOf = (r: RenewalRow) =>
    r.producer_email ? (owners.get(r.producer_email.toLowerCase()) ?? undefined) : undefined;

  // Which renewals already have a deal: those keep the stage the producer moved them to.
  const existing = await call(() =>
    client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: HS_ID_PROPERTY,
              operator: 'IN',
              values: all.map((r) => renewalExternalId(r.policy_id)),
            },
          ],
        },
      ],
      properties: [HS_ID_PROPERTY],
      limit: PAGE,
    } as never),
  );
  const known = new Set(existing.results.map((d) => d.properties[HS_ID_PROPERTY]));
  // HubSpot writes the deals it accepts and names the ones it refuses (a stage or owner that is
  // no longer valid, say): those are reported, and the rest of the page goes on without them.
  let deals: UpsertResult[];
  let refused: CrmPushResult['refused'] = [];
  try {
    deals = await session.upsert!(
      'deals',
      HS_ID_PROPERTY,
      all.map((r) => {
        const externalId = renewalExternalId(r.policy_id);
        return {
          externalId,
          fields: defined({
            dealname: title(r),
            amount: premiumText(r),
            closedate: `${r.expiration_date}T00:00:00.000Z`,
            pipeline: setup.pipelineId,
            dealstage: known.has(externalId) ? undefined : setup.firstStageId,
            hubspot_owner_id: ownerOf(r),
            renewal_probability: r.probability === null ? undefined : r.probability.toFixed(4),
            renewal_window_days: r.window_days,
            prior_policy_number: r.policy_number,
            carrier_name: r.carrier_name ?? undefined,
            line_of_business: r.line_of_business ?? undefined,
            expiration_date: r.expiration_date,
          }),
        };
      }),
    );
  } catch (err) {
    if (!(err instanceof HubSpotUpsertRefused)) throw err;
    deals = err.written;
    const policyOf = new Map(all.map((r) => [renewalExternalId(r.policy_id), r.policy_id]));
    refused = err.refused.map((x) => ({
      policyId: policyOf.get(x.externalId) ?? x.externalId,
      reason: x.reason,
    }));
  }
  const dealIdOf = new Map(deals.map((d) => [d.externalId, d.vendorId]));
  const created = deals.filter((d) => d.created).length;
  // Associations and tasks only for the deals HubSpot holds.
  const rows = all.filter((r) => dealIdOf.has(renewalExternalId(r.policy_id)));
  if (!rows.length) return { created, updated: 0, tasksCreated: 0, tasksUpdated: 0, refused };

  // Each deal sits on the client's company (or contact) record, where the producer looks first.
  // A client record merged or deleted in HubSpot since the last sync refuses its association: the
  // batch is then tried one by one and such records skipped, so one stale id never stops the push.
  for (const [stream, typeId] of [
    ['companies', HS_DEAL_TO_COMPANY],
    ['contacts', HS_DEAL_TO_CONTACT],
  ] as const) {
    const inputs = rows
      .filter((r) => r.crm_client_stream === stream && r.crm_client_id)
      .map((r) => ({
        // The client library names the field `_from` (it serialises as `from`).
        _from: { id: dealIdOf.get(renewalExternalId(r.policy_id))! },
        to: { id: r.crm_client_id! },
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
  const dealIds = rows.map((r) => dealIdOf.get(renewalExternalId(r.policy_id))!);
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
      hs_task_subject: taskSubject(r),
      hs_task_body: taskBody(r),
      hs_timestamp: `${taskDueDate(r)}T15:00:00.000Z`,
      hs_task_priority: r.window_days === 30 || r.risk_level === 'high' ? 'HIGH' : 'MEDIUM',
      hubspot_owner_id: ownerOf(r),
    }) as Record<string, string>;
    const taskId = taskByPolicy.get(r.policy_id);
    if (taskId) {
      await call(() => client.crm.objects.tasks.basicApi.update(taskId, { properties }));
      tasksUpdated++;
    } else {
      await call(() =>
        client.crm.objects.tasks.basicApi.create({
          properties: { ...properties, hs_task_status: 'NOT_STARTED', hs_task_type: 'TODO' },
          associations: [
            {
              to: { id: dealIdOf.get(renewalExternalId(r.policy_id))! },
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
  const outcomeOf = new Map(decided.map((d) => [renewalExternalId(d.policy_id), d.outcome]));
  const found = await call(() =>
    client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: HS_ID_PROPERTY, operator: 'IN', values: [...outcomeOf.keys()] }] },
      ],
      properties: [HS_ID_PROPERTY, 'dealstage', 'pipeline'],
      limit: PAGE,
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

/** The Salesforce client on the connection's budget, and a SOQL query returning its records. */
function openSalesforce(ctx: ConnectionContext) {
  const throttle = throttleFor(
    `salesforce:${ctx.connectionId}`,
    rateBudgetFor(ctx, salesforceDefinition.rateBudget),
  );
  const client = new SalesforceClient(ctx, throttle);
  const query = <T>(soql: string) =>
    client.call(async (conn) => ((await conn.query(soql)) as unknown as { records: T[] }).records);
  return { client, query };
}

type Saved = { success: boolean; errors?: { message?: string }[] }[];

/** An all-or-none save's answers: the first refusal fails the call with Salesforce's reason. */
function checkSaved(results: Saved, what: string) {
  const failed = results.find((x) => !x.success);
  if (failed)
    throw new ConnectorError(
      'bad_request',
      `Salesforce refused a renewal ${what}: ${failed.errors?.[0]?.message ?? ''}`,
    );
}

/** Open renewal opportunities of decided renewals become Closed Won or Closed Lost. */
async function closeInSalesforce(ctx: ConnectionContext, decided: DecidedRenewal[]): Promise<number> {
  const { client, query } = openSalesforce(ctx);
  const outcomeOf = new Map(decided.map((d) => [renewalExternalId(d.policy_id).toLowerCase(), d.outcome]));
  const found = await query<{ Id: string; External_Id__c: string; IsClosed: boolean; StageName: string }>(
    `SELECT Id, External_Id__c, IsClosed, StageName FROM Opportunity WHERE External_Id__c IN (${decided
      .map((d) => quote(renewalExternalId(d.policy_id)))
      .join(', ')})`,
  );
  // Open opportunities close; one closed as lost reopens as won when the renewal turned up late.
  const updates = found
    .map((o) => ({ o, won: outcomeOf.get(o.External_Id__c.toLowerCase()) === 'renewed' }))
    .filter(({ o, won }) => !o.IsClosed || (won && o.StageName === 'Closed Lost'))
    .map(({ o, won }) => ({ Id: o.Id, StageName: won ? 'Closed Won' : 'Closed Lost' }));
  if (!updates.length) return 0;
  checkSaved(
    (await client.call((conn) =>
      conn.sobject('Opportunity').update(updates as never, { allOrNone: true }),
    )) as unknown as Saved,
    'opportunity close',
  );
  return updates.length;
}

// Salesforce: Opportunities of the org's renewal record type, upserted by External_Id__c through
// the connector, and a Task on each (WhatId), found again by WhatId and its reference line.

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

async function pushToSalesforce(
  ctx: ConnectionContext,
  session: ConnectorSession,
  rows: RenewalRow[],
): Promise<PushCounts> {
  const { client, query } = openSalesforce(ctx);
  const recordTypeName = String(ctx.settings.renewalRecordType ?? 'Renewal');
  const [recordType] = await query<{ Id: string }>(
    `SELECT Id FROM RecordType WHERE SobjectType = 'Opportunity' AND DeveloperName = ${quote(recordTypeName)} LIMIT 1`,
  );
  if (!recordType)
    throw new ConnectorError(
      'bad_request',
      `the Salesforce org has no Opportunity record type ${recordTypeName}`,
    );
  const emails = [
    ...new Set(rows.map((r) => r.producer_email?.toLowerCase()).filter((e): e is string => !!e)),
  ];
  const users = emails.length
    ? await query<{ Id: string; Email: string }>(
        `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${emails.map(quote).join(', ')})`,
      )
    : [];
  const userOf = new Map(users.map((u) => [u.Email.toLowerCase(), u.Id]));
  const ownerOf = (r: RenewalRow) =>
    r.producer_email ? userOf.get(r.producer_email.toLowerCase()) : undefined;
  const externalIds = rows.map((r) => renewalExternalId(r.policy_id));
  const existing = await query<{ External_Id__c: string; AccountId: string | null }>(
    `SELECT Id, External_Id__c, AccountId FROM Opportunity WHERE External_Id__c IN (${externalIds.map(quote).join(', ')})`,
  );
  const known = new Set(existing.map((o) => o.External_Id__c.toLowerCase()));
  const placed = new Set(existing.filter((o) => o.AccountId).map((o) => o.External_Id__c.toLowerCase()));
  // Accounts merged or deleted since the last sync would fail the whole upsert: only live ones.
  const accountIds = [
    ...new Set(
      rows.filter((r) => r.crm_client_stream === 'accounts' && r.crm_client_id).map((r) => r.crm_client_id!),
    ),
  ];
  const liveAccounts = new Set(
    accountIds.length
      ? (
          await query<{ Id: string }>(
            `SELECT Id FROM Account WHERE Id IN (${accountIds.map(quote).join(', ')})`,
          )
        ).map((a) => a.Id)
      : [],
  );
  const liveAccount = (r: RenewalRow) =>
    r.crm_client_stream === 'accounts' && r.crm_client_id && liveAccounts.has(r.crm_client_id)
      ? r.crm_client_id
      : undefined;
  const opportunities = await session.upsert!(
    'opportunities',
    'External_Id__c',
    rows.map((r) => {
      const externalId = renewalExternalId(r.policy_id);
      return {
        externalId,
        fields: defined({
          Name: title(r).slice(0, 120),
          RecordTypeId: recordType.Id,
          Type: 'Existing Business',
          StageName: known.has(externalId) ? undefined : 'Prospecting',
          CloseDate: r.expiration_date,
          Amount: premiumText(r),
          Probability: r.probability === null ? undefined : Math.round(r.probability * 1000) / 10,
          OwnerId: ownerOf(r),
          // On the client's account when this org still has it; an account someone chose is kept.
          AccountId: placed.has(externalId) ? undefined : liveAccount(r),
          Prior_Policy_Number__c: r.policy_number,
          Carrier_Name__c: r.carrier_name ?? undefined,
          Line_Of_Business__c: r.line_of_business ?? undefined,
          Expiration_Date__c: r.expiration_date,
        }),
      };
    }),
  );
  const oppOf = new Map(opportunities.map((o) => [o.externalId, o.vendorId]));
  const created = opportunities.filter((o) => o.created).length;
  const oppIds = rows.map((r) => oppOf.get(renewalExternalId(r.policy_id))!);
  const tasks = await query<{ Id: string; Description: string | null }>(
    `SELECT Id, WhatId, Description FROM Task WHERE WhatId IN (${oppIds.map(quote).join(', ')})`,
  );
  const taskByPolicy = new Map<string, string>();
  for (const t of tasks) {
    const ref = /Ref: ch-renewal-([0-9a-f-]{36})/.exec(t.Description ?? '');
    if (ref && !taskByPolicy.has(ref[1]!)) taskByPolicy.set(ref[1]!, t.Id);
  }
  const fields = (r: RenewalRow) =>
    defined({
      Subject: taskSubject(r),
      Description: taskBody(r),
      ActivityDate: taskDueDate(r),
      Priority: r.window_days === 30 || r.risk_level === 'high' ? 'High' : 'Normal',
      OwnerId: ownerOf(r),
    });
  const updates = rows
    .filter((r) => taskByPolicy.has(r.policy_id))
    .map((r) => ({ Id: taskByPolicy.get(r.policy_id)!, ...fields(r) }));
  const creates = rows
    .filter((r) => !taskByPolicy.has(r.policy_id))
    .map((r) => ({
      ...fields(r),
      WhatId: oppOf.get(renewalExternalId(r.policy_id))!,
      Status: 'Not Started',
      Type: 'Call',
    }));
  if (updates.length)
    checkSaved(
      (await client.call((conn) =>
        conn.sobject('Task').update(updates as never, { allOrNone: true }),
      )) as unknown as Saved,
      'task update',
    );
  if (creates.length)
    checkSaved(
      (await client.call((conn) =>
        conn.sobject('Task').create(creates as never, { allOrNone: true }),
      )) as unknown as Saved,
      'task',
    );
  return {
    created,
    updated: opportunities.length - created,
    tasksCreated: creates.length,
    tasksUpdated: updates.length,
  };
}
