/** Statuses worth retrying: the server said "later" (429) or "unavailable, outcome unknown" (503). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503
}

/**
 * Delay before the next try: the server's Retry-After when it gave one, otherwise exponential
 * backoff with full jitter, capped.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterHeader: string | undefined,
  random: () => number,
): number {
  const seconds = retryAfterHeader === undefined ? Number.NaN : Number(retryAfterHeader)
  const capMs = Math.min(10_000, 100 * 2 ** attempt)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000 + random() * 100
  return random() * capMs
}
