import { probesOnly } from '../../auth/access-hooks.ts'
import type { Broker, RecordBatch } from '../../broker/broker.ts'
import type { Config } from '../../config/config.ts'
import { runBatchConsumer } from '../../consumer/batch-consumer.ts'
import { brokerAndStorageReady, exitWhenLoopFails, logRejoins } from '../../consumer/consumer-role.ts'
import { createHttpApp } from '../../http/http-app.ts'
import { listen, type RunningRole } from '../../http/running-role.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import { type DeadLetterEntry, DeadLettersRepository } from '../../storage/dead-letters-repository.ts'
import type { Storage } from '../../storage/storage.ts'
import { toStorageError } from '../../storage/storage-errors.ts'
import { parseErrorsRecord } from './dead-letter-entry.ts'

/** The errors topic is low volume; a batch this size is one short INSERT. */
const BATCH_SIZE = 500
const BATCH_WAIT_MS = 100

/**
 * The dead-letter saver's batch handler: one INSERT ... ON CONFLICT DO NOTHING per batch, keyed
 * by the errors record's coordinates. The loop commits offsets only after it, so a crash
 * redelivers the batch and the insert skips what is stored: each entry is stored once.
 */
export function createDeadLetterHandler(
  repository: DeadLettersRepository,
  logger: Logger,
  metrics: Metrics,
  groupId: string,
) {
  return async (batch: RecordBatch) => {
    const entries: DeadLetterEntry[] = []
    for (const record of batch.records) {
      const parsed = parseErrorsRecord(record)
      if (parsed.kind === 'entry') {
        entries.push(parsed.entry)
        continue
      }
      // A passing failure is the consume loop's to retry; parking it here would hide an outage as bad data.
      metrics.deadLettersRefused.inc()
      logger.warn(
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset.toString(),
          why: parsed.why,
        },
        'errors-topic entry is not a permanent failure; not stored as a dead letter',
      )
    }
    const stop = metrics.sqlDuration.startTimer({ operation: 'insert_dead_letters' })
    try {
      metrics.deadLettersStored.inc(await repository.insertEntries(entries))
      stop({ outcome: 'ok' })
      metrics.recordsConsumed.inc(
        { group: groupId, topic: batch.records[0]?.topic ?? '' },
        batch.records.length,
      )
    } catch (error) {
      stop({ outcome: 'error' })
      throw toStorageError(error)
    }
  }
}

/**
 * Starts the dead-letter saver: one consumer-group member on the errors topic that stores each
 * entry in `dead_letters` exactly once, with /health, /ready and /metrics on its own port.
 * It is a role of its own rather than a part of the saver so that the saver's scaling (one
 * member per partition of `temperatures`) and its KEDA trigger stay about measurements only.
 */
export async function startDeadLetterSaver(
  config: Config,
  broker: Broker,
  storage: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<RunningRole> {
  const subscription = await broker.subscribe({
    groupId: config.deadLetterGroup,
    topics: [config.errorsTopic],
    maxBatch: BATCH_SIZE,
    maxWaitMs: BATCH_WAIT_MS,
    onRejoin: logRejoins(logger, config.deadLetterGroup),
  })
  const consumer = runBatchConsumer({
    name: config.deadLetterGroup,
    subscription,
    handle: createDeadLetterHandler(
      new DeadLettersRepository(storage.db),
      logger,
      metrics,
      config.deadLetterGroup,
    ),
    logger,
    metrics,
  })
  exitWhenLoopFails(consumer, logger, 'dead-letter-saver')
  const app = await createHttpApp({
    name: 'dead-letter-saver',
    description: 'Health and metrics of the dead-letter saver (errors topic → dead_letters).',
    logger,
    metrics,
    ready: brokerAndStorageReady(broker, storage),
    auth: probesOnly(config.metricsToken),
  })
  const urls = await listen(app, 'dead-letter-saver', config.host, config.deadLetterSaverPort, logger)
  logger.info({ group: config.deadLetterGroup, topic: config.errorsTopic }, 'dead-letter saver consuming')
  return {
    name: 'dead-letter-saver',
    urls,
    async close() {
      await consumer.stop()
      await app.close()
    },
  }
}
