import type { Broker, IncomingRecord, OutgoingRecord, RecordBatch } from '../../broker/broker.ts'
import type { Measurement } from '../../domain/measurement.ts'
import { validateMeasurement } from '../../domain/validation.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import { deadLetterRecord, type Rejection } from './dead-letter.ts'

export interface SaverOptions {
  readonly broker: Broker
  readonly repository: MeasurementsRepository
  readonly logger: Logger
  readonly metrics: Metrics
  readonly groupId: string
  readonly errorsTopic: string
  readonly futureToleranceMs: number
}

type Decoded = { ok: true; measurement: Measurement } | { ok: false; rejection: Rejection }

/** Parses and checks one record. Other producers than ours write to the topic, so nothing is trusted. */
export function decodeRecord(record: IncomingRecord, futureToleranceMs: number): Decoded {
  let item: unknown
  try {
    item = JSON.parse(record.value.toString('utf8'))
  } catch (error) {
    return { ok: false, rejection: { reason: `payload is not valid JSON: ${(error as Error).message}` } }
  }
  // "Now" is when Kafka stored the record, so a redelivery days later judges it as it was judged then.
  const result = validateMeasurement(item, record.timestampMs, futureToleranceMs)
  if (!result.ok)
    return {
      ok: false,
      rejection: { reason: `${result.problem.field} ${result.problem.reason}`, field: result.problem.field },
    }
  return result
}

/**
 * The saver's batch handler. Bad records go to the errors topic first, then good ones are
 * written in one transaction; only then does the loop commit offsets. A crash in between
 * redelivers the batch: the insert skips what is already stored, and a bad record may be
 * dead-lettered twice, which is harmless for a log meant for inspection.
 */
export function createSaverHandler(options: SaverOptions): (batch: RecordBatch) => Promise<void> {
  const { metrics, repository } = options
  return async (batch) => {
    const measurements: Measurement[] = []
    const deadLetters: OutgoingRecord[] = []
    const reasons: string[] = []
    for (const record of batch.records) {
      const decoded = decodeRecord(record, options.futureToleranceMs)
      if (decoded.ok) measurements.push(decoded.measurement)
      else {
        deadLetters.push(deadLetterRecord(record, decoded.rejection, options.errorsTopic))
        reasons.push(decoded.rejection.field ?? 'payload')
        options.logger.warn(
          {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset.toString(),
            reason: decoded.rejection.reason,
          },
          'record sent to the errors topic',
        )
      }
    }
    if (deadLetters.length > 0) {
      await options.broker.publish(deadLetters)
      for (const reason of reasons) metrics.deadLettered.inc({ reason })
    }
    const stop = metrics.sqlDuration.startTimer({ operation: 'insert_batch' })
    let inserted: number
    try {
      inserted = await repository.insertBatch(measurements)
      stop({ outcome: 'ok' })
    } catch (error) {
      stop({ outcome: 'error' })
      throw error
    }
    metrics.recordsConsumed.inc(
      { group: options.groupId, topic: batch.records[0]?.topic ?? '' },
      batch.records.length,
    )
    metrics.rowsInserted.inc(inserted)
    metrics.duplicatesSkipped.inc(measurements.length - inserted)
  }
}
