import type { RunCounts } from './pipeline.ts'
import type { RunRepository } from './run-repository.ts'

const FLUSH_INTERVAL_MS = 500
const MAX_BUFFERED_REJECTS = 1000

/**
 * The running side of a run: counts, progress, log lines and rejects are buffered in memory and
 * written every 500 ms (and when the buffer of rejects fills), so a step reports per row for
 * free. Each write is also the run's heartbeat and reads whether a cancel was asked for, which
 * aborts `signal`: a cancel reaches the steps within one flush interval.
 */
export class RunTracker {
  readonly counts: RunCounts = { read: 0, valid: 0, rejected: 0, loaded: 0, duplicates: 0 }
  readonly #runId: string
  readonly #attempt: number
  readonly #repository: RunRepository
  readonly #cancel = new AbortController()
  #done = 0
  #total: number | undefined
  #logs: { runId: string; level: string; message: string; at: Date }[] = []
  #rejects: { line: number; reason: string; raw: string }[] = []
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> = Promise.resolve()
  #failure: Error | undefined

  constructor(runId: string, attempt: number, repository: RunRepository) {
    this.#runId = runId
    this.#attempt = attempt
    this.#repository = repository
  }

  /** Aborted when the run's cancel was asked for, or another attempt took the run over. */
  get cancelSignal(): AbortSignal {
    return this.#cancel.signal
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS)
  }

  progress(done: number, total?: number): void {
    this.#done = done
    if (total !== undefined) this.#total = total
  }

  log(message: string, level = 'info'): void {
    this.#logs.push({ runId: this.#runId, level, message, at: new Date() })
  }

  reject(line: number, reason: string, raw: string): void {
    this.counts.rejected++
    // Rejects are kept whole up to 1,000 characters: enough to see what was wrong with a row.
    this.#rejects.push({ line, reason, raw: raw.length > 1000 ? `${raw.slice(0, 1000)}…` : raw })
    if (this.#rejects.length >= MAX_BUFFERED_REJECTS) void this.flush()
  }

  /**
   * Writes what is buffered. Flushes never overlap; one that fails is reported by the next call
   * of `stop` (the run fails with it), not thrown into the timer.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const logs = this.#logs
      const rejects = this.#rejects
      this.#logs = []
      this.#rejects = []
      try {
        await this.#repository.insertRejects(this.#runId, rejects)
        await this.#repository.appendLogs(logs)
        const stop = await this.#repository.heartbeat(
          this.#runId,
          this.#attempt,
          this.counts,
          this.#done,
          this.#total,
        )
        if (stop && !this.#cancel.signal.aborted) this.#cancel.abort(new RunCancelledError())
      } catch (error) {
        this.#failure ??= error as Error
      }
    })
    return this.#flushing
  }

  /** Stops the timer and writes the rest; throws if a write failed during the run. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.flush()
    if (this.#failure) throw this.#failure
  }
}

/** Thrown into a run's steps through its signal when a person cancelled it. */
export class RunCancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'RunCancelledError'
  }
}
