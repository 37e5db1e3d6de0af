// Inbound pushes: an AMS announcing a policy, a comparative rater announcing a sold quote, a CRM
// announcing a contact change, in the payloads the specification gives. Each is validated
// (failing fields listed), kept as a source record of a connection standing for the pushing
// system, and merged like a sync page, so a rater's sold quote becomes a policy that the AMS's
// own record of it later merges into. A pushed policy's transactions (and a sold quote's new
// business, with the commission rate the rater quoted) are what expected commissions are computed
// from. Pushing the same payload again changes nothing; an Idempotency-Key replays the first answer.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { loadMergeRules } from '../../db/merge-rules.ts';
import type { Queryable } from '../../db/pool.ts';
import { resolveRefs } from '../../db/references.ts';
import {
  ensureSourceConnection,
  type SourceScope,
  type SourceWrite,
  writeSourceRecords,
} from '../../db/source-writer.ts';
import { type TransactionWrite, writeTransactions } from '../../db/transaction-store.ts';
import {
  clientDraft,
  isoDate,
  policyDraft,
  type TransactionDraft,
  transactionDraft,
} from '../../domain/canonical.ts';
import { Money, parseMoneyToCents } from '../../domain/money.ts';
import { normalizeEmail } from '../../domain/normalize.ts';
import { transactionProblems } from '../../domain/policy-transactions.ts';
import { requestCommissionRecalculation } from '../../runtime/commission-requests.ts';
import { startConflictDecisions } from '../../runtime/conflict-requests.ts';
import { recordSyncRecords } from '../../runtime/metrics.ts';
import type { AppEnv } from '../deps.ts';
import { instant } from '../fields.ts';
import { limits } from '../limits.ts';
import { requireScope } from '../middleware.ts';
import { ProblemError } from '../problem.ts';
import { transactionTypes } from '../transaction-input.ts';

type Ctx = Parameters<Parameters<OpenAPIHono<AppEnv>['openapi']>[1]>[0];
type System = 'ams' | 'crm' | 'rater';

/**
 * Dollars as the specification sends them (1200.00, or "1200.00"): at most two decimals, kept
 * exact, and at most limits.maxCents either way (from 0 for what cannot be negative, a premium).
 */
const dollarsFrom = (minCents: number) =>
  z
    .union([z.number(), z.string()])
    .refine(
      (v) => /^-?\d+(\.\d{1,2})?$/.test(String(v).trim()),
      'an amount in dollars with at most two decimals',
    )
    .transform((v, ctx) => {
      try {
        return parseMoneyToCents(String(v).trim()) as number;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'amount out of range', input: v });
        return z.NEVER;
      }
    })
    .refine(
      (cents) => cents >= minCents && cents <= limits.maxCents,
      minCents === 0 ? 'from 0 to a billion dollars' : 'at most a billion dollars either way',
    )
    .openapi({
      type: 'number',
      description: 'Dollars, at most two decimals (1200.00).',
      minimum: minCents / 100,
      maximum: limits.maxCents / 100,
    });
const dollars = dollarsFrom(-limits.maxCents);
const premiumDollars = dollarsFrom(0);

const sourceName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,49}$/i, 'a system name such as applied_epic')
  .openapi({ description: 'The system that pushes (applied_epic, ezlynx, turborater, hubspot, …).' });

const text = (max = 200) => z.string().trim().min(1).max(max);

/** A commission rate as raters send it, a fraction of premium (0.12). */
const fraction = z.number().min(0).max(1);

/** 0.125 → "12.5": the canonical percent, exact. */
const percentOf = (rate: number) => new Money(String(rate)).times(100).toDecimalPlaces(6).toFixed();

const inboundTransactionSchema = z
  .object({
    transaction_id: text(100).optional().openapi({
      description:
        'The AMS’s id for the transaction: pushed again, it amends the same one. Without it a transaction is known by its type, date and place among those of that type and date.',
    }),
    type: z.enum(transactionTypes),
    effective_date: isoDate,
    premium: dollars
      .optional()
      .openapi({ description: 'Premium written, added or returned (negative), in dollars.' }),
    taxes_fees: dollars.optional(),
    broker_fee: dollars
      .optional()
      .openapi({ description: 'The agency’s broker fee, in dollars: shown in the ledger, not commission.' }),
    cancel_method: z.enum(['flat', 'pro_rata', 'short_rate']).optional(),
    accounting_period: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
      .optional(),
    commission_rate: fraction
      .optional()
      .openapi({ description: 'The agency commission as a fraction (0.12).' }),
    commission: dollars
      .optional()
      .openapi({ description: 'The agency commission the AMS records for it, in dollars (signed).' }),
  })
  .openapi('InboundTransaction');
