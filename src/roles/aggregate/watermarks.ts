/**
 * Event-time progress of one group member. A partition's watermark is the newest event time it
 * carried minus the allowed lateness; the member's watermark is the lowest over its partitions.
 * A partition that sent nothing for `idleTimeoutMs` stops holding it back (else one quiet
 * partition would keep every window open), and when all are idle the watermark follows the wall
 * clock, so the last window of a sensor that went silent still closes. It never goes back.
 * Records read but not merged yet (held by the inline aggregator, or in a batch that failed and
 * is retried) count as activity: a member slow to merge is not idle, and does not close windows
 * early by the clock only to correct them when its readings land.
 */
export class Watermarks {
  readonly #allowedLatenessMs: number
  readonly #idleTimeoutMs: number
  readonly #newestEventMs = new Map<number, number>()
  readonly #lastRecordAt = new Map<number, number>()
  #current = Number.NEGATIVE_INFINITY

  constructor(allowedLatenessMs: number, idleTimeoutMs: number) {
    this.#allowedLatenessMs = allowedLatenessMs
    this.#idleTimeoutMs = idleTimeoutMs
  }

  /** The partitions this member has read from; their windows are the ones it closes. */
  get partitions(): number[] {
    return [...this.#newestEventMs.keys()]
  }

  /** Records that a partition carried a reading of `eventMs` (or only showed activity when undefined). */
  observe(partition: number, eventMs: number | undefined, nowMs: number): void {
    const newest = this.#newestEventMs.get(partition) ?? Number.NEGATIVE_INFINITY
    if (eventMs !== undefined && eventMs > newest) this.#newestEventMs.set(partition, eventMs)
    else if (!this.#newestEventMs.has(partition)) this.#newestEventMs.set(partition, newest)
    this.#lastRecordAt.set(partition, nowMs)
  }

  /** Records of `partition` were read at `nowMs`, not merged yet: it is not idle. */
  touch(partition: number, nowMs: number): void {
    this.#lastRecordAt.set(partition, nowMs)
  }

  newestEventMs(partition: number): number | undefined {
    const newest = this.#newestEventMs.get(partition)
    return newest === undefined || newest === Number.NEGATIVE_INFINITY ? undefined : newest
  }

  /** Advances and returns the member's watermark (epoch ms) at wall-clock time `nowMs`. */
  advance(nowMs: number): number {
    let lowest = Number.POSITIVE_INFINITY
    for (const [partition, newest] of this.#newestEventMs) {
      const idle = nowMs - (this.#lastRecordAt.get(partition) ?? 0) >= this.#idleTimeoutMs
      if (!idle) lowest = Math.min(lowest, newest - this.#allowedLatenessMs)
    }
    const candidate = lowest === Number.POSITIVE_INFINITY ? nowMs - this.#allowedLatenessMs : lowest
    if (candidate > this.#current) this.#current = candidate
    return this.#current
  }

  /** The watermark as last advanced (−∞ before any). */
  get current(): number {
    return this.#current
  }
}
