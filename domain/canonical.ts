// The canonical model as it arrives from a mapping: drafts validated with zod before they
// touch the database. The same names as the database columns and the API fields.
import { z } from 'zod';
import { MAX_CENTS } from './money.ts';

export const canonicalTypes = ['client', 'carrier', 'producer', 'policy', 'policy_transaction'] as const;
export type CanonicalType = (typeof canonicalTypes)[number];

/** A real calendar day as YYYY-MM-DD (no 2026-02-30, no year 0000, which PostgreSQL lacks). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, { message: 'not a calendar date' });

export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || s.startsWith('0000')) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(s);
}

export const cents = z
  .number()
  .int('amounts are integer cents')
  .min(-MAX_CENTS, 'amount out of range')
  .max(MAX_CENTS, 'amount out of range');
const optionalText = z.string().trim().min(1).nullable().optional();

export const addressSchema = z.object({
  line1: optionalText,
  line2: optionalText,
  city: optionalText,
  state: optionalText,
  postalCode: optionalText,
  country: optionalText,
});

export const clientDraft = z.object({
  kind: z.enum(['person', 'business']),
  displayName: z.string().trim().min(1, 'a client needs a name'),
  /** The agency's code for the client (AMS lookup code), the strongest cross-system key. */
  lookupCode: optionalText,
  email: z.email().nullable().optional(),
  phone: optionalText,
  address: addressSchema.nullable().optional(),
});

export const carrierDraft = z.object({
  kind: z.enum(['carrier', 'mga', 'wholesaler']).default('carrier'),
  name: z.string().trim().min(1, 'a carrier needs a name'),
  naicCode: z
    .string()
    .regex(/^\d{5}$/, 'NAIC codes have five digits')
    .nullable()
    .optional(),
});

export const producerDraft = z.object({
  kind: z.enum(['producer', 'broker_external', 'house', 'csr']).default('producer'),
  name: z.string().trim().min(1, 'a producer needs a name'),
  email: z.email().nullable().optional(),
  code: optionalText,
  active: z.boolean().default(true),
});

/** A commission percent as a decimal string: "15", "12.5" (0 to 100). */
export const percentRate = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,6})?$/, 'a percent such as "15" or "12.5"')
  .refine((v) => Number(v) <= 100, 'a percent is at most 100');

export const policyStatus = z.enum(['prospective', 'active', 'cancelled', 'expired', 'replaced', 'lost']);

export const policyDraft = z
  .object({
    policyNumber: z.string().trim().min(1, 'a policy needs a policy number'),
    lineOfBusiness: optionalText,
    businessType: z.enum(['personal', 'commercial', 'benefits', 'life_health']).nullable().optional(),
    state: z
      .string()
      .regex(/^[A-Z]{2}$/, 'states are two-letter codes')
      .nullable()
      .optional(),
    effectiveDate: isoDate.nullable().optional(),
    expirationDate: isoDate.nullable().optional(),
    originalInceptionDate: isoDate.nullable().optional(),
    priorPolicyNumber: optionalText,
    billMode: z.enum(['agency', 'direct']).nullable().optional(),
    status: policyStatus.default('active'),
    termPremiumCents: cents.nullable().optional(),
    /** The agency commission percent the system of record states for the policy line ("12.5"). */
    commissionRate: percentRate.nullable().optional(),
    /** Which system stated it: a provider ("applied-epic") or "api". */
    commissionRateSource: optionalText,
    /**
     * Who shares the agency commission, as the system of record states it (percents of the agency
     * commission, in order; the parties resolve through the mapping's refs share0, share1, …).
     */
    producerShares: z
      .array(z.object({ percent: percentRate, role: z.enum(['writing', 'servicing', 'referral']) }))
      .max(4)
      .nullable()
      .optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('USD'),
  })
  .refine((p) => !p.effectiveDate || !p.expirationDate || p.expirationDate >= p.effectiveDate, {
    message: 'expiration date is before the effective date',
    path: ['expirationDate'],
  });

export const transactionDraft = z.object({
  type: z.enum(['NEW', 'RWL', 'END', 'CAN', 'REI', 'AUD', 'PMT', 'ADJ', 'REWRITE', 'BOR']),
  effectiveDate: isoDate,
  accountingPeriod: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .nullable()
    .optional(),
  premiumDeltaCents: cents.default(0),
  taxesFeesCents: cents.default(0),
  cancelMethod: z.enum(['flat', 'pro_rata', 'short_rate']).nullable().optional(),
  /** The agency's own broker fee on the transaction: not premium, commissionable only where a rule says so. */
  brokerFeeCents: cents.nullable().optional(),
  /** The agency commission the system of record states for this transaction: its rate, its amount (signed). */
  commissionRate: percentRate.nullable().optional(),
  commissionCents: cents.nullable().optional(),
  /** Which system stated it: a provider ("applied-epic") or "api". */
  commissionSource: optionalText,
});

export const draftSchemas = {
  client: clientDraft,
  carrier: carrierDraft,
  producer: producerDraft,
  policy: policyDraft,
  policy_transaction: transactionDraft,
} as const satisfies Record<CanonicalType, z.ZodType>;

export type ClientDraft = z.infer<typeof clientDraft>;
export type CarrierDraft = z.infer<typeof carrierDraft>;
export type ProducerDraft = z.infer<typeof producerDraft>;
export type PolicyDraft = z.infer<typeof policyDraft>;
export type TransactionDraft = z.infer<typeof transactionDraft>;
export type Draft = ClientDraft | CarrierDraft | ProducerDraft | PolicyDraft | TransactionDraft;
