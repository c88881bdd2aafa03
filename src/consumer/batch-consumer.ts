import type { RecordBatch, Subscription } from '../broker/broker.ts'
import { isRetryable } from '../errors.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'

export interface BatchConsumerOptions<Prepared = undefined> {
  readonly name: string
  readonly subscription: Subscription
  /**
   * CPU-only work on a batch (parsing, validation), done as soon as it is read, while the batch
   * before it may still be written. It must not throw nor have side effects.
   */
  readonly prepare?: (batch: RecordBatch) => Prepared
  /**
   * Makes the batch durable (for example a database transaction). A retryable error (see
   * `isRetryable`) makes the loop retry the same batch; one that says it is final stops the loop.
   */
  readonly handle: (batch: RecordBatch, prepared: Prepared) => Promise<void>
  readonly logger: Logger
  readonly metrics: Metrics
  /** Longest pause between two tries of a failing batch, in ms. */
  readonly maxBackoffMs?: number
  /** How often consumer lag is measured for the metrics, in ms. */
  readonly lagIntervalMs?: number
  /**
   * Batches read and prepared while one is written (default 0). With 1, the saver decodes the
   * next batch while the database inserts the current one. Writes and commits keep read order.
   */
  readonly readAhead?: number
}

/** What the loop's helpers need of the options, whatever a batch is prepared into. */
type LoopContext = Pick<BatchConsumerOptions<unknown>, 'name' | 'subscription' | 'logger' | 'metrics'>

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })

/** The loop met an error retrying cannot fix; `cause` is that error. */
export class BatchLoopStoppedError extends Error {
  constructor(name: string, cause: unknown) {
    const code = (cause as { code?: unknown }).code
    super(
      `${name}: stopped on an error retrying cannot fix (${typeof code === 'string' ? `${code}: ` : ''}${(cause as Error).message}); the batch stays uncommitted and is read again after a restart`,
      { cause },
    )
    this.name = 'BatchLoopStoppedError'
  }
}

/** A running consume loop. `stop` lets the batch being written finish and commit, then leaves the group. */
export interface BatchConsumer {
  /** Settles when the loop ends; rejects with a BatchLoopStoppedError on an error retrying cannot fix. */
  readonly done: Promise<void>
  stop(): Promise<void>
}

/**
 * The consume → batch → write → commit loop every consumer role shares. A batch is committed
 * only after `handle` resolved, so a crash at any point redelivers it; `handle` must therefore be
 * idempotent. Batches are written one after another in the order they were read, so records of
 * one key are stored in log order. A batch failing with a retryable error is retried with capped
 * exponential backoff and never skipped: while it is retried only `readAhead` more batches are
 * read, so an outage shows as lag. An error that says it is final stops the loop: nothing after
 * that batch is written or committed.
 */
export function runBatchConsumer<Prepared = undefined>(
  options: BatchConsumerOptions<Prepared>,
): BatchConsumer {
  const abort = new AbortController()
  const window = new BatchWindow(options, abort.signal)
  // A final error fails `done` at once: leaving the `for await` would first wait for the
  // subscription to wind down, which needs the `stop` that the role calls on seeing the failure.
  const done = Promise.race([consumeLoop(options, window, abort.signal), window.failed])
  return {
    done,
    async stop() {
      abort.abort()
      // A failed commit chain already failed `done`; leaving the group must still happen.
      await window.flush().catch(() => {})
      await options.subscription.close()
      await done.catch(() => {})
    },
  }
}

async function consumeLoop<Prepared>(
  options: BatchConsumerOptions<Prepared>,
  window: BatchWindow<Prepared>,
  signal: AbortSignal,
) {
  const lagTimer = setInterval(() => void reportLag(options), options.lagIntervalMs ?? 5000)
  lagTimer.unref()
  const inHand = 1 + Math.max(0, options.readAhead ?? 0)
  try {
    for await (const batch of options.subscription) {
      if (signal.aborted) break
      window.add(batch)
      await window.roomFor(inHand)
      if (signal.aborted) break
    }
    await window.flush()
  } finally {
    clearInterval(lagTimer)
  }
}

/**
 * The batches in hand. Each is prepared when read, written once the batch before it is written,
 * and committed once written and after the commit before it: committing a later batch first would
 * mark an unwritten earlier one of the same partition as done. If a batch is abandoned on
 * shutdown, nothing after it is written or committed; all of them are redelivered.
 */
class BatchWindow<Prepared> {
  readonly #options: BatchConsumerOptions<Prepared>
  readonly #signal: AbortSignal
  readonly #pending: Array<{ settled: Promise<void> }> = []
  #lastWrite: Promise<boolean> = Promise.resolve(true)
  #commits: Promise<void> = Promise.resolve()
  #abandoned = false
  #failure: unknown
  readonly #failed = Promise.withResolvers<never>()

