// Policy transactions as the API reads and answers them: the input (alone, inside a policy, in a
// bulk item), its canonical draft, the checks against the term, and the listing shape.
import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { TransactionWrite } from '../db/transaction-store.ts';
import { cents, isoDate, percentRate, type TransactionDraft, transactionDraft } from '../domain/canonical.ts';
import { type TermDates, transactionProblems } from '../domain/policy-transactions.ts';

export const transactionTypes = [
  'NEW',
  'RWL',
  'END',
  'CAN',
  'REI',
  'AUD',
  'REWRITE',
  'PMT',
  'ADJ',
  'BOR',
] as const;

// Canonical schemas may be made before zod-openapi extends zod: they are described, not .openapi()'d.
const amount = (description: string) => cents.describe(description);

const transactionFields = z.object({
  type: z.enum(transactionTypes).openapi({
    description:
      'NEW new business, RWL renewal, END endorsement, CAN cancellation, REI reinstatement, AUD audit, REWRITE rewrite, PMT installment payment, ADJ adjustment, BOR broker-of-record change.',
  }),
  effective_date: isoDate.describe(
    'When the change takes effect: inside the term (on or after its effective date, before its expiration date). An AUD may fall after the term ends; a PMT or ADJ may have any date.',
  ),
  premium_delta_cents: amount(
    'Premium written (NEW, RWL, REWRITE, BOR), added or returned (END, AUD, ADJ; negative for a return), returned (CAN), collected (PMT). 0 when absent.',
  ).optional(),
  taxes_fees_cents: amount('Taxes and carrier fees: never commissionable. 0 when absent.').optional(),
  broker_fee_cents: amount(
    'The agency’s broker fee on this transaction: kept out of commission unless the schedule line that applies says commission_on_fees. Absent: 0 on a new transaction, unchanged on an existing one.',
  ).optional(),
  cancel_method: z
    .enum(['flat', 'pro_rata', 'short_rate'])
    .nullable()
    .optional()
    .openapi({ description: 'Only on a CAN; required when the CAN has no premium.' }),
  accounting_period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
    .nullable()
    .optional()
    .openapi({ description: 'The month the agency books it in; the effective date’s month when absent.' }),
  commission_rate: percentRate
    .describe(
      'The agency commission percent you state ("15", "12.5"): the expectation when no schedule line applies (rate_source manual). A schedule line wins.',
    )
    .nullable()
    .optional(),
  commission_cents: amount(
    'The agency commission amount you state (signed): taken as it is, before commission_rate, when no schedule line applies.',
  )
    .nullable()
    .optional(),
});
type TransactionFields = z.infer<typeof transactionFields>;

export const transactionInputSchema = z
  .object({
    external_id: z.string().trim().min(1).max(100).optional().openapi({
      description:
        'Your id for the transaction. Sent again for the same policy, it amends that transaction instead of adding another; required on a policy update (PUT, bulk update), which may be sent again.',
    }),
    ...transactionFields.shape,
  })
  .openapi('TransactionInput');
export type TransactionInput = z.infer<typeof transactionInputSchema>;

export const transactionPatchSchema = transactionFields.partial().openapi('TransactionPatch');

