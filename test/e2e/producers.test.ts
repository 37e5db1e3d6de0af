// One producer per person, through the real system: the demo agency's producers arrive from five
// systems (HawkSoft first, knowing only codes; then Applied Epic with codes and names, HubSpot and
// Salesforce with names and emails, EZLynx with all three), and every person is one agent, once on
// the leaderboard. A merge through the API moves a producer's book, plans and commissions, and the
// leaderboard follows; a split puts everything back; a sync keeps either decision. The performance
// series counts every day of its twelve months.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import type { ProviderId } from '../../connectors/types.ts';
import {
  createHarness,
  type Harness,
  sandboxAccount,
  startSync,
  syncResult,
  vendorConnection,
  waitFor,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const seed = 'e2e-producers';
const asOf = '2026-11-01';
const clients = 80;
const agency = generateAgency({ seed, clients, asOf });
const systems: ProviderId[] = ['hawksoft', 'applied-epic', 'hubspot', 'ezlynx', 'salesforce'];

interface Agent {
  id: string;
  name: string;
  email: string | null;
  codes: Record<string, string>;
}
interface Rank {
  producer_id: string;
  name: string;
  commission_cents: number;
  share_cents: number;
}

describe('one producer per person', () => {
  let tenantId: string;
  let apiKey: string;
  const connections = new Map<ProviderId, string>();
  const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const text = await r.text();
    expect(r.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  const agents = async () =>
    (await json<{ data: Agent[] }>(h.request('GET', '/v1/agents?limit=200', { apiKey }))).data;
  const leaderboard = async () =>
    (
      await json<{ leaderboard: Rank[] }>(
        h.request('GET', `/v1/analytics/dashboard?as_of=${asOf}`, { apiKey }),
      )
    ).leaderboard;
  const sync = async (provider: ProviderId, mode: 'full' | 'incremental' = 'full') => {
    const connectionId = connections.get(provider)!;
    await startSync(h, { connectionId, tenantId, provider }, mode);
    const result = await syncResult(h, connectionId);
    expect(result.status).toBe('completed');
    return result;
  };
  // Every policy's expectation priced and written with the producer the policy has now.
  const settled = () =>
    waitFor(
      async () =>
        (
          await h.pool.query(
            `select count(*) > 0 and count(*) filter (where e.producer_id is distinct from p.producer_id) = 0
                    and count(*) filter (where e.status = 'no_rule' and array_to_string(e.explanation, ' ') like 'no commission rule%') = 0 as ok
               from expected_commissions e join policies p on p.id = e.policy_id where e.tenant_id = $1`,
            [tenantId],
          )
        ).rows[0]?.ok === true,
      'expected commissions for the whole book',
      120_000,
    );

  beforeAll(async () => {
    ({ tenantId, apiKey } = await h.newTenant('One Person Agency'));
    for (const provider of systems) {
      const account = await sandboxAccount(h.sandboxUrl, provider, { seed, clients, clean: true, asOf });
      connections.set(provider, await vendorConnection(h, tenantId, provider, account));
      await sync(provider);
    }
    const { data: carriers } = await json<{ data: { id: string; name: string }[] }>(
      h.request('GET', '/v1/carriers?limit=200', { apiKey }),
    );
    for (const carrier of carriers) {
      const demo = agency.carriers.find((c) => c.name === carrier.name);
      if (!demo) continue;
      await json(
        h.request('PUT', `/v1/carriers/${carrier.id}/commission-schedules`, {
          apiKey,
          body: {
            data: [
              {
                term_kind: 'new',
                effective_from: '2000-01-01',
                basis: { kind: 'percent', rate: demo.newRate },
              },
              {
                term_kind: 'renewal',
                effective_from: '2000-01-01',
                basis: { kind: 'percent', rate: demo.renewalRate },
              },
            ],
          },
        }),
      );
    }
    await settled();
  }, 600_000);

  test('every person is one agent, with every system’s code, and once on the leaderboard', async () => {
    const list = await agents();
    const { rows: records } = await h.pool.query(
      `select count(*)::int as n from source_records where tenant_id = $1 and canonical_type = 'producer' and deleted_at is null`,
      [tenantId],
    );
    // The demo's staff and Applied Epic's referral broker, out of many more source records.
    expect(list).toHaveLength(agency.producers.length + 1);
    expect(records[0].n).toBeGreaterThan(2 * list.length);
    expect(new Set(list.map((a) => a.name)).size).toBe(list.length);
    for (const p of agency.producers) {
      const agent = list.find((a) => a.name === `${p.firstName} ${p.lastName}`);
      expect(agent, p.code).toBeDefined();
      expect(agent!.codes['applied-epic']).toBe(p.code);
      if (p.role !== 'house') {
        expect(agent!.email).toBe(p.email);
        expect(agent!.codes.salesforce).toBe(p.code);
        expect(agent!.codes.hubspot).toMatch(/^\d+$/);
      }
    }
    // No agent is only a code any more: HawkSoft's codes joined the named producers.
    const hawksoftCodes = list.filter((a) => a.codes.hawksoft);
    expect(hawksoftCodes.length).toBeGreaterThan(3);
    for (const a of hawksoftCodes) expect(a.name).not.toBe(a.codes.hawksoft);

    // HawkSoft came first, so its codes were producers of their own until Applied Epic named them:
    // each such merge is recorded with its evidence, by the sync that found it.
    const { rows: merges } = await h.pool.query(
      'select evidence, merged_by from producer_merges where tenant_id = $1 and split_at is null',
      [tenantId],
    );
    expect(merges.length).toBeGreaterThanOrEqual(hawksoftCodes.length);
    expect(merges.every((m) => m.merged_by.startsWith('sync:'))).toBe(true);
    expect(new Set(merges.map((m) => m.evidence))).toContain('code');

    const board = await leaderboard();
    expect(board.map((r) => r.producer_id).sort()).toEqual(list.map((a) => a.id).sort());
    expect(new Set(board.map((r) => r.name)).size).toBe(board.length);
    // Business from every AMS counts for its producer: nothing sits with a producer nobody lists.
    const { rows: orphans } = await h.pool.query(
      `select count(*)::int as n from policies p join producers r on r.id = p.producer_id
        where p.tenant_id = $1 and r.deleted_at is not null`,
      [tenantId],
    );
    expect(orphans[0].n).toBe(0);
  });

  test('syncing again neither duplicates nor merges anything', async () => {
    const before = (await agents()).map((a) => a.id).sort();
    for (const provider of ['hawksoft', 'applied-epic', 'hubspot'] as const) {
      const again = await sync(provider);
      expect(again.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    }
    expect((await agents()).map((a) => a.id).sort()).toEqual(before);
  });

  test('a merge through the API moves book, plans and commissions; the leaderboard follows; a split restores', async () => {
    const [x, y] = (await leaderboard()).filter((r) => r.commission_cents > 0);
    expect(x && y).toBeTruthy();
    const X = x!.producer_id;
    const Y = y!.producer_id;
    // x keeps 40% of what it writes (30% on renewals), so shares move as well as commission.
    await json(
      h.request('PUT', `/v1/agents/${X}/rates`, {
        apiKey,
        body: {
          data: [
            {
              effective_from: '2000-01-01',
              entries: [{ producer_id: X, role: 'writing', new_percent: '40', renewal_percent: '30' }],
            },
          ],
        },
      }),
    );
    const sharesOf = (id: string) => async () => {
      const { rows } = await h.pool.query(
        `select count(*) > 0 and bool_and(e.splits @> $2::jsonb) as ok from expected_commissions e
          join policies p on p.id = e.policy_id where e.tenant_id = $1 and p.producer_id = $3 and e.agency_cents <> 0`,
        [tenantId, JSON.stringify([{ producerId: id }]), id],
      );
      return rows[0].ok === true;
    };
    await waitFor(sharesOf(X), 'x’s shares under its plan', 120_000);
    await settled();
    const plain = await leaderboard();
    const was = (id: string) => plain.find((r) => r.producer_id === id)!;
    expect(was(X).share_cents).toBeGreaterThan(0);
    const yBefore = (await agents()).find((a) => a.id === Y)!;
    const { rows: books } = await h.pool.query(
      'select producer_id, count(*)::int as n from policies where tenant_id = $1 and producer_id = any($2::uuid[]) group by 1',
      [tenantId, [X, Y]],
    );
    const bookOf = (id: string) => books.find((b) => b.producer_id === id)?.n ?? 0;

    const merged = await json<{
      merge: { id: string; evidence: string; merged_by: string; moved: Record<string, number> };
      agent: Agent;
    }>(h.request('POST', `/v1/agents/${X}/merge`, { apiKey, body: { into: Y } }));
    expect(merged.merge.evidence).toBe('manual');
    expect(merged.merge.merged_by).toMatch(/^api_key:/);
    expect(merged.merge.moved).toMatchObject({ policies: bookOf(X), split_plans: 1, split_plan_entries: 1 });
    expect(merged.merge.moved.source_records).toBeGreaterThan(1);
    expect(merged.merge.moved.commission_splits).toBeGreaterThan(0);
    expect(merged.agent.id).toBe(Y);

    // At once: x is gone, y has both books' commission and x's shares.
    const after = await leaderboard();
    expect(after.find((r) => r.producer_id === X)).toBeUndefined();
    const joined = after.find((r) => r.producer_id === Y)!;
    const both = was(X).commission_cents + was(Y).commission_cents;
    expect(joined.commission_cents).toBe(both);
    expect(joined.share_cents).toBeGreaterThanOrEqual(was(X).share_cents);
    expect((await agents()).some((a) => a.id === X)).toBe(false);
    const rates = await json<{ data: { entries: { producer_id: string }[] }[] }>(
      h.request('GET', `/v1/agents/${Y}/rates`, { apiKey }),
    );
    expect(rates.data[0]!.entries[0]!.producer_id).toBe(Y);
    // Once recalculated, x's plan pays y on the whole joined book; syncs keep the two together.
    await waitFor(sharesOf(Y), 'y’s shares under the plan it took over', 120_000);
    await sync('hawksoft');
    await sync('applied-epic', 'incremental');
    expect((await agents()).some((a) => a.id === X)).toBe(false);
    expect((await leaderboard()).find((r) => r.producer_id === Y)!.commission_cents).toBe(both);
    const twice = await h.request('POST', `/v1/agents/${X}/merge`, { apiKey, body: { into: Y } });
    expect(twice.status).toBe(409);

    const split = await json<{ merge: { split_by: string; split_at: string }; agent: Agent; into: Agent }>(
      h.request('POST', `/v1/agents/${X}/split`, { apiKey }),
    );
    expect(split.merge.split_by).toMatch(/^api_key:/);
    expect(split.agent.id).toBe(X);
    expect(split.into).toMatchObject({ name: yBefore.name, email: yBefore.email, codes: yBefore.codes });
    // Commission is back at once; shares once the recalculation has re-read the plans.
    const now = await leaderboard();
    for (const id of [X, Y])
      expect(now.find((r) => r.producer_id === id)!.commission_cents).toBe(was(id).commission_cents);
    await waitFor(
      async () => {
        const board = await leaderboard();
        return [X, Y].every(
          (id) => board.find((r) => r.producer_id === id)!.share_cents === was(id).share_cents,
        );
      },
      'the shares as they were',
      120_000,
    );
    const rest = await json<{ data: { entries: { producer_id: string }[] }[] }>(
      h.request('GET', `/v1/agents/${X}/rates`, { apiKey }),
    );
    expect(rest.data[0]!.entries[0]!.producer_id).toBe(X);
    const history = await json<{ data: { evidence: string; split_at: string | null }[] }>(
      h.request('GET', `/v1/agents/${X}/merges`, { apiKey }),
    );
    expect(history.data.find((m) => m.evidence === 'manual')?.split_at).toBeTruthy();
    const again = await h.request('POST', `/v1/agents/${X}/split`, { apiKey });
    expect(again.status).toBe(404);
  });

  test('a merge a sync made can be split, and no sync makes it again', async () => {
    const { rows } = await h.pool.query(
      `select m.producer_id, m.into_id, p.codes ->> 'hawksoft' as code from producer_merges m join producers p on p.id = m.producer_id
        where m.tenant_id = $1 and m.evidence = 'code' and m.split_at is null and p.codes ? 'hawksoft'
        order by jsonb_array_length(m.moved -> 'policyIds') desc limit 1`,
      [tenantId],
    );
    const { producer_id: from, into_id: into, code } = rows[0];
    const total = (await leaderboard()).find((r) => r.producer_id === into)!.commission_cents;
    const split = await json<{ agent: Agent; into: Agent }>(
      h.request('POST', `/v1/agents/${from}/split`, { apiKey }),
    );
    // HawkSoft's producer is back as HawkSoft knows it, with its book from HawkSoft.
    expect(split.agent).toMatchObject({ name: code, codes: { hawksoft: code } });
    expect(split.into.codes.hawksoft).toBeUndefined();
    const board = await leaderboard();
    const own = board.find((r) => r.producer_id === from)!.commission_cents;
    expect(own).toBeGreaterThan(0);
    expect(board.find((r) => r.producer_id === into)!.commission_cents).toBe(total - own);
    await sync('hawksoft');
    await sync('applied-epic');
    expect((await agents()).map((a) => a.id)).toContain(from);
    const { rows: open } = await h.pool.query(
      'select count(*)::int as n from producer_merges where producer_id = $1 and split_at is null',
      [from],
    );
    expect(open[0].n).toBe(0);
  });

  test('the performance series counts every day of its twelve months, once', async () => {
    const top = (await leaderboard())[0]!;
    const { rows } = await h.pool.query<{ eff: string; agency: number; share: number; mine: boolean }>(
      `select e.effective_date::text as eff, e.agency_cents::int as agency,
              coalesce((select sum((s ->> 'cents')::int) from jsonb_array_elements(e.splits) s where s ->> 'producerId' = $2::text), 0)::int as share,
              e.producer_id = $2::uuid as mine
         from expected_commissions e
        where e.tenant_id = $1 and e.status <> 'no_rule'
          and (e.producer_id = $2::uuid or e.splits @> jsonb_build_array(jsonb_build_object('producerId', $2::text)))`,
      [tenantId, top.producer_id],
    );
    const day = (iso: string, n: number) => {
      const d = new Date(`${iso}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + n);
      return d.toISOString().slice(0, 10);
    };
    // 7 December 2026 (the day this was found: 8–31 December 2025 were missing), a month's end,
    // the end of February and the data's own date.
    for (const at of ['2026-12-07', '2026-11-30', '2026-02-28', asOf]) {
      const perf = await json<{
        from: string;
        agent: { commission_cents: number; share_cents: number };
        monthly: { month: string; from: string; to: string; commission_cents: number; share_cents: number }[];
      }>(h.request('GET', `/v1/agents/${top.producer_id}/performance?as_of=${at}`, { apiKey }));
      const lastYear = `${Number(at.slice(0, 4)) - 1}${at.slice(4)}`;
      expect(perf.from).toBe(day(lastYear, 1));
      // The months tile the range: each starts the day after the previous one ends, from `from` to as_of.
      expect(perf.monthly[0]!.from).toBe(perf.from);
      expect(perf.monthly.at(-1)!.to).toBe(at);
      for (let i = 1; i < perf.monthly.length; i++)
        expect(perf.monthly[i]!.from).toBe(day(perf.monthly[i - 1]!.to, 1));
      for (const m of perf.monthly) {
        expect(m.from.slice(0, 7)).toBe(m.month);
        expect(m.to.slice(0, 7)).toBe(m.month);
        const inMonth = rows.filter((r) => r.eff >= m.from && r.eff <= m.to);
        expect(m.commission_cents, `${at} ${m.month}`).toBe(
          inMonth.filter((r) => r.mine).reduce((s, r) => s + r.agency, 0),
        );
        expect(m.share_cents, `${at} ${m.month}`).toBe(inMonth.reduce((s, r) => s + r.share, 0));
      }
      expect(perf.monthly.reduce((s, m) => s + m.commission_cents, 0)).toBe(perf.agent.commission_cents);
      expect(perf.monthly.reduce((s, m) => s + m.share_cents, 0)).toBe(perf.agent.share_cents);
    }
  });
});
