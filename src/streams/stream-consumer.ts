import { hostname } from 'node:os'
import type { Broker, IncomingRecord, RecordBatch, SubscribeOptions } from '../broker/broker.ts'
import type { Config } from '../config/config.ts'
import { type BatchConsumer, runBatchConsumer } from '../consumer/batch-consumer.ts'
import { exitWhenLoopFails, logRejoins } from '../consumer/consumer-role.ts'
import type { Logger } from '../observability/logger.ts'
import { messagingSystem, traceBatches, withProducerSpans } from '../observability/messaging-spans.ts'
import type { Metrics } from '../observability/metrics.ts'
import { deadLetterRecord, type Rejection } from '../roles/saver/dead-letter.ts'
import type { Storage } from '../storage/storage.ts'
import type { StreamDefinition, StreamSink } from './stream-definition.ts'

/**
 * PGlite in-process runs on the event loop: a 500-row insert holds it for about 35 ms (measured:
 * 5,000 rows take 260 ms), so smaller batches keep ingest answering in the same process.
 */
const SINGLE_CONNECTION_MAX_BATCH = 500

/** A batch parsed and checked: the items for the sink, and the records for the errors topic. */
export interface DecodedBatch<Item> {
  readonly items: Item[]
  readonly sources: IncomingRecord[]
  readonly rejected: Array<{ readonly record: IncomingRecord; readonly rejection: Rejection }>
}

export interface StreamHandlerOptions<Item> {
  readonly definition: StreamDefinition<Item>
  readonly sink: StreamSink<Item>
  readonly broker: Broker
  readonly logger: Logger
  readonly metrics: Metrics
  readonly groupId: string
  readonly errorsTopic: string
}

/** Pure CPU work, so the consume loop runs it while the batch before is still being written. */
export function decodeStreamBatch<Item>(
  batch: RecordBatch,
  definition: StreamDefinition<Item>,
): DecodedBatch<Item> {
  const decoded: DecodedBatch<Item> = { items: [], sources: [], rejected: [] }
  for (const record of batch.records) {
    let payload: unknown
    try {
      payload = JSON.parse(record.value.toString('utf8'))
    } catch (error) {
      const reason = `payload is not valid JSON: ${(error as Error).message}`
      decoded.rejected.push({ record, rejection: { reason } })
      continue
    }
    const result = definition.decode(payload, record)
    if (result.ok) {
      decoded.items.push(result.item)
      decoded.sources.push(record)
    } else {
      decoded.rejected.push({ record, rejection: result.rejection })
    }
  }
  return decoded
}

/**
 * Every stream's batch handler. Bad records go to the errors topic first, then the sink writes
 * the good ones, then what the sink refused goes to the errors topic; only then does the loop
 * commit offsets. A crash in between redelivers the batch: the sink skips what it already applied
 * (by the stream's idempotency key) and a refusal may be dead-lettered twice, harmless for a log
 * meant for inspection and replay.
 */
export function createStreamHandler<Item>(options: StreamHandlerOptions<Item>) {
  const { definition, metrics } = options
  const stream = definition.name
  const deadLetter = async (
    entries: ReadonlyArray<{ record: IncomingRecord; rejection: Rejection }>,
    outcome: string,
  ) => {
    if (entries.length === 0) return
    await options.broker.publish(
      entries.map(({ record, rejection }) => deadLetterRecord(record, rejection, options.errorsTopic)),
    )
    for (const { record, rejection } of entries) {
      metrics.deadLettered.inc({ reason: rejection.code ?? rejection.field ?? 'payload' })
      options.logger.warn(
        {
          stream,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset.toString(),
          reason: rejection.reason,
        },
        'record sent to the errors topic',
      )
    }
    metrics.streamRecords.inc({ stream, outcome }, entries.length)
  }
  const prepare = (batch: RecordBatch) => decodeStreamBatch(batch, definition)
  const handle = async (batch: RecordBatch, { items, sources, rejected }: DecodedBatch<Item>) => {
    await deadLetter(rejected, 'dead_lettered')
    const stop = metrics.sqlDuration.startTimer({ operation: `write_${stream}` })
    let result: Awaited<ReturnType<StreamSink<Item>['write']>>
    try {
      result = await options.sink.write(items, sources)
      stop({ outcome: 'ok' })
    } catch (error) {
      stop({ outcome: 'error' })
      throw error
    }
    await deadLetter(
      result.refused.map(({ source, rejection }) => ({ record: source, rejection })),
      'refused',
    )
    metrics.recordsConsumed.inc(
      { group: options.groupId, topic: batch.records[0]?.topic ?? '' },
      batch.records.length,
    )
    metrics.rowsInserted.inc(result.applied)
    metrics.duplicatesSkipped.inc(result.duplicates)
    metrics.streamRecords.inc({ stream, outcome: 'applied' }, result.applied)
    metrics.streamRecords.inc({ stream, outcome: 'duplicate' }, result.duplicates)
    // A whole batch already decided is what a zombie's stale write looks like once its guards held.
    if (items.length > 0 && result.duplicates === items.length) metrics.staleBatches.inc({ stream })
  }
  return { prepare, handle }
}

