import { setTimeout as sleep } from 'node:timers/promises'
import { type Consumer, type Message, type MessagesStream, NetworkError } from '@platformatic/kafka'
import { batchesOf } from '../batch-stream.ts'
import type { IncomingRecord, PartitionLag, RecordBatch, SubscribeOptions, Subscription } from '../broker.ts'
import { isBrokerOutage } from './kafka-errors.ts'
import { startPartitionsAt } from './start-offsets.ts'

export type KafkaMessage = Message<string, Buffer, string, string>
type KafkaConsumer = Consumer<string, Buffer, string, string>

/** Bytes the broker gathers for a fetch before it answers early (see `consume`). */
const FETCH_MIN_BYTES = 16 * 1024

/** The longest pause between two tries to rejoin a broker that is down, in ms. */
const MAX_REJOIN_DELAY_MS = 10_000

/**
 * A consumer-group member on Kafka. Offsets are committed only when a batch says so.
 *
 * When the cluster stays unreachable past the client's own retries (~15 s), the member does not
 * fail: it closes its consumer and joins the group again with a new one, with capped backoff,
 * until the broker answers or the member is closed. Batches read before the loss cannot commit
 * and are read again from the committed offsets, which every writer already treats as a
 * redelivery. Refused credentials, failed TLS and other errors still end the stream.
 */
export class KafkaSubscription implements Subscription {
  readonly #createConsumer: () => KafkaConsumer
  readonly #options: SubscribeOptions
  readonly #onClose: () => void
  readonly #closing = new AbortController()
  #consumer: KafkaConsumer
  /** Aborts when `#consumer` is closed, failing the commits of its batches still in flight. */
  #consumerClosing = new AbortController()
  #stream: MessagesStream<string, Buffer, string, string>

  private constructor(
    createConsumer: () => KafkaConsumer,
    consumer: KafkaConsumer,
    stream: MessagesStream<string, Buffer, string, string>,
    options: SubscribeOptions,
    onClose: () => void,
  ) {
    this.#createConsumer = createConsumer
    this.#consumer = consumer
    this.#stream = stream
    this.#options = options
    this.#onClose = onClose
  }

  static async start(
    createConsumer: () => KafkaConsumer,
    options: SubscribeOptions,
    onClose: () => void,
  ): Promise<KafkaSubscription> {
    let subscription: KafkaSubscription | undefined
    const consumer = whenMembershipLost(createConsumer(), (error) => {
      if (subscription) subscription.#membershipLost(consumer, error)
    })
    const stream = await consume(consumer, options)
    subscription = new KafkaSubscription(createConsumer, consumer, stream, options, onClose)
    return subscription
  }

