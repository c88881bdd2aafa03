/** One measurement the load generator made: unique by (sensor, tsMs) for the whole run. */
export interface Measurement {
  readonly sensor: string
  readonly tsMs: number
  readonly temperature: number
}

export const keyOf = (sensor: string, tsMs: number) => `${sensor}|${tsMs}`

/**
 * What the client learnt from one request, Jepsen style:
 * - ok: 202, every item is acknowledged and must be stored exactly once;
 * - rejected: a 4xx, the server promises that none of the items was sent;
 * - unknown: a 5xx, a timeout or a dropped connection; the items may or may not be stored.
 */
export type Outcome = 'ok' | 'rejected' | 'unknown'

export function outcomeOf(status: number): Outcome {
  if (status === 202) return 'ok'
  if (status >= 400 && status < 500) return 'rejected'
  return 'unknown'
}

export interface RequestRecord {
  readonly id: number
  readonly startMs: number
  endMs: number
  /** HTTP status, 0 when no answer came (timeout, refused, reset). */
  status: number
  outcome: Outcome
  retryAfter: string | null
  error: string | null
  /** The well-formed measurements of the body. */
  readonly items: readonly Measurement[]
  /** The body also carries one deliberately invalid item: the request must be refused whole. */
  readonly invalid: boolean
}

/**
 * Makes unique measurements: sensors `<prefix>-s0001...`, each with its own millisecond counter
 * from a base two hours in the past (never "in the future" for the server).
 */
export class MeasurementSource {
  readonly prefix: string
  readonly #counters: number[]
  readonly #baseMs: number
  #next = 0

  constructor(prefix: string, sensors: number) {
    this.prefix = prefix
    this.#counters = new Array(sensors).fill(0)
    this.#baseMs = Math.floor((Date.now() - 2 * 3600_000) / 1000) * 1000
  }

  get sensors(): number {
    return this.#counters.length
  }

  sensorName(index: number): string {
    return `${this.prefix}-s${String(index + 1).padStart(4, '0')}`
  }

  next(): Measurement {
    const index = this.#next++ % this.#counters.length
    const counter = this.#counters[index] ?? 0
    this.#counters[index] = counter + 1
    return {
      sensor: this.sensorName(index),
      tsMs: this.#baseMs + counter,
      temperature: ((counter * 37 + index) % 6000) / 100 - 10,
    }
  }

  take(count: number): Measurement[] {
    return Array.from({ length: count }, () => this.next())
  }
}

export interface OutcomeCounts {
  ok: number
  rejected: number
  unknown: number
}

/** Every request of a scenario, in the order they were sent. */
export class History {
  readonly records: RequestRecord[] = []

  add(record: RequestRecord): void {
    this.records.push(record)
  }

  requestCounts(filter: (record: RequestRecord) => boolean = () => true): OutcomeCounts {
    const counts: OutcomeCounts = { ok: 0, rejected: 0, unknown: 0 }
    for (const record of this.records) if (filter(record)) counts[record.outcome] += 1
    return counts
  }

  /** Requests sent at or after `fromMs` and answered before `toMs`: those wholly inside a window. */
  within(fromMs: number, toMs: number): RequestRecord[] {
    return this.records.filter(
      (record) => record.startMs >= fromMs && record.endMs <= toMs && record.endMs > 0,
    )
  }

  /** Requests sent at or after `fromMs`, whenever they were answered. */
  startedAfter(fromMs: number): RequestRecord[] {
    return this.records.filter((record) => record.startMs >= fromMs)
  }

  /** One line per request (its measurements summarised by count and first key), for a post-mortem. */
  toNdjson(): string {
    const lines = this.records.map((record) =>
      JSON.stringify({
        id: record.id,
        start: record.startMs,
        end: record.endMs,
        status: record.status,
        error: record.error,
        retryAfter: record.retryAfter,
        invalid: record.invalid,
        items: record.items.length,
        first: record.items[0] ? keyOf(record.items[0].sensor, record.items[0].tsMs) : null,
      }),
    )
    return `${lines.join('\n')}\n`
  }

  statusHistogram(records: readonly RequestRecord[] = this.records): Record<string, number> {
    const histogram: Record<string, number> = {}
    for (const record of records) {
      const key = record.status === 0 ? `no answer (${record.error ?? 'error'})` : String(record.status)
      histogram[key] = (histogram[key] ?? 0) + 1
    }
    return histogram
  }
}