export const transactionSchema = z
  .object({
    id: z.uuid(),
    policy_id: z.uuid(),
    external_id: z.string().nullable().openapi({ description: 'The id you gave it, if any.' }),
    type: z.enum(transactionTypes),
    effective_date: z.string(),
    accounting_period: z.string().nullable(),
    premium_delta_cents: z.number().int(),
    taxes_fees_cents: z.number().int(),
    broker_fee_cents: z.number().int(),
    cancel_method: z.enum(['flat', 'pro_rata', 'short_rate']).nullable(),
    commission_rate: z.string().nullable(),
    commission_cents: z.number().int().nullable(),
    commission_source: z
      .string()
      .nullable()
      .openapi({ description: 'Who stated the commission: api, or a system.' }),
    expected_commission: z
      .object({
        agency_cents: z.number().int(),
        basis_cents: z.number().int(),
        rate: z.string().nullable(),
        rate_source: z.enum(['schedule', 'ams', 'learned', 'manual']).nullable(),
        status: z.string(),
        paid_cents: z.number().int(),
      })
      .nullable()
      .openapi({
        description:
          'What the commission workflow stored for it; null until it has run (moments after a write). GET /v1/commissions/calculate computes it now.',
      }),
    provenance: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('PolicyTransaction');

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function toTransaction(r: Record<string, unknown>): z.infer<typeof transactionSchema> {
  return {
    id: r.id as string,
    policy_id: r.policy_id as string,
    external_id: (r.external_id as string) ?? null,
    type: r.type as TransactionInput['type'],
    effective_date: r.effective_date as string,
    accounting_period: (r.accounting_period as string | null)?.trim() ?? null,
    premium_delta_cents: Number(r.premium_delta_cents),
    taxes_fees_cents: Number(r.taxes_fees_cents),
    broker_fee_cents: Number(r.broker_fee_cents),
    cancel_method: (r.cancel_method as 'flat') ?? null,
    commission_rate: (r.commission_rate as string) ?? null,
    commission_cents: num(r.commission_cents),
    commission_source: (r.commission_source as string) ?? null,
    expected_commission:
      r.expected_status == null
        ? null
        : {
            agency_cents: Number(r.agency_cents),
            basis_cents: Number(r.basis_cents),
            rate: (r.rate as string) ?? null,
            rate_source: (r.rate_source as 'manual') ?? null,
            status: r.expected_status as string,
            paid_cents: Number(r.paid_cents),
          },
    provenance: (r.provenance as Record<string, unknown>) ?? {},
    created_at: (r.created_at as Date).toISOString(),
    updated_at: (r.updated_at as Date).toISOString(),
  };
}

/**
 * The canonical draft of what the API states. A commission it states is the API's (rate_source
 * manual); `commissionSource` keeps another system's name on an amendment that leaves it alone.
 */
export function apiTransactionDraft(t: TransactionFields, commissionSource = 'api'): TransactionDraft {
  const stated = t.commission_rate != null || t.commission_cents != null;
  return transactionDraft.parse({
    type: t.type,
    effectiveDate: t.effective_date,
    accountingPeriod: t.accounting_period ?? null,
    premiumDeltaCents: t.premium_delta_cents ?? 0,
    taxesFeesCents: t.taxes_fees_cents ?? 0,
    brokerFeeCents: t.broker_fee_cents,
    cancelMethod: t.cancel_method ?? null,
    commissionRate: t.commission_rate ?? null,
    commissionCents: t.commission_cents ?? null,
    commissionSource: stated ? commissionSource : null,
  });
}

/** A stored transaction as input fields: what an amendment starts from. */
export function storedTransactionFields(r: Record<string, unknown>): TransactionFields {
  return {
    type: r.type as TransactionFields['type'],
    effective_date: r.effective_date as string,
    accounting_period: (r.accounting_period as string | null)?.trim() ?? null,
    premium_delta_cents: Number(r.premium_delta_cents),
    taxes_fees_cents: Number(r.taxes_fees_cents),
    broker_fee_cents: Number(r.broker_fee_cents),
    cancel_method: (r.cancel_method as 'flat') ?? null,
    commission_rate: (r.commission_rate as string) ?? null,
    commission_cents: num(r.commission_cents),
  };
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Every problem of a request's transactions on one term, each named by its path (`prefix.N.field`):
 * dates outside the term, a cancellation without a method, an external_id given twice, and on an
 * update (which may be sent again) a transaction without an external_id.
 */
export function transactionErrors(
  inputs: readonly TransactionInput[],
  term: TermDates,
  prefix: string,
  opts: { update?: boolean } = {},
): FieldError[] {
  const errors: FieldError[] = [];
  const ids = new Map<string, number>();
  inputs.forEach((t, i) => {
    const at = `${prefix}.${i}`;
    for (const p of transactionProblems(
      {
        type: t.type,
        effectiveDate: t.effective_date,
        premiumDeltaCents: t.premium_delta_cents ?? 0,
        cancelMethod: t.cancel_method ?? null,
      },
      term,
    ))
      errors.push({ field: `${at}.${p.field}`, message: p.message });
    if (t.external_id) {
      const first = ids.get(t.external_id);
      if (first !== undefined)
        errors.push({ field: `${at}.external_id`, message: `the same external_id as ${prefix}.${first}` });
      else ids.set(t.external_id, i);
    } else if (opts.update)
      errors.push({
        field: `${at}.external_id`,
        message:
          'an update may be sent again: give each transaction an external_id (or post new ones to /v1/policies/{id}/transactions)',
      });
  });
  return errors;
}

/** The writes for a policy's transactions: keyed by the caller's id on this policy, else new. */
export function transactionWrites(policyId: string, inputs: readonly TransactionInput[]): TransactionWrite[] {
  return inputs.map((t) => ({
    policyId,
    draft: apiTransactionDraft(t),
    externalId: t.external_id ? `${policyId}|${t.external_id}` : randomUUID(),
    payload: { ...t, policy_id: policyId },
  }));
}
