import type { preParsingHookHandler } from 'fastify'
import type { Broker, OutgoingRecord } from '../../broker/broker.ts'
import { BrokerUnavailableError, type FlowlineError, OverloadedError } from '../../errors.ts'
import type { Logger } from '../../observability/logger.ts'
import type { Metrics } from '../../observability/metrics.ts'

interface Waiting {
  readonly records: readonly OutgoingRecord[]
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
  readonly timer: NodeJS.Timeout
  readonly queuedAt: number
  settled: boolean
}

export interface ProduceCoalescerOptions {
  readonly broker: Broker
  readonly metrics: Metrics
  readonly logger: Logger
  /** Records accepted but not yet acknowledged, beyond which new requests get 429. */
  readonly maxInFlightRecords: number
  /** Most records in one publish call. */
  readonly maxBatchRecords: number
  /**
   * How long a request may wait for others to share its publish, in ms (Kafka's linger.ms).
   * Under moderate load it turns hundreds of tiny produce requests a second into a few larger ones.
   * 0 (when left out) sends as soon as nothing else is being sent; `--produce-linger` defaults to 2.
   */
  readonly lingerMs?: number
  /** How long a request waits for its acknowledgement before its client is told 503. */
  readonly timeoutMs: number
  /** Why records are refused besides the in-flight budget (the saver's backlog), or undefined. */
  readonly refusal?: () => string | undefined
}

/**
 * Turns many small HTTP requests into few large produce requests. While one publish is on its
 * way, new requests queue; when it returns, everything queued leaves in the next publish. A request
 * waits at most `lingerMs` for company, less if a full batch gathers first; under heavy load the
 * queue is older than that and batches grow by themselves. A request is never split across two
 * publishes, so it is acknowledged or failed as a whole.
 *
 * Memory is bounded: a record counts as in flight until its publish has settled, even after its
 * client was told 503, so a stalled broker fills the budget and further requests get 429. A
 * request that times out before it was sent is dropped from the queue and never sent.
 */
export class ProduceCoalescer {
  readonly #options: ProduceCoalescerOptions
  #queue: Waiting[] = []
  #queuedRecords = 0
  #inFlight = 0
  #sending = false
  #endLinger: (() => void) | undefined
  /**
   * Set when the client could not connect to a broker, a publish failed or a request gave up
   * waiting for one; cleared by the next publish that succeeds. While it is set and a publish is on its way, new requests are refused at once
   * (503), before their bodies are read: through an outage one batch at a time probes the broker,
   * where every request used to wait its full timeout and the in-flight budget refilled each time
   * a publish gave up (ten times a minute), leaving 50,000 stale records to send on the restart
   * (bench/README.md#outage-probe).
   */
  #brokerFailing = false

  /** What the messages call the broker: users of embedded mode never set up a Kafka. */
  readonly #brokerLabel: string

  constructor(options: ProduceCoalescerOptions) {
    this.#options = options
    this.#brokerLabel = options.broker.name === 'kafka' ? 'Kafka broker' : 'embedded log'
    options.broker.onUnreachable?.(() => {
      this.#brokerFailing = true
    })
  }

  get inFlightRecords(): number {
    return this.#inFlight
  }

