import type { Broker } from '../broker/broker.ts'
import type { Logger } from '../observability/logger.ts'
import type { Storage } from '../storage/storage.ts'
import type { BatchConsumer } from './batch-consumer.ts'

/** A consume loop that fails for good takes the process down, so that a supervisor restarts it or a person reads why. */
export function exitWhenLoopFails(consumer: BatchConsumer, logger: Logger, role: string): void {
  consumer.done.catch((error: unknown) => {
    // The message says what failed and that the batch will be read again; the process exits 1.
    logger.fatal({ err: error }, `${role} stopped: ${(error as Error).message}`)
    process.exitCode = 1
    process.kill(process.pid, 'SIGTERM')
  })
}

/**
 * What a consumer's subscription tells its log each time it lost Kafka and will join its group
 * again (`SubscribeOptions.onRejoin`): the role stays up, not ready, until the broker answers.
 */
export function logRejoins(logger: Logger, group: string) {
  return (error: unknown, retryInMs: number) =>
    logger.warn(
      { err: error, group, retryInMs },
      `Kafka unreachable; ${group} joins the group again in ${retryInMs} ms (batches not yet committed are read again)`,
    )
}

/** The /ready answer of a role that reads the broker and writes the database. */
export function brokerAndStorageReady(broker: Broker, storage: Storage) {
  return async () => {
    const [brokerUp, storageUp] = await Promise.all([broker.isReachable(), storage.isReachable()])
    return {
      ready: brokerUp && storageUp,
      detail: `${broker.name} ${brokerUp ? 'up' : 'down'}, ${storage.name} ${storageUp ? 'up' : 'down'}`,
    }
  }
}
