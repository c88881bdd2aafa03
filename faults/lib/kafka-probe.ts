import { Admin, ConfigResourceTypes } from '@platformatic/kafka'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'

/** What the checker needs from Kafka itself: leaders, consumer lag, and the records in log order. */
export class KafkaProbe {
  readonly #bootstrap: string[]
  readonly #admin: Admin

  constructor(bootstrap: string) {
    this.#bootstrap = bootstrap.split(',')
    this.#admin = new Admin({
      clientId: 'flowline-faults-probe',
      bootstrapBrokers: this.#bootstrap,
      timeout: 4000,
      connectTimeout: 2000,
      retries: 1,
      retryDelay: 200,
    })
  }

  /** Partition → leader broker id and ISR, from fresh metadata. */
  async partitions(
    topic: string,
  ): Promise<{ partition: number; leader: number; replicas: number[]; isr: number[] }[]> {
    const metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true })
    const described = metadata.topics.get(topic)
    if (!described) throw new Error(`topic ${topic} not in metadata`)
    return described.partitions.map((partition, index) => ({
      partition: index,
      leader: partition.leader,
      replicas: [...partition.replicas],
      isr: [...partition.isr],
    }))
  }

  async topicConfig(topic: string, name: string): Promise<string | null> {
    const [description] = await this.#admin.describeConfigs({
      resources: [
        { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [name] },
      ],
    })
    return description?.configs.find((config) => config.name === name)?.value ?? null
  }

  /** Member count of a consumer group as the coordinator sees it, or null when it cannot say. */
  async groupMembers(group: string): Promise<number | null> {
    try {
      const groups = await this.#admin.describeGroups({ groups: [group] })
      return groups.get(group)?.members.size ?? 0
    } catch {
      return null
    }
  }

  /** Log end offset of each partition. */
  async endOffsets(topic: string, partitions: number): Promise<bigint[]> {
    const listed = await this.#admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp: -1n,
          })),
        },
      ],
    })
    const result = new Array<bigint>(partitions).fill(0n)
    for (const partition of listed[0]?.partitions ?? []) result[partition.partitionIndex] = partition.offset
    return result
  }

  /** The group's committed offset of each partition (0 where it never committed). */
  async committedOffsets(topic: string, group: string, partitions: number): Promise<bigint[]> {
    const groups = await this.#admin.listConsumerGroupOffsets({ groups: [group] })
    const committed = new Array<bigint>(partitions).fill(0n)
    for (const described of groups[0]?.topics ?? []) {
      if (described.name !== topic) continue
      for (const partition of described.partitions)
        if (partition.committedOffset >= 0n) committed[partition.partitionIndex] = partition.committedOffset
    }
    return committed
  }

  /** Records not yet committed by the group, over all partitions (a missing commit counts from 0). */
  async lag(topic: string, group: string, partitions: number): Promise<number> {
    const [ends, committed] = await Promise.all([
      this.endOffsets(topic, partitions),
      this.committedOffsets(topic, group, partitions),
    ])
    return ends.reduce((sum, end, index) => sum + Number(end - (committed[index] ?? 0n)), 0)
  }

  /**
   * Every record of `topic` in log order per partition, read with a throw-away consumer group
   * through the product's own Kafka adapter, up to the end offsets seen when the call starts.
   */
  async readAll(topic: string, partitions: number, timeoutMs = 120_000): Promise<KafkaRecord[]> {
    const ends = await this.endOffsets(topic, partitions)
    const total = ends.reduce((sum, end) => sum + Number(end), 0)
    const records: KafkaRecord[] = []
    if (total === 0) return records
    const broker = new KafkaBroker({
      bootstrapBrokers: this.#bootstrap,
      clientId: 'flowline-faults-reader',
      requestTimeoutMs: 5000,
    })
    const subscription = await broker.subscribe({
      groupId: `faults-reader-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      topics: [topic],
      maxBatch: 5000,
      maxWaitMs: 100,
    })
    const seen = new Array<bigint>(partitions).fill(0n)
    const done = () => seen.every((offset, index) => offset >= (ends[index] ?? 0n))
    const timer = setTimeout(() => void subscription.close(), timeoutMs)
    try {
      for await (const batch of subscription) {
        for (const record of batch.records) {
          if (record.offset >= (ends[record.partition] ?? 0n)) continue
          records.push({
            partition: record.partition,
            offset: record.offset,
            value: record.value.toString('utf8'),
          })
          seen[record.partition] = record.offset + 1n
        }
        if (done()) break
      }
    } finally {
      clearTimeout(timer)
      await subscription.close()
      await broker.close()
    }
    if (!done())
      throw new Error(`read ${records.length} of ${total} records of ${topic} within ${timeoutMs} ms`)
    return records
  }

  async close(): Promise<void> {
    await this.#admin.close().catch(() => {})
  }
}

export interface KafkaRecord {
  readonly partition: number
  readonly offset: bigint
  readonly value: string
}
