import type { Reading } from './windows-repository.ts'

const FIRST_CAPACITY = 1024

function grown<T extends Float64Array | Int32Array>(array: T, capacity: number): T {
  const larger = new (array.constructor as new (length: number) => T)(capacity)
  larger.set(array)
  return larger
}

/**
 * Records of the `temperatures` topic as columns: each number in a typed array, no object a
 * record. The inline aggregator holds up to hundreds of thousands between merges; held as objects
 * (a reading, its two numbers and its offset: four heap objects) each outlived the scavenges and
 * was promoted, for a mark-compact to collect. Columns cost ~40 bytes a reading and nothing to
 * trace. A record that failed validation keeps its place, as its offset moves the checkpoint,
 * with the reason it is skipped. Offsets are held as numbers: exact below 2^53.
 */
export class ReadingColumns {
  length = 0
  /** Empty for a skipped record. */
  sensorIds: string[] = []
  temperatures: Float64Array
  timestamps: Float64Array
  partitions: Int32Array
  offsets: Float64Array
  /** Why each skipped record is skipped, by index. */
  readonly skipped = new Map<number, string>()

  constructor(capacity = FIRST_CAPACITY) {
    this.temperatures = new Float64Array(capacity)
    this.timestamps = new Float64Array(capacity)
    this.partitions = new Int32Array(capacity)
    this.offsets = new Float64Array(capacity)
  }

  /** Columns of readings given as objects, for tests and callers that have them so. */
  static of(readings: readonly (Reading & { offset?: bigint | number })[]): ReadingColumns {
    const columns = new ReadingColumns(readings.length)
    readings.forEach((r, i) => {
      columns.pushReading(r.sensorId, r.temperature, r.timestampMs, r.partition, Number(r.offset ?? i))
    })
    return columns
  }

  pushReading(sensorId: string, temperature: number, timestampMs: number, partition: number, offset: number) {
    const i = this.#next()
    this.sensorIds.push(sensorId)
    this.temperatures[i] = temperature
    this.timestamps[i] = timestampMs
    this.partitions[i] = partition
    this.offsets[i] = offset
  }

  pushSkipped(partition: number, offset: number, reason: string): void {
    const i = this.#next()
    this.sensorIds.push('')
    this.partitions[i] = partition
    this.offsets[i] = offset
    this.skipped.set(i, reason)
  }

  /** Copies record `i` of `from` to the end. */
  pushFrom(from: ReadingColumns, i: number): void {
    const reason = from.skipped.size > 0 ? from.skipped.get(i) : undefined
    if (reason !== undefined)
      this.pushSkipped(from.partitions[i] as number, from.offsets[i] as number, reason)
    else
      this.pushReading(
        from.sensorIds[i] as string,
        from.temperatures[i] as number,
        from.timestamps[i] as number,
        from.partitions[i] as number,
        from.offsets[i] as number,
      )
  }

  /** Appends every record of `other`, in its order. */
  append(other: ReadingColumns): this {
    for (let i = 0; i < other.length; i++) this.pushFrom(other, i)
    return this
  }

  /** Reserves index `length` and returns it. */
  #next(): number {
    const i = this.length++
    if (i === this.offsets.length) {
      const capacity = Math.max(FIRST_CAPACITY, 2 * i)
      this.temperatures = grown(this.temperatures, capacity)
      this.timestamps = grown(this.timestamps, capacity)
      this.partitions = grown(this.partitions, capacity)
      this.offsets = grown(this.offsets, capacity)
    }
    return i
  }
}
