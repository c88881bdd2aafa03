import type { RunCounts } from './pipeline.ts'
import type { RunRepository } from './run-repository.ts'

const FLUSH_INTERVAL_MS = 500
const MAX_BUFFERED_REJECTS = 1000
/** Consecutive failed flushes (10 s) after which the run fails rather than buffer on. */
const MAX_FAILED_FLUSHES = 20

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
  readonly #writeFailure = new AbortController()
  #done = 0
  #total: number | undefined
  #logs: { runId: string; level: string; message: string; at: Date }[] = []
  #rejects: { line: number; reason: string; raw: string }[] = []
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> = Promise.resolve()
  #failedFlushes = 0
  #lastError: Error | undefined

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
   * Writes what is buffered. Flushes never overlap. A failed one keeps its lines for the next
   * (a busy database may refuse a connection for a moment); after 10 s of failures the run's
   * signal aborts and `stop` throws, so the run fails and is retried rather than lose rejects.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const logs = this.#logs
      const rejects = this.#rejects
      this.#logs = []
      this.#rejects = []
      let rejectsWritten = false
      let logsWritten = false
      try {
        await this.#repository.insertRejects(this.#runId, rejects)
        rejectsWritten = true
        await this.#repository.appendLogs(logs)
        logsWritten = true
        const stop = await this.#repository.heartbeat(
          this.#runId,
          this.#attempt,
          this.counts,
          this.#done,
          this.#total,
        )
        if (stop && !this.#cancel.signal.aborted) this.#cancel.abort(new RunCancelledError())
        this.#failedFlushes = 0
      } catch (error) {
        if (!rejectsWritten) this.#rejects = [...rejects, ...this.#rejects]
        if (!logsWritten) this.#logs = [...logs, ...this.#logs]
        this.#lastError = error as Error
        if (++this.#failedFlushes >= MAX_FAILED_FLUSHES && !this.#writeFailure.signal.aborted)
          this.#writeFailure.abort(error)
      }
    })
    return this.#flushing
  }

  /** Aborted when the run's progress could not be written for 10 s. */
  get writeFailureSignal(): AbortSignal {
    return this.#writeFailure.signal
  }

  /** Stops the timer and writes the rest, trying a few times; throws if it cannot. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    for (let tries = 0; tries < 5; tries++) {
      await this.flush()
      if (this.#failedFlushes === 0) return
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    throw this.#lastError ?? new Error('could not write the run')
  }
}

/** Thrown into a run's steps through its signal when a person cancelled it. */
export class RunCancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'RunCancelledError'
  }
}