/**
 * Work that rides on a stream's consumer and sees each batch once the sink wrote it, so one
 * read and decode serve both (the saver's `--inline-aggregator`). It keeps its own checkpoint.
 */
export interface BatchCompanion<Item> {
  /** Where the member starts a partition; it must not skip what the sink has not committed. */
  readonly startAt: NonNullable<SubscribeOptions['startAt']>
  /** Awaited before a batch is written: waits while the companion holds its most (a bounded queue); a rejection fails the batch, which is retried. */
  ready(): Promise<void>
  /** Takes a batch the sink wrote, in read order. */
  written(batch: RecordBatch, decoded: DecodedBatch<Item>): void
  /** After the member stopped: hands on what it holds (or leaves it to be read again). */
  stop(): Promise<void>
}

export interface StreamConsumersOptions {
  readonly config: Config
  readonly broker: Broker
  readonly storage: Storage
  readonly logger: Logger
  readonly metrics: Metrics
}

/**
 * Starts `--consumers` group members for one stream (one on PGlite, which has a single
 * connection on this thread). Each reads its partitions, writes a batch through the stream's
 * sink and commits the offsets after the sink's transaction.
 */
export async function startStreamConsumers<Item>(
  definition: StreamDefinition<Item>,
  { config, broker, storage, logger, metrics }: StreamConsumersOptions,
  companionOf?: (member: number) => BatchCompanion<Item>,
): Promise<BatchConsumer[]> {
  const groupId = definition.groupId(config)
  const handler = createStreamHandler({
    definition,
    sink: definition.createSink(storage, config),
    // Dead letters get a producer span linking to the records they carry.
    broker: withProducerSpans(broker),
    logger: logger.child({ stream: definition.name }),
    metrics,
    groupId,
    errorsTopic: config.errorsTopic,
  })
  const onEventLoop = storage.capabilities.blocksEventLoop
  const maxBatch = Math.min(
    config.saverBatchSize,
    definition.maxBatch ?? Number.POSITIVE_INFINITY,
    onEventLoop ? SINGLE_CONNECTION_MAX_BATCH : Number.POSITIVE_INFINITY,
  )
  // On one session (PGlite on a worker thread) members still help: one decodes and commits on
  // the event loop while the other's transaction runs.
  const consumers: BatchConsumer[] = []
  for (let member = 0; member < (onEventLoop ? 1 : config.saverConsumers); member++) {
    const companion = companionOf?.(member)
    const subscription = await broker.subscribe({
      groupId,
      topics: [definition.topic(config)],
      maxBatch,
      maxWaitMs: config.saverBatchWaitMs,
      ...(companion && { startAt: companion.startAt }),
      onRejoin: logRejoins(logger, groupId),
    })
    // Tracing wraps the subscription and the handler: the batch span covers decode, write and commit.
    const traced = traceBatches(
      { subscription, ...(companion ? withCompanion(handler, companion) : handler) },
      { system: messagingSystem(broker), group: groupId, member: `${hostname()}/${process.pid}/${member}` },
    )
    const consumer = runBatchConsumer({
      name: groupId,
      ...traced,
      logger,
      metrics,
      // Each member decodes its next batch while the database writes the current one.
      readAhead: config.saverReadAhead,
    })
    // The message names the group, hence the stream.
    exitWhenLoopFails(consumer, logger, 'saver')
    consumers.push(
      companion
        ? {
            done: consumer.done,
            async stop() {
              await consumer.stop()
              await companion.stop()
            },
          }
        : consumer,
    )
  }
  return consumers
}

/** The handler with a companion: it makes room before the write and takes the batch after. */
function withCompanion<Item>(
  handler: ReturnType<typeof createStreamHandler<Item>>,
  companion: BatchCompanion<Item>,
): ReturnType<typeof createStreamHandler<Item>> {
  return {
    prepare: handler.prepare,
    async handle(batch, decoded) {
      await companion.ready()
      await handler.handle(batch, decoded)
      companion.written(batch, decoded)
    },
  }
}
