// How vendor errors become Temporal failures: which retry after the vendor's delay, which
// back off, and which must not be retried at all.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { ConnectorError } from '../connectors/types.ts';

/** A vendor error, as Temporal should treat it: when to retry and whether to at all. */
export function toActivityFailure(err: ConnectorError): ApplicationFailure {
  const details = [{ kind: err.kind, status: err.status, vendorCode: err.vendorCode }];
  switch (err.kind) {
    case 'rate_limited':
      return ApplicationFailure.create({
        message: err.message,
        type: 'RateLimited',
        details,
        nextRetryDelay: err.retryAfterMs ?? 1_000,
        category: ApplicationFailureCategory.BENIGN,
      });
    case 'vendor_outage':
      return ApplicationFailure.create({ message: err.message, type: 'VendorOutage', details });
    case 'auth_expired':
      return ApplicationFailure.create({ message: err.message, type: 'AuthExpired', details });
    case 'auth_invalid':
    case 'forbidden':
      return ApplicationFailure.create({
        message: err.message,
        type: 'AuthInvalid',
        details,
        nonRetryable: true,
      });
    default:
      return ApplicationFailure.create({
        message: err.message,
        type: 'VendorRejected',
        details,
        nonRetryable: true,
      });
  }
}
