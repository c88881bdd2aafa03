import { type Static, Type } from '@sinclair/typebox'

/** Absolute zero and a ceiling no ordinary temperature sensor reports: outside this range a reading is an error. */
export const MIN_TEMPERATURE_C = -273.15
export const MAX_TEMPERATURE_C = 1000
export const MAX_SENSOR_ID_LENGTH = 128

/**
 * One measurement as clients send it. The same schema validates requests and produces the
 * OpenAPI document, so the two cannot disagree.
 */
export const MeasurementInput = Type.Object(
  {
    sensor_id: Type.String({
      minLength: 1,
      maxLength: MAX_SENSOR_ID_LENGTH,
      pattern: '^\\S(.*\\S)?$',
      description: 'sensor identifier, 1 to 128 characters, no leading or trailing space',
      examples: ['sensor-001'],
    }),
    temperature: Type.Number({
      minimum: MIN_TEMPERATURE_C,
      maximum: MAX_TEMPERATURE_C,
      description: 'degrees Celsius, from -273.15 to 1000',
      examples: [21.5],
    }),
    timestamp: Type.Union(
      [
        Type.String({ format: 'date-time', description: 'ISO-8601 date-time with a time zone' }),
        Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'milliseconds since the Unix epoch' }),
      ],
      {
        description: 'when the reading was taken: ISO-8601 or epoch milliseconds',
        examples: ['2026-11-22T10:00:00Z'],
      },
    ),
  },
  { additionalProperties: false, $id: 'Measurement' },
)
export type MeasurementInput = Static<typeof MeasurementInput>

/** A validated measurement, normalised: the timestamp is epoch milliseconds. */
export interface Measurement {
  readonly sensorId: string
  readonly temperature: number
  readonly timestampMs: number
}

/** The wire form on Kafka: compact JSON with an ISO timestamp, readable with any console consumer. */
export function encodeMeasurement(measurement: Measurement): string {
  return `{"sensor_id":${JSON.stringify(measurement.sensorId)},"temperature":${measurement.temperature},"timestamp":"${new Date(measurement.timestampMs).toISOString()}"}`
}
