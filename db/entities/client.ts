import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { Provenance } from './provenance.ts';

export interface PostalAddress {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

/** The insured: a person or a business. */
export const ClientSchema = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    kind: p.enum(['person', 'business'] as const).default('business'),
    displayName: p.text(),
    /** The agency's own code for the client, shared by its AMS and (as a custom field) its CRM. */
    lookupCode: p.text().nullable(),
    nameNormalized: p.text(),
    email: p.text().nullable(),
    phone: p.text().nullable(),
    address: p.json<PostalAddress>().nullable(),
    provenance: p.json<Provenance>().onCreate(() => ({})),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
    deleteReason: p.text().nullable(),
  },
});
export type Client = InferEntity<typeof ClientSchema>;
