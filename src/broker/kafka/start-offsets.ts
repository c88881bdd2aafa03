import type { Consumer, ListCommitsOptions, Offsets } from '@platformatic/kafka'
import type { SubscribeOptions } from '../broker.ts'

type Callback = (error: Error | null, offsets?: Offsets) => void

/**
 * Makes a consumer start each assigned partition where `startAt` says. @platformatic/kafka's
 * messages stream, on every group join, asks `listCommittedOffsets` for the assigned partitions
 * and seeks to the answer; it has no hook of its own for an external checkpoint. So this wraps
 * that one method of this one consumer: Kafka's committed offsets are fetched as before, then
 * replaced by the caller's for every partition it answers. A failing `startAt` fails the refresh,
 * which destroys the stream: reading from the wrong place would break the caller's checkpoint.
 */
export function startPartitionsAt(
  consumer: Consumer<string, Buffer, string, string>,
  startAt: NonNullable<SubscribeOptions['startAt']>,
): void {
  const listCommitted = consumer.listCommittedOffsets.bind(consumer) as (
    options: ListCommitsOptions,
  ) => Promise<Offsets>
  const replaced = async (options: ListCommitsOptions): Promise<Offsets> => {
    const offsets = await listCommitted(options)
    await Promise.all(
      options.topics.flatMap(({ topic, partitions }) =>
        partitions.map(async (partition) => {
          const committed = offsets.get(topic)?.[partition]
          const offset = await startAt(
            topic,
            partition,
            committed !== undefined && committed >= 0n ? committed : undefined,
          )
          if (offset === undefined) return
          const ofTopic = offsets.get(topic) ?? []
          while (ofTopic.length <= partition) ofTopic.push(-1n)
          ofTopic[partition] = offset
          offsets.set(topic, ofTopic)
        }),
      ),
    )
    return offsets
  }
  Object.defineProperty(consumer, 'listCommittedOffsets', {
    configurable: true,
    value: (options: ListCommitsOptions, callback?: Callback) => {
      const result = replaced(options)
      if (!callback) return result
      result.then(
        (offsets) => callback(null, offsets),
        (error: Error) => callback(error),
      )
    },
  })
}
