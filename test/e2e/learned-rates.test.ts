// Rates learned from what carriers paid. The agency's personal lines live in HawkSoft, which records
// no commission at all, and it has typed no schedule: every transaction is without a rate. Its
// carrier's statements still reconcile against those transactions (the payments are its own), and
// what the lines show becomes a proposed schedule line that the agency accepts in one step, after
// which the book expects what the carrier pays.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import { bookFor } from '../../connectors/kit/demo-book.ts';
import {
  expectedStatementCommissions,
  generateDemoStatement,
} from '../../domain/statements/demo-statements.ts';
import { createHarness, type Harness, waitFor } from '../support/harness.ts';
import { type StatementBook, statementBook } from '../support/statement-book.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const seed = 'e2e-learned-rates';
const asOf = '2026-11-01';
const clients = 300;
const agency = generateAgency({ seed, clients, asOf });
const hawksoftBook = bookFor(agency, 'hawksoft');
const months = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09'];

/** The carrier with the most direct-bill HawkSoft transactions over those months. */
function busiestCarrier(): string {
  const ours = new Set(hawksoftBook.policies.map((p) => p.key));
  const counts = new Map<string, number>();
  for (const carrier of agency.carriers) {
    const n = months
      .flatMap((m) => expectedStatementCommissions(agency, carrier.key, m))
      .filter((e) => ours.has(e.policyKey)).length;
    counts.set(carrier.key, n);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

interface Proposal {
  id: string;
  carrier_id: string;
  line_of_business: string | null;
  state: string | null;
  term_kind: 'new' | 'renewal';
  rate: string;
  observations: number;
  agreeing: number;
  current: { rate: string | null; source: string | null };
}

describe('rates learned from what carriers paid', () => {
  let book: StatementBook;
  beforeAll(async () => {
    book = await statementBook(h, {
      name: 'Learning Agency',
      agency,
      seed,
      clients,
      asOf,
      systems: ['hawksoft'],
      schedules: false,
    });
    await waitFor(
      async () =>
        (
          await h.pool.query(
            `select count(*) > 0 and count(*) = (select count(*) from policy_transactions where tenant_id = $1 and deleted_at is null)
                    and bool_and(status = 'no_rule') as ok from expected_commissions where tenant_id = $1`,
            [book.tenantId],
          )
        ).rows[0]?.ok === true,
      'every HawkSoft transaction to be recorded without a rate',
      120_000,
    );
  }, 240_000);

  test('statements against unpriced transactions propose the rates the carrier paid; accepting one prices the book', async () => {
    const carrierKey = busiestCarrier();
    const carrier = agency.carriers.find((c) => c.key === carrierKey)!;
    const ours = new Set(hawksoftBook.policies.map((p) => p.key));
    for (const month of months) {
      const statement = await generateDemoStatement(agency, { carrierKey, month, seed });
      const paysOurs = statement.truth.filter((t) => t.kind === 'expected' && ours.has(t.policyKey)).length;
      if (paysOurs === 0) continue;
      const created = await book.json<{ statement: { id: string } }>(
        book.upload(carrierKey, statement.filename, statement.bytes),
        201,
      );
      await book.reconciled(created.statement.id);
      const lines = await book.allLines(created.statement.id);
      // A payment for one of our unpriced transactions is linked, not "unexpected", and says why.
      const linked = lines.filter((l) => l.discrepancies.includes('NO_EXPECTED_RATE'));
      expect(linked.length).toBeGreaterThan(0);
      for (const l of linked) expect(l.reason).toMatch(/no rate is known for this transaction/);
    }

    const { data: proposals } = await book.json<{ data: Proposal[] }>(
      h.request('GET', '/v1/commissions/rate-proposals', { apiKey: book.apiKey }),
    );
    const mine = proposals.filter((p) => p.carrier_id === book.carrierIds.get(carrierKey));
    expect(mine.length).toBeGreaterThan(0);
    for (const p of mine) {
      // What the carrier paid is its own new-business or renewal rate, and nothing is expected yet.
      expect(Number(p.rate)).toBe(Number(p.term_kind === 'new' ? carrier.newRate : carrier.renewalRate));
      expect(p.agreeing).toBeGreaterThanOrEqual(2);
      expect(p.current).toEqual({ rate: null, source: null });
    }

    const chosen = mine.sort((a, b) => b.observations - a.observations)[0]!;
    const accepted = await book.json<{ rule_id: string }>(
      h.request('POST', `/v1/commissions/rate-proposals/${chosen.id}/accept`, {
        apiKey: book.apiKey,
        body: {},
      }),
      201,
    );
    const { rows: rule } = await h.pool.query(
      'select source, basis, term_kind from commission_rules where id = $1',
      [accepted.rule_id],
    );
    expect(rule[0]).toMatchObject({ source: 'learned', basis: { kind: 'percent', rate: chosen.rate } });
    // The book now expects the learned rate for that carrier, line and term kind.
    await waitFor(
      async () =>
        (
          await h.pool.query(
            `select count(*) > 0 and bool_and(e.rate_source = 'learned' and e.rate::numeric = $4::numeric) as ok
               from expected_commissions e join policies p on p.id = e.policy_id
              where e.tenant_id = $1 and e.carrier_id = $2 and e.term_kind = $3 and e.transaction_type in ('NEW', 'RWL')
                and p.line_of_business is not distinct from $5 and ($6::text is null or p.state = $6)`,
            [
              book.tenantId,
              chosen.carrier_id,
              chosen.term_kind,
              chosen.rate,
              chosen.line_of_business,
              chosen.state,
            ],
          )
        ).rows[0]?.ok === true,
      'the learned rate to price the book',
      90_000,
    );
    // Accepted, the proposal no longer stands; accepting it again is a 404.
    const after = await book.json<{ data: Proposal[] }>(
      h.request('GET', '/v1/commissions/rate-proposals', { apiKey: book.apiKey }),
    );
    expect(after.data.map((p) => p.id)).not.toContain(chosen.id);
    const again = await h.request('POST', `/v1/commissions/rate-proposals/${chosen.id}/accept`, {
      apiKey: book.apiKey,
      body: {},
    });
    expect(again.status).toBe(404);
  }, 300_000);
});
