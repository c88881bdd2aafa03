import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import {
  MEASUREMENT_VERSIONS,
  type Measurement,
  MeasurementInput,
  MeasurementInputV2,
} from './measurement.ts'

/** What is wrong with one item of a request: its index, the field and why. */
export interface ItemProblem {
  readonly index: number
  readonly field: string
  readonly reason: string
}

export type Validated =
  | { ok: true; measurement: Measurement }
  | { ok: false; problem: Omit<ItemProblem, 'index'> }

const ajv = new Ajv({ allErrors: false, strict: false })
addFormats.default(ajv, ['date-time'])
const validateV1 = ajv.compile(MeasurementInput)
const validateV2 = ajv.compile(MeasurementInputV2)

/**
 * The one place where a payload's declared version is read. Version 1 payloads carry no
 * `schema_version` (or 1); an unknown version is refused with a reason, never guessed at.
 */
function shapeOf(
  item: Record<string, unknown>,
): { shaped: unknown; validate: typeof validateV1 } | undefined {
  const version = item.schema_version
  if (version === undefined) return { shaped: item, validate: validateV1 }
  if (version === 1) {
    const { schema_version: _, ...rest } = item
    return { shaped: rest, validate: validateV1 }
  }
  if (version === 2) return { shaped: item, validate: validateV2 }
  return undefined
}

function describe(error: ErrorObject): { field: string; reason: string } {
  const field =
    error.keyword === 'required'
      ? String(error.params.missingProperty)
      : error.keyword === 'additionalProperties'
        ? String(error.params.additionalProperty)
        : error.instancePath.split('/')[1] || '(item)'
  if (error.keyword === 'additionalProperties') return { field, reason: 'is not a known field' }
  if (error.keyword === 'required') return { field, reason: 'is required' }
  if (field === 'timestamp') return { field, reason: 'must be an ISO-8601 date-time or epoch milliseconds' }
  return { field, reason: error.message ?? 'is invalid' }
}

/**
 * Checks one decoded item against the measurement schema and the clock. `nowMs` and the
 * tolerance are parameters so that tests and the saver can apply the same rule.
 */
export function validateMeasurement(item: unknown, nowMs: number, futureToleranceMs: number): Validated {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { ok: false, problem: { field: '(item)', reason: 'must be a JSON object' } }
  }
  const shape = shapeOf(item as Record<string, unknown>)
  if (shape === undefined) {
    const declared = JSON.stringify((item as Record<string, unknown>).schema_version)
    return {
      ok: false,
      problem: {
        field: 'schema_version',
        reason: `${declared} is not a version of the measurement stream (known: ${MEASUREMENT_VERSIONS.join(', ')})`,
      },
    }
  }
  const validateShape = shape.validate
  if (!validateShape(shape.shaped)) {
    const errors = validateShape.errors ?? []
    // A union failure reports every branch; the most specific error is the first non-union one.
    const first = errors.find((error) => error.keyword !== 'anyOf') ?? errors[0]
    return { ok: false, problem: first ? describe(first) : { field: '(item)', reason: 'is invalid' } }
  }
  // Both versions share these fields; the schema just checked them.
  const valid = shape.shaped as MeasurementInputV2 | MeasurementInput
  // PostgreSQL text refuses NUL, and lone surrogates would collapse to U+FFFD there, making two
  // different sensor ids one (found by the fault suite's fuzzing).
  if (valid.sensor_id.includes('\u0000') || !valid.sensor_id.isWellFormed()) {
    return {
      ok: false,
      problem: { field: 'sensor_id', reason: 'must be well-formed text without NUL characters' },
    }
  }
  const timestampMs = typeof valid.timestamp === 'number' ? valid.timestamp : Date.parse(valid.timestamp)
  // Before 1970 is refused too: PostgreSQL rejects year 0000, and no sensor of ours predates the epoch.
  if (!Number.isFinite(timestampMs) || timestampMs < 0) {
    return { ok: false, problem: { field: 'timestamp', reason: 'must be a real date from 1970 on' } }
  }
  if (timestampMs > nowMs + futureToleranceMs) {
    return {
      ok: false,
      problem: { field: 'timestamp', reason: `is more than ${futureToleranceMs} ms in the future` },
    }
  }
  // Upcast to the newest shape: a version 1 reading simply has no humidity.
  const measurement: Measurement = { sensorId: valid.sensor_id, temperature: valid.temperature, timestampMs }
  const humidity = 'humidity' in valid ? valid.humidity : undefined
  return { ok: true, measurement: humidity === undefined ? measurement : { ...measurement, humidity } }
}
