/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that.
 * Tests wait on observed state with it instead of sleeping for a guessed time; the deadline
 * keeps every wait bounded, and the error names what never happened.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  { timeoutMs = 60_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
