/** One line of `flowline doctor`: a warning is reported but does not fail the run. */
export interface CheckResult {
  readonly name: string
  readonly status: 'ok' | 'warn' | 'fail'
  readonly detail: string
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail })
export const warn = (name: string, detail: string): CheckResult => ({ name, status: 'warn', detail })
export const fail = (name: string, detail: string): CheckResult => ({ name, status: 'fail', detail })

/** Clock skew above this is reported as a warning, above the second as a failure. */
export const SKEW_WARN_MS = 1000
export const SKEW_FAIL_MS = 10_000

/**
 * A clock check: the remote time against the midpoint of the local times around the request,
 * which bounds the error by half the round trip.
 */
export function skewCheck(name: string, remoteMs: number, sentMs: number, receivedMs: number): CheckResult {
  const skew = Math.round(remoteMs - (sentMs + receivedMs) / 2)
  const detail = `${skew >= 0 ? '+' : ''}${skew} ms (± ${Math.ceil((receivedMs - sentMs) / 2)} ms) against this host`
  if (Math.abs(skew) > SKEW_FAIL_MS) return fail(name, `${detail}; synchronise the clocks (NTP)`)
  if (Math.abs(skew) > SKEW_WARN_MS) return warn(name, detail)
  return ok(name, detail)
}

/** The message of an error without its stack, for a report line. */
export function reason(error: unknown): string {
  const causes = error instanceof AggregateError ? error.errors.map((cause: Error) => cause.message) : []
  return [(error as Error).message, ...causes].join('; ')
}
