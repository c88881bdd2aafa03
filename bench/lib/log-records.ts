import type { OutgoingRecord } from '../../src/broker/broker.ts'

export const BENCH_TOPIC = 'temperatures'
const SENSORS = 1000

/** About 90 bytes, the size of one measurement as the ingest role publishes it. */
export function measurementRecord(index: number): OutgoingRecord {
  const sensorId = `sensor-${String(index % SENSORS).padStart(4, '0')}`
  const temperature = (15 + (index % 200) / 10).toFixed(2)
  const value = JSON.stringify({
    sensorId,
    ts: new Date(1_767_225_600_000 + index).toISOString(),
    temperature,
  })
  return { topic: BENCH_TOPIC, key: sensorId, value }
}

/** `total` records cut into publish calls of `batchSize`, built before any clock starts. */
export function recordBatches(total: number, batchSize: number): OutgoingRecord[][] {
  const calls = Math.ceil(total / batchSize)
  return Array.from({ length: calls }, (_, call) =>
    Array.from({ length: Math.min(batchSize, total - call * batchSize) }, (_, i) =>
      measurementRecord(call * batchSize + i),
    ),
  )
}

export const perSecond = (count: number, ms: number) =>
  Math.round((count * 1000) / ms).toLocaleString('en-US')
