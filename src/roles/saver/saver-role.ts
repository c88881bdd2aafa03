import { probesOnly } from '../../auth/access-hooks.ts'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import type { BatchConsumer } from '../../consumer/batch-consumer.ts'
import { brokerAndStorageReady } from '../../consumer/consumer-role.ts'
import { createHttpApp } from '../../http/http-app.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { Storage } from '../../storage/storage.ts'
import { startStreamConsumers } from '../../streams/stream-consumer.ts'
import { selectedStreams } from '../../streams/stream-registry.ts'
import { mergeSizeOn, windowAggregators } from '../aggregate/aggregate-role.ts'
import { inlineAggregation } from '../aggregate/inline-aggregation.ts'
import { startPartitionMaintenance } from './partition-maintenance.ts'
import { startSummaryFolding } from './summary-folding.ts'

/**
 * Starts the saver: for each stream of `--streams` (default: all), `--consumers` consumer-group
 * members that write batches through the stream's sink and commit offsets after each transaction,
 * with /health, /ready and /metrics on its own port. On close each finishes the batch in hand,
 * commits it and leaves its group. With `--inline-aggregator` each member of the measurements
 * stream also feeds a window aggregator of its own (`inline-aggregation.ts`), merged on close.
 */
export async function startSaver(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const streams = selectedStreams(config)
  // The saver keeps the partitions of `measurements`, and folds the summary deltas its inserts
  // append, only where it writes them.
  const savesMeasurements = streams.some((stream) => stream.name === 'measurements')
  const maintenance = savesMeasurements
    ? await startPartitionMaintenance(
        storage,
        { daysAhead: config.partitionDaysAhead, retentionDays: config.retentionDays },
        logger,
      )
    : undefined
  const folding = savesMeasurements ? await startSummaryFolding(storage, logger) : undefined
  const consumers: BatchConsumer[] = []
  const createAggregator = config.inlineAggregator
    ? windowAggregators(config, broker, storage, logger, metrics)
    : undefined
  for (const stream of streams) {
    // With --inline-aggregator each member of the measurements stream feeds its own aggregator.
    const companionOf =
      createAggregator && stream.name === 'measurements'
        ? () =>
            inlineAggregation(createAggregator(), {
              maxRecords: mergeSizeOn(storage, config.inlineAggregateBatchSize),
              maxWaitMs: config.aggregateBatchWaitMs,
              logger,
              metrics,
            })
        : undefined
    const context = { config, broker, storage, logger, metrics }
    consumers.push(...(await startStreamConsumers(stream, context, companionOf)))
  }
  const app = await createHttpApp({
    auth: probesOnly(config.metricsToken),
    name: 'saver',
    description: 'Health and metrics of the saver (every stream it consumes).',
    logger,
    metrics,
    ready: brokerAndStorageReady(broker, storage),
  })
  const urls = await listen(app, 'saver', config.host, config.saverPort, logger)
  logger.info(
    {
      streams: streams.map((stream) => `${stream.name} (${stream.topic(config)})`),
      ...(createAggregator && { inlineAggregator: config.aggregateGroup, windows: config.windows }),
    },
    'saver consuming',
  )
  return {
    name: 'saver',
    urls,
    async close() {
      await Promise.all(consumers.map((consumer) => consumer.stop()))
      await maintenance?.stop()
      await folding?.stop()
      await app.close()
    },
  }
}
