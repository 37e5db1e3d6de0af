import type { Connector } from '../types.ts';
import { xeroAccounting, xeroClientFor } from './accounting.ts';
import { xeroDefinition } from './definition.ts';
import { classifyXeroError } from './errors.ts';
import { XeroReader } from './streams.ts';
import { removeAbsentManualJournals, upsertManualJournals } from './writes.ts';

export const xeroConnector: Connector = {
  definition: xeroDefinition,
  open(ctx) {
    // Keyed by connection: the hub's budget for this organisation is spent by this connection alone.
    const client = xeroClientFor(ctx);
    const reader = new XeroReader(client);
    return {
      read: (req) => reader.read(req),
      upsert: (stream, idField, records) => upsertManualJournals(client, stream, idField, records),
      removeAbsent: (stream, idField, prefix, keep) =>
        removeAbsentManualJournals(client, stream, idField, prefix, keep),
    };
  },
  classifyError: classifyXeroError,
  // In the demo agency: its fixed connection.
  demo: { connectionId: '00000000-0000-4000-8000-000000000008' },
  accounting: xeroAccounting,
};
