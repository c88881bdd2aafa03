/**
 * Ingest's per-measurement CPU outside HTTP and Kafka: checking an item and encoding its Kafka
 * value, and the saver's decoding of that value, in µs per measurement on one core. The timestamp
 * text is also timed the way it was written before (`new Date(ms).toISOString()` per measurement),
 * the reference the cached form is measured against.
 *
 *   npx node bench/ingest-encode.bench.ts [--measurements 200000] [--sensors 20000] [--rounds 5]
 */
import { parseArgs } from 'node:util'
import { encodeMeasurement, type Measurement } from '../src/domain/measurement.ts'
import { validateMeasurement } from '../src/domain/validation.ts'
import { decodeRecord } from '../src/roles/saver/measurement-saver.ts'

const { values: args } = parseArgs({
  options: {
    measurements: { type: 'string', default: '200000' },
    sensors: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
  },
})
const count = Number(args.measurements)
const sensors = Number(args.sensors)
const rounds = Number(args.rounds)

// Like the load generator: many sensors, timestamps a few ms apart, as a JSON body decodes them.
const startMs = Date.now() - count
const items = Array.from({ length: count }, (_, index) => ({
  sensor_id: `sensor-${index % sensors}`,
  temperature: 20 + (index % 100) / 10,
  timestamp: new Date(startMs + Math.floor(index / 4)).toISOString(),
}))
const measurements: Measurement[] = items.map((item) => {
  const result = validateMeasurement(item, Date.now(), 300_000)
  if (!result.ok) throw new Error(`the generated item is invalid: ${JSON.stringify(result.problem)}`)
  return result.measurement
})
const records = measurements.map((measurement, offset) => ({
  topic: 'temperatures',
  partition: 0,
  offset: BigInt(offset),
  key: measurement.sensorId,
  value: Buffer.from(encodeMeasurement(measurement)),
  timestampMs: Date.now(),
}))

/** Best of `rounds` passes, in µs per measurement; the checksum keeps the work from being optimised away. */
function time(name: string, pass: () => number): void {
  let best = Number.POSITIVE_INFINITY
  let checksum = 0
  for (let round = 0; round < rounds; round++) {
    const startedAt = performance.now()
    checksum += pass()
    best = Math.min(best, performance.now() - startedAt)
  }
  console.log(
    JSON.stringify({ name, microsPerMeasurement: Number(((best * 1000) / count).toFixed(3)), checksum }),
  )
}

time('validate', () => {
  let valid = 0
  const now = Date.now()
  for (const item of items) if (validateMeasurement(item, now, 300_000).ok) valid++
  return valid
})
time('encode', () => {
  let bytes = 0
  for (const measurement of measurements) bytes += encodeMeasurement(measurement).length
  return bytes
})
time('timestamp text, Date.toISOString per measurement (before)', () => {
  let bytes = 0
  for (const measurement of measurements) bytes += new Date(measurement.timestampMs).toISOString().length
  return bytes
})
time('saver decode (JSON.parse + validate)', () => {
  let valid = 0
  for (const record of records) if (decodeRecord(record, 300_000).ok) valid++
  return valid
})
