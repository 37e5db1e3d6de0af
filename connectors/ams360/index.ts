// The Vertafore AMS360 connector: the agency's system of record for the book it keeps in AMS360,
// read over the partner-gated API with the agency's WSAPI login.
//
// No writes (no writes.ts): WSAPI can insert customers and policies, but the hub owns nothing in
// the agency's AMS of record and writes nothing back unasked.
//
// No webhooks (no webhooks.ts): Vertafore publishes no outbound notifications for AMS360 to
// partners, so changes are found by polling the changed-since filter.
//
// AMS360 records the agency commission (percent and amount) on each policy transaction: those are
// the expectation when the agency has no schedule of its own for the policy.
import { rateBudgetFor } from '../kit/rate-budget.ts';
import { throttleFor } from '../kit/throttle.ts';
import type { Connector } from '../types.ts';
import { ams360Client } from './client.ts';
import { ams360Definition } from './definition.ts';
import { classifyAms360Error } from './errors.ts';
import { Ams360Reader } from './streams.ts';

export const ams360Connector: Connector = {
  definition: ams360Definition,
  open(ctx) {
    const throttle = throttleFor(
      `ams360:${ctx.connectionId}`,
      rateBudgetFor(ctx, ams360Definition.rateBudget),
    );
    const reader = new Ams360Reader(ams360Client(ctx, throttle), ctx.settings);
    return { read: (req) => reader.read(req) };
  },
  classifyError: classifyAms360Error,
  // In the demo agency: its fixed connection, one of the systems of record (its own slice).
  demo: { connectionId: '00000000-0000-4000-8000-000000000360', holdsBook: true },
};
