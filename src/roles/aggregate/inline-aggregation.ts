import type { RecordBatch } from '../../broker/broker.ts'
import type { Measurement } from '../../domain/measurement.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { BatchCompanion, DecodedBatch } from '../../streams/stream-consumer.ts'
import { tickEverySecond } from './aggregate-role.ts'
import { ReadingColumns } from './reading-columns.ts'
import type { WindowAggregator } from './window-aggregator.ts'

export interface InlineAggregationOptions {
  /** Records that start a merge (`--inline-aggregate-batch-size`); the saver's next batch waits only at twice as many. */
  readonly maxRecords: number
  /** Longest a record waits to be merged, in ms (`--aggregate-batch-wait`). */
  readonly maxWaitMs: number
  readonly logger: Logger
  readonly metrics: Metrics
}

/** How often the held records are checked against `maxWaitMs`. */
const CHECK_MS = 250
/** The saver waits once this many times `maxRecords` are held (one merge running, the next one full). */
const HELD_LIMIT = 2
/** Pause after a failed merge before the timer tries again (the saver's own batches retry on their own). */
const RETRY_MS = 2000

/**
 * The window aggregator of one saver member (`--inline-aggregator`): it takes the batches the
 * saver already read and decoded, holds their readings and merges them in one transaction with
 * its checkpoint, exactly as the `aggregate` role does with batches it reads itself. A merge
 * starts once `maxRecords` are held or the oldest waited `maxWaitMs`, and runs beside the
 * saver's own inserts (another connection); the saver waits only when twice `maxRecords` are
 * held. The saver commits its offsets before the merge, so a crash loses the held readings; the
 * member then starts at the lower of the checkpoint and the committed offset and reads them
 * again. A merge that fails after its transaction committed (publishing its events) puts its
 * readings back too: the next merge finds them below the checkpoint and skips them. Measured on
 * the batched bench: bench/results/ANALYSIS.md, "The window aggregator inside the saver".
 */
export function inlineAggregation(
  aggregator: WindowAggregator,
  options: InlineAggregationOptions,
): BatchCompanion<Measurement> {
  let held = new ReadingColumns()
  let oldestAt = 0
  let retryAt = 0
  let merging: Promise<void> | undefined

  const mergeHeld = async () => {
    const taken = held
    held = new ReadingColumns()
    try {
      await aggregator.apply(taken)
    } catch (error) {
      // Back in front, in log order: the next merge takes them with whatever came since.
      held = taken.append(held)
      throw error
    }
  }
  /** One merge at a time; a caller arriving during one waits for it. */
  const merge = () => {
    merging ??= mergeHeld().finally(() => {
      merging = undefined
    })
    return merging
  }

  /** Starts a merge in the background when one is due; a failure is logged and retried after a pause. */
  const mergeIfDue = () => {
    const now = performance.now()
    if (held.length === 0 || merging || now < retryAt) return
    if (held.length < options.maxRecords && now - oldestAt < options.maxWaitMs) return
    merge().catch((error: unknown) => {
      retryAt = performance.now() + RETRY_MS
      options.logger.warn({ err: error, held: held.length }, 'merging windows failed; trying again')
    })
  }
  const timer = setInterval(mergeIfDue, CHECK_MS)
  timer.unref()
  const ticker = tickEverySecond(aggregator, options.logger)

  return {
    startAt: aggregator.startAtOrBefore,
    async ready() {
      if (held.length < HELD_LIMIT * options.maxRecords) return
      const startedAt = performance.now()
      try {
        while (held.length >= HELD_LIMIT * options.maxRecords) await merge()
      } finally {
        options.metrics.inlineAggregatorWait.inc((performance.now() - startedAt) / 1000)
      }
    },
    written(batch: RecordBatch, { items, sources, rejected }: DecodedBatch<Measurement>) {
      if (held.length === 0) oldestAt = performance.now()
      aggregator.noteRead(batch)
      // The decoded batch keeps the good and the rejected records apart, each in read order:
      // walking the batch interleaves them again, so every partition's offsets stay in log order.
      let good = 0
      let bad = 0
      for (const record of batch.records) {
        const partition = record.partition
        const offset = Number(record.offset)
        if (sources[good] === record) {
          const { sensorId, temperature, timestampMs } = items[good++] as Measurement
          held.pushReading(sensorId, temperature, timestampMs, partition, offset)
        } else if (rejected[bad]?.record === record) {
          const { rejection } = rejected[bad++] as DecodedBatch<Measurement>['rejected'][number]
          held.pushSkipped(partition, offset, rejection.field ?? 'payload')
        }
      }
      mergeIfDue()
    },
    async stop() {
      clearInterval(timer)
      clearInterval(ticker)
      try {
        while (held.length > 0 || merging) await merge()
      } catch (error) {
        options.logger.warn(
          { err: error, held: held.length },
          'merging windows on shutdown failed; they are read again from the checkpoint',
        )
      }
    },
  }
}
