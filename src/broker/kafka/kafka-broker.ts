import {
  Admin,
  Consumer,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import { BrokerUnavailableError } from '../../errors.ts'
import type { Broker, OutgoingRecord, SubscribeOptions, Subscription, TopicSpec } from '../broker.ts'
import { keyHash } from '../key-partitioner.ts'
import { explainKafkaError } from './kafka-errors.ts'
import { KafkaSubscription } from './kafka-subscription.ts'

export interface KafkaBrokerOptions {
  readonly bootstrapBrokers: readonly string[]
  readonly clientId: string
  /** Timeout of one request to a broker, in ms; a publish gives up after a few of them. */
  readonly requestTimeoutMs: number
  /** SASL authentication; absent for none. */
  readonly sasl?: KafkaSasl
  /** TLS to the brokers; `ca` replaces the system CAs when given. */
  readonly tls?: { readonly ca?: string }
}

export interface KafkaSasl {
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  readonly username: string
  readonly password: string
}

/** Options every @platformatic/kafka client of Flowline shares: brokers, timeouts, retries, TLS, SASL. */
export function kafkaClientOptions(options: KafkaBrokerOptions) {
  return {
    clientId: options.clientId,
    bootstrapBrokers: [...options.bootstrapBrokers],
    timeout: options.requestTimeoutMs,
    connectTimeout: 3000,
    tls: options.tls ? { ca: options.tls.ca } : undefined,
    sasl: options.sasl ? { ...options.sasl } : undefined,
    // Ride out a leader election or a fresh cluster allocating producer ids (about a second
    // measured on 3 local brokers), yet give up within ~20 s on a dead cluster so that
    // ingest's in-flight budget frees up. Clients were told 503 long before.
    retries: 5,
    retryDelay: (_client: unknown, _operation: string, attempt: number) => Math.min(2000, 250 * 2 ** attempt),
  }
}

/** The broker adapter for Apache Kafka, over @platformatic/kafka. */
export class KafkaBroker implements Broker {
  readonly name = 'kafka'
  readonly #options: KafkaBrokerOptions
  #producer: Producer<string, string, string, string> | undefined
  #admin: Admin | undefined
  readonly #subscriptions = new Set<KafkaSubscription>()
  #lastSend: Promise<void> = Promise.resolve()

  constructor(options: KafkaBrokerOptions) {
    this.#options = options
  }

  #base() {
    return kafkaClientOptions(this.#options)
  }

  get #adminClient(): Admin {
    this.#admin ??= new Admin(this.#base())
    return this.#admin
  }

  get producer(): Producer<string, string, string, string> {
    this.#producer ??= new Producer({
      ...this.#base(),
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
      // The same partitions as the library's default partitioner, without its BigInt arithmetic.
      partitioner: (_message, key) => (Buffer.isBuffer(key) ? keyHash(key) : 0),
    })
    return this.#producer
  }

  /** The first call of every role: a refused login or TLS handshake is explained here. */
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const sasl = this.#options.sasl
    const listed = await this.#adminClient.listTopics().catch((error: unknown) => {
      throw explainKafkaError(error, { mechanism: sasl?.mechanism, username: sasl?.username })
    })
    const existing = new Set(listed)
    for (const topic of topics) {
      if (existing.has(topic.name)) continue
      try {
        await this.#adminClient.createTopics({
          topics: [topic.name],
          partitions: topic.partitions,
          replicas: topic.replicationFactor,
        })
      } catch (error) {
        // Another process may have created it between the listing and now.
        if (!(await this.#adminClient.listTopics()).includes(topic.name)) throw error
      }
    }
  }

  /**
   * One send at a time. Measured with @platformatic/kafka 2.12.1: concurrent send() calls on the
   * idempotent producer sometimes write a batch twice (7 runs in 20 of 8 concurrent sends to a
   * new topic, no error reported). Callers batch anyway (ingest coalesces requests), so a queue
   * here costs nothing and keeps each record once in the log.
   */
  publish(records: readonly OutgoingRecord[]): Promise<void> {
    const sent = this.#lastSend.then(() => this.#send(records))
    this.#lastSend = sent.catch(() => {})
    return sent
  }

  async #send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return
    // The records as they are: the client reads topic, key, value and headers (a plain object is
    // turned into a Map there) and copies them into messages of its own, so a second object per
    // record here would only be garbage (2.6 % of ingest's allocations at max load).
    const send = this.producer.send({
      messages: records as MessageToProduce<string, string, string, string>[],
    })
    try {
      await send
    } catch (error) {
      throw new BrokerUnavailableError(`Kafka did not acknowledge the records: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const createConsumer = () =>
      new Consumer({
        ...this.#base(),
        timeout: 10_000,
        // Joining a group waits for the coordinator, which on a fresh broker first creates __consumer_offsets.
        retries: 30,
        retryDelay: 500,
        groupId: options.groupId,
        deserializers: { ...stringDeserializers, value: undefined },
        sessionTimeout: 10_000,
        rebalanceTimeout: 20_000,
        heartbeatInterval: 1000,
        highWaterMark: Math.max(1024, options.maxBatch),
      }) as unknown as Consumer<string, Buffer, string, string>
    const subscription = await KafkaSubscription.start(createConsumer, options, () =>
      this.#subscriptions.delete(subscription),
    )
    this.#subscriptions.add(subscription)
    return subscription
  }

  onUnreachable(listener: () => void): void {
    // A refused or timed-out connect, retried by the client until its retries are spent (~6 s).
    // Not `disconnect`: brokers close idle connections, which says nothing about an outage.
    this.producer.on('client:broker:failed', listener)
  }

  async isReachable(): Promise<boolean> {
    try {
      // One try: a readiness probe must answer quickly, and the prober asks again anyway.
      await this.#adminClient.metadata({ topics: [], forceUpdate: true, retries: 0 })
      return true
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#subscriptions].map((subscription) => subscription.close()))
    await Promise.allSettled([this.#producer?.close(), this.#admin?.close()])
  }
}
