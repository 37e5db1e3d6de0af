// What carriers actually paid, read from reconciled statement lines, and the schedule lines
// accepted from it (commission_rules.source = 'learned').
import {
  proposeRates,
  type RateObservation,
  type RateProposal,
} from '../domain/commissions/learned-rates.ts';
import type { Queryable } from './pool.ts';

/**
 * One observation per reconciled statement line that pays exactly one new-business, renewal,
 * rewrite or endorsement transaction on its own (split payments show no rate).
 */
export async function rateObservations(db: Queryable, tenantId: string): Promise<RateObservation[]> {
  const { rows } = await db.query(
    `select s.carrier_id, c.name as carrier_name, p.line_of_business, p.state, e.term_kind,
            e.effective_date::text as effective_date, l.commission_rate, l.commission_cents::float8 as commission_cents,
            coalesce(l.premium_cents, nullif(e.basis_cents, 0))::float8 as premium_cents, e.rate as expected_rate, e.rate_source
       from statement_lines l
       join statements s on s.id = l.statement_id
       join expected_commissions e on e.id = (l.matches -> 0 ->> 'expectedId')::uuid
       join policies p on p.id = e.policy_id
       left join carriers c on c.id = s.carrier_id
      where l.tenant_id = $1 and s.source = 'upload' and s.carrier_id is not null
        and jsonb_array_length(l.matches) = 1 and l.status in ('matched', 'underpaid', 'overpaid')
        and l.method is distinct from 'many_to_one' and l.decision is distinct from 'rejected'
        and e.transaction_type in ('NEW', 'RWL', 'REWRITE', 'END')`,
    [tenantId],
  );
  return rows.map((r) => ({
    carrierId: r.carrier_id,
    carrierName: r.carrier_name,
    lineOfBusiness: r.line_of_business,
    state: r.state,
    termKind: r.term_kind,
    effectiveDate: r.effective_date,
    printedRate: r.commission_rate,
    commissionCents: r.commission_cents,
    premiumCents: r.premium_cents,
    expectedRate: r.expected_rate,
    rateSource: r.rate_source,
  }));
}

export async function rateProposals(db: Queryable, tenantId: string): Promise<RateProposal[]> {
  return proposeRates(await rateObservations(db, tenantId));
}

/**
 * Adds the proposal as a schedule line of its carrier, marked learned, from the first transaction
 * it was seen on; returns the new rule's id, or null when no such proposal stands (any more).
 */
export async function acceptRateProposal(
  db: Queryable,
  tenantId: string,
  id: string,
  override: { rate?: string; effectiveFrom?: string } = {},
): Promise<{ ruleId: string; proposal: RateProposal } | null> {
  const proposal = (await rateProposals(db, tenantId)).find((p) => p.id === id);
  if (!proposal) return null;
  const rate = override.rate ?? proposal.rate;
  const { rows } = await db.query<{ id: string }>(
    `insert into commission_rules (tenant_id, carrier_id, line_of_business, state, term_kind, effective_from, basis, source, description)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, 'learned', $8) returning id`,
    [
      tenantId,
      proposal.carrierId,
      proposal.lineOfBusiness,
      proposal.state,
      proposal.termKind,
      override.effectiveFrom ?? proposal.effectiveFrom,
      JSON.stringify({ kind: 'percent', rate }),
      `Learned from ${proposal.observations} statement line(s): ${proposal.agreeing} paid ${proposal.rate}% (from ${proposal.spread.min}% to ${proposal.spread.max}%)`,
    ],
  );
  return { ruleId: rows[0]!.id, proposal };
}
