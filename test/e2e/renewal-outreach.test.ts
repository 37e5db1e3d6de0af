// Renewal outreach through the real system: an AMS sync brings the book, the tenant connects
// HubSpot and Salesforce, and POST /v1/renewals/outreach runs the workflow that announces each
// policy expiring within 90 days once per window and keeps exactly one renewal deal/opportunity
// and one producer task per policy in each CRM, however often it runs, attached to the client's
// company or account once that CRM's sync has brought the client; a renewal that lapses is
// closed as lost, one renewed through the API as won.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { findTemporalCli } from '../../runtime/temporal-server.ts';
import type { RenewalOutreachResult } from '../../workflows/renewal-outreach.ts';
import {
  createHarness,
  type Harness,
  type SandboxAccount,
  sandboxAccount,
  sandboxAdmin,
  startSync,
  syncResult,
  vendorConnection,
} from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const seed = 'e2e-renewals';
const asOf = '2026-11-01';
const fixtures = new URL('../fixtures/histories/', import.meta.url).pathname;

type HsObject = {
  id: string;
  archived: boolean;
  properties: Record<string, string | null>;
  associations: Record<string, string[]>;
};
type SfRecord = Record<string, string | number | boolean | null>;

describe('renewal outreach into the CRMs', () => {
  let tenantId: string;
  let apiKey: string;
  let hubspot: SandboxAccount;
  let salesforce: SandboxAccount;
  let hubspotConnection: string;
  let salesforceConnection: string;

  const run = async (
    body: Record<string, unknown>,
  ): Promise<{ result: RenewalOutreachResult; runId: string; workflowId: string }> => {
    const res = await h.request('POST', '/v1/renewals/outreach', { apiKey, body });
    const text = await res.text();
    expect(res.status, text).toBe(202);
    const started = JSON.parse(text) as { workflow_id: string; run_id: string };
    const result = (await h.temporal.workflow
      .getHandle(started.workflow_id, started.run_id)
      .result()) as RenewalOutreachResult;
    return { result, runId: started.run_id, workflowId: started.workflow_id };
  };
  const deals = async () =>
    (await sandboxAdmin<{ results: HsObject[] }>(`${hubspot.adminUrl}/objects/deals`)).results.filter(
      (d) => !d.archived,
    );
  const tasks = async () =>
    (await sandboxAdmin<{ results: HsObject[] }>(`${hubspot.adminUrl}/objects/tasks`)).results.filter(
      (t) => !t.archived,
    );
  const sf = async (type: string) =>
    (await sandboxAdmin<{ results: SfRecord[] }>(`${salesforce.adminUrl}/objects/${type}`)).results.filter(
      (r) => !r.IsDeleted,
    );
  const outreach = async () =>
    (
      await h.pool.query<{
        policy_id: string;
        window_days: number;
        probability: number | null;
        expiration_date: string;
      }>(
        `select policy_id, window_days, probability, to_char(expiration_date, 'YYYY-MM-DD') as expiration_date
           from renewal_outreach where tenant_id = $1 order by policy_id`,
        [tenantId],
      )
    ).rows;
  const dealOf = async (policyId: string) =>
    (await deals()).find((d) => d.properties.commission_hub_renewal_id === `ch-renewal-${policyId}`)!;
  const oppOf = async (policyId: string) =>
    (await sf('Opportunity')).find((o) => o.External_Id__c === `ch-renewal-${policyId}`)!;
  /** The Renewals pipeline's closed stages, by their metadata. */
  const renewalStages = async () => {
    const pipelines = await fetch(`${hubspot.baseUrl}/crm/v3/pipelines/deals`, {
      headers: { authorization: `Bearer ${hubspot.accessToken}` },
    }).then(
      (r) =>
        r.json() as Promise<{
          results: { label: string; stages: { id: string; metadata: Record<string, string> }[] }[];
        }>,
    );
    const stages = pipelines.results.find((p) => p.label === 'Renewals')!.stages;
    const closed = (probability: string) =>
      stages.find(
        (st) => st.metadata.isClosed === 'true' && Number(st.metadata.probability) === Number(probability),
      )!.id;
    return { won: closed('1'), lost: closed('0') };
  };

  beforeAll(async () => {
    ({ tenantId, apiKey } = await h.newTenant('Renewal Agency'));
    const ams = await sandboxAccount(h.sandboxUrl, 'applied-epic', { seed, clients: 120, clean: true, asOf });
    const amsConnection = await vendorConnection(h, tenantId, 'applied-epic', ams);
    await startSync(h, { connectionId: amsConnection, tenantId, provider: 'applied-epic' }, 'full');
    expect((await syncResult(h, amsConnection)).status).toBe('completed');
    hubspot = await sandboxAccount(h.sandboxUrl, 'hubspot', { empty: true });
    salesforce = await sandboxAccount(h.sandboxUrl, 'salesforce', { empty: true });
    hubspotConnection = await vendorConnection(h, tenantId, 'hubspot', hubspot);
    salesforceConnection = await vendorConnection(h, tenantId, 'salesforce', salesforce);
  }, 240_000);

  test('two runs leave exactly one deal, opportunity and task per expiring policy, updated in place', async () => {
    const first = await run({ as_of: asOf });
    expect(first.result.upcoming).toBeGreaterThan(2);
    expect(first.result.crm.map((c) => [c.provider, c.error ?? null, c.processed]).sort()).toEqual([
      ['hubspot', null, first.result.upcoming],
      ['salesforce', null, first.result.upcoming],
    ]);
    const policies = await outreach();
    expect(policies).toHaveLength(first.result.upcoming);

    // A producer works the renewal in HubSpot: moves the deal on and completes the task.
    const worked = (await deals())[0]!;
    const pipelines = await fetch(`${hubspot.baseUrl}/crm/v3/pipelines/deals`, {
      headers: { authorization: `Bearer ${hubspot.accessToken}` },
    }).then(
      (r) => r.json() as Promise<{ results: { id: string; label: string; stages: { id: string }[] }[] }>,
    );
    const renewals = pipelines.results.find((p) => p.label === 'Renewals')!;
    expect(worked.properties.pipeline).toBe(renewals.id);
    await sandboxAdmin(`${hubspot.adminUrl}/objects/deals/${worked.id}`, 'PATCH', {
      properties: { dealstage: renewals.stages[1]!.id },
    });
    const workedTask = (await tasks()).find((t) => t.associations.deals?.includes(worked.id))!;
    await sandboxAdmin(`${hubspot.adminUrl}/objects/tasks/${workedTask.id}`, 'PATCH', {
      properties: { hs_task_status: 'COMPLETED' },
    });

    const second = await run({ as_of: asOf });
    expect(second.result.upcoming).toBe(first.result.upcoming);
    expect(second.result.notified).toBe(0);
    for (const crm of second.result.crm) {
      expect(crm).toMatchObject({ created: 0, updated: first.result.upcoming, tasksCreated: 0 });
      expect(crm.tasksUpdated).toBe(first.result.upcoming);
    }

    // HubSpot: one deal per policy in the renewal pipeline, each with exactly one task.
    const hsDeals = await deals();
    const ids = hsDeals.map((d) => d.properties.commission_hub_renewal_id);
    expect(new Set(ids).size).toBe(hsDeals.length);
    expect(new Set(ids)).toEqual(new Set(policies.map((p) => `ch-renewal-${p.policy_id}`)));
    const hsTasks = await tasks();
    expect(hsTasks).toHaveLength(hsDeals.length);
    for (const d of hsDeals) {
      expect(d.properties.pipeline).toBe(renewals.id);
      // The expiring term is the renewal's prior policy: the deal sync skips open renewals.
      expect(d.properties.policy_number ?? null).toBeNull();
      expect(d.properties.prior_policy_number).toBeTruthy();
      expect(hsTasks.filter((t) => t.associations.deals?.includes(d.id))).toHaveLength(1);
    }
    // What the producer did survives the rerun.
    expect(hsDeals.find((d) => d.id === worked.id)!.properties.dealstage).toBe(renewals.stages[1]!.id);
    expect(hsTasks.find((t) => t.id === workedTask.id)!.properties.hs_task_status).toBe('COMPLETED');

    // Salesforce: one Renewal-type opportunity per policy, each with exactly one task.
    const [renewalType] = (await sf('RecordType')).filter((r) => r.DeveloperName === 'Renewal');
    const opps = await sf('Opportunity');
    expect(opps).toHaveLength(policies.length);
    expect(new Set(opps.map((o) => o.External_Id__c))).toEqual(
      new Set(policies.map((p) => `ch-renewal-${p.policy_id}`)),
    );
    for (const o of opps) {
      expect(o.RecordTypeId).toBe(renewalType!.Id);
      expect([o.Policy_Number__c, typeof o.Prior_Policy_Number__c]).toEqual([null, 'string']);
    }
    const sfTasks = await sf('Task');
    expect(sfTasks).toHaveLength(opps.length);
    expect(new Set(sfTasks.map((t) => t.WhatId))).toEqual(new Set(opps.map((o) => o.Id)));

    // Each record carries the renewal probability the tenant's model gave the policy.
    expect(first.result.scored).toBe(true);
    const byExternal = new Map(policies.map((p) => [`ch-renewal-${p.policy_id}`, p.probability]));
    for (const d of hsDeals) {
      const p = byExternal.get(d.properties.commission_hub_renewal_id!)!;
      expect(p).toBeGreaterThan(0);
      expect(Number(d.properties.renewal_probability)).toBeCloseTo(p, 4);
    }
    for (const o of opps)
      expect(Number(o.Probability)).toBeCloseTo(byExternal.get(String(o.External_Id__c))! * 100, 1);

    // renewal.upcoming went out once per policy (for the window it was found in).
    const { rows: events } = await h.pool.query(
      `select entity_id, (data->>'window_days')::int as window_days from change_events
        where tenant_id = $1 and type = 'renewal.upcoming'`,
      [tenantId],
    );
    expect(events).toHaveLength(policies.length);
    expect(new Set(events.map((e) => e.entity_id)).size).toBe(policies.length);

    await recordFixture('renewalOutreach-1', first.workflowId, first.runId);
  }, 300_000);

  test('a month later each policy is announced again only for a window it newly entered', async () => {
    const before = await outreach();
    const later = await run({ as_of: '2026-12-02' });
    const now = await outreach();
    const { rows: events } = await h.pool.query(
      `select entity_id, (data->>'window_days')::int as window_days, count(*)::int as n from change_events
        where tenant_id = $1 and type = 'renewal.upcoming' group by 1, 2`,
      [tenantId],
    );
    expect(events.every((e) => e.n === 1)).toBe(true);
    const moved = now.filter((p) =>
      before.some((b) => b.policy_id === p.policy_id && b.window_days !== p.window_days),
    );
    const entered = now.filter((p) => !before.some((b) => b.policy_id === p.policy_id));
    expect(later.result.notified).toBe(moved.length + entered.length);
    expect(moved.length).toBeGreaterThan(0);
    // Still one deal per renewal ever pushed: old ones are updated, new ones added.
    const hsDeals = await deals();
    const ever = new Set([...before, ...now].map((p) => p.policy_id));
    expect(hsDeals).toHaveLength(ever.size);
    expect(await sf('Opportunity')).toHaveLength(ever.size);
    expect(await tasks()).toHaveLength(ever.size);

    // Renewals announced before that expired since are not lost yet: renewal terms often reach the
    // AMS days late, so their deals and opportunities stay open through the grace period.
    const lapsed = before.filter((b) => !now.some((p) => p.policy_id === b.policy_id));
    expect(lapsed.length).toBeGreaterThan(0);
    expect(lapsed.every((l) => l.expiration_date > '2026-11-02')).toBe(true);
    expect(later.result.decided).toBe(0);
    const stages = await renewalStages();
    for (const l of lapsed) {
      expect([stages.won, stages.lost]).not.toContain((await dealOf(l.policy_id)).properties.dealstage);
      expect((await oppOf(l.policy_id)).IsClosed).toBe(false);
    }

    // A renewal bound through the API: the next pass closes its records as won, once.
    const renewing = now[0]!;
    const renewed = await h.request('POST', `/v1/policies/${renewing.policy_id}/renew`, { apiKey, body: {} });
    expect(renewed.status, await renewed.clone().text()).toBe(201);
    const after = await run({ as_of: '2026-12-02' });
    expect(after.result.decided).toBe(1);
    for (const crm of after.result.crm) expect(crm.closed, crm.provider).toBe(1);
    expect((await dealOf(renewing.policy_id)).properties.dealstage).toBe(stages.won);
    expect((await oppOf(renewing.policy_id)).StageName).toBe('Closed Won');
    const again = await run({ as_of: '2026-12-02' });
    expect(again.result.decided).toBe(0);
    for (const crm of again.result.crm) expect(crm.closed, crm.provider).toBe(0);

    // The daily schedule exists for the tenant and starts this workflow.
    const schedule = await h.temporal.schedule.getHandle(`renewal-outreach/${tenantId}/daily`).describe();
    expect(schedule.action.type).toBe('startWorkflow');
    expect((schedule.action as { workflowType: string }).workflowType).toBe('renewalOutreach');
  }, 180_000);

  test('a renewal sits on the client’s company in HubSpot and account in Salesforce once the CRM knows the client', async () => {
    const { rows } = await h.pool.query<{ policy_id: string; display_name: string; lookup_code: string }>(
      `select o.policy_id, c.display_name, c.lookup_code from renewal_outreach o
         join policies p on p.id = o.policy_id join clients c on c.id = p.client_id
        where o.tenant_id = $1 and c.lookup_code is not null
        order by o.policy_id limit 1`,
      [tenantId],
    );
    const client = rows[0]!;
    // The agency keeps the client in both CRMs under the AMS code, the CRM's code in lower case.
    const company = await sandboxAdmin<{ id: string }>(`${hubspot.adminUrl}/objects/companies`, 'POST', {
      properties: { name: client.display_name, agency_client_code: client.lookup_code.toLowerCase() },
    });
    const account = await sandboxAdmin<{ id: string }>(`${salesforce.adminUrl}/objects/Account`, 'POST', {
      Name: client.display_name,
      Agency_Client_Code__c: client.lookup_code,
    });
    // Another client's company, synced and then deleted in HubSpot before the push: its association
    // is refused, and the push goes on without it.
    const { rows: second } = await h.pool.query<{ display_name: string; lookup_code: string }>(
      `select c.display_name, c.lookup_code from renewal_outreach o
         join policies p on p.id = o.policy_id join clients c on c.id = p.client_id
        where o.tenant_id = $1 and c.lookup_code is not null and c.lookup_code <> $2
        order by o.policy_id limit 1`,
      [tenantId, client.lookup_code],
    );
    const stale = await sandboxAdmin<{ id: string }>(`${hubspot.adminUrl}/objects/companies`, 'POST', {
      properties: { name: second[0]!.display_name, agency_client_code: second[0]!.lookup_code },
    });
    for (const [connectionId, provider] of [
      [hubspotConnection, 'hubspot'],
      [salesforceConnection, 'salesforce'],
    ] as const) {
      await startSync(h, { connectionId, tenantId, provider }, 'full');
      expect((await syncResult(h, connectionId)).status).toBe('completed');
    }
    await sandboxAdmin(`${hubspot.adminUrl}/objects/companies/${stale.id}`, 'DELETE');

    // The last pass (a month on) found this renewal; the same pass again attaches it.
    const attaching = await run({ as_of: '2026-12-02' });
    for (const crm of attaching.result.crm) expect(crm.error, crm.provider).toBeUndefined();
    expect((await dealOf(client.policy_id)).associations.companies).toEqual([company.id]);
    expect((await oppOf(client.policy_id)).AccountId).toBe(account.id);
    // Exactly the client's renewals sit on its company; renewals of clients the CRM does not know
    // stay unattached.
    const { rows: mine } = await h.pool.query<{ policy_id: string }>(
      `select o.policy_id from renewal_outreach o join policies p on p.id = o.policy_id
         join policies q on q.id = $2 where o.tenant_id = $1 and p.client_id = q.client_id`,
      [tenantId, client.policy_id],
    );
    const attached = (await deals()).filter((d) => d.associations.companies?.length);
    expect(new Set(attached.map((d) => d.properties.commission_hub_renewal_id))).toEqual(
      new Set(mine.map((m) => `ch-renewal-${m.policy_id}`)),
    );
    expect((await deals()).length).toBeGreaterThan(attached.length);
  }, 240_000);
  test('renewals past the grace period without a renewal close as lost; one renewed late turns to won', async () => {
    const announced = (
      await h.pool.query<{ policy_id: string; expiration_date: string }>(
        `select n.policy_id, to_char(min(n.expiration_date), 'YYYY-MM-DD') as expiration_date
           from renewal_notices n where n.tenant_id = $1
            and not exists (select 1 from renewal_outcomes d where d.policy_id = n.policy_id)
          group by n.policy_id`,
        [tenantId],
      )
    ).rows;
    const lapsing = announced.filter((a) => a.expiration_date <= '2026-12-06');
    expect(lapsing.length).toBeGreaterThan(0);
    const january = await run({ as_of: '2027-01-05' });
    expect(january.result.decided).toBe(lapsing.length);
    for (const crm of january.result.crm) expect(crm.closed, crm.provider).toBe(lapsing.length);
    const stages = await renewalStages();
    for (const l of lapsing) {
      expect((await dealOf(l.policy_id)).properties.dealstage).toBe(stages.lost);
      expect((await oppOf(l.policy_id)).StageName).toBe('Closed Lost');
    }

    // The renewal term of one of them reaches the hub late: the lost renewal becomes a won one.
    const late = lapsing[0]!;
    const renewed = await h.request('POST', `/v1/policies/${late.policy_id}/renew`, { apiKey, body: {} });
    expect(renewed.status, await renewed.clone().text()).toBe(201);
    const again = await run({ as_of: '2027-01-05' });
    expect(again.result.decided).toBe(1);
    for (const crm of again.result.crm) expect(crm.closed, crm.provider).toBe(1);
    expect((await dealOf(late.policy_id)).properties.dealstage).toBe(stages.won);
    expect((await oppOf(late.policy_id)).StageName).toBe('Closed Won');
    const { rows } = await h.pool.query('select outcome from renewal_outcomes where policy_id = $1', [
      late.policy_id,
    ]);
    expect(rows[0].outcome).toBe('renewed');
  }, 180_000);
});

/** With RECORD_HISTORIES=1, keeps this run's history as the workflow type's replay fixture. */
async function recordFixture(name: string, workflowId: string, runId: string) {
  if (process.env.RECORD_HISTORIES !== '1' || existsSync(join(fixtures, `${name}.json`))) return;
  const json = execFileSync(findTemporalCli()!, [
    'workflow',
    'show',
    '--address',
    inject('temporalAddress'),
    '--workflow-id',
    workflowId,
    '--run-id',
    runId,
    '--output',
    'json',
  ]);
  writeFileSync(join(fixtures, `${name}.json`), json);
}
