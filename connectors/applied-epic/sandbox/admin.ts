// The sandbox's admin API (not part of Applied): create Epic databases with consumer
// credentials, change records as an Epic user would, issue tokens (expired ones, or ones
// missing a scope), and set chaos. Records are written in Applied's field names, e.g.
// PATCH /accounts/EPIC001/objects/accounts/<id> {"active": false} inactivates an account;
// PATCH …/objects/lines/<id> {"billMode": "AGENCY"} changes a line; DELETE purges outright.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { accountOptions, sandboxAdmin } from '../../kit/sandbox/admin.ts';
import {
  type EpicDatabase,
  type EpicLine,
  type EpicPolicy,
  type EpicTransaction,
  type StoredType,
  storedTypes,
} from './database.ts';
import type { AppliedEpicSandbox } from './sandbox.ts';
import { currencyFromCents } from './seed.ts';

const createAccount = accountOptions.extend({
  /** Scopes the consumer is granted (default: every read scope). */
  scopes: z.array(z.string()).optional(),
});

const tokenRequest = z.object({
  ttlSeconds: z.number().int().nullable().default(null),
  scopes: z.array(z.string()).optional(),
});

const fieldsBody = z.record(z.string(), z.unknown());

const zero = () => currencyFromCents(0);
const zeros = () => ({ estimated: zero(), annualized: zero(), billed: zero(), estimatedMonthly: zero() });

/** A new record of `type` with Epic's defaults under the fields given; undefined if they cannot make one. */
function newRecord(
  db: EpicDatabase,
  type: StoredType,
  fields: Record<string, unknown>,
): { id: string } | undefined {
  const stamp = { userCode: 'SANDBOX', date: db.stamp() };
  const id = type === 'producer-broker-commissions' ? String(fields.line ?? '') : db.newId();
  if (type === 'accounts') {
    if (typeof fields.type !== 'string' || typeof fields.name !== 'string') return undefined;
    return db.put('accounts', id, {
      id,
      type: fields.type as never,
      name: fields.name,
      lookupCode: String(fields.lookupCode ?? fields.name)
        .slice(0, 10)
        .toUpperCase(),
      active: true,
      ...fields,
      enteredBy: stamp,
      lastUpdatedBy: stamp,
    });
  }
  if (type === 'policies') {
    if (typeof fields.client !== 'string' || !db.records.accounts.has(fields.client)) return undefined;
    const policy: EpicPolicy = {
      id,
      status: 'CONTRACTED',
      organization: db.organization.id,
      description: '',
      effectiveOn: String(fields.effectiveOn ?? stamp.date.slice(0, 10)),
      expirationOn: String(fields.expirationOn ?? stamp.date.slice(0, 10)),
      policyNumber: '',
      policyType: [...db.policyTypes.keys()][0] ?? '',
      client: fields.client,
      premium: zeros(),
      commission: zeros(),
      source: null,
      turnOffPolicyDownload: false,
      datesChanged: false,
      originalPolicy: null,
      historic: false,
      ...(fields as Partial<EpicPolicy>),
      enteredBy: stamp,
      lastUpdatedBy: stamp,
      enteredByProcess: { code: 'EPIC', date: stamp.date },
      lastUpdatedByProcess: { code: 'EPIC', date: stamp.date },
    };
    return db.put('policies', id, { ...policy, id });
  }
  if (type === 'lines') {
    const policy = typeof fields.policy === 'string' ? db.records.policies.get(fields.policy) : undefined;
    if (!policy) return undefined;
    const line: EpicLine = {
      id,
      client: policy.client,
      policy: policy.id,
      lineType: [...db.lineTypes.keys()][0] ?? '',
      planOptionName: null,
      status: db.statusByCode('NEW')?.id ?? '',
      effectiveOn: policy.effectiveOn,
      expirationOn: policy.expirationOn,
      organization: db.organization.id,
      billMode: 'DIRECT',
      issuingLocation: { stateOrProvince: 'TX', country: 'USA' },
      issuingCompany: '',
      premiumPayable: null,
      producerBrokerCommission: { type: 'SINGLE_TERM' },
      planLineId: null,
      rateGuaranteedThrough: null,
      lineCommission: {
        useAgreement: false,
        commissionAgreement: null,
        overrideAgreement: false,
        type: 'PERCENTAGE_OF_PREMIUM',
        percent: null,
        amount: null,
      },
      stage: 'ISSUED',
      action: 'NEW',
      agencyFirstWrittenOn: policy.effectiveOn,
      premium: zeros(),
      commission: zeros(),
      ...(fields as Partial<EpicLine>),
      lastUpdatedBy: stamp,
    };
    return db.put('lines', id, { ...line, id });
  }
  if (type === 'producer-broker-commissions') {
    if (!db.records.lines.has(id)) return undefined;
    db.put('producer-broker-commissions', id, {
      type: (fields.type as 'SINGLE_TERM') ?? 'SINGLE_TERM',
      schedules: (fields.schedules as never) ?? [],
    });
    db.records.lines.get(id)!.lastUpdatedBy = stamp;
    return { id };
  }
  const line = typeof fields.line === 'string' ? db.records.lines.get(fields.line) : undefined;
  if (!line) return undefined;
  const tx: EpicTransaction = {
    id,
    account: line.client,
    policy: line.policy,
    line: line.id,
    transactionCode: 'AEND',
    description: '',
    effectiveOn: stamp.date.slice(0, 10),
    accountingMonth: stamp.date.slice(0, 7),
    amount: zero(),
    commission: { percent: line.lineCommission.percent, amount: null },
    cancellation: null,
    ...(fields as Partial<EpicTransaction>),
    enteredBy: stamp,
    lastUpdatedBy: stamp,
  };
  return db.put('transactions', id, { ...tx, id });
}

