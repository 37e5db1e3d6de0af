// The HawkSoft connector. Read-only: the Partner API takes log notes, attachments and receipts
// from partners but no client or policy data, and the hub writes nothing back to HawkSoft, so
// there is no writes.ts and no `upsert`. No webhooks either: HawkSoft publishes none (the
// documented integration is polling "changed clients" every 1–24 hours), so there is no
// webhooks.ts and the Connector declares no `webhooks`. HawkSoft also carries no commission
// data: expected commissions come from the hub's own schedules applied to these policies.
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import { type ConnectionContext, type Connector, ConnectorError } from '../types.ts';
import { type HawkSoftClient, hawksoftClient } from './client.ts';
import { hawksoftDefinition } from './definition.ts';
import { classifyHawkSoftError } from './errors.ts';
import { HawkSoftReader } from './streams.ts';

/**
 * The agency this connection reads: the one named in its settings (or credentials), which must be
 * among the agencies sharing data with the partner, else the partner's only agency.
 */
async function resolveAgency(ctx: ConnectionContext, client: HawkSoftClient): Promise<number> {
  const named = ctx.settings.agencyId ?? ctx.credentials.agencyId;
  const agencies = await client.agencies();
  if (named !== undefined && named !== null && named !== '') {
    const id = Number(named);
    if (!agencies.includes(id))
      throw new ConnectorError(
        'forbidden',
        `HawkSoft agency ${named} does not share its data with this partner`,
      );
    return id;
  }
  if (agencies.length === 1) return agencies[0]!;
  if (!agencies.length)
    throw new ConnectorError(
      'forbidden',
      'No HawkSoft agency shares its data with these partner credentials',
    );
  throw new ConnectorError(
    'bad_request',
    `These partner credentials read several HawkSoft agencies (${agencies.join(', ')}): set the connection's agencyId`,
  );
}

export const hawksoftConnector: Connector = {
  definition: hawksoftDefinition,
  open(ctx) {
    const throttle = throttleFor(
      `hawksoft:${ctx.connectionId}`,
      rateBudgetFor(ctx, hawksoftDefinition.rateBudget),
    );
    const client = hawksoftClient(ctx, throttle);
    // Once per session, as HawkSoft's sync workflow starts: which agencies share with us.
    let agency: Promise<number> | null = null;
    const agencyId = () => {
      agency ??= resolveAgency(ctx, client).catch((err: unknown) => {
        agency = null;
        throw err;
      });
      return agency;
    };
    const reader = new HawkSoftReader(client, agencyId, ctx.fields, ctx.connectionId);
    return {
      read: (req) =>
        reader.read(req).catch((err: unknown) => {
          throw classifyHawkSoftError(err);
        }),
    };
  },
  classifyError: classifyHawkSoftError,
  // In the demo agency: its fixed connection (part of the book of record, which records no commission rates).
  demo: { connectionId: '00000000-0000-4000-8000-000000000006', holdsBook: true, recordsNoRates: true },
};
