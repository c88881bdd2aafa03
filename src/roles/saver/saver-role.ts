import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { createHttpApp } from '../../http/http-app.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { runBatchConsumer } from '../../runtime/batch-consumer.ts'
import { listen, type RunningRole } from '../../runtime/running-role.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { createSaverHandler } from './measurement-saver.ts'

/**
 * PGlite runs on this process's event loop: a 500-row insert holds it for about 35 ms (measured:
 * 5,000 rows take 260 ms), so smaller batches keep ingest answering in the same process.
 */
const SINGLE_CONNECTION_MAX_BATCH = 500

/**
 * Starts the measurement saver: a consumer-group member that writes batches to the database and
 * commits offsets after each transaction, with /health, /ready and /metrics on its own port.
 * On close it finishes the batch in hand, commits it and leaves the group.
 */
export async function startSaver(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const subscription = await broker.subscribe({
    groupId: config.groupId,
    topics: [config.topic],
    maxBatch: storage.capabilities.concurrentConnections
      ? config.saverBatchSize
      : Math.min(config.saverBatchSize, SINGLE_CONNECTION_MAX_BATCH),
    maxWaitMs: config.saverBatchWaitMs,
  })
  const consumer = runBatchConsumer({
    name: config.groupId,
    subscription,
    ...createSaverHandler({
      broker,
      repository: new MeasurementsRepository(storage.db),
      logger,
      metrics,
      groupId: config.groupId,
      errorsTopic: config.errorsTopic,
      futureToleranceMs: config.futureToleranceMs,
    }),
    logger,
    metrics,
    // While PostgreSQL inserts one batch the saver decodes the next, instead of each waiting for
    // the other (bench/results/ANALYSIS.md, §2).
    readAhead: config.saverReadAhead,
  })
  consumer.done.catch((error: unknown) => {
    logger.fatal({ err: error }, 'saver loop failed; exiting so that a supervisor restarts it')
    process.exitCode = 1
    process.kill(process.pid, 'SIGTERM')
  })
  const app = await createHttpApp({
    name: 'saver',
    description: 'Health and metrics of the measurement saver.',
    logger,
    metrics,
    ready: async () => {
      const [brokerUp, storageUp] = await Promise.all([broker.isReachable(), storage.isReachable()])
      return {
        ready: brokerUp && storageUp,
        detail: `${broker.name} ${brokerUp ? 'up' : 'down'}, ${storage.name} ${storageUp ? 'up' : 'down'}`,
      }
    },
  })
  const urls = await listen(app, 'saver', config.host, config.saverPort, logger)
  logger.info({ group: config.groupId, topic: config.topic }, 'saver consuming')
  return {
    name: 'saver',
    urls,
    async close() {
      await consumer.stop()
      await app.close()
    },
  }
}
