import { firstWindowStart, type WindowSpec } from '../../domain/window-spec.ts'
import type { Reading } from './windows-repository.ts'

/** The mergeable state a batch adds to one window: what one upsert merges into its row. */
export interface WindowGroup {
  readonly sensorId: string
  readonly label: string
  readonly startMs: number
  readonly endMs: number
  /** The partition of the batch's first reading in the window (windows are closed per partition). */
  partition: number
  count: number
  min: number
  max: number
  sum: number
  sumSquares: number
  firstMs: number
  firstValue: number
  lastMs: number
  lastValue: number
}

/**
 * Keeps the first reading of each `(sensor_id, timestamp)` in log order, as the saver keeps the
 * first row of a key; returns the indexes of the others.
 */
export function duplicatesInBatch(readings: readonly Reading[]): Set<number> {
  // Keyed by sensor, then time: no key string built per reading (that garbage cost more than the lookups).
  const seen = new Map<string, Set<number>>()
  const duplicates = new Set<number>()
  for (let i = 0; i < readings.length; i++) {
    const { sensorId, timestampMs } = readings[i] as Reading
    let times = seen.get(sensorId)
    if (times === undefined) {
      times = new Set()
      seen.set(sensorId, times)
    }
    if (times.has(timestampMs)) duplicates.add(i)
    else times.add(timestampMs)
  }
  return duplicates
}

/** The entry of `key` in a map of maps, created empty when missing. */
function inner<K, V>(outer: Map<K, Map<number, V>>, key: K): Map<number, V> {
  let map = outer.get(key)
  if (map === undefined) {
    map = new Map()
    outer.set(key, map)
  }
  return map
}

/**
 * Pre-aggregates a batch's readings per window in memory, so the database upserts each window of
 * the batch once instead of grouping every reading itself. A reading falls in every window of a
 * spec whose start lies in (ts − size, ts], the windows `date_bin(hop, ts, epoch) − k·hop` give.
 */
export function groupIntoWindows(readings: Iterable<Reading>, specs: readonly WindowSpec[]): WindowGroup[] {
  // Per spec, per sensor, per window start: no key string built per reading.
  const bySpec = specs.map(() => new Map<string, Map<number, WindowGroup>>())
  const all: WindowGroup[] = []
  for (const reading of readings) {
    const { sensorId, timestampMs: ts, temperature: value } = reading
    for (let s = 0; s < specs.length; s++) {
      const spec = specs[s] as WindowSpec
      const starts = inner(bySpec[s] as Map<string, Map<number, WindowGroup>>, sensorId)
      for (let start = firstWindowStart(spec, ts); start <= ts; start += spec.hopMs) {
        const group = starts.get(start)
        if (group === undefined) {
          const created: WindowGroup = {
            sensorId,
            label: spec.label,
            startMs: start,
            endMs: start + spec.sizeMs,
            partition: reading.partition,
            count: 1,
            min: value,
            max: value,
            sum: value,
            sumSquares: value * value,
            firstMs: ts,
            firstValue: value,
            lastMs: ts,
            lastValue: value,
          }
          starts.set(start, created)
          all.push(created)
          continue
        }
        group.count += 1
        if (value < group.min) group.min = value
        if (value > group.max) group.max = value
        group.sum += value
        group.sumSquares += value * value
        if (ts < group.firstMs) {
          group.firstMs = ts
          group.firstValue = value
        }
        if (ts > group.lastMs) {
          group.lastMs = ts
          group.lastValue = value
        }
        if (reading.partition < group.partition) group.partition = reading.partition
      }
    }
  }
  return all
}

/** The readings of one sensor in one minute: the key of an `aggregated_minutes` row. */
export interface MinuteGroup {
  readonly sensorId: string
  readonly minute: number
  /** µs after the minute's start of each reading, and the reading's index in the batch, alike ordered. */
  readonly offsets: number[]
  readonly indexes: number[]
}

const US_PER_MINUTE = 60_000_000
/** Seconds from 1970 to 2000, PostgreSQL's timestamp epoch. */
const PG_EPOCH_S = 946_684_800

/** Round half to even, as C's rint (PostgreSQL's float8 → timestamp conversion). */
function rint(value: number): number {
  const rounded = Math.round(value)
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded
}

/**
 * µs since 1970 of a reading's time as PostgreSQL stores `to_timestamp(ms / 1000)`: rounded to
 * the µs from 2000 on, so that a fractional millisecond lands where the windows' and the saver's
 * timestamps put it. A whole millisecond is `ms × 1000`.
 */
export function epochMicros(timestampMs: number): number {
  if (Number.isInteger(timestampMs)) return timestampMs * 1000
  return rint((timestampMs / 1000 - PG_EPOCH_S) * 1_000_000) + PG_EPOCH_S * 1_000_000
}

/**
 * Groups a batch's readings per sensor and minute (the minutes of `aggregated_minutes`), in
 * memory, so that the database receives one row per group and no row per reading.
 */
export function groupIntoMinutes(readings: readonly Reading[]): MinuteGroup[] {
  const bySensor = new Map<string, Map<number, MinuteGroup>>()
  const all: MinuteGroup[] = []
  for (let index = 0; index < readings.length; index++) {
    const { sensorId, timestampMs } = readings[index] as Reading
    const us = epochMicros(timestampMs)
    const minute = Math.floor(us / US_PER_MINUTE)
    const minutes = inner(bySensor, sensorId)
    let group = minutes.get(minute)
    if (group === undefined) {
      group = { sensorId, minute, offsets: [], indexes: [] }
      minutes.set(minute, group)
      all.push(group)
    }
    group.offsets.push(us - minute * US_PER_MINUTE)
    group.indexes.push(index)
  }
  return all
}
