import { Type } from '@sinclair/typebox'
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
 * The same schemas with any string for `timestamp`: used only once `canonicalTimestampMs` has
 * found the timestamp valid, so the date-time format (regexes and calendar checks, ~6 % of the
 * saver's CPU) is not checked again for every record.
 */
const anyStringTimestamp = { timestamp: Type.String() }
const validateV1KnownTime = ajv.compile(
  Type.Object({ ...MeasurementInput.properties, ...anyStringTimestamp }, { additionalProperties: false }),
)
const validateV2KnownTime = ajv.compile(
  Type.Object({ ...MeasurementInputV2.properties, ...anyStringTimestamp }, { additionalProperties: false }),
)

/** Epoch ms of the second whose text `cachedSecondText` holds (`YYYY-MM-DDTHH:MM:SS`). */
let cachedSecondText = ''
let cachedSecondMs = 0

/**
 * Epoch ms of a timestamp in the form Flowline writes to Kafka (`encodeMeasurement`) and
 * `toISOString` gives, `YYYY-MM-DDTHH:MM:SS.sssZ`; undefined for any other text, which the full
 * schema then checks. A text is canonical when it is what `toISOString` makes of its own time,
 * so an impossible date (February 30th, which `Date.parse` rolls over) is never accepted here.
 * Readings in flight share their second: its text is kept from the last call, and a text within
 * it costs a prefix comparison and three digits.
 */
function canonicalTimestampMs(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(19) !== 46 /* . */ || text.charCodeAt(23) !== 90 /* Z */)
    return undefined
  if (cachedSecondText !== '' && text.startsWith(cachedSecondText)) {
    let millis = 0
    for (let i = 20; i < 23; i++) {
      const digit = text.charCodeAt(i) - 48
      if (digit < 0 || digit > 9) return undefined
      millis = millis * 10 + digit
    }
    return cachedSecondMs + millis
  }
  const ms = Date.parse(text)
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) return undefined
  cachedSecondText = text.slice(0, 19)
  cachedSecondMs = Math.floor(ms / 1000) * 1000
  return ms
}

/**
 * The one place where a payload's declared version is read. Version 1 payloads carry no
 * `schema_version` (or 1); an unknown version is refused with a reason, never guessed at.
 */
function shapeOf(
  item: Record<string, unknown>,
  timeKnown: boolean,
): { shaped: unknown; validate: typeof validateV1 } | undefined {
  const version = item.schema_version
  const v1 = timeKnown ? validateV1KnownTime : validateV1
  if (version === undefined) return { shaped: item, validate: v1 }
  if (version === 1) {
    const { schema_version: _, ...rest } = item
    return { shaped: rest, validate: v1 }
  }
  if (version === 2) return { shaped: item, validate: timeKnown ? validateV2KnownTime : validateV2 }
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
  const timestamp = (item as Record<string, unknown>).timestamp
  const canonicalMs = typeof timestamp === 'string' ? canonicalTimestampMs(timestamp) : undefined
  const shape = shapeOf(item as Record<string, unknown>, canonicalMs !== undefined)
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
  const timestampMs =
    canonicalMs ?? (typeof valid.timestamp === 'number' ? valid.timestamp : Date.parse(valid.timestamp))
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
