// Why a vendor could not be reached, in words a person can act on. fetch() says only "fetch
// failed" and keeps the reason (ECONNREFUSED, a DNS miss, a reset) in its cause; the sync status
// quotes this while it retries.
export function unreachableReason(err: unknown): string {
  const message = (err as { message?: string } | null)?.message ?? String(err);
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  const detail = cause?.code ?? cause?.message;
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}
