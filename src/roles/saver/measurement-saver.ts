import type { IncomingRecord } from '../../broker/broker.ts'
import type { Measurement } from '../../domain/measurement.ts'
import { validateMeasurement } from '../../domain/validation.ts'
import type { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import { toStorageError } from '../../storage/storage-errors.ts'
import type { SinkResult, StreamSink } from '../../streams/stream-definition.ts'
import type { Rejection } from './dead-letter.ts'

type Decoded = { ok: true; measurement: Measurement } | { ok: false; rejection: Rejection }

/** Parses and checks one record. Other producers than ours write to the topic, so nothing is trusted. */
export function decodeRecord(record: IncomingRecord, futureToleranceMs: number): Decoded {
  let item: unknown
  try {
    item = JSON.parse(record.value.toString('utf8'))
  } catch (error) {
    return { ok: false, rejection: { reason: `payload is not valid JSON: ${(error as Error).message}` } }
  }
  return checkMeasurement(item, record, futureToleranceMs)
}

/** Checks a parsed payload (either version) and upcasts it to the newest `Measurement`. */
export function checkMeasurement(item: unknown, record: IncomingRecord, futureToleranceMs: number): Decoded {
  // "Now" is when Kafka stored the record, so a redelivery days later judges it as it was judged then.
  const result = validateMeasurement(item, record.timestampMs, futureToleranceMs)
  if (!result.ok)
    return {
      ok: false,
      rejection: { reason: `${result.problem.field} ${result.problem.reason}`, field: result.problem.field },
    }
  return result
}

/** SQLSTATE class 22: the data itself is wrong, so retrying cannot help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'string' && code.startsWith('22')
}

/**
 * The measurement stream's sink: one transaction per batch (`insertBatch`, whose SQL lives in the
 * repository), rows whose `(sensor_id, ts)` exists skipped. A value the schema let through but
 * PostgreSQL refuses would fail the batch forever: the rows are then written one by one and the
 * refused one is returned to be dead-lettered; availability errors still retry the whole batch.
 */
export function createMeasurementSink(repository: MeasurementsRepository): StreamSink<Measurement> {
  // The records' log positions are kept with the rows for the journey view once migration 0011
  // has added their columns; until then (checked at most once a minute) rows are stored without.
  // The first check starts with the sink, before any batch arrives.
  let positionColumns: Promise<boolean> = repository.hasLogPositionColumns().catch(() => false)
  let checkedAt = performance.now()
  async function withPositions(sources: readonly IncomingRecord[]) {
    if (!(await positionColumns) && performance.now() - checkedAt >= 60_000) {
      checkedAt = performance.now()
      positionColumns = repository.hasLogPositionColumns()
    }
    return (await positionColumns) ? sources : undefined
  }
  return {
    async write(measurements, sources) {
      try {
        const inserted = await repository.insertBatch(measurements, await withPositions(sources))
        return { applied: inserted, duplicates: measurements.length - inserted, refused: [] }
      } catch (error) {
        if (!isDataError(error)) throw toStorageError(error)
      }
      let inserted = 0
      const refused: Array<SinkResult['refused'][number]> = []
      for (let index = 0; index < measurements.length; index++) {
        try {
          const positions = await withPositions([sources[index] as IncomingRecord])
          inserted += await repository.insertBatch([measurements[index] as Measurement], positions)
        } catch (error) {
          if (!isDataError(error)) throw toStorageError(error)
          const reason = `PostgreSQL refused the row: ${(error as Error).message}`
          refused.push({ source: sources[index] as IncomingRecord, rejection: { reason, code: 'database' } })
        }
      }
      return { applied: inserted, duplicates: measurements.length - inserted - refused.length, refused }
    },
  }
}