const typeOf = (c: Context) => {
  const t = c.req.param('type') ?? '';
  return (storedTypes as string[]).includes(t) ? (t as StoredType) : undefined;
};
const notFound = (c: Context) => c.json({ error: 'not found' }, 404);

export function appliedEpicAdmin(sandbox: AppliedEpicSandbox): Hono {
  return sandboxAdmin<EpicDatabase, z.infer<typeof createAccount>>({
    find: (id) => sandbox.databases.get(id),
    options: createAccount,
    create(opts) {
      const { database, credentials } = sandbox.createDatabase(opts);
      return {
        accountId: database.name,
        credentials,
        accessToken: credentials.accessToken,
        counts: database.counts(),
      };
    },
    describe: (db) => ({
      accountId: db.name,
      counts: db.counts(),
      chaos: db.chaos,
      requests: db.requestCount,
    }),
    issueToken(db, body) {
      const { ttlSeconds, scopes } = tokenRequest.parse(body);
      const token = sandbox.issueToken(db, { ttlSeconds, scopes });
      return { accessToken: token.accessToken, expiresIn: token.expiresIn, scope: token.scopes.join(' ') };
    },
    webhook: {
      status: 200,
      body: { delivered: false, reason: 'Applied Epic publishes no webhooks; changes are found by polling' },
    },
    objects: {
      list(c, db) {
        const param = c.req.param('type');
        if (param === 'statuses') return c.json({ results: [...db.statuses.values()] });
        if (param === 'line-types') return c.json({ results: [...db.lineTypes.values()] });
        if (param === 'policy-types') return c.json({ results: [...db.policyTypes.values()] });
        const type = typeOf(c);
        if (!type) return c.json({ error: 'no such object type' }, 404);
        const keyed = type === 'producer-broker-commissions';
        const live = [...(db.records[type] as Map<string, object>).entries()].map(([id, r]) =>
          keyed ? { line: id, ...r } : r,
        );
        const removed = [
          ...(db.removed[type] as Map<string, { record: object; removedAt: string }>).entries(),
        ].map(([id, r]) => ({ ...(keyed ? { line: id } : {}), ...r.record, removedAt: r.removedAt }));
        return c.json({ results: [...live, ...removed] });
      },
      async create(c, db) {
        const type = typeOf(c);
        if (!type) return notFound(c);
        const created = newRecord(db, type, fieldsBody.parse(await c.req.json()));
        if (!created) return c.json({ error: `cannot create ${type} from these fields` }, 400);
        return c.json(created, 201);
      },
      async update(c, db) {
        const type = typeOf(c);
        if (!type) return notFound(c);
        const record = db.update(type, c.req.param('objectId') ?? '', fieldsBody.parse(await c.req.json()));
        if (!record) return c.json({ error: 'no such record' }, 404);
        return c.json(record);
      },
      remove(c, db) {
        const type = typeOf(c);
        if (!type) return notFound(c);
        return db.remove(type, c.req.param('objectId') ?? '')
          ? c.body(null, 204)
          : c.json({ error: 'no such record' }, 404);
      },
    },
  });
}
