import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Consumer, type MessagesStream, NetworkError, stringDeserializers } from '@platformatic/kafka'
import { eventually, scratchTopic } from '../../harness/index.ts'
import type { RecordBatch } from '../../src/broker/broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { KafkaSubscription } from '../../src/broker/kafka/kafka-subscription.ts'
import { requireKafka, uniqueName } from '../helpers/services.ts'

type Stream = MessagesStream<string, Buffer, string, string>

/**
 * What the client reports once its retries are spent on a dead broker (seen as "fetch failed 17
 * times" and "metadata failed 31 times" in the fault and bench runs): the same error class and
 * cause, put into the member's real message stream on the shared broker, since when a real
 * outage ends the stream that way depends on timing.
 */
const refused = () =>
  new NetworkError('Connection to 127.0.0.1:9092 failed.', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' }),
  })

/** Real consumers of `groupId` that keep each message stream they open, to end it the way a dead broker does. */
function consumersKeepingStreams(brokers: readonly string[], groupId: string) {
  const streams: Stream[] = []
  const consumers: Consumer<string, Buffer, string, string>[] = []
  const createConsumer = () => {
    const consumer = new Consumer({
      clientId: uniqueName('test'),
      bootstrapBrokers: [...brokers],
      groupId,
      deserializers: { ...stringDeserializers, value: undefined },
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    }) as unknown as Consumer<string, Buffer, string, string>
    const consume = consumer.consume.bind(consumer)
    consumer.consume = (async (options: Parameters<typeof consume>[0]) => {
      const stream = await consume(options)
      streams.push(stream as Stream)
      return stream
    }) as typeof consumer.consume
    consumers.push(consumer)
    return consumer
  }
  return { createConsumer, streams, consumers }
}

describe('KafkaSubscription, its stream failing on a lost broker', () => {
  it('joins the group again with a new consumer and reads on from the committed offsets', async (t) => {
    const brokers = await requireKafka()
    const topic = await scratchTopic(brokers, { partitions: 2, scope: t })
    const producer = new KafkaBroker({
      bootstrapBrokers: brokers,
      clientId: uniqueName('test'),
      requestTimeoutMs: 5000,
    })
    t.after(() => producer.close())
    const publish = (from: number, n: number) =>
      producer.publish(
        Array.from({ length: n }, (_, i) => ({
          topic: topic.name,
          key: `k${from + i}`,
          value: `${from + i}`,
        })),
      )

    const groupId = uniqueName('rejoin')
    const { createConsumer, streams, consumers } = consumersKeepingStreams(brokers, groupId)
    const rejoins: number[] = []
    const subscription = await KafkaSubscription.start(
      createConsumer,
      {
        groupId,
        topics: [topic.name],
        maxBatch: 50,
        maxWaitMs: 50,
        onRejoin: (error, retryInMs) => {
          assert.match((error as Error).message, /127\.0\.0\.1:9092 failed/)
          rejoins.push(retryInMs)
        },
      },
      () => {},
    )
    t.after(() => subscription.close())

    const seen: string[] = []
    let uncommitted: RecordBatch | undefined
    const reading = (async () => {
      for await (const batch of subscription) {
        for (const record of batch.records) seen.push(record.value.toString())
        // The first 100 are committed; what comes after is read, never committed, before the loss.
        if (seen.length <= 100) await batch.commit()
        else uncommitted ??= batch
      }
    })()

    await publish(0, 100)
    await eventually(async () => seen.length >= 100, 'the first 100 records read')
    await publish(100, 50)
    await eventually(async () => uncommitted !== undefined, 'a batch read and not committed')
    const readBeforeLoss = seen.length

    // A failed background rejoin reaches the client's 'error' event; it must not throw out of the
    // call that ran it (it once did, out of a close, in fault scenario 4).
    assert.doesNotThrow(() => consumers[0]?.emit('error', new Error('joinGroup failed 11 times.')))
    streams[0]?.destroy(refused())
    await eventually(async () => streams.length === 2, 'a second consumer joining the group', {
      timeoutMs: 30_000,
    })
    assert.deepEqual(rejoins, [1000], 'one rejoin, after 1 s')
    await publish(150, 50)
    // The uncommitted records come again, then the new ones; none of the committed first 100.
    await eventually(
      async () => seen.length === readBeforeLoss + 100,
      'the 50 uncommitted and 50 new records read',
      {
        timeoutMs: 30_000,
      },
    )
    const afterLoss = seen.slice(readBeforeLoss).map(Number)
    assert.deepEqual(
      [...new Set(afterLoss)].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => 100 + i),
    )

    await subscription.close()
    await reading
  })

  it('ends the stream on an error a rejoin cannot fix, without rejoining', async (t) => {
    const brokers = await requireKafka()
    const topic = await scratchTopic(brokers, { partitions: 1, scope: t })
    const groupId = uniqueName('final')
    const { createConsumer, streams } = consumersKeepingStreams(brokers, groupId)
    const subscription = await KafkaSubscription.start(
      createConsumer,
      { groupId, topics: [topic.name], maxBatch: 10, maxWaitMs: 50, onRejoin: () => assert.fail('rejoined') },
      () => {},
    )
    t.after(() => subscription.close())
    const reading = (async () => {
      for await (const _ of subscription) {
        // nothing is published
      }
    })()
    await eventually(async () => streams.length === 1, 'the stream open')
    streams[0]?.destroy(new TypeError('a bug in a deserializer'))
    await assert.rejects(reading, /a bug in a deserializer/)
    assert.equal(streams.length, 1)
  })
})
