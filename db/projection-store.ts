// The book projected forward: every in-force term renews at its expiration with the probability
// the tenant's renewal model gives it (or its line's retention while the book is too young to
// learn from), at the renewal rate its carrier's schedule sets. Commission projections and the
// analytics forecast read the same projection.
import { type InForceTerm, projectRenewalCommissions } from '../domain/analytics/projections.ts';
import { calculateExpected } from '../domain/commissions/calculate.ts';
import type { CommissionRule } from '../domain/commissions/types.ts';
import { Money } from '../domain/money.ts';
import { loadRules, TERM_COLUMNS, type TermRow } from './commission-store.ts';
import type { Queryable } from './pool.ts';
import { inForceProbabilities, renewalIntelligence } from './renewal-store.ts';

/** The renewal rate the carrier's schedule gives a projected renewal term, as an exact percent. */
function renewalRate(
  term: InForceTerm,
  source: TermRow,
  rules: CommissionRule[],
  missing: Set<string>,
): string {
  if (term.termPremiumCents === 0) return '0';
  try {
    const expected = calculateExpected(
      {
        id: `${term.termId}:renewal`,
        type: 'RWL',
        effectiveDate: term.effectiveDate,
        premiumDeltaCents: term.termPremiumCents,
        taxesFeesCents: 0,
        cancelMethod: null,
        policy: {
          id: term.termId,
          carrierId: source.carrier_id,
          mgaId: source.mga_id,
          producerId: source.producer_id,
          lineOfBusiness: source.line_of_business,
          state: source.state,
          effectiveDate: term.effectiveDate,
          expirationDate: term.expirationDate,
          originalInceptionDate: source.original_inception_date,
          termPremiumCents: term.termPremiumCents,
          policyYear: (source.policy_year ?? 1) + 1,
        },
      },
      rules,
      [],
    );
    return new Money(expected.agencyCents)
      .dividedBy(term.termPremiumCents)
      .times(100)
      .toDecimalPlaces(6)
      .toFixed();
  } catch {
    missing.add(term.termId);
    return '0';
  }
}

export async function projectBook(
  db: Queryable,
  tenantId: string,
  options: { asOf: string; months: number; premiumChangePct: string },
) {
  const { asOf } = options;
  const intel = await renewalIntelligence(db, tenantId, asOf);
  const rules = await loadRules(db, tenantId);
  const { rows: termRows } = await db.query<
    TermRow & { policy_number: string; client_id: string; status: string }
  >(
    `select ${TERM_COLUMNS}, policy_number, client_id, status from policies
      where tenant_id = $1 and deleted_at is null and status = 'active' and effective_date <= $2 and expiration_date > $2`,
    [tenantId, asOf],
  );
  const sources = new Map(termRows.map((t) => [t.id, t]));
  const missing = new Set<string>();
  const projection = projectRenewalCommissions(
    termRows.map((t) => ({
      termId: t.id,
      policyNumber: t.policy_number,
      clientId: t.client_id,
      carrierId: t.carrier_id,
      lineOfBusiness: t.line_of_business,
      effectiveDate: t.effective_date!,
      expirationDate: t.expiration_date!,
      termPremiumCents: Number(t.term_premium_cents ?? 0),
      status: 'active',
    })),
    {
      asOf,
      months: options.months,
      rateFor: (term) => renewalRate(term, sources.get(term.termId)!, rules, missing),
      renewalProbabilities: inForceProbabilities(intel),
      retentionByLine: intel.retentionByLine,
      defaultRetention: intel.baseRetention,
      expectedPremiumChangePct: () => options.premiumChangePct,
    },
  );
  return { projection, intel, termsWithoutRule: missing.size };
}
