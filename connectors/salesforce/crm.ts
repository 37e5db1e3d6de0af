// Salesforce renewal outreach (the `crm` capability): Opportunities of the org's renewal record
// type, upserted by External_Id__c through the connector and set on the client's account while
// this org still has it, and a Task on each (WhatId), found again by WhatId and its reference
// line. Reruns update, never add; stage and task status are set on create only.
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import {
  type ConnectionContext,
  ConnectorError,
  type ConnectorSession,
  type CrmCapability,
  type CrmPushCounts,
  type CrmRenewal,
  type DecidedRenewal,
} from '../types.ts';
import { SalesforceClient } from './client.ts';
import { salesforceDefinition } from './definition.ts';

/** Keys with undefined values left out: an omitted field keeps the CRM's value. */
function defined<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
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
  const outcomeOf = new Map(decided.map((d) => [d.externalId.toLowerCase(), d.outcome]));
  const found = await query<{ Id: string; External_Id__c: string; IsClosed: boolean; StageName: string }>(
    `SELECT Id, External_Id__c, IsClosed, StageName FROM Opportunity WHERE External_Id__c IN (${decided
      .map((d) => quote(d.externalId))
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
  rows: CrmRenewal[],
): Promise<CrmPushCounts> {
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
    ...new Set(rows.map((r) => r.producerEmail?.toLowerCase()).filter((e): e is string => !!e)),
  ];
  const users = emails.length
    ? await query<{ Id: string; Email: string }>(
        `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${emails.map(quote).join(', ')})`,
      )
    : [];
  const userOf = new Map(users.map((u) => [u.Email.toLowerCase(), u.Id]));
  const ownerOf = (r: CrmRenewal) =>
    r.producerEmail ? userOf.get(r.producerEmail.toLowerCase()) : undefined;
  const externalIds = rows.map((r) => r.externalId);
  const existing = await query<{ External_Id__c: string; AccountId: string | null }>(
    `SELECT Id, External_Id__c, AccountId FROM Opportunity WHERE External_Id__c IN (${externalIds.map(quote).join(', ')})`,
  );
  const known = new Set(existing.map((o) => o.External_Id__c.toLowerCase()));
  const placed = new Set(existing.filter((o) => o.AccountId).map((o) => o.External_Id__c.toLowerCase()));
  // Accounts merged or deleted since the last sync would fail the whole upsert: only live ones.
  const accountIds = [
    ...new Set(rows.filter((r) => r.crmClient?.stream === 'accounts').map((r) => r.crmClient!.externalId)),
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
  const liveAccount = (r: CrmRenewal) =>
    r.crmClient?.stream === 'accounts' && liveAccounts.has(r.crmClient.externalId)
      ? r.crmClient.externalId
      : undefined;
  const opportunities = await session.upsert!(
    'opportunities',
    'External_Id__c',
    rows.map((r) => {
      const externalId = r.externalId;
      return {
        externalId,
        fields: defined({
          Name: r.title.slice(0, 120),
          RecordTypeId: recordType.Id,
          Type: 'Existing Business',
          StageName: known.has(externalId) ? undefined : 'Prospecting',
          CloseDate: r.expirationDate,
          Amount: r.amount,
          Probability: r.probability === null ? undefined : Math.round(r.probability * 1000) / 10,
          OwnerId: ownerOf(r),
          // On the client's account when this org still has it; an account someone chose is kept.
          AccountId: placed.has(externalId) ? undefined : liveAccount(r),
          Prior_Policy_Number__c: r.policyNumber,
          Carrier_Name__c: r.carrierName ?? undefined,
          Line_Of_Business__c: r.lineOfBusiness ?? undefined,
          Expiration_Date__c: r.expirationDate,
        }),
      };
    }),
  );
  const oppOf = new Map(opportunities.map((o) => [o.externalId, o.vendorId]));
  const created = opportunities.filter((o) => o.created).length;
  const oppIds = rows.map((r) => oppOf.get(r.externalId)!);
  const tasks = await query<{ Id: string; Description: string | null }>(
    `SELECT Id, WhatId, Description FROM Task WHERE WhatId IN (${oppIds.map(quote).join(', ')})`,
  );
  const taskByPolicy = new Map<string, string>();
  for (const t of tasks) {
    const ref = /Ref: ch-renewal-([0-9a-f-]{36})/.exec(t.Description ?? '');
    if (ref && !taskByPolicy.has(ref[1]!)) taskByPolicy.set(ref[1]!, t.Id);
  }
  const fields = (r: CrmRenewal) =>
    defined({
      Subject: r.task.subject,
      Description: r.task.body,
      ActivityDate: r.task.dueDate,
      Priority: r.task.urgent ? 'High' : 'Normal',
      OwnerId: ownerOf(r),
    });
  const updates = rows
    .filter((r) => taskByPolicy.has(r.policyId))
    .map((r) => ({ Id: taskByPolicy.get(r.policyId)!, ...fields(r) }));
  const creates = rows
    .filter((r) => !taskByPolicy.has(r.policyId))
    .map((r) => ({
      ...fields(r),
      WhatId: oppOf.get(r.externalId)!,
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

export const salesforceCrm: CrmCapability = {
  clientStreams: ['accounts'],
  pushRenewals: pushToSalesforce,
  closeRenewals: (ctx, _session, decided) => closeInSalesforce(ctx, decided),
};
