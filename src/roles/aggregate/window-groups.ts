import { firstWindowStart, type WindowSpec } from '../../domain/window-spec.ts'
import type { ReadingColumns } from './reading-columns.ts'

/** Mergeable state: what a set of readings adds to a window (a window row holds the same). */
export interface WindowState {
  /** The partition of the first reading in the window (windows are closed per partition). */
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

/** The state a batch adds to one window: what one upsert merges into its row. */
export interface WindowGroup extends WindowState {
  readonly sensorId: string
  readonly label: string
  readonly startMs: number
  readonly endMs: number
}

/** A window's state before any reading: a class, so the many created per batch share one shape. */
class EmptyState implements WindowState {
  count = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  sum = 0
  sumSquares = 0
  firstMs = Number.POSITIVE_INFINITY
  firstValue = Number.NaN
  lastMs = Number.NEGATIVE_INFINITY
  lastValue = Number.NaN
  partition: number
  constructor(partition: number) {
    this.partition = partition
  }

  /** Back to empty, so one object serves every minute of a batch. */
  clear(): void {
    this.count = 0
    this.min = Number.POSITIVE_INFINITY
    this.max = Number.NEGATIVE_INFINITY
    this.sum = 0
    this.sumSquares = 0
    this.firstMs = Number.POSITIVE_INFINITY
    this.firstValue = Number.NaN
    this.lastMs = Number.NEGATIVE_INFINITY
    this.lastValue = Number.NaN
    this.partition = Number.POSITIVE_INFINITY
  }
}

/** Adds reading `i` of `readings` to `state`. */
function addReading(state: WindowState, readings: ReadingColumns, i: number): void {
  const ts = readings.timestamps[i] as number
  const value = readings.temperatures[i] as number
  const partition = readings.partitions[i] as number
  state.count += 1
  if (value < state.min) state.min = value
  if (value > state.max) state.max = value
  state.sum += value
  state.sumSquares += value * value
  if (ts < state.firstMs) {
    state.firstMs = ts
    state.firstValue = value
  }
  if (ts > state.lastMs) {
    state.lastMs = ts
    state.lastValue = value
  }
  if (partition < state.partition) state.partition = partition
}

function addState(state: WindowState, other: WindowState): void {
  state.count += other.count
  if (other.min < state.min) state.min = other.min
  if (other.max > state.max) state.max = other.max
  state.sum += other.sum
  state.sumSquares += other.sumSquares
  if (other.firstMs < state.firstMs) {
    state.firstMs = other.firstMs
    state.firstValue = other.firstValue
  }
  if (other.lastMs > state.lastMs) {
    state.lastMs = other.lastMs
    state.lastValue = other.lastValue
  }
  if (other.partition < state.partition) state.partition = other.partition
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

/** A batch's window groups, per spec, per sensor, per window start: no key string built per reading. */
class WindowCollector {
  readonly all: WindowGroup[] = []
  readonly #bySpec = new Map<WindowSpec, Map<string, Map<number, WindowGroup>>>()

  /** The group of the window of `spec` starting at `startMs`, created empty when missing. */
  window(spec: WindowSpec, sensorId: string, startMs: number, partition: number): WindowGroup {
    let sensors = this.#bySpec.get(spec)
    if (sensors === undefined) {
      sensors = new Map()
      this.#bySpec.set(spec, sensors)
    }
    const starts = inner(sensors, sensorId)
    let group = starts.get(startMs)
    if (group === undefined) {
      group = {
        sensorId,
        label: spec.label,
        startMs,
        endMs: startMs + spec.sizeMs,
        partition,
        count: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        sum: 0,
        sumSquares: 0,
        firstMs: Number.POSITIVE_INFINITY,
        firstValue: Number.NaN,
        lastMs: Number.NEGATIVE_INFINITY,
        lastValue: Number.NaN,
      }
      starts.set(startMs, group)
      this.all.push(group)
    }
    return group
  }

  /** A reading falls in every window of a spec whose start lies in (ts − size, ts]. */
  addReading(spec: WindowSpec, readings: ReadingColumns, i: number): void {
    const ts = readings.timestamps[i] as number
    const sensorId = readings.sensorIds[i] as string
    const partition = readings.partitions[i] as number
    for (let start = firstWindowStart(spec, ts); start <= ts; start += spec.hopMs)
      addReading(this.window(spec, sensorId, start, partition), readings, i)
  }
}

/**
 * Pre-aggregates readings per window in memory, so the database upserts each window of a batch
 * once instead of grouping every reading itself. A reading falls in every window of a spec whose
 * start lies in (ts − size, ts], the windows `date_bin(hop, ts, epoch) − k·hop` give.
 */
export function groupIntoWindows(readings: ReadingColumns, specs: readonly WindowSpec[]): WindowGroup[] {
  const windows = new WindowCollector()
  for (let i = 0; i < readings.length; i++) for (const spec of specs) windows.addReading(spec, readings, i)
  return windows.all
}

const MS_PER_MINUTE = 60_000
/** A window of this spec is made of whole minutes (1m, 1h, 10m/5m), so a minute's state merges into it whole. */
const ofWholeMinutes = (spec: WindowSpec) =>
  spec.sizeMs % MS_PER_MINUTE === 0 && spec.hopMs % MS_PER_MINUTE === 0

/**
 * The window groups of the readings in `minutes` (from `groupIntoMinutes`) but those in `skip`.
 * Each minute's readings are summed once and windows of whole minutes take that state whole, so
 * the work per reading does not grow with the number of window sizes; other sizes (`30s`) are
 * grouped reading by reading. A reading's minute is the one PostgreSQL stores its µs in.
 */
export function groupMinutesIntoWindows(
  readings: ReadingColumns,
  minutes: readonly MinuteGroup[],
  skip: ReadonlySet<number>,
  specs: readonly WindowSpec[],
): WindowGroup[] {
  const wholeMinutes = specs.filter(ofWholeMinutes)
  const byReading = specs.filter((spec) => !ofWholeMinutes(spec))
  const windows = new WindowCollector()
  const state = new EmptyState(Number.POSITIVE_INFINITY)
  for (const minute of minutes) {
    state.clear()
    const indexes = minute.indexes
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i] as number
      if (skip.size > 0 && skip.has(index)) continue
      addReading(state, readings, index)
      for (const spec of byReading) windows.addReading(spec, readings, index)
    }
    if (state.count === 0) continue
    const minuteStartMs = minute.minute * MS_PER_MINUTE
    for (const spec of wholeMinutes)
      for (let start = firstWindowStart(spec, minuteStartMs); start <= minuteStartMs; start += spec.hopMs)
        addState(windows.window(spec, minute.sensorId, start, state.partition), state)
  }
  return windows.all
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

/** A batch grouped per sensor and minute, and how many later copies of a reading it left out. */
export interface MinuteGroups {
  readonly groups: MinuteGroup[]
  readonly copies: number
}

/**
 * Groups a batch's readings per sensor and minute (the minutes of `aggregated_minutes`), in
 * memory, so that the database receives one row per group and no row per reading. Of two readings
 * of a sensor at the same µs (the key PostgreSQL stores) the first in log order is kept, as the
 * saver keeps the first row of a key; the later one is left out and counted.
 */
export function groupIntoMinutes(readings: ReadingColumns): MinuteGroups {
  const bySensor = new Map<string, Map<number, MinuteGroup>>()
  const groups: MinuteGroup[] = []
  // A sensor's readings mostly come in time order, and a later offset cannot be a copy: only the
  // groups that received one out of order keep a set of their offsets to look copies up in.
  const outOfOrder = new Map<MinuteGroup, Set<number>>()
  let copies = 0
  for (let index = 0; index < readings.length; index++) {
    const sensorId = readings.sensorIds[index] as string
    const us = epochMicros(readings.timestamps[index] as number)
    const minute = Math.floor(us / US_PER_MINUTE)
    const minutes = inner(bySensor, sensorId)
    let group = minutes.get(minute)
    if (group === undefined) {
      group = { sensorId, minute, offsets: [], indexes: [] }
      minutes.set(minute, group)
      groups.push(group)
    }
    const offset = us - minute * US_PER_MINUTE
    const offsets = group.offsets
    if (offsets.length > 0 && offset <= (offsets[offsets.length - 1] as number)) {
      let seen = outOfOrder.get(group)
      if (seen === undefined) {
        seen = new Set(offsets)
        outOfOrder.set(group, seen)
      }
      if (seen.has(offset)) {
        copies += 1
        continue
      }
      seen.add(offset)
    } else if (outOfOrder.size > 0) outOfOrder.get(group)?.add(offset)
    offsets.push(offset)
    group.indexes.push(index)
  }
  return { groups, copies }
}
