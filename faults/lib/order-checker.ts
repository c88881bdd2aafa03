import type { StoredRow } from './checker.ts'
import { keyOf } from './history.ts'
import type { KafkaRecord } from './kafka-probe.ts'

export interface OrderVerdict {
  readonly kafkaRecords: number
  /** Records in Kafka that repeat an earlier (sensor, ts): retries and redeliveries the saver had to skip. */
  readonly duplicatesInKafka: number
  readonly sensors: number
  /** Sensors whose rows, in insertion order, are not in the order Kafka holds their records. */
  readonly violations: number
  /** Distinct measurements in Kafka with no row (the saver skipped something it read). */
  readonly inKafkaNotStored: number
  readonly samples: string[]
}

/**
 * P6: one sensor's readings are stored in the order Kafka holds them. All of a sensor's
 * records are in one partition (key = sensor_id); the first copy of each (sensor, ts) in offset
 * order is the one the saver inserts, so the rows of a sensor in id order must list the same
 * keys in the same order.
 */
export function checkOrder(rows: readonly StoredRow[], records: readonly KafkaRecord[]): OrderVerdict {
  const sorted = [...records].sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
  const kafkaOrder = new Map<string, string[]>()
  const seen = new Set<string>()
  for (const record of sorted) {
    let parsed: { sensor_id?: unknown; timestamp?: unknown }
    try {
      parsed = JSON.parse(record.value)
    } catch {
      continue
    }
    if (typeof parsed.sensor_id !== 'string' || typeof parsed.timestamp !== 'string') continue
    // PostgreSQL receives text as UTF-8, where a lone surrogate becomes U+FFFD: compare what can be stored.
    const sensor = parsed.sensor_id.toWellFormed()
    const key = keyOf(sensor, Date.parse(parsed.timestamp))
    if (seen.has(key)) continue
    seen.add(key)
    let list = kafkaOrder.get(sensor)
    if (!list) {
      list = []
      kafkaOrder.set(sensor, list)
    }
    list.push(key)
  }
  const storedOrder = new Map<string, string[]>()
  const stored = new Set<string>()
  for (const row of rows) {
    const key = keyOf(row.sensor_id, row.ms)
    stored.add(key)
    let list = storedOrder.get(row.sensor_id)
    if (!list) {
      list = []
      storedOrder.set(row.sensor_id, list)
    }
    list.push(key)
  }
  const samples: string[] = []
  let violations = 0
  let inKafkaNotStored = 0
  for (const key of seen) if (!stored.has(key)) inKafkaNotStored += 1
  for (const [sensor, expected] of kafkaOrder) {
    const actual = (storedOrder.get(sensor) ?? []).filter((key) => seen.has(key))
    const wanted = expected.filter((key) => stored.has(key))
    const at = wanted.findIndex((key, index) => actual[index] !== key)
    if (at >= 0 || actual.length !== wanted.length) {
      violations += 1
      if (samples.length < 5)
        samples.push(
          `${sensor}: Kafka has ${wanted[at] ?? '(end)'} at #${at}, table has ${actual[at] ?? '(end)'}`,
        )
    }
  }
  return {
    kafkaRecords: records.length,
    duplicatesInKafka: records.length - seen.size,
    sensors: kafkaOrder.size,
    violations,
    inKafkaNotStored,
    samples,
  }
}
