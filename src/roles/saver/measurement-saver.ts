import type { Broker, IncomingRecord, OutgoingRecord, RecordBatch } from '../../broker/broker.ts'
import type { Measurement } from '../../domain/measurement.ts'
import { validateMeasurement } from '../../domain/validation.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import { toStorageError } from '../../storage/storage-errors.ts'
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

function logDeadLettered(logger: Logger, record: IncomingRecord, reason: string): void {
  logger.warn(
    { topic: record.topic, partition: record.partition, offset: record.offset.toString(), reason },
    'record sent to the errors topic',
  )
}

/** SQLSTATE class 22: the data itself is wrong, so retrying cannot help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'string' && code.startsWith('22')
}

async function insertOneByOne(
  measurements: readonly Measurement[],
  sources: readonly IncomingRecord[],
  options: SaverOptions,
): Promise<number> {
  let inserted = 0
  for (let index = 0; index < measurements.length; index++) {
    const measurement = measurements[index] as Measurement
    try {
      inserted += await options.repository.insertBatch([measurement])
    } catch (error) {
      if (!isDataError(error)) throw toStorageError(error)
      const source = sources[index] as IncomingRecord
      const rejection = { reason: `PostgreSQL refused the row: ${(error as Error).message}` }
      await options.broker.publish([deadLetterRecord(source, rejection, options.errorsTopic)])
      options.metrics.deadLettered.inc({ reason: 'database' })
      logDeadLettered(options.logger, source, rejection.reason)
    }
  }
  return inserted
}

/** A batch parsed and checked: what to insert, and what to send to the errors topic. */
export interface DecodedBatch {
  readonly measurements: Measurement[]
  readonly sources: IncomingRecord[]
  readonly rejected: Array<{ readonly record: IncomingRecord; readonly rejection: Rejection }>
}

/** Pure CPU work, so the consume loop runs it while the batch before is still being inserted. */
export function decodeBatch(batch: RecordBatch, futureToleranceMs: number): DecodedBatch {
  const decodedBatch: DecodedBatch = { measurements: [], sources: [], rejected: [] }
  for (const record of batch.records) {
    const decoded = decodeRecord(record, futureToleranceMs)
    if (decoded.ok) {
      decodedBatch.measurements.push(decoded.measurement)
      decodedBatch.sources.push(record)
    } else {
      decodedBatch.rejected.push({ record, rejection: decoded.rejection })
    }
  }
  return decodedBatch
}

/**
 * The saver's batch handler. Bad records go to the errors topic first, then good ones are
 * written in one transaction; only then does the loop commit offsets. A crash in between
 * redelivers the batch: the insert skips what is already stored, and a bad record may be
 * dead-lettered twice, which is harmless for a log meant for inspection.
 */
export function createSaverHandler(options: SaverOptions) {
  const { metrics, repository } = options
  const prepare = (batch: RecordBatch) => decodeBatch(batch, options.futureToleranceMs)
  const handle = async (batch: RecordBatch, { measurements, sources, rejected }: DecodedBatch) => {
    if (rejected.length > 0) {
      const deadLetters: OutgoingRecord[] = rejected.map(({ record, rejection }) =>
        deadLetterRecord(record, rejection, options.errorsTopic),
      )
      await options.broker.publish(deadLetters)
      for (const { record, rejection } of rejected) {
        metrics.deadLettered.inc({ reason: rejection.field ?? 'payload' })
        logDeadLettered(options.logger, record, rejection.reason)
      }
    }
    const stop = metrics.sqlDuration.startTimer({ operation: 'insert_batch' })
    let inserted: number
    try {
      inserted = await repository.insertBatch(measurements)
      stop({ outcome: 'ok' })
    } catch (error) {
      stop({ outcome: 'error' })
      if (!isDataError(error)) throw toStorageError(error)
      // A value the schema let through but PostgreSQL refuses would fail the batch forever:
      // find it row by row, dead-letter it, keep the rest. Availability errors still retry.
      inserted = await insertOneByOne(measurements, sources, options)
    }
    metrics.recordsConsumed.inc(
      { group: options.groupId, topic: batch.records[0]?.topic ?? '' },
      batch.records.length,
    )
    metrics.rowsInserted.inc(inserted)
    metrics.duplicatesSkipped.inc(measurements.length - inserted)
  }
  return { prepare, handle }
}