  /**
   * The refusal any request would get now, whatever its size, or undefined. Ingest asks before it
   * reads a body: under overload most requests are refused, and reading, validating and encoding
   * each of them first took the CPU the saver needed to catch up (embedded mode shares one thread).
   */
  refusalBeforeReading(): FlowlineError | undefined {
    if (this.#inFlight >= this.#options.maxInFlightRecords) return this.#overloaded()
    return this.#failingBrokerRefusal() ?? this.#backlogRefusal()
  }

  /** Resolves when the broker has acknowledged every record; rejects with a retryable error otherwise. */
  submit(records: readonly OutgoingRecord[]): Promise<void> {
    const refusal =
      this.#inFlight + records.length > this.#options.maxInFlightRecords
        ? this.#overloaded()
        : (this.#failingBrokerRefusal() ?? this.#backlogRefusal())
    if (refusal) return Promise.reject(refusal)
    this.#adjustInFlight(records.length)
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = {
        records,
        resolve,
        reject,
        settled: false,
        queuedAt: performance.now(),
        timer: setTimeout(() => this.#expire(waiting), this.#options.timeoutMs),
      }
      this.#queue.push(waiting)
      this.#queuedRecords += records.length
      if (this.#queuedRecords >= this.#options.maxBatchRecords) this.#endLinger?.()
      if (!this.#sending) void this.#drain()
    })
  }

  #overloaded(): OverloadedError {
    this.#options.metrics.rejectedItems.inc({ reason: 'overloaded' })
    return new OverloadedError(
      `${this.#inFlight} measurements are already waiting for the ${this.#brokerLabel}; retry later`,
    )
  }

  /** While the broker is failing, the publish on its way is the probe; nothing joins it. */
  #failingBrokerRefusal(): BrokerUnavailableError | undefined {
    if (!this.#brokerFailing || !this.#sending) return undefined
    this.#options.metrics.rejectedItems.inc({ reason: 'broker_unavailable' })
    return new BrokerUnavailableError(
      `The ${this.#brokerLabel} is unreachable or not acknowledging (a connection or the last publish failed, or timed out); retry later`,
    )
  }

  #backlogRefusal(): OverloadedError | undefined {
    const refusal = this.#options.refusal?.()
    if (refusal === undefined) return undefined
    this.#options.metrics.rejectedItems.inc({ reason: 'backlog' })
    return new OverloadedError(`Not accepting measurements now: ${refusal}; retry later`)
  }

  /** Resolves once nothing is queued or being sent, for a graceful shutdown. */
  async drained(): Promise<void> {
    while (this.#sending || this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  #expire(waiting: Waiting): void {
    this.#brokerFailing = true
    const queuedAt = this.#queue.indexOf(waiting)
    if (queuedAt >= 0) {
      this.#queue.splice(queuedAt, 1)
      this.#queuedRecords -= waiting.records.length
      this.#adjustInFlight(-waiting.records.length)
    }
    this.#settle(
      waiting,
      new BrokerUnavailableError(
        `The ${this.#brokerLabel} did not acknowledge within ${this.#options.timeoutMs} ms`,
      ),
    )
  }

  #settle(waiting: Waiting, error?: unknown): void {
    if (waiting.settled) return
    waiting.settled = true
    clearTimeout(waiting.timer)
    if (error) waiting.reject(error)
    else waiting.resolve()
  }

  #adjustInFlight(delta: number): void {
    this.#inFlight += delta
    this.#options.metrics.inFlightRecords.set(this.#inFlight)
  }

  async #drain(): Promise<void> {
    this.#sending = true
    try {
      while (this.#queue.length > 0) {
        await this.#linger()
        const batch = this.#takeBatch()
        if (batch.length === 0) break
        const records = batch.flatMap((waiting) => waiting.records)
        const stop = this.#options.metrics.produceDuration.startTimer()
        try {
          await this.#options.broker.publish(records)
          stop()
          this.#brokerFailing = false
          this.#options.metrics.produceBatchSize.observe(records.length)
          this.#options.metrics.recordsProduced.inc({ topic: records[0]?.topic ?? '' }, records.length)
          for (const waiting of batch) this.#settle(waiting)
        } catch (error) {
          this.#options.metrics.produceFailures.inc()
          this.#brokerFailing = true
          this.#options.logger.warn({ err: error, batchSize: records.length }, 'produce batch failed')
          for (const waiting of batch) this.#settle(waiting, error)
        } finally {
          this.#adjustInFlight(-records.length)
        }
      }
    } finally {
      this.#sending = false
    }
  }

  /** Waits until the oldest queued request is `lingerMs` old or a full batch is queued. */
  async #linger(): Promise<void> {
    const oldest = this.#queue[0]
    if (!oldest || this.#queuedRecords >= this.#options.maxBatchRecords) return
    const waitMs = oldest.queuedAt + (this.#options.lingerMs ?? 0) - performance.now()
    if (waitMs < 1) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs)
      this.#endLinger = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.#endLinger = undefined
  }

  #takeBatch(): Waiting[] {
    let count = 0
    let taken = 0
    while (taken < this.#queue.length) {
      const size = this.#queue[taken]?.records.length ?? 0
      if (taken > 0 && count + size > this.#options.maxBatchRecords) break
      count += size
      taken += 1
    }
    this.#queuedRecords -= count
    return this.#queue.splice(0, taken)
  }
}

/**
 * A route's `preParsing` hook: a request the coalescer would refuse anyway gets its 429 before its
 * body is read. It runs after the access hooks (`onRequest`), so a caller without a valid
 * credential still gets 401, never a hint about the load.
 */
export const refuseBeforeReading =
  (coalescer: ProduceCoalescer): preParsingHookHandler =>
  (_request, _reply, _payload, done) =>
    done(coalescer.refusalBeforeReading() ?? null)
