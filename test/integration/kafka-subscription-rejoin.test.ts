import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import {
  Consumer,
  type MessagesStream,
  MultipleErrors,
  NetworkError,
  stringDeserializers,
} from '@platformatic/kafka'
import { eventually, scratchTopic } from '../../harness/index.ts'
import type { RecordBatch } from '../../src/broker/broker.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { type KafkaMessage, KafkaSubscription } from '../../src/broker/kafka/kafka-subscription.ts'
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

/**
 * What the client emits as `error` when its own rejoin after missed heartbeats fails (fault
 * scenario 5, a broker frozen for 10 s: "joinGroup failed 31 times. Connection closed ..."); its
 * stream then stays open and reads nothing.
 */
const rejoinFailed = () =>
  new MultipleErrors('joinGroup failed 31 times.', [new NetworkError('Connection closed'), refused()])

/** How the loss of the broker reaches the member. */
const LOSSES = [
  {
    name: 'its stream fails',
    lose: (stream: Stream | undefined) => stream?.destroy(refused()),
    reported: /127\.0\.0\.1:9092 failed/,
  },
  {
    name: "the client's own rejoin fails and its stream stays open",
    lose: (_stream: Stream | undefined, consumer: Consumer<string, Buffer, string, string> | undefined) => {
      // A listener must take the event: without one it throws out of the timer that ran the
      // rejoin, or out of a `close` (it took a saver down that way in fault scenario 4).
      assert.doesNotThrow(() => consumer?.emit('error', rejoinFailed()))
    },
    reported: /joinGroup failed 31 times/,
  },
  {
    name: 'no heartbeat succeeds for the stall timeout and its stream stays open',
    lose: (_stream: Stream | undefined, consumer: Consumer<string, Buffer, string, string> | undefined) => {
      consumer?.emit('consumer:heartbeat:stalled', { lastError: refused(), stalledFor: 20_000 })
    },
    reported: /no Kafka heartbeat succeeded for 20000 ms/,
  },
]

/** Real consumers of `groupId` that keep each message stream they open, to end it the way a dead broker does. */
function consumersKeepingStreams(
  brokers: readonly string[],
  groupId: string,
  commitOf: (stream: number, commit: () => Promise<void>) => () => Promise<void> = (_, commit) => commit,
) {
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
      const index = streams.push(stream as Stream) - 1
      // Each message's commit, as the client hands it out, through `commitOf`.
      const push = stream.push.bind(stream)
      stream.push = (message: KafkaMessage | null) => {
        if (message) {
          const commit = message.commit
          message.commit = commitOf(index, () => commit() as Promise<void>) as KafkaMessage['commit']
        }
        return push(message)
      }
      return stream
    }) as typeof consumer.consume
    consumers.push(consumer)
    return consumer
  }
  return { createConsumer, streams, consumers }
}

/** A scratch topic on the shared broker, and `publish(from, n)` of records whose values count from `from`. */
async function numberedTopic(t: TestContext, partitions: number) {
  const brokers = await requireKafka()
  const topic = await scratchTopic(brokers, { partitions, scope: t })
  const producer = new KafkaBroker({
    bootstrapBrokers: brokers,
    clientId: uniqueName('test'),
    requestTimeoutMs: 5000,
  })
  t.after(() => producer.close())
  const publish = (from: number, n: number) =>
    producer.publish(
      Array.from({ length: n }, (_, i) => ({ topic: topic.name, key: `k${from + i}`, value: `${from + i}` })),
    )
  return { brokers, topic, publish }
}

/** A member reading `topic` in batches of up to 50. */
function subscribe(
  createConsumer: () => Consumer<string, Buffer, string, string>,
  groupId: string,
  topic: string,
  onRejoin: (error: unknown, retryInMs: number) => void,
) {
  return KafkaSubscription.start(
    createConsumer,
    { groupId, topics: [topic], maxBatch: 50, maxWaitMs: 50, onRejoin },
    () => {},
  )
}

describe('KafkaSubscription on a lost broker', () => {
  for (const loss of LOSSES)
    it(`joins the group again with a new consumer when ${loss.name}, and reads on from the committed offsets`, async (t) => {
      const { brokers, topic, publish } = await numberedTopic(t, 2)

      const groupId = uniqueName('rejoin')
      const { createConsumer, streams, consumers } = consumersKeepingStreams(brokers, groupId)
      const rejoins: number[] = []
      const subscription = await subscribe(createConsumer, groupId, topic.name, (error, retryInMs) => {
        assert.match((error as Error).message, loss.reported)
        rejoins.push(retryInMs)
      })
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

      loss.lose(streams[0], consumers[0])
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

  it('joins the group again when the client gives up on a commit (fault scenario 5), and reads the batch again', async (t) => {
    const { brokers, topic, publish } = await numberedTopic(t, 1)

    // From the 100th record on, the first consumer's commits fail as the client's do once its own
    // rejoin inside a commit failed; a later consumer commits normally.
    let failing = false
    const groupId = uniqueName('commit-lost')
    const { createConsumer, streams } = consumersKeepingStreams(brokers, groupId, (stream, commit) =>
      stream === 0 ? () => (failing ? Promise.reject(rejoinFailed()) : commit()) : commit,
    )
    const rejoins: string[] = []
    const subscription = await subscribe(createConsumer, groupId, topic.name, (error) =>
      rejoins.push((error as Error).message),
    )
    t.after(() => subscription.close())
    const seen: number[] = []
    let commitsFailed = 0
    const reading = (async () => {
      for await (const batch of subscription) {
        for (const record of batch.records) seen.push(Number(record.value.toString()))
        await batch.commit().catch(() => {
          commitsFailed += 1
        })
      }
    })()

    await publish(0, 100)
    await eventually(async () => seen.length >= 100, 'the first 100 records read and committed')
    failing = true
    await publish(100, 50)
    await eventually(async () => streams.length === 2, 'a second consumer joining the group', {
      timeoutMs: 30_000,
    })
    assert.ok(commitsFailed >= 1)
    assert.match(rejoins[0] ?? '', /joinGroup failed 31 times/)
    // The batch whose commit failed comes again to the new consumer, and nothing before it.
    await eventually(async () => seen.filter((n) => n >= 100).length >= 100, 'the 50 records read twice', {
      timeoutMs: 30_000,
    })
    assert.deepEqual(
      seen.slice(100).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => [100 + i, 100 + i]).flat(),
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
