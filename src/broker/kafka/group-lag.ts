import { Admin } from '@platformatic/kafka'
import { readGroupOffsets } from './group-offsets.ts'
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
    const result: GroupPartitionLag[] = []
    for (const [group, offsets] of await readGroupOffsets(this.#admin, groups, topic)) {
      for (const { partition, committed, end } of offsets) {
        // A group that never committed on a partition has read nothing of it.
        const lag = end - (committed ?? 0n)
        result.push({ group, topic, partition, lag: Number(lag), source: 'broker' })
      }
    }
    return result
  }

  async close(): Promise<void> {
    await this.#admin.close()
  }
}
