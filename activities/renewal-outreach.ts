// Renewal outreach: find the tenant's policies expiring within 90 days, tell the outbox once per
// policy per window (90, 60, 30 days) with `renewal.upcoming`, and keep one renewal record per
// policy in each CRM connection, with one follow-up task for the producer, through the CRM's
// connector (its `crm` capability: connectors/<vendor>/crm.ts). Idempotent by external id: the
// record is keyed on `ch-renewal-<policyId>` in the CRM, and the task is found again through its
// record and a reference line in its body, so reruns update, never add. A rerun never resets what
// the producer changed: stage and task status are set on create only. The expiring term's number
// goes in the prior-policy field: a renewal is a sale still open, so the CRM syncs (which read
// records with a policy number as terms) skip it. When the CRM knows the client (a synced record
// of one of the capability's client streams merged with the policy's client), the renewal record
// is placed on it.
import { registered } from '../connectors/registry.ts';
import {
  type ConnectionContext,
  ConnectorError,
  type ConnectorSession,
  type CrmCapability,
  type CrmRenewal,
  type DecidedRenewal,
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
  /** The client's record in this CRM (a record of one of its client streams), if synced. */
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

/** A renewal as the CRM capability takes it: the row with its texts written. */
function crmRenewal(r: RenewalRow): CrmRenewal {
  return {
    policyId: r.policy_id,
    externalId: renewalExternalId(r.policy_id),
    title: title(r),
    amount: premiumText(r),
    expirationDate: r.expiration_date,
    windowDays: r.window_days,
    probability: r.probability,
    riskLevel: r.risk_level,
    policyNumber: r.policy_number,
    carrierName: r.carrier_name,
    lineOfBusiness: r.line_of_business,
    producerEmail: r.producer_email,
    crmClient:
      r.crm_client_id && r.crm_client_stream
        ? { stream: r.crm_client_stream, externalId: r.crm_client_id }
        : null,
    task: {
      subject: taskSubject(r),
      body: taskBody(r),
      dueDate: taskDueDate(r),
      urgent: r.window_days === 30 || r.risk_level === 'high',
    },
  };
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

  async function renewalPage(input: CrmPushInput, clientStreams: string[]): Promise<RenewalRow[]> {
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
         -- The same client as this CRM knows it, from its client streams in their order.
         left join lateral (
           select s.external_id, s.stream from source_records s
            where s.tenant_id = o.tenant_id and s.connection_id = $5 and s.canonical_id = p.client_id
              and s.deleted_at is null and s.stream = any($6::text[])
            order by array_position($6::text[], s.stream), s.external_id limit 1) crm on true
        where o.tenant_id = $1 and o.as_of = $2 and ($3::uuid is null or o.policy_id > $3)
        order by o.policy_id limit $4`,
      [input.tenantId, input.asOf, input.afterPolicyId, PAGE, input.connectionId, clientStreams],
    );
    return rows;
  }

  /** The connection a CRM call names, refused unless it is the tenant's. */
  async function crmConnection(input: CrmPushInput): Promise<LoadedConnection> {
    const conn = await loadConnection(pool, keyring, input.connectionId);
    if (conn.tenantId !== input.tenantId) throw new Error('connection belongs to another tenant');
    return conn;
  }

  /** The connection's CRM capability (refused when its connector has none). */
  function crmOf(conn: LoadedConnection): CrmCapability {
    const crm = registered(conn.provider).connector.crm;
    if (!crm)
      throw vendorFailure(new ConnectorError('bad_request', `${conn.provider} takes no renewal outreach`));
    return crm;
  }

  /** Runs a CRM call on an open session; vendor errors come back classified. */
  async function onCrm<T>(
    conn: LoadedConnection,
    handler: (ctx: ConnectionContext, session: ConnectorSession) => Promise<T>,
  ): Promise<T> {
    const { ctx, session } = open(conn);
    try {
      return await handler(ctx, session);
    } catch (err) {
      throw vendorFailure(err);
    }
  }

  /** One page of upcoming renewals into one CRM connection. */
  async function pushRenewalsToCrm(input: CrmPushInput): Promise<CrmPushResult> {
    const conn = await crmConnection(input);
    const rows = await renewalPage(input, registered(conn.provider).connector.crm?.clientStreams ?? []);
    const next = rows.length === PAGE ? rows.at(-1)!.policy_id : null;
    if (!rows.length) return { processed: 0, created: 0, updated: 0, tasksCreated: 0, tasksUpdated: 0, next };
    const crm = crmOf(conn);
    const counts = await onCrm(conn, (ctx, session) => crm.pushRenewals(ctx, session, rows.map(crmRenewal)));
    return { processed: rows.length, ...counts, next };
  }

  /** One page of decided renewals: their records in this CRM are closed as won or lost. */
  async function closeRenewalsInCrm(input: CrmPushInput): Promise<CrmCloseResult> {
    const conn = await crmConnection(input);
    const { rows } = await pool.query<{ policy_id: string; outcome: DecidedRenewal['outcome'] }>(
      `select policy_id, outcome from renewal_outcomes
        where tenant_id = $1 and decided_at > now() - make_interval(days => $2)
          and ($3::uuid is null or policy_id > $3)
        order by policy_id limit $4`,
      [input.tenantId, CLOSE_WITHIN_DAYS, input.afterPolicyId, PAGE],
    );
    const next = rows.length === PAGE ? rows.at(-1)!.policy_id : null;
    if (!rows.length) return { closed: 0, next };
    const crm = crmOf(conn);
    const decided = rows.map((r) => ({
      policyId: r.policy_id,
      externalId: renewalExternalId(r.policy_id),
      outcome: r.outcome,
    }));
    const closed = await onCrm(conn, (ctx, session) => crm.closeRenewals(ctx, session, decided));
    return { closed, next };
  }

  return { findUpcomingRenewals, pushRenewalsToCrm, closeRenewalsInCrm };
}

export type RenewalOutreachActivities = ReturnType<typeof createRenewalOutreachActivities>;
