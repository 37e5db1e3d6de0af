// Keeping expected commissions current. The tenant's commission workflow reads the outbox after
// its cursor, finds the policy terms whose transactions or terms changed, re-links their clients'
// renewal chains and recalculates them; a rule or split-plan change recalculates everything.
// Expectations still unpaid after their pay date and the carrier's grace period turn missing.
import {
  loadRules,
  loadSplitPlans,
  recalculatePolicies,
  refreshRenewalChains,
} from '../db/commission-store.ts';
import { appendEvents } from '../db/outbox.ts';
import { withTransaction } from '../db/pool.ts';
import { agingGraceDays } from '../db/reconciliation-store.ts';
import type { ActivityDeps } from './deps.ts';

const BATCH = 500;

/**
 * Events are numbered when written but seen when committed, so an event can appear behind a
 * cursor that has moved past it (a long API write committing after a short one). Every pass reads
 * the last minutes again as well: recalculating a term whose inputs did not change writes nothing.
 */
const recentWindow = '3 minutes';

export interface RecalculateInput {
  tenantId: string;
  afterSeq: number;
  all: boolean;
  /** Terms to recalculate besides those the outbox names (a policy-level split override). */
  policyIds?: string[];
  /** For `all`: the last policy id done, to resume a long pass. */
  afterPolicyId?: string | null;
}

export interface RecalculateResult {
  nextSeq: number;
  afterPolicyId: string | null;
  done: boolean;
  policies: number;
  changed: number;
  noRule: number;
}

export function createCommissionActivities(deps: ActivityDeps) {
  const { pool } = deps;

  async function tenantSettings(tenantId: string) {
    const { rows } = await pool.query('select settings from tenants where id = $1', [tenantId]);
    return (rows[0]?.settings ?? {}) as {
      payLagDays?: Record<string, number>;
      missingGraceDays?: Record<string, number>;
    };
  }

  async function recalculateFromOutbox(input: RecalculateInput): Promise<RecalculateResult> {
    const settings = await tenantSettings(input.tenantId);
    const [rules, plans] = await Promise.all([
      loadRules(pool, input.tenantId),
      loadSplitPlans(pool, input.tenantId),
    ]);
    const { rows: head } = await pool.query<{ seq: number | null }>(
      'select max(seq) as seq from change_events where tenant_id = $1',
      [input.tenantId],
    );
    let policyIds: string[];
    let nextSeq = input.afterSeq;
    let afterPolicyId: string | null = null;
    let done: boolean;
    if (input.all) {
      const { rows } = await pool.query<{ id: string }>(
        `select distinct p.id from policies p join policy_transactions t on t.policy_id = p.id
          where p.tenant_id = $1 and ($2::uuid is null or p.id > $2) order by p.id limit $3`,
        [input.tenantId, input.afterPolicyId ?? null, BATCH],
      );
      policyIds = rows.map((r) => r.id);
      afterPolicyId = policyIds.at(-1) ?? null;
      done = policyIds.length < BATCH;
      if (done) nextSeq = Number(head[0]?.seq ?? input.afterSeq);
    } else {
      const { rows } = await pool.query<{ seq: number; policy_id: string | null }>(
        `select e.seq, case when e.entity_type = 'policy' then e.entity_id else t.policy_id end as policy_id
           from change_events e left join policy_transactions t on e.entity_type = 'policy_transaction' and t.id = e.entity_id
          where e.tenant_id = $1 and (e.seq > $2 or e.occurred_at > now() - $3::interval)
            and e.op is not null and e.entity_type in ('policy', 'policy_transaction')
          order by e.seq limit 5000`,
        [input.tenantId, input.afterSeq, recentWindow],
      );
      policyIds = [
        ...new Set([
          ...(input.policyIds ?? []),
          ...rows.map((r) => r.policy_id).filter((p): p is string => !!p),
        ]),
      ];
      done = rows.length < 5000;
      nextSeq = done ? Math.max(Number(head[0]?.seq ?? 0), input.afterSeq) : Number(rows.at(-1)!.seq);
    }
    const { rows: clients } = await pool.query<{ client_id: string }>(
      'select distinct client_id from policies where id = any($1::uuid[]) and client_id is not null',
      [policyIds],
    );
    const result = await withTransaction(pool, async (db) => {
      await refreshRenewalChains(
        db,
        input.tenantId,
        clients.map((c) => c.client_id),
      );
      // Renewal chains can move a term's policy year, so every term of those clients is recalculated.
      const { rows: related } = await db.query<{ id: string }>(
        'select id from policies where tenant_id = $1 and (id = any($2::uuid[]) or client_id = any($3::uuid[]))',
        [input.tenantId, policyIds, clients.map((c) => c.client_id)],
      );
      return recalculatePolicies(
        db,
        input.tenantId,
        related.map((r) => r.id),
        { rules, plans, payLagDays: settings.payLagDays },
      );
    });
    return {
      nextSeq,
      afterPolicyId,
      done,
      policies: result.policies,
      changed: result.changed,
      noRule: result.noRule,
    };
  }

  /** Open expectations past their pay date plus the carrier's grace period become missing. */
  async function ageExpectedCommissions(input: {
    tenantId: string;
    asOf?: string;
  }): Promise<{ missing: number }> {
    const settings = await tenantSettings(input.tenantId);
    return withTransaction(pool, async (db) => {
      const { rows } = await db.query<{
        id: string;
        transaction_id: string;
        balance: number;
        carrier_id: string | null;
      }>(
        `update expected_commissions e set status = 'missing'
          where e.tenant_id = $1 and e.status in ('open', 'partially_paid') and e.agency_cents > 0
            and e.expected_pay_date + make_interval(days => coalesce(($3::jsonb ->> e.carrier_id::text)::int, $4)) < $2::date
          returning e.id, e.transaction_id, e.agency_cents - e.paid_cents as balance, e.carrier_id`,
        [
          input.tenantId,
          input.asOf ?? new Date().toISOString().slice(0, 10),
          JSON.stringify(settings.missingGraceDays ?? {}),
          agingGraceDays,
        ],
      );
      await appendEvents(
        db,
        { tenantId: input.tenantId, connectionId: null },
        rows.map((r) => ({
          type: 'commission.discrepancy',
          entityType: 'policy_transaction',
          entityId: r.transaction_id,
          data: { code: 'MISSING_COMMISSION', balance_cents: Number(r.balance), carrier_id: r.carrier_id },
        })),
      );
      return { missing: rows.length };
    });
  }

  return { recalculateFromOutbox, ageExpectedCommissions };
}

export type CommissionActivities = ReturnType<typeof createCommissionActivities>;
