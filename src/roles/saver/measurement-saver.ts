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
 * Whether the schema has something a migration adds, for a saver that may start before it is
 * applied: checked at once, then again at most once a minute until it is there (true is final).
 */
function schemaCheck(check: () => Promise<boolean>): () => Promise<boolean> {
  let present: Promise<boolean> = check().catch(() => false)
  let checkedAt = performance.now()
  return async () => {
    if (!(await present) && performance.now() - checkedAt >= 60_000) {
      checkedAt = performance.now()
      present = check().catch(() => false)
    }
    return present
  }
}

/**
 * The measurement stream's sink: one transaction per batch (`insertBatch`, whose SQL lives in the
 * repository), rows whose `(sensor_id, ts)` exists skipped. A value the schema let through but
 * PostgreSQL refuses would fail the batch forever: the rows are then written one by one and the
 * refused one is returned to be dead-lettered; availability errors still retry the whole batch.
 */
export function createMeasurementSink(repository: MeasurementsRepository): StreamSink<Measurement> {
  // The records' log positions are kept with the rows for the journey view once migration 0011
  // has added their columns, and the summary appended for the fold once 0015 has added its
  // table; until then rows are stored without positions and the summary upserted in the insert.
  const positionColumns = schemaCheck(() => repository.hasLogPositionColumns())
  const summaryDeltas = schemaCheck(() => repository.hasSummaryDeltas())
  async function insert(measurements: readonly Measurement[], sources: readonly IncomingRecord[]) {
    const positions = (await positionColumns()) ? sources : undefined
    return repository.insertBatch(measurements, positions, (await summaryDeltas()) ? 'append' : 'upsert')
  }
  return {
    async write(measurements, sources) {
      try {
        const inserted = await insert(measurements, sources)
        return { applied: inserted, duplicates: measurements.length - inserted, refused: [] }
      } catch (error) {
        if (!isDataError(error)) throw toStorageError(error)
      }
      let inserted = 0
      const refused: Array<SinkResult['refused'][number]> = []
      for (let index = 0; index < measurements.length; index++) {
        try {
          inserted += await insert([measurements[index] as Measurement], [sources[index] as IncomingRecord])
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