type InboundTransaction = z.infer<typeof inboundTransactionSchema>;

const amsPolicySchema = z
  .object({
    source: sourceName,
    action: z.enum(['policy_issued', 'policy_changed', 'policy_renewed', 'policy_cancelled']),
    occurred_at: instant.optional(),
    data: z
      .object({
        policy_number: text(100),
        effective_date: isoDate,
        expiration_date: isoDate.optional(),
        premium: premiumDollars.optional(),
        client_id: text(100).optional().openapi({ description: 'The AMS’s client code (its lookup code).' }),
        client_name: text().optional(),
        client_email: z.email().optional(),
        carrier: text().optional(),
        line_of_business: text(100).optional(),
        state: z
          .string()
          .regex(/^[A-Z]{2}$/, 'states are two-letter codes')
          .optional(),
        prior_policy_number: text(100).optional(),
        agent_id: text(100).optional(),
        mga: text().optional().openapi({
          description: 'The MGA the business is placed through, by name (a carrier of the agency).',
        }),
        transactions: z.array(inboundTransactionSchema).max(100).optional(),
        coverages: z.array(z.unknown()).max(100).optional(),
      })
      .refine((d) => !d.expiration_date || d.expiration_date >= d.effective_date, {
        message: 'expiration date is before the effective date',
        path: ['expiration_date'],
      }),
  })
  .refine((b) => b.action !== 'policy_renewed' || b.data.prior_policy_number, {
    message: 'a renewal names the prior term’s policy number',
    path: ['data', 'prior_policy_number'],
  })
  .openapi('InboundAmsPolicy');

const raterQuoteSoldSchema = z
  .object({
    source: sourceName,
    quote_id: text(100),
    sold_at: instant.optional(),
    policy_data: z.object({
      carrier: text(),
      premium: premiumDollars,
      commission_rate: fraction.optional().openapi({
        description:
          'As a fraction (0.12): the new business transaction carries it, so the sold quote has an expected commission (a schedule line wins). Needs effective_date.',
      }),
      broker_fee: premiumDollars
        .optional()
        .openapi({ description: 'The agency’s broker fee on the sale, in dollars (not commission).' }),
      agent_id: text(100).optional(),
      policy_number: text(100)
        .optional()
        .openapi({ description: 'When the carrier issued one; the quote id otherwise.' }),
      effective_date: isoDate.optional(),
      expiration_date: isoDate.optional(),
      line_of_business: text(100).optional(),
      state: z
        .string()
        .regex(/^[A-Z]{2}$/, 'states are two-letter codes')
        .optional(),
      client_id: text(100).optional(),
      client_name: text().optional(),
      client_email: z.email().optional(),
    }),
  })
  .openapi('InboundRaterQuoteSold');

const crmContactUpdateSchema = z
  .object({
    source: sourceName,
    contact_id: text(100),
    updated_at: instant.optional(),
    updates: z
      .object({
        name: text().optional(),
        first_name: text(100).optional(),
        last_name: text(100).optional(),
        kind: z.enum(['person', 'business']).optional(),
        email: z.email().optional(),
        phone: text(50).optional(),
        renewal_date: isoDate.optional(),
        preferred_contact: text(50).optional(),
        risk_changes: z.array(z.unknown()).max(100).optional(),
      })
      .catchall(z.unknown()),
  })
  .openapi('InboundCrmContactUpdate');

const inboundResultSchema = z
  .object({
    status: z.enum(['created', 'updated', 'unchanged']),
    entity_type: z.enum(['policy', 'client']),
    entity_id: z.uuid(),
    connection_id: z.uuid(),
    transaction_ids: z
      .array(z.uuid())
      .openapi({ description: 'The policy’s transactions this push wrote, in the order sent.' }),
    ignored_fields: z
      .array(z.string())
      .openapi({ description: 'Fields kept with the record but not (yet) part of the canonical model.' }),
  })
  .openapi('InboundResult');

const inboundRoute = <S extends z.ZodType>(system: System, event: string, schema: S, summary: string) =>
  createRoute({
    method: 'post',
    path: `/v1/inbound/${system}/${event}`,
    tags: ['Inbound'],
    summary,
    middleware: [requireScope('policies:write')] as const,
    request: { body: { required: true, content: { 'application/json': { schema } } } },
    responses: {
      200: { description: 'Merged', content: { 'application/json': { schema: inboundResultSchema } } },
      422: {
        description: 'The payload is not valid; every failing field is listed',
        content: { 'application/problem+json': { schema: z.object({ errors: z.array(z.unknown()) }) } },
      },
    },
  });

