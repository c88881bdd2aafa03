import { setTimeout as sleep } from 'node:timers/promises'
import { isRetryable } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'

/** First pause between tries, then doubled up to the cap: Kafka and PostgreSQL often start together with the roles. */
const FIRST_PAUSE_MS = 250
const MAX_PAUSE_MS = 5000

/**
 * Runs a start step (create topics, migrate) until it succeeds, waiting for a dependency that is
 * still starting, the way the reference's `wait_for_kafka.sh` does, but inside every role:
 * exponential backoff from 250 ms to 5 s, each failure logged with the next pause, given up after
 * `maxWaitMs` (`--startup-wait`). An error retrying cannot fix (refused credentials, a bad
 * schema) fails at once.
 */
export async function untilReady<T>(
  what: string,
  step: () => Promise<T>,
  logger: Logger,
  maxWaitMs: number,
  retryable: (error: unknown) => boolean = isRetryable,
): Promise<T> {
  const deadline = Date.now() + maxWaitMs
  for (let attempt = 1; ; attempt++) {
    try {
      return await step()
    } catch (error) {
      const pauseMs = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempt - 1))
      if (!retryable(error) || Date.now() + pauseMs > deadline) throw error
      logger.warn(
        { attempt, pauseMs, waitedMs: maxWaitMs - (deadline - Date.now()), err: error },
        `${what}: not ready yet; trying again in ${pauseMs} ms (gives up after --startup-wait ${maxWaitMs} ms)`,
      )
      await sleep(pauseMs)
    }
  }
}
