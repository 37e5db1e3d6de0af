// How each canonical entity's fields map to its table's columns, and how a mapped draft plus
// its resolved references becomes field values. Used by the page writer to build set-based
// inserts and updates (unnest of typed arrays) for any entity.
import type { CanonicalType, Draft } from '../domain/canonical.ts';
import { normalizeEmail, normalizeName, normalizePolicyNumber } from '../domain/normalize.ts';
import { namedByCode, type ProducerFacts } from '../domain/producer-identity.ts';

export type Cast = 'text' | 'uuid' | 'date' | 'bigint' | 'jsonb' | 'boolean';

export interface ColumnSpec {
  field: string;
  column: string;
  cast: Cast;
}

export interface CanonicalTable {
  table: string;
  columns: ColumnSpec[];
  /** References that must resolve, or the record is quarantined. */
  requiredRefs: string[];
  /** Fields values() builds over the current value (a producer's codes by system): taken as given. */
  accumulated?: string[];
  /** Fields whose current value only stands in until a source gives a real one. */
  standIns?(current: Record<string, unknown>): string[];
  values(
    draft: Draft,
    refs: Record<string, string | null>,
    ctx: { provider: string; current: Record<string, unknown> | null },
  ): Record<string, unknown>;
}

const col = (field: string, cast: Cast = 'text'): ColumnSpec => ({
  field,
  column: field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  cast,
});

type Loose = Record<string, unknown>;

/** The stated producer shares with the producers their refs resolved to; null when none resolved. */
function sharesWithParties(
  shares: unknown,
  refs: Record<string, string | null>,
): { producerId: string; percent: string; role: string }[] | null {
  if (!Array.isArray(shares)) return null;
  const out = shares.flatMap((s: { percent: string; role: string }, i) => {
    const producerId = refs[`share${i}`];
    return producerId ? [{ producerId, percent: s.percent, role: s.role }] : [];
  });
  return out.length ? out : null;
}

