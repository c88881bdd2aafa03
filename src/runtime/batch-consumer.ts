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

/** A running consume loop. `stop` lets the batch in hand finish and commit, then leaves the group. */
export interface BatchConsumer {
  /** Settles when the loop ends; rejects if it failed for a reason retrying cannot fix. */
  readonly done: Promise<void>
  stop(): Promise<void>
}

/**
 * The consume → batch → write → commit loop every consumer role shares. A batch is committed
 * only after `handle` resolved, so a crash at any point redelivers it; `handle` must therefore be
 * idempotent. A failing batch is retried with capped exponential backoff and never skipped:
 * while it is retried no further records are read, so the outage shows as consumer lag.
 */
export function runBatchConsumer(options: BatchConsumerOptions): BatchConsumer {
  const abort = new AbortController()
  let inProgress: Promise<void> = Promise.resolve()
  let finishBatch = () => {}
  const done = consumeLoop(options, abort.signal, {
    started: () => {
      inProgress = new Promise((resolve) => {
        finishBatch = resolve
      })
    },
    finished: () => finishBatch(),
  })
  return {
    done,
    async stop() {
      abort.abort()
      await inProgress
      await options.subscription.close()
      await done.catch(() => {})
    },
  }
}

async function consumeLoop(
  options: BatchConsumerOptions,
  signal: AbortSignal,
  batchState: { started: () => void; finished: () => void },
): Promise<void> {
  const lagTimer = setInterval(() => void reportLag(options), options.lagIntervalMs ?? 5000)
  lagTimer.unref()
  try {
    for await (const batch of options.subscription) {
      if (signal.aborted) return
      batchState.started()
      try {
        await processBatch(batch, options, signal)
      } finally {
        batchState.finished()
      }
      if (signal.aborted) return
    }
  } finally {
    clearInterval(lagTimer)
  }
}

async function processBatch(
  batch: RecordBatch,
  options: BatchConsumerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { logger, metrics, name } = options
  const maxBackoffMs = options.maxBackoffMs ?? 5000
  const startedAt = performance.now()
  for (let attempt = 0; ; attempt++) {
    try {
      await options.handle(batch)
      break
    } catch (error) {
      // On shutdown the batch is left uncommitted: it is redelivered, and the write is idempotent.
      if (signal.aborted) return
      metrics.batchRetries.inc({ group: name })
      const backoffMs = Math.round(Math.min(maxBackoffMs, 100 * 2 ** attempt) * (0.5 + Math.random() / 2))
      logger.warn(
        { err: error, batchSize: batch.records.length, attempt, backoffMs },
        'batch failed; retrying',
      )
      await sleep(backoffMs, signal)
    }
  }
  await commitWithRetry(batch, options, signal)
  const first = batch.records[0]
  metrics.consumeBatchSize.observe({ group: name }, batch.records.length)
  logger.debug(
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
