import assert from 'node:assert/strict'
import { it } from 'node:test'
import { Consumer, ProduceAcks, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import { scratchTopic } from '../../harness/index.ts'
import { requireKafka, uniqueName } from '../helpers/services.ts'

/**
 * patches/ makes @platformatic/kafka's producer hand every message sent without headers one shared
 * empty Map (instead of a new Map a message) to its serialisers. Unpatched, a header a serialiser
 * adds to that Map is never sent, and the next message's serialisers see a new, empty one; the
 * patch must keep both, against the real broker.
 */
it('a message without headers is sent without them, whatever a serialiser adds, and the next one starts empty', async (t) => {
  const brokers = await requireKafka()
  const topic = await scratchTopic(brokers, { partitions: 1, scope: t })
  const seenBySerialiser: number[] = []
  const producer = new Producer<string, string, string, string>({
    clientId: uniqueName('test'),
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: {
      ...stringSerializers,
      key: (key, headers) => {
        seenBySerialiser.push(headers?.size ?? -1)
        // A serialiser that writes a header into the map it is given (a schema registry's might).
        headers?.set('added-by-serialiser', String(key))
        return stringSerializers.key(key)
      },
    },
  })
  t.after(() => producer.close())
  await producer.send({
    messages: [
      { topic: topic.name, key: 'first', value: '1' },
      { topic: topic.name, key: 'second', value: '2' },
      { topic: topic.name, key: 'third', value: '3', headers: { traceparent: 'abc' } },
      { topic: topic.name, key: 'fourth', value: '4' },
    ],
  })
  await producer.send({ messages: [{ topic: topic.name, key: 'fifth', value: '5' }] })

  const consumer = new Consumer({
    clientId: uniqueName('test'),
    bootstrapBrokers: brokers,
    groupId: uniqueName('headers-patch'),
    deserializers: stringDeserializers,
  })
  t.after(() => consumer.close(true))
  const stream = await consumer.consume({ topics: [topic.name], mode: 'earliest', autocommit: false })
  const read: { key: string; headers: [string, string][] }[] = []
  for await (const message of stream) {
    read.push({
      key: String(message.key),
      headers: [...message.headers].map(([k, v]) => [String(k), String(v)]),
    })
    if (read.length === 5) break
  }
  await stream.close()

  // Each serialiser call saw an empty map, except the third's, which is the message's own headers.
  assert.deepEqual(seenBySerialiser, [0, 0, 1, 0, 0])
  assert.deepEqual(read, [
    { key: 'first', headers: [] },
    { key: 'second', headers: [] },
    { key: 'third', headers: [['traceparent', 'abc']] },
    { key: 'fourth', headers: [] },
    { key: 'fifth', headers: [] },
  ])
})
