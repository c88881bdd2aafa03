/** Relative width of a bucket: values are kept to within 1%, which is finer than any run-to-run noise. */
const GROWTH = 1.01
const LOG_GROWTH = Math.log(GROWTH)
/** Values are milliseconds; anything below 1 µs counts as 1 µs. */
const FLOOR_MS = 0.001

export interface Percentiles {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/**
 * A log-bucketed latency histogram that, unlike `perf_hooks` histograms, can be sent between
 * processes as JSON and merged, so the load generators' latencies add up exactly.
 */
export class LogHistogram {
  readonly buckets = new Map<number, number>()
  count = 0
  sum = 0
  max = 0

  record(valueMs: number): void {
    const index = Math.max(0, Math.ceil(Math.log(Math.max(valueMs, FLOOR_MS) / FLOOR_MS) / LOG_GROWTH))
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1)
    this.count += 1
    this.sum += valueMs
    if (valueMs > this.max) this.max = valueMs
  }

  merge(other: LogHistogram): this {
    for (const [index, n] of other.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n)
    this.count += other.count
    this.sum += other.sum
    this.max = Math.max(this.max, other.max)
    return this
  }

  /** The upper edge of the bucket holding the q-th quantile (0 < q ≤ 1), in ms. */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.ceil(q * this.count)
    let seen = 0
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index) ?? 0
      if (seen >= rank) return Math.min(this.max, FLOOR_MS * GROWTH ** index)
    }
    return this.max
  }

  summary(): Percentiles {
    const round = (ms: number) => Math.round(ms * 100) / 100
    return {
      count: this.count,
      p50: round(this.quantile(0.5)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      max: round(this.max),
      mean: round(this.count > 0 ? this.sum / this.count : 0),
    }
  }

  toJSON() {
    return { buckets: [...this.buckets], count: this.count, sum: this.sum, max: this.max }
  }

  static fromJSON(data: ReturnType<LogHistogram['toJSON']>): LogHistogram {
    const histogram = new LogHistogram()
    for (const [index, n] of data.buckets) histogram.buckets.set(index, n)
    histogram.count = data.count
    histogram.sum = data.sum
    histogram.max = data.max
    return histogram
  }
}
