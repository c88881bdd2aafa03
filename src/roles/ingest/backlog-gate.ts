import type { GroupBacklog } from '../../broker/broker.ts'
import type { Logger } from '../../observability/logger.ts'

export interface BacklogGateOptions {
  /** Reads the saver group's backlog; called every `intervalMs`, never per request. */
  readonly sample: () => Promise<GroupBacklog>
  /** Records behind beyond which ingest refuses. */
  readonly maxRecords: number
  /** Seconds behind beyond which ingest refuses (see `BacklogGate`). */
  readonly maxSeconds: number
  readonly logger: Logger
  /** How often the backlog is sampled, in ms. Default 250. */
  readonly intervalMs?: number
  /** Clock, for tests. */
  readonly now?: () => number
}

/** The drain rate is measured over this long: long enough to smooth batches, short enough to follow the load. */
const RATE_WINDOW_MS = 5000

/**
 * Keeps ingest from accepting more than the saver can store. In embedded mode both share one
 * process and the log accepts far faster than PGlite stores, so without a bound the backlog, and
 * the process's memory, grow for as long as the load lasts. The gate closes while the saver's
 * group is more than `maxRecords` behind, or more than `maxSeconds`: the backlog divided by the
 * rate the saver committed over the last 5 s, or, when it committed nothing for `maxSeconds`
 * while records wait, that long. It is sampled in the background, so a request only reads a field.
 */
export class BacklogGate {
  readonly #options: BacklogGateOptions
  readonly #now: () => number
  readonly #samples: Array<{ readonly atMs: number; readonly committed: number }> = []
  readonly #timer: NodeJS.Timeout
  #lastProgressMs: number
  #closedBecause: string | undefined
  #sampling = false

  constructor(options: BacklogGateOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#lastProgressMs = this.#now()
    this.#timer = setInterval(() => void this.refresh(), options.intervalMs ?? 250)
    this.#timer.unref()
  }

  /** Why new records are refused now, or undefined when they are welcome. */
  get closedBecause(): string | undefined {
    return this.#closedBecause
  }

  /** Samples the backlog once and opens or closes the gate; the timer calls it, tests may too. */
  async refresh(): Promise<void> {
    if (this.#sampling) return
    this.#sampling = true
    try {
      const backlog = await this.#options.sample()
      const reason = this.#judge(backlog, this.#now())
      if (reason !== this.#closedBecause)
        this.#options.logger.warn(
          { behind: backlog.behind },
          reason ? `ingest refusing: ${reason}` : 'ingest accepting again: the saver caught up',
        )
      this.#closedBecause = reason
    } catch (error) {
      // A closed log while shutting down: leave the gate as it was, the next sample decides.
      this.#options.logger.debug({ err: error }, 'backlog sample failed')
    } finally {
      this.#sampling = false
    }
  }

  #judge({ behind, committed }: GroupBacklog, nowMs: number): string | undefined {
    const { maxRecords, maxSeconds } = this.#options
    const previous = this.#samples.at(-1)
    if (!previous || committed > previous.committed || behind === 0) this.#lastProgressMs = nowMs
    this.#samples.push({ atMs: nowMs, committed })
    while (this.#samples.length > 2 && (this.#samples[1]?.atMs ?? nowMs) <= nowMs - RATE_WINDOW_MS)
      this.#samples.shift()
    if (behind > maxRecords) return `the saver is ${behind} measurements behind (bound ${maxRecords})`
    const stalledSeconds = (nowMs - this.#lastProgressMs) / 1000
    if (behind > 0 && stalledSeconds > maxSeconds)
      return `the saver stored nothing for ${Math.round(stalledSeconds)} s with ${behind} measurements waiting (bound ${maxSeconds} s)`
    const oldest = this.#samples[0]
    if (!oldest || oldest.atMs === nowMs) return undefined
    const perSecond = ((committed - oldest.committed) * 1000) / (nowMs - oldest.atMs)
    const seconds = perSecond > 0 ? behind / perSecond : 0
    if (seconds > maxSeconds)
      return `the saver is ${Math.round(seconds)} s behind at ${Math.round(perSecond)} measurements/s (bound ${maxSeconds} s)`
    return undefined
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}
