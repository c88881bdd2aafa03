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
  const seen = new Set<string>()
  const duplicates = new Set<number>()
  for (let i = 0; i < readings.length; i++) {
    const reading = readings[i] as Reading
    const key = `${reading.timestampMs}|${reading.sensorId}`
    if (seen.has(key)) duplicates.add(i)
    else seen.add(key)
  }
  return duplicates
}

/**
 * Pre-aggregates a batch's readings per window in memory, so the database upserts each window of
 * the batch once instead of grouping every reading itself. A reading falls in every window of a
 * spec whose start lies in (ts − size, ts], the windows `date_bin(hop, ts, epoch) − k·hop` give.
 */
export function groupIntoWindows(readings: Iterable<Reading>, specs: readonly WindowSpec[]): WindowGroup[] {
  const groups = new Map<string, WindowGroup>()
  for (const reading of readings) {
    const { sensorId, timestampMs: ts, temperature: value } = reading
    for (const spec of specs) {
      for (let start = firstWindowStart(spec, ts); start <= ts; start += spec.hopMs) {
        const key = `${start}|${spec.label}|${sensorId}`
        const group = groups.get(key)
        if (group === undefined) {
          groups.set(key, {
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
          })
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
  return [...groups.values()]
}