  /** Rejects with a BatchLoopStoppedError once a batch failed with an error retrying cannot fix. */
  get failed(): Promise<never> {
    return this.#failed.promise
  }

  constructor(options: BatchConsumerOptions<Prepared>, signal: AbortSignal) {
    this.#options = options
    this.#signal = signal
    this.#failed.promise.catch(() => {}) // observed through `done`
  }

  /** Prepares a batch now; queues its write behind the previous write and its commit behind the previous commit. */
  add(batch: RecordBatch): void {
    const startedAt = performance.now()
    const prepared = this.#options.prepare ? this.#options.prepare(batch) : (undefined as Prepared)
    const written = this.#lastWrite.then(
      (previousWritten) => previousWritten && writeWithRetry(batch, prepared, this.#options, this.#signal),
    )
    // A final error: nothing after this batch may be written; the loop fails with it.
    written.catch((error: unknown) => {
      if (this.#failure) return
      this.#failure = new BatchLoopStoppedError(this.#options.name, error)
      this.#failed.reject(this.#failure)
    })
    this.#lastWrite = written
    const entry = { settled: Promise.resolve() }
    entry.settled = this.#commits.then(async () => {
      if (!(await written.catch(() => false))) this.#abandoned = true
      this.#pending.shift()
      if (this.#abandoned) return
      if (await commitWithRetry(batch, this.#options, this.#signal))
        logCommitted(batch, this.#options, startedAt)
    })
    this.#commits = entry.settled
    this.#pending.push(entry)
  }

  /** Resolves once fewer than `limit` batches are in hand; rejects once a batch failed for good. */
  async roomFor(limit: number): Promise<void> {
    while (this.#pending.length >= limit) await this.#pending[0]?.settled
    if (this.#failure) throw this.#failure
  }

  /** Resolves once every batch in hand is committed or abandoned; rejects if one failed for good. */
  async flush(): Promise<void> {
    await this.#commits
    if (this.#failure) throw this.#failure
  }
}

/**
 * Resolves true once `handle` succeeded, false if shutdown came first (the batch stays
 * uncommitted); rejects with the error when it is not retryable.
 */
async function writeWithRetry<Prepared>(
  batch: RecordBatch,
  prepared: Prepared,
  options: BatchConsumerOptions<Prepared>,
  signal: AbortSignal,
): Promise<boolean> {
  const maxBackoffMs = options.maxBackoffMs ?? 5000
  for (let attempt = 0; ; attempt++) {
    try {
      await options.handle(batch, prepared)
      return true
    } catch (error) {
      // On shutdown the batch is left uncommitted: it is redelivered, and the write is idempotent.
      if (signal.aborted) return false
      if (!isRetryable(error)) throw error
      options.metrics.batchRetries.inc({ group: options.name })
      const backoffMs = Math.round(Math.min(maxBackoffMs, 100 * 2 ** attempt) * (0.5 + Math.random() / 2))
      options.logger.warn(
        { err: error, batchSize: batch.records.length, attempt, backoffMs },
        'batch failed; retrying',
      )
      await sleep(backoffMs, signal)
    }
  }
}

function logCommitted(batch: RecordBatch, options: LoopContext, startedAt: number): void {
  const first = batch.records[0]
  options.metrics.consumeBatchSize.observe({ group: options.name }, batch.records.length)
  options.logger.debug(
    {
      topic: first?.topic,
      partition: first?.partition,
      offset: first?.offset.toString(),
      batchSize: batch.records.length,
      durationMs: Math.round(performance.now() - startedAt),
    },
    'batch committed',
  )
}

/** True once the offsets are committed; false when the commit gave up (the batch will be read again). */
async function commitWithRetry(
  batch: RecordBatch,
  options: LoopContext,
  signal: AbortSignal,
): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await batch.commit()
      return true
    } catch (error) {
      // After a rebalance the commit is refused; the new owner will redeliver and the idempotent write skips it.
      options.logger.warn({ err: error, attempt }, 'offset commit failed')
      await sleep(200 * (attempt + 1), signal)
    }
  }
  options.logger.warn(
    { batchSize: batch.records.length },
    'offset commit gave up; the batch is stored and will be read again (the write skips it)',
  )
  return false
}

async function reportLag(options: LoopContext): Promise<void> {
  try {
    for (const { topic, partition, lag } of await options.subscription.lag()) {
      options.metrics.consumerLag.set({ group: options.name, topic, partition }, lag)
    }
  } catch {
    // Lag is best effort: the broker may be down, which the batch loop reports on its own.
  }
}
