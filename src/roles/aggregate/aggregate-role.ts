import { hostname } from 'node:os'
import { probesOnly } from '../../auth/access-hooks.ts'
import type { Broker } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { type BatchConsumer, runBatchConsumer } from '../../consumer/batch-consumer.ts'
import { brokerAndStorageReady, exitWhenLoopFails, logRejoins } from '../../consumer/consumer-role.ts'
import { parseWindowSpec } from '../../domain/window-spec.ts'
import { createHttpApp } from '../../http/http-app.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import { messagingSystem, traceBatches, withProducerSpans } from '../../observability/messaging-spans.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { Storage } from '../../storage/storage.ts'
import { AlertsRepository } from './alerts-repository.ts'
import { OutboxPublisher } from './outbox-publisher.ts'
import { WindowAggregator } from './window-aggregator.ts'
import { WindowsRepository } from './windows-repository.ts'

/** PGlite in-process runs on the event loop: smaller transactions keep the other roles of the process answering. */
const SINGLE_CONNECTION_MAX_BATCH = 500
/** How often a member closes windows when no record comes (the watermark may follow the clock). */
const TICK_MS = 1000

/**
 * Starts the window aggregator: `--aggregate-consumers` members of its own consumer group on the
 * measurements topic, each merging batches into `measurement_windows` with its checkpoint in
 * `stream_offsets`, with /health, /ready and /metrics on its own port.
 */
export async function startAggregate(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const createAggregator = windowAggregators(config, broker, storage, logger, metrics)
  const onEventLoop = storage.capabilities.blocksEventLoop
  const members = onEventLoop ? 1 : config.aggregateConsumers
  const consumers: BatchConsumer[] = []
  const timers: NodeJS.Timeout[] = []
  for (let member = 0; member < members; member++) {
    const aggregator = createAggregator()
    const subscription = await broker.subscribe({
      groupId: config.aggregateGroup,
      topics: [config.topic],
      maxBatch: mergeSizeOn(storage, config.aggregateBatchSize),
      maxWaitMs: config.aggregateBatchWaitMs,
      startAt: aggregator.startAt,
      onRejoin: logRejoins(logger, config.aggregateGroup),
    })
    const traced = traceBatches(
      { subscription, prepare: aggregator.prepare, handle: aggregator.handle },
      {
        system: messagingSystem(broker),
        group: config.aggregateGroup,
        member: `${hostname()}/${process.pid}/${member}`,
      },
    )
    const consumer = runBatchConsumer({
      name: config.aggregateGroup,
      ...traced,
      logger,
      metrics,
      readAhead: 1,
    })
    exitWhenLoopFails(consumer, logger, 'aggregator')
    consumers.push(consumer)
    timers.push(tickEverySecond(aggregator, logger))
  }
  const app = await createHttpApp({
    auth: probesOnly(config.metricsToken),
    name: 'aggregate',
    description: 'Health and metrics of the window aggregator.',
    logger,
    metrics,
    ready: brokerAndStorageReady(broker, storage),
  })
  const urls = await listen(app, 'aggregate', config.host, config.aggregatePort, logger)
  logger.info(
    { group: config.aggregateGroup, topic: config.topic, members, windows: config.windows },
    'aggregator consuming',
  )
  return {
    name: 'aggregate',
    urls,
    async close() {
      for (const timer of timers) clearInterval(timer)
      await Promise.all(consumers.map((consumer) => consumer.stop()))
      await app.close()
    },
  }
}

/**
 * Makes the window aggregator of one group member from the settings; the members of a process
 * share one outbox publisher. Used by this role and by the saver's `--inline-aggregator`.
 */
export function windowAggregators(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): () => WindowAggregator {
  const specs = config.windows.map(parseWindowSpec)
  // Window and alert events get a producer span (child of the batch span when published inside it).
  const outbox = new OutboxPublisher(storage.db, withProducerSpans(broker), metrics)
  return () =>
    new WindowAggregator({
      windows: new WindowsRepository(storage.db, config.aggregateGroup, config.topic),
      alerts: new AlertsRepository(),
      outbox,
      logger,
      metrics,
      specs,
      allowedLatenessMs: config.allowedLatenessMs,
      idleTimeoutMs: config.idleTimeoutMs,
      futureToleranceMs: config.futureToleranceMs,
      windowsTopic: config.windowsTopic,
      alertsTopic: config.alertsTopic,
      topic: config.topic,
    })
}

/** Most records a merge takes on `storage`: on the event loop (PGlite in-process), small ones. */
export function mergeSizeOn(storage: Storage, size: number): number {
  return storage.capabilities.blocksEventLoop ? Math.min(size, SINGLE_CONNECTION_MAX_BATCH) : size
}

/** Closes a member's due windows once a second, one tick at a time; a failed tick is logged and tried again. */
export function tickEverySecond(aggregator: WindowAggregator, logger: Logger): NodeJS.Timeout {
  let ticking = false
  const timer = setInterval(() => {
    if (ticking) return
    ticking = true
    aggregator
      .tick()
      .catch((error: unknown) => logger.warn({ err: error }, 'closing windows failed; trying again'))
      .finally(() => {
        ticking = false
      })
  }, TICK_MS)
  timer.unref()
  return timer
}
