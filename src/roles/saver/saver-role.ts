import { hostname } from 'node:os'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { type BatchConsumer, runBatchConsumer } from '../../consumer/batch-consumer.ts'
import { brokerAndStorageReady, exitWhenLoopFails } from '../../consumer/consumer-role.ts'
import { createHttpApp } from '../../http/http-app.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import { messagingSystem, traceBatches, withProducerSpans } from '../../observability/messaging-spans.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { createSaverHandler } from './measurement-saver.ts'
import { startPartitionMaintenance } from './partition-maintenance.ts'

/**
 * PGlite runs on this process's event loop: a 500-row insert holds it for about 35 ms (measured:
 * 5,000 rows take 260 ms), so smaller batches keep ingest answering in the same process.
 */
const SINGLE_CONNECTION_MAX_BATCH = 500

/**
 * Starts the measurement saver: `--consumers` consumer-group members that write batches to the
 * database and commit offsets after each transaction, with /health, /ready and /metrics on its
 * own port. On close each finishes the batch in hand, commits it and leaves the group.
 */
export async function startSaver(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const maintenance = await startPartitionMaintenance(
    storage,
    { daysAhead: config.partitionDaysAhead, retentionDays: config.retentionDays },
    logger,
  )
  const handler = createSaverHandler({
    // Dead letters get a producer span linking to the records they carry.
    broker: withProducerSpans(broker),
    repository: new MeasurementsRepository(storage.db),
    logger,
    metrics,
    groupId: config.groupId,
    errorsTopic: config.errorsTopic,
    futureToleranceMs: config.futureToleranceMs,
  })
  // Group members in one process: the group splits the partitions between them and each inserts
  // its own in log order on its own connection, so PostgreSQL works on one batch while the
  // process decodes another. PGlite has one connection and runs on this thread: one member.
  const members = storage.capabilities.concurrentConnections ? config.saverConsumers : 1
  const consumers: BatchConsumer[] = []
  for (let member = 0; member < members; member++) {
    const subscription = await broker.subscribe({
      groupId: config.groupId,
      topics: [config.topic],
      maxBatch: storage.capabilities.concurrentConnections
        ? config.saverBatchSize
        : Math.min(config.saverBatchSize, SINGLE_CONNECTION_MAX_BATCH),
      maxWaitMs: config.saverBatchWaitMs,
    })
    // Tracing wraps the subscription and the handler: the batch span covers decode, write and commit.
    const traced = traceBatches(
      { subscription, ...handler },
      {
        system: messagingSystem(broker),
        group: config.groupId,
        member: `${hostname()}/${process.pid}/${member}`,
      },
    )
    const consumer = runBatchConsumer({
      name: config.groupId,
      ...traced,
      logger,
      metrics,
      // Each member decodes its next batch while PostgreSQL inserts the current one.
      readAhead: config.saverReadAhead,
    })
    exitWhenLoopFails(consumer, logger, 'saver')
    consumers.push(consumer)
  }
  const app = await createHttpApp({
    name: 'saver',
    description: 'Health and metrics of the measurement saver.',
    logger,
    metrics,
    ready: brokerAndStorageReady(broker, storage),
  })
  const urls = await listen(app, 'saver', config.host, config.saverPort, logger)
  logger.info({ group: config.groupId, topic: config.topic, members }, 'saver consuming')
  return {
    name: 'saver',
    urls,
    async close() {
      await Promise.all(consumers.map((consumer) => consumer.stop()))
      await maintenance.stop()
      await app.close()
    },
  }
}