async function inboundScope(c: Ctx, system: System, source: string, stream: string): Promise<SourceScope> {
  const tenantId = c.get('tenantId');
  const key = `inbound:${system}:${source.toLowerCase()}`;
  const connectionId = await ensureSourceConnection(c.get('db'), tenantId, key, {
    provider: 'inbound',
    displayName: `Inbound ${system.toUpperCase()} push (${source})`,
    settings: { system, source },
  });
  return { tenantId, connectionId, provider: 'inbound', stream };
}

/** The client a pushed policy names: found by the AMS's code, else made (merged) from its name. */
async function clientFor(
  c: Ctx,
  scope: SourceScope,
  d: { client_id?: string; client_name?: string; client_email?: string },
): Promise<string | null> {
  const db = c.get('db');
  if (d.client_name) {
    const draft = clientDraft.parse({
      kind: 'person',
      displayName: d.client_name,
      lookupCode: d.client_id ?? null,
      email: d.client_email ?? null,
    });
    const written = await writeSourceRecords(
      db,
      { ...scope, stream: 'clients' },
      [
        {
          externalId: d.client_id ?? `name:${d.client_name.toLowerCase()}`,
          payload: { client_id: d.client_id ?? null, name: d.client_name, email: d.client_email ?? null },
          entity: 'client',
          draft: draft as unknown as Record<string, unknown>,
          resolved: {},
          partial: true,
        },
      ],
      await loadMergeRules(db, scope.tenantId),
      { skipUnchanged: true },
    );
    return written.items[0]?.canonicalId ?? null;
  }
  const { rows } = await db.query<{ id: string }>(
    `select id from clients where tenant_id = $1 and deleted_at is null
        and (upper(lookup_code) = upper($2) or ($3::text is not null and email = $3))
      order by (upper(lookup_code) = upper($2)) desc limit 1`,
    [scope.tenantId, d.client_id ?? null, d.client_email ? normalizeEmail(d.client_email) : null],
  );
  return rows[0]?.id ?? null;
}

/** A producer named by the pushing system's agent id: one of the producer's codes, or its email. */
async function producerFor(
  db: Queryable,
  tenantId: string,
  agentId: string | undefined,
): Promise<string | null> {
  if (!agentId) return null;
  const { rows } = await db.query<{ id: string }>(
    `select id from producers where tenant_id = $1 and deleted_at is null
        and (email = lower($2) or exists (select 1 from jsonb_each_text(codes) k where k.value = $2)) limit 1`,
    [tenantId, agentId],
  );
  return rows[0]?.id ?? null;
}

async function carrierFor(
  db: Queryable,
  scope: SourceScope,
  name: string | undefined,
): Promise<string | null> {
  if (!name) return null;
  const item = { refs: { carrierId: { kind: 'carrierName' as const, name } } };
  return (await resolveRefs(db, scope, [item])).get(item)?.carrierId ?? null;
}

/** A pushed transaction as a canonical draft; a stated commission is `system`'s. */
function pushedTransaction(t: InboundTransaction, system: string): TransactionDraft {
  const rate = t.commission_rate === undefined ? null : percentOf(t.commission_rate);
  return transactionDraft.parse({
    type: t.type,
    effectiveDate: t.effective_date,
    accountingPeriod: t.accounting_period ?? null,
    premiumDeltaCents: t.premium ?? 0,
    taxesFeesCents: t.taxes_fees ?? 0,
    brokerFeeCents: t.broker_fee,
    cancelMethod: t.cancel_method ?? null,
    commissionRate: rate,
    commissionCents: t.commission ?? null,
    commissionSource: rate !== null || t.commission !== undefined ? system : null,
  });
}

/** Transactions outside the pushed term, or cancellations without a method, as failing fields. */
function checkTransactions(
  txs: readonly InboundTransaction[],
  term: { effective_date?: string; expiration_date?: string },
  prefix: string,
): void {
  const errors = txs.flatMap((t, i) =>
    transactionProblems(
      {
        type: t.type,
        effectiveDate: t.effective_date,
        premiumDeltaCents: t.premium ?? 0,
        cancelMethod: t.cancel_method ?? null,
      },
      { effectiveDate: term.effective_date ?? null, expirationDate: term.expiration_date ?? null },
    ).map((p) => ({ field: `${prefix}.${i}.${p.field}`, message: p.message })),
  );
  if (errors.length)
    throw new ProblemError('validation', `${errors.length} field(s) failed validation`, { errors });
}

