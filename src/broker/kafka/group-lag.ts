import { Admin } from '@platformatic/kafka'
import { type KafkaBrokerOptions, kafkaClientOptions } from './kafka-broker.ts'

export interface GroupPartitionLag {
  readonly group: string
  readonly topic: string
  readonly partition: number
  readonly lag: number
  readonly source: 'broker'
}

/**
 * Lag of consumer groups as the broker sees it: each partition's log end offset minus the group's
 * committed offset. It holds even when the consumers are down, which their own gauge cannot show.
 */
export class KafkaGroupLag {
  readonly #admin: Admin

  constructor(options: KafkaBrokerOptions) {
    this.#admin = new Admin({ ...kafkaClientOptions(options), retries: 0 })
  }

  async lag(groups: readonly string[], topic: string): Promise<GroupPartitionLag[]> {
    const committed = await this.#admin.listConsumerGroupOffsets({ groups: [...groups] })
    const metadata = await this.#admin.metadata({ topics: [topic] })
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0
    if (count === 0) return []
    const [ends] = await this.#admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: count }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp: -1n,
          })),
        },
      ],
    })
    const result: GroupPartitionLag[] = []
    for (const group of committed) {
      const partitions = group.topics.find((entry) => entry.name === topic)?.partitions ?? []
      for (const end of ends?.partitions ?? []) {
        const done = partitions.find((p) => p.partitionIndex === end.partitionIndex)?.committedOffset ?? -1n
        // A group that never committed on a partition has read nothing of it.
        const lag = done >= 0n ? end.offset - done : end.offset
        result.push({
          group: group.groupId,
          topic,
          partition: end.partitionIndex,
          lag: Number(lag),
          source: 'broker',
        })
      }
    }
    return result
  }

  async close(): Promise<void> {
    await this.#admin.close()
  }
}