  /**
   * Fails the stream of a consumer that lost its group for good, so that the member rejoins with
   * a new consumer (or ends, on an error no rejoin fixes); see `whenMembershipLost`.
   */
  #membershipLost(consumer: KafkaConsumer, error: unknown): void {
    if (consumer !== this.#consumer || this.#closing.signal.aborted) return
    // Its commits still in flight cannot succeed, and the consume loop may be waiting for one
    // before it reads again, which is where the failed stream makes the member rejoin.
    this.#consumerClosing.abort()
    this.#stream.destroy(error instanceof Error ? error : new Error(String(error)))
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    while (true) {
      const consumer = this.#consumer
      // A commit the client gave up on after its own retries, a rejoin among them, can leave it
      // without a group and with the next commit never answered (fault scenario 5): the member
      // then joins again with a new consumer.
      const commitFailed = (error: unknown) => {
        if (isBrokerOutage(error)) this.#membershipLost(consumer, error)
      }
      try {
        for await (const messages of batchesOf<KafkaMessage>(
          this.#stream,
          this.#options.maxBatch,
          this.#options.maxWaitMs,
        )) {
          yield toBatch(messages, this.#consumerClosing.signal, commitFailed)
        }
        return
      } catch (error) {
        if (this.#closing.signal.aborted || !isBrokerOutage(error)) throw error
        if (!(await this.#rejoin(error))) return
      }
    }
  }

  /** Replaces the consumer until one has joined (true) or the member is closed (false). */
  async #rejoin(lost: unknown): Promise<boolean> {
    let error = lost
    for (let attempt = 0; ; attempt++) {
      const retryInMs = Math.min(MAX_REJOIN_DELAY_MS, 1000 * 2 ** attempt)
      this.#options.onRejoin?.(error, retryInMs)
      await this.#closeConsumer()
      if (!(await pause(retryInMs, this.#closing.signal))) return false
      const consumer = whenMembershipLost(this.#createConsumer(), (lost) =>
        this.#membershipLost(consumer, lost),
      )
      this.#consumer = consumer
      this.#consumerClosing = new AbortController()
      try {
        this.#stream = await consume(this.#consumer, this.#options)
        if (!this.#closing.signal.aborted) return true
        await this.close()
        return false
      } catch (failed) {
        if (!isBrokerOutage(failed)) throw failed
        error = failed
      }
    }
  }

  async lag(): Promise<PartitionLag[]> {
    const lags = await this.#consumer.getLag({ topics: [...this.#options.topics] })
    const result: PartitionLag[] = []
    for (const [topic, partitions] of lags) {
      partitions.forEach((lag, partition) => {
        if (lag >= 0n) result.push({ topic, partition, lag: Number(lag) })
      })
    }
    return result
  }

  async close(): Promise<void> {
    this.#closing.abort()
    this.#onClose()
    await this.#closeConsumer()
  }

  async #closeConsumer(): Promise<void> {
    await this.#stream.close().catch(() => {})
    await closeQuietly(this.#consumer)
    // The client does not always answer a commit that was in flight when its consumer closed
    // (measured: 5 of 78 runs of a saver test, where the broker closed under a running saver,
    // waited forever for one, and so did the saver's stop). Failing it lets the loop go on: the
    // batch is stored and is read again, which every writer treats as a redelivery.
    this.#consumerClosing.abort()
  }
}

/**
 * Calls `lost` when the client gives up on its group membership in the background, without
 * failing its stream, which then stays open and reads nothing more. Two signs of it:
 * - `error`, the only event the client emits under that name: its own rejoin after missed
 *   heartbeats failed, after which it schedules no more heartbeats. A listener is needed anyway:
 *   without one the event throws out of whatever ran the callback, a timer or the `close` of a
 *   consumer still retrying (fault scenario 4 once took a saver down that way);
 * - `consumer:heartbeat:stalled`: no heartbeat succeeded for the stall timeout (the rebalance
 *   timeout, 20 s), whatever the cause, reported once per stall.
 * A commit the client gave up on is the third (see the iterator).
 */
function whenMembershipLost(consumer: KafkaConsumer, lost: (error: unknown) => void): KafkaConsumer {
  consumer.on('error', lost)
  consumer.on('consumer:heartbeat:stalled', ({ lastError, stalledFor }: HeartbeatStall) =>
    lost(
      new NetworkError(`no Kafka heartbeat succeeded for ${stalledFor} ms`, { cause: lastError as Error }),
    ),
  )
  return consumer
}

interface HeartbeatStall {
  readonly lastError?: unknown
  readonly stalledFor: number
}

/** Closes a consumer whatever it throws or rejects with: its pending retries fail as it closes. */
async function closeQuietly(consumer: KafkaConsumer): Promise<void> {
  try {
    await consumer.close(true)
  } catch {
    // Closing a consumer of a dead broker fails its retries; nothing is left to release.
  }
}

async function consume(consumer: KafkaConsumer, options: SubscribeOptions) {
  if (options.startAt) startPartitionsAt(consumer, options.startAt)
  return consumer.consume({
    topics: [...options.topics],
    autocommit: false,
    mode: 'committed',
    fallbackMode: 'earliest',
    maxWaitTime: Math.min(options.maxWaitMs, 500),
    // The default (50 MB a fetch, decoded at once) held ~1 GB in a saver behind a backlog; 2 MiB
    // is ~13,000 measurements, more than two batches. Measured: peak RSS 1,013 → 462 MB and
    // drain 38.0k → 43.9k rows/s.
    maxBytes: 2 * 1024 * 1024,
    // The broker holds a fetch until 16 KiB are ready or `maxWaitTime` (the batch wait) passed, so
    // a member below max load reads fewer, fuller fetches instead of one per handful of records.
    // Measured 2026-12-05 (bench, two runs each): single measurements 15,026 → 16,913 and 17,910/s,
    // CPU a measurement 97.8 → 85.4 µs (saver 13.9 → 10.1, Kafka 18.1 → 15.9); at 10,000/s 111.6 →
    // 92.9 µs; POST→row p99 66–68 → 81–82 ms at 10,000/s and 59–61 → 109–110 ms at 1,000/s. At max
    // load every fetch is full anyway (no difference at 64 KiB, two runs).
    minBytes: FETCH_MIN_BYTES,
  })
}

/** Resolves true after `ms`, or false at once when `signal` aborts first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}

/**
 * The batch of a fetch's messages; its commit fails once `consumerClosing` aborts, and a failed
 * commit is reported to `onCommitFailure` before it rejects.
 */
export function toBatch(
  messages: KafkaMessage[],
  consumerClosing: AbortSignal,
  onCommitFailure: (error: unknown) => void = () => {},
): RecordBatch {
  // The last message of each partition, whose commit covers the ones before it. A fetch hands
  // out each partition's messages in a run: the map is written once a run, not once a message.
  const lastOfPartition = new Map<string, KafkaMessage>()
  const records: IncomingRecord[] = new Array(messages.length)
  let previous: KafkaMessage | undefined
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as KafkaMessage
    if (previous && (previous.partition !== message.partition || previous.topic !== message.topic))
      lastOfPartition.set(`${previous.topic}/${previous.partition}`, previous)
    previous = message
    records[index] = toRecord(message)
  }
  if (previous) lastOfPartition.set(`${previous.topic}/${previous.partition}`, previous)
  return {
    records,
    // Committing a message stores its offset + 1 for its partition, monotonically.
    commit: () =>
      failOnAbort(consumerClosing, 'the consumer closed before the broker confirmed the commit', () =>
        Promise.all([...lastOfPartition.values()].map((message) => message.commit())),
      ).catch((error: unknown) => {
        onCommitFailure(error)
        throw error
      }),
  }
}

/** Settles as `work()` does, or rejects with `reason` if `signal` aborted before or aborts first. */
function failOnAbort(signal: AbortSignal, reason: string, work: () => Promise<unknown>): Promise<void> {
  if (signal.aborted) return Promise.reject(new Error(reason))
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new Error(reason))
    signal.addEventListener('abort', onAbort, { once: true })
    work()
      .then(() => resolve(), reject)
      .finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function toRecord(message: KafkaMessage): IncomingRecord {
  const record = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? Buffer.alloc(0),
    timestampMs: Number(message.timestamp),
  }
  return message.headers?.size ? { ...record, headers: Object.fromEntries(message.headers) } : record
}
