import type { Admin } from '@platformatic/kafka'
import type { PartitionOffsets } from '../broker.ts'

/**
 * The committed offsets of consumer groups on every partition of `topic`, beside each partition's
 * log end: one metadata, one offsets-fetch and one list-offsets request, whatever the group count.
 */
export async function readGroupOffsets(
  admin: Admin,
  groups: readonly string[],
  topic: string,
): Promise<Map<string, PartitionOffsets[]>> {
  const result = new Map<string, PartitionOffsets[]>()
  const metadata = await admin.metadata({ topics: [topic] })
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0
  if (count === 0) return result
  const [committed, [ends]] = await Promise.all([
    admin.listConsumerGroupOffsets({ groups: [...groups] }),
    admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: count }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp: -1n,
          })),
        },
      ],
    }),
  ])
  for (const groupId of groups) {
    const group = committed.find((entry) => entry.groupId === groupId)
    const partitions = group?.topics.find((entry) => entry.name === topic)?.partitions ?? []
    const offsets = (ends?.partitions ?? []).map((end) => {
      const done = partitions.find((p) => p.partitionIndex === end.partitionIndex)?.committedOffset ?? -1n
      // Kafka answers -1 for a partition the group never committed on.
      return { partition: end.partitionIndex, committed: done >= 0n ? done : undefined, end: end.offset }
    })
    result.set(
      groupId,
      offsets.sort((a, b) => a.partition - b.partition),
    )
  }
  return result
}
