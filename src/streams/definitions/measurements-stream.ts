import { MEASUREMENT_VERSIONS, type Measurement } from '../../domain/measurement.ts'
import { checkMeasurement, createMeasurementSink } from '../../roles/saver/measurement-saver.ts'
import { MeasurementsRepository } from '../../storage/measurements-repository.ts'
import type { StreamDefinition } from '../stream-definition.ts'

/** Sensor readings from `POST /measurements`: the pipeline Flowline started with. */
export function measurementsStream(futureToleranceMs: number): StreamDefinition<Measurement> {
  return {
    name: 'measurements',
    description: 'temperature readings (v2 adds humidity) into `measurements` and the `sensors` summary',
    versions: MEASUREMENT_VERSIONS,
    keyField: 'sensor_id',
    idempotencyKey: '(sensor_id, timestamp)',
    topic: (config) => config.topic,
    groupId: (config) => config.groupId,
    decode(payload, record) {
      const result = checkMeasurement(payload, record, futureToleranceMs)
      return result.ok ? { ok: true, item: result.measurement } : result
    },
    createSink: (storage) => createMeasurementSink(new MeasurementsRepository(storage.db)),
  }
}
