import { type Static, Type } from '@sinclair/typebox'
import type { RecordPosition } from '../../broker/broker.ts'

export const Receipt = Type.Object(
  {
    topic: Type.String(),
    partition: Type.Integer({ minimum: 0 }),
    from_offset: Type.String({ description: 'first offset, a 64-bit integer as text' }),
    to_offset: Type.String({ description: 'last offset (inclusive), a 64-bit integer as text' }),
  },
  {
    description:
      "Where the log holds a request's records on one partition. Ask the admin API's GET /receipts?topic=&partition=&offset=<to_offset> whether they are stored.",
  },
)
export type Receipt = Static<typeof Receipt>

/**
 * Folds a request's record positions into one range per partition. A request's records on one
 * partition are consecutive in the log (the coalescer never splits a request and the log appends
 * a publish's records of a partition in order), so each range holds this request's records only.
 */
export function receiptsOf(positions: readonly RecordPosition[]): Receipt[] {
  const receipts: Receipt[] = []
  for (const [topic, ranges] of rangesByTopic(positions))
    for (const [partition, range] of [...ranges].sort(([a], [b]) => a - b))
      receipts.push({ topic, partition, from_offset: String(range.from), to_offset: String(range.to) })
  return receipts.sort((a, b) => (a.topic === b.topic ? 0 : a.topic < b.topic ? -1 : 1))
}

/** Keyed by topic, then by partition number: no string built per record on ingest's hot path. */
function rangesByTopic(positions: readonly RecordPosition[]) {
  const byTopic = new Map<string, Map<number, { from: bigint; to: bigint }>>()
  let lastTopic: string | undefined
  let ranges = new Map<number, { from: bigint; to: bigint }>()
  for (const { topic, partition, offset } of positions) {
    if (topic !== lastTopic) {
      lastTopic = topic
      ranges = byTopic.get(topic) ?? new Map()
      byTopic.set(topic, ranges)
    }
    const range = ranges.get(partition)
    if (!range) ranges.set(partition, { from: offset, to: offset })
    else if (offset < range.from) range.from = offset
    else if (offset > range.to) range.to = offset
  }
  return byTopic
}