export const canonicalTables: Record<CanonicalType, CanonicalTable> = {
  client: {
    table: 'clients',
    columns: [
      col('kind'),
      col('displayName'),
      col('nameNormalized'),
      col('lookupCode'),
      col('email'),
      col('phone'),
      col('address', 'jsonb'),
    ],
    requiredRefs: [],
    values(draft) {
      const d = draft as Loose;
      return {
        kind: d.kind,
        displayName: d.displayName,
        nameNormalized: normalizeName(String(d.displayName)),
        // The AMS's client code (Epic's lookup code, EZLynx's customer number): the strongest
        // key for finding the same client in another system.
        lookupCode: d.lookupCode ? String(d.lookupCode).trim() || null : null,
        email: d.email ? normalizeEmail(String(d.email)) : null,
        phone: d.phone ?? null,
        address: d.address && Object.keys(d.address as object).length ? d.address : null,
      };
    },
  },
  carrier: {
    table: 'carriers',
    columns: [col('kind'), col('name'), col('nameNormalized'), col('naicCode')],
    requiredRefs: [],
    values(draft) {
      const d = draft as Loose;
      return {
        kind: d.kind ?? 'carrier',
        name: d.name,
        nameNormalized: normalizeName(String(d.name)),
        naicCode: d.naicCode ?? null,
      };
    },
  },
  producer: {
    table: 'producers',
    columns: [col('kind'), col('name'), col('email'), col('codes', 'jsonb'), col('active', 'boolean')],
    requiredRefs: [],
    // Every system's code is kept, whichever system last changed the producer.
    accumulated: ['codes'],
    // HawkSoft knows a producer only by its code: the first real name replaces it.
    standIns: (current) => (namedByCode(current as unknown as ProducerFacts) ? ['name'] : []),
    values(draft, _refs, { provider, current }) {
      const d = draft as Loose;
      const codes = { ...((current?.codes as Record<string, string>) ?? {}) };
      if (d.code) codes[provider] = String(d.code);
      const codeForName =
        d.code && String(d.name).trim().toUpperCase() === String(d.code).trim().toUpperCase();
      return {
        kind: d.kind ?? 'producer',
        name: codeForName && current?.name ? current.name : d.name,
        email: d.email ?? null,
        codes,
        active: d.active ?? true,
      };
    },
  },
  policy: {
    table: 'policies',
    columns: [
      col('clientId', 'uuid'),
      col('carrierId', 'uuid'),
      col('producerId', 'uuid'),
      col('mgaId', 'uuid'),
      col('policyNumber'),
      col('policyNumberNormalized'),
      col('lineOfBusiness'),
      col('businessType'),
      col('state'),
      col('effectiveDate', 'date'),
      col('expirationDate', 'date'),
      col('originalInceptionDate', 'date'),
      col('priorPolicyNumber'),
      col('billMode'),
      col('status'),
      col('termPremiumCents', 'bigint'),
      col('commissionRate'),
      col('commissionRateSource'),
      col('producerShares', 'jsonb'),
      col('currency'),
    ],
    requiredRefs: [],
    values(draft, refs, { current }) {
      const d = draft as Loose;
      return {
        clientId: refs.clientId ?? null,
        carrierId: refs.carrierId ?? null,
        producerId: refs.producerId ?? null,
        // The MGA the business is placed through (a carrier record): its schedule lines apply.
        mgaId: refs.mgaId ?? null,
        policyNumber: d.policyNumber,
        policyNumberNormalized: normalizePolicyNumber(String(d.policyNumber)),
        lineOfBusiness: d.lineOfBusiness ?? null,
        businessType: d.businessType ?? null,
        state: d.state ?? null,
        effectiveDate: d.effectiveDate ?? null,
        expirationDate: d.expirationDate ?? null,
        // Sources that do not know it leave what the renewal chain derived (db/commission-store.ts).
        originalInceptionDate: d.originalInceptionDate ?? current?.originalInceptionDate ?? null,
        priorPolicyNumber: d.priorPolicyNumber ?? null,
        billMode: d.billMode ?? null,
        status: d.status ?? 'active',
        termPremiumCents: d.termPremiumCents ?? null,
        commissionRate: d.commissionRate ?? null,
        commissionRateSource: d.commissionRate ? (d.commissionRateSource ?? null) : null,
        producerShares: sharesWithParties(d.producerShares, refs),
        currency: d.currency ?? 'USD',
      };
    },
  },
  policy_transaction: {
    table: 'policy_transactions',
    columns: [
      col('policyId', 'uuid'),
      col('type'),
      col('effectiveDate', 'date'),
      col('accountingPeriod'),
      col('premiumDeltaCents', 'bigint'),
      col('taxesFeesCents', 'bigint'),
      col('cancelMethod'),
      col('brokerFeeCents', 'bigint'),
      col('commissionRate'),
      col('commissionCents', 'bigint'),
      col('commissionSource'),
    ],
    requiredRefs: ['policyId'],
    values(draft, refs, { current }) {
      const d = draft as Loose;
      return {
        policyId: refs.policyId ?? null,
        type: d.type,
        effectiveDate: d.effectiveDate,
        accountingPeriod: d.accountingPeriod ?? String(d.effectiveDate).slice(0, 7),
        premiumDeltaCents: d.premiumDeltaCents ?? 0,
        taxesFeesCents: d.taxesFeesCents ?? 0,
        cancelMethod: d.cancelMethod ?? null,
        // Most systems do not report broker fees: one that says nothing leaves the fee as it is.
        brokerFeeCents: d.brokerFeeCents ?? current?.brokerFeeCents ?? 0,
        commissionRate: d.commissionRate ?? null,
        commissionCents: d.commissionCents ?? null,
        commissionSource:
          d.commissionRate != null || d.commissionCents != null ? (d.commissionSource ?? null) : null,
      };
    },
  },
};

export function fieldsOf(type: CanonicalType): string[] {
  return canonicalTables[type].columns.map((c) => c.field);
}

/** A database row (snake_case columns) read back as field values for merging. */
export function rowToFields(type: CanonicalType, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of canonicalTables[type].columns) out[c.field] = row[c.column] ?? null;
  return out;
}

/** A field value as a parameter for `unnest($n::<cast>[])`. */
export function toParam(value: unknown, cast: Cast): unknown {
  if (value === null || value === undefined) return null;
  if (cast === 'jsonb') return JSON.stringify(value);
  return value;
}
