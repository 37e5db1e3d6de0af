// Why a sync failed, as the class its run records (sync_runs.failure_class). A vendor error that is
// not worth retrying carries its own type (AuthInvalid, VendorRejected, ...). Errors worth retrying
// (the vendor down or not answering, throttling) are retried until the vendor activity's
// schedule-to-close bound; past it the class is VendorUnavailable, whichever of them came last, so
// "the vendor was unreachable for N minutes" reads the same for every vendor.
import { RetryState } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';

/**
 * Failure types that mean "the vendor cannot be worked with right now", not "this is wrong".
 * (AuthExpired keeps its class: credentials that cannot be refreshed need a person.)
 */
const transient = new Set(['VendorOutage', 'RateLimited']);

export const vendorUnavailable = 'VendorUnavailable';

/** The last attempt's failure: a bound that expired carries it as its cause. */
export function lastFailure(err: ActivityFailure): Error | undefined {
  return err.cause instanceof TimeoutFailure && err.cause.cause ? err.cause.cause : err.cause;
}

export function failureClass(err: unknown): string {
  if (isCancellation(err)) return 'Cancelled';
  if (err instanceof ApplicationFailure) return err.type ?? 'Error';
  if (!(err instanceof ActivityFailure)) return 'Error';
  const last = lastFailure(err);
  const gaveUp =
    err.retryState === RetryState.TIMEOUT || err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED;
  if (last instanceof ApplicationFailure) {
    return gaveUp && transient.has(last.type ?? '') ? vendorUnavailable : (last.type ?? 'Error');
  }
  // No vendor answer to go by (a worker that died, no worker polling): not the vendor's doing.
  return last instanceof TimeoutFailure ? 'Timeout' : 'Error';
}

/** What a VendorUnavailable run says: who, the bound, and the vendor's own last words. */
export function vendorUnavailableMessage(provider: string, boundMs: number, err: unknown): string {
  const last = err instanceof ActivityFailure ? lastFailure(err) : undefined;
  const bound =
    boundMs >= 60_000 ? `${Math.round(boundMs / 60_000)}-minute` : `${Math.round(boundMs / 1000)}-second`;
  return `${provider} could not be reached: retries stopped at the ${bound} bound. Last error: ${last?.message ?? String(err)}`;
}