/** Transaction keys for a pushed policy: the AMS's id, else type, date and place among equals. */
function pushedKeys(policyKey: string, txs: readonly InboundTransaction[]): string[] {
  const seen = new Map<string, number>();
  return txs.map((t) => {
    if (t.transaction_id) return `${policyKey}|${t.transaction_id}`;
    const key = `${t.type}|${t.effective_date}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `${policyKey}|${key}|${n}`;
  });
}

async function merge(
  c: Ctx,
  system: System,
  scope: SourceScope,
  write: SourceWrite,
  ignored: string[],
  transactions: (policyId: string) => TransactionWrite[] = () => [],
) {
  const db = c.get('db');
  const rules = await loadMergeRules(db, scope.tenantId);
  // A push carries what it states: a field it omits stays as it is (never cleared by omission).
  const written = await writeSourceRecords(db, scope, [{ ...write, partial: true }], rules, {
    skipUnchanged: true,
  });
  const out = written.items[0]!;
  const txs = await writeTransactions(
    db,
    { ...scope, stream: 'transactions' },
    transactions(out.canonicalId),
    rules,
    {
      skipUnchanged: true,
    },
  );
  const counts: Record<string, number> = { read: 1 + txs.outcomes.length };
  for (const s of [out.status, ...txs.outcomes.map((o) => o.status)]) counts[s] = (counts[s] ?? 0) + 1;
  recordSyncRecords(`inbound:${system}`, counts);
  const changed = out.status !== 'unchanged' || txs.outcomes.some((o) => o.status !== 'unchanged');
  const openedConflicts = [...written.openedConflicts, ...txs.openedConflicts];
  if (changed) {
    const deps = c.get('deps');
    const tenantId = scope.tenantId;
    c.get('afterCommit')(() => requestCommissionRecalculation(deps.temporal, deps.taskQueue, tenantId));
    if (openedConflicts.length)
      c.get('afterCommit')(() =>
        startConflictDecisions(deps.temporal, deps.pool, deps.taskQueue, openedConflicts),
      );
  }
  return c.json(
    {
      status: out.status === 'unchanged' && changed ? ('updated' as const) : out.status,
      entity_type: write.entity as 'policy' | 'client',
      entity_id: out.canonicalId,
      connection_id: scope.connectionId,
      transaction_ids: txs.outcomes.map((o) => o.id),
      ignored_fields: ignored,
    },
    200,
  );
}

export const inboundRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    inboundRoute('ams', 'policy', amsPolicySchema, 'An AMS issued, changed, renewed or cancelled a policy'),
    async (c) => {
      const body = c.req.valid('json');
      const raw: unknown = await c.req.json();
      const d = body.data;
      checkTransactions(d.transactions ?? [], d, 'data.transactions');
      const scope = await inboundScope(c, 'ams', body.source, 'policies');
      const db = c.get('db');
      const draft = policyDraft.parse({
        policyNumber: d.policy_number,
        effectiveDate: d.effective_date,
        expirationDate: d.expiration_date ?? null,
        termPremiumCents: d.premium ?? null,
        lineOfBusiness: d.line_of_business ?? null,
        state: d.state ?? null,
        priorPolicyNumber: d.prior_policy_number ?? null,
        status: body.action === 'policy_cancelled' ? 'cancelled' : 'active',
      });
      // One record per term: a renewal is a new term, the same term pushed again is one record.
      const policyKey = `${d.policy_number}|${d.effective_date}`;
      const pushed = d.transactions ?? [];
      const keys = pushedKeys(policyKey, pushed);
      return merge(
        c,
        'ams',
        scope,
        {
          externalId: policyKey,
          payload: raw,
          entity: 'policy',
          draft: draft as unknown as Record<string, unknown>,
          resolved: {
            clientId: await clientFor(c, scope, d),
            carrierId: await carrierFor(db, scope, d.carrier),
            producerId: await producerFor(db, scope.tenantId, d.agent_id),
            mgaId: await carrierFor(db, scope, d.mga),
          },
          updatedAt: body.occurred_at,
        },
        d.coverages ? ['data.coverages'] : [],
        (policyId) =>
          pushed.map((t, i) => ({
            policyId,
            draft: pushedTransaction(t, body.source.toLowerCase()),
            externalId: keys[i]!,
            payload: t,
            updatedAt: body.occurred_at,
          })),
      );
    },
  )
  .openapi(
    inboundRoute(
      'rater',
      'quote-sold',
      raterQuoteSoldSchema,
      'A comparative rater sold a quote: it becomes a policy',
    ),
    async (c) => {
      const body = c.req.valid('json');
      const raw: unknown = await c.req.json();
      const d = body.policy_data;
      const scope = await inboundScope(c, 'rater', body.source, 'quotes');
      const db = c.get('db');
      const parsed = policyDraft.safeParse({
        policyNumber: d.policy_number ?? body.quote_id,
        effectiveDate: d.effective_date ?? null,
        expirationDate: d.expiration_date ?? null,
        termPremiumCents: d.premium,
        lineOfBusiness: d.line_of_business ?? null,
        state: d.state ?? null,
        status: 'active',
      });
      if (!parsed.success)
        throw new ProblemError('validation', 'The sold quote does not make a valid policy.', {
          errors: parsed.error.issues.map((i) => ({
            field: `policy_data.${i.path.join('.')}`,
            message: i.message,
          })),
        });
      // The sale is the term's new business. Its quoted rate is stated as the API states one
      // (rate_source manual): the agency's own figure, used until a schedule line applies.
      const effectiveDate = d.effective_date;
      const rate = d.commission_rate === undefined ? null : percentOf(d.commission_rate);
      const sale = (policyId: string): TransactionWrite[] =>
        effectiveDate
          ? [
              {
                policyId,
                draft: transactionDraft.parse({
                  type: 'NEW',
                  effectiveDate,
                  premiumDeltaCents: d.premium,
                  brokerFeeCents: d.broker_fee,
                  commissionRate: rate,
                  commissionSource: rate === null ? null : 'api',
                }),
                externalId: `${body.quote_id}|NEW`,
                payload: {
                  quote_id: body.quote_id,
                  premium: d.premium,
                  commission_rate: d.commission_rate ?? null,
                  broker_fee: d.broker_fee ?? null,
                },
                updatedAt: body.sold_at,
              },
            ]
          : [];
      // Without an effective date there is no transaction to carry the rate or fee: kept with the record.
      const unused = effectiveDate
        ? []
        : (['commission_rate', 'broker_fee'] as const)
            .filter((k) => d[k] !== undefined)
            .map((k) => `policy_data.${k}`);
      return merge(
        c,
        'rater',
        scope,
        {
          externalId: body.quote_id,
          payload: raw,
          entity: 'policy',
          draft: parsed.data as unknown as Record<string, unknown>,
          resolved: {
            clientId: await clientFor(c, scope, d),
            carrierId: await carrierFor(db, scope, d.carrier),
            producerId: await producerFor(db, scope.tenantId, d.agent_id),
          },
          updatedAt: body.sold_at,
        },
        unused,
        sale,
      );
    },
  )
  .openapi(
    inboundRoute(
      'crm',
      'contact-update',
      crmContactUpdateSchema,
      'A CRM changed a contact: the client is updated',
    ),
    async (c) => {
      const body = c.req.valid('json');
      const scope = await inboundScope(c, 'crm', body.source, 'contacts');
      // An update carries only what changed: it lands on what earlier pushes said of the contact.
      const { rows } = await c.get('db').query<{ payload: { updates?: Record<string, unknown> } }>(
        `select payload from source_records where tenant_id = $1 and connection_id = $2 and stream = 'contacts'
              and external_id = $3`,
        [scope.tenantId, scope.connectionId, body.contact_id],
      );
      const u = { ...(rows[0]?.payload.updates ?? {}), ...body.updates } as Record<
        string,
        string | undefined
      >;
      const name = u.name ?? ([u.first_name, u.last_name].filter(Boolean).join(' ') || undefined);
      if (!name)
        throw new ProblemError('validation', 'A contact seen for the first time needs a name.', {
          errors: [
            { field: 'updates.name', message: 'a new contact needs name (or first_name and last_name)' },
          ],
        });
      const draft = clientDraft.parse({
        kind: u.kind ?? 'person',
        displayName: name,
        email: u.email ?? null,
        phone: u.phone ?? null,
      });
      const known = new Set(['name', 'first_name', 'last_name', 'kind', 'email', 'phone']);
      return merge(
        c,
        'crm',
        scope,
        {
          externalId: body.contact_id,
          payload: { ...body, updates: u },
          entity: 'client',
          draft: draft as unknown as Record<string, unknown>,
          resolved: {},
          updatedAt: body.updated_at,
        },
        Object.keys(body.updates)
          .filter((k) => !known.has(k))
          .map((k) => `updates.${k}`),
      );
    },
  );
