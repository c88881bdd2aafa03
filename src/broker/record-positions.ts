import type { OutgoingRecord, RecordPosition } from './broker.ts'

/**
 * The position of each record of one publish, from the partition each went to and the offset the
 * log gave the first record of each partition: records of a partition were appended in the order
 * given, one offset apart. Both adapters receive base offsets per partition (Kafka's produce
 * response carries one per partition) and derive the rest here.
 */
export function positionsOf(
  records: readonly OutgoingRecord[],
  partitions: readonly number[],
  baseOffset: (topic: string, partition: number) => bigint,
): RecordPosition[] {
  // Keyed by topic, then by partition number: no string built per record on ingest's hot path.
  const next = new Map<string, Map<number, bigint>>()
  return records.map(({ topic }, index) => {
    const partition = partitions[index] as number
    const ofTopic = next.get(topic) ?? new Map<number, bigint>()
    if (ofTopic.size === 0) next.set(topic, ofTopic)
    const offset = ofTopic.get(partition) ?? baseOffset(topic, partition)
    ofTopic.set(partition, offset + 1n)
    return { topic, partition, offset }
  })
}
