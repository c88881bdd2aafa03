import type { RecordBatch, Subscription } from '../broker/broker.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'

export interface BatchConsumerOptions {
  readonly name: string
  readonly subscription: Subscription
  /** Makes the batch durable (for example a database transaction). Throwing makes the loop retry the same batch. */
  readonly handle: (batch: RecordBatch) => Promise<void>
  readonly logger: Logger
  readonly metrics: Metrics
  /** Longest pause between two tries of a failing batch, in ms. */
  readonly maxBackoffMs?: number
  /** How often consumer lag is measured for the metrics, in ms. */
  readonly lagIntervalMs?: number
  /**
   * Batches being written at once (default 1). With 2, the next batch is read and handled while
   * the database works on the previous one; commits still follow the order batches were read.
   */
  readonly parallelBatches?: number
}

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

/** A running consume loop. `stop` lets the batches in hand finish and commit, then leaves the group. */
export interface BatchConsumer {
  /** Settles when the loop ends; rejects if it failed for a reason retrying cannot fix. */
  readonly done: Promise<void>
  stop(): Promise<void>
}

/**
 * The consume → batch → write → commit loop every consumer role shares. A batch is committed
 * only after `handle` resolved, so a crash at any point redelivers it; `handle` must therefore be
 * idempotent. A failing batch is retried with capped exponential backoff and never skipped:
 * while it is retried at most `parallelBatches` batches are read, so the outage shows as lag.
 */
export function runBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const abort = new AbortController()
  const window = new BatchWindow(options, abort.signal)
  const done = consumeLoop(options, window, abort.signal)
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

async function consumeLoop(options: BatchConsumerOptions, window: BatchWindow, signal: AbortSignal) {
  const lagTimer = setInterval(() => void reportLag(options), options.lagIntervalMs ?? 5000)
  lagTimer.unref()
  const parallelBatches = Math.max(1, options.parallelBatches ?? 1)
  try {
    for await (const batch of options.subscription) {
      if (signal.aborted) break
      window.add(batch)
      await window.roomFor(parallelBatches)
      if (signal.aborted) break
    }
    await window.flush()
  } finally {
    clearInterval(lagTimer)
  }
}

/**
 * The batches being written, each committed as soon as it and every batch read before it are
 * written: committing a later batch first would mark an unwritten earlier one of the same
 * partition as done. If a batch is abandoned on shutdown, nothing after it is committed either;
 * all of them are redelivered.
 */
class BatchWindow {
  readonly #options: BatchConsumerOptions
  readonly #signal: AbortSignal
  readonly #pending: Array<{ settled: Promise<void> }> = []
  #commits: Promise<void> = Promise.resolve()
  #abandoned = false

  constructor(options: BatchConsumerOptions, signal: AbortSignal) {
    this.#options = options
    this.#signal = signal
  }

  /** Starts writing a batch and queues its commit behind the commits of the batches before it. */
  add(batch: RecordBatch): void {
    const startedAt = performance.now()
    const written = writeWithRetry(batch, this.#options, this.#signal)
    const entry = { settled: Promise.resolve() }
    entry.settled = this.#commits.then(async () => {
      if (!(await written)) this.#abandoned = true
      this.#pending.shift()
      if (this.#abandoned) return
      await commitWithRetry(batch, this.#options, this.#signal)
      logCommitted(batch, this.#options, startedAt)
    })
    this.#commits = entry.settled
    this.#pending.push(entry)
  }

  /** Resolves once fewer than `limit` batches are in hand. */
  async roomFor(limit: number): Promise<void> {
    while (this.#pending.length >= limit) await this.#pending[0]?.settled
  }

  /** Resolves once every batch in hand is committed or abandoned. */
  flush(): Promise<void> {
    return this.#commits
  }
}

/** Resolves true once `handle` succeeded, false if shutdown came first (the batch stays uncommitted). */
async function writeWithRetry(
  batch: RecordBatch,
  options: BatchConsumerOptions,
  signal: AbortSignal,
): Promise<boolean> {
  const maxBackoffMs = options.maxBackoffMs ?? 5000
  for (let attempt = 0; ; attempt++) {
    try {
      await options.handle(batch)
      return true
    } catch (error) {
      // On shutdown the batch is left uncommitted: it is redelivered, and the write is idempotent.
      if (signal.aborted) return false
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

function logCommitted(batch: RecordBatch, options: BatchConsumerOptions, startedAt: number): void {
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

async function commitWithRetry(
  batch: RecordBatch,
  options: BatchConsumerOptions,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await batch.commit()
      return
    } catch (error) {
      // After a rebalance the commit is refused; the new owner will redeliver and the idempotent write skips it.
      options.logger.warn({ err: error, attempt }, 'offset commit failed')
      await sleep(200 * (attempt + 1), signal)
    }
  }
}

async function reportLag(options: BatchConsumerOptions): Promise<void> {
  try {
    for (const { topic, partition, lag } of await options.subscription.lag()) {
      options.metrics.consumerLag.set({ group: options.name, topic, partition }, lag)
    }
  } catch {
    // Lag is best effort: the broker may be down, which the batch loop reports on its own.
  }
}
