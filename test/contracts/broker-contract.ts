import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { eventually } from '../../harness/index.ts'
import type {
  Broker,
  IncomingRecord,
  OutgoingRecord,
  RecordBatch,
  Subscription,
} from '../../src/broker/broker.ts'
import { uniqueName } from '../helpers/services.ts'

/** A broker adapter under test. `reopen` closes the broker and connects a fresh one to the same data. */
export interface BrokerUnderTest {
  readonly broker: Broker
  readonly reopen?: () => Promise<Broker>
  readonly cleanup: () => Promise<void>
}

/** Kafka group joins and rebalances take seconds: every test gets this long, and every wait is bounded. */
const TEST_TIMEOUT_MS = 60_000
const WAIT_MS = 30_000
/** Group tests wait for a rebalance and then for the records: two bounded waits. */
const GROUP_TEST_TIMEOUT_MS = 2 * TEST_TIMEOUT_MS

/**
 * Reads one subscription through a single iterator (a second iterator would be a second reader
 * of the same stream). A batch that does not come within the wait is left pending for the next call.
 */
class BatchReader {
  readonly subscription: Subscription
  readonly #iterator: AsyncIterator<RecordBatch>
  #pending: Promise<IteratorResult<RecordBatch>> | undefined

  constructor(subscription: Subscription) {
    this.subscription = subscription
    this.#iterator = subscription[Symbol.asyncIterator]()
  }

  /** The next batch, or undefined when none came within `timeoutMs` or the subscription ended. */
  async next(timeoutMs: number): Promise<RecordBatch | undefined> {
    this.#pending ??= this.#iterator.next()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const result = await Promise.race([this.#pending, timeout])
    clearTimeout(timer)
    if (result === 'timeout') return undefined
    this.#pending = undefined
    return result.done ? undefined : result.value
  }

  /** Reads batches until at least `count` records came; fails after `timeoutMs`. */
  async take(count: number, options: { commit: boolean; timeoutMs?: number }): Promise<IncomingRecord[]> {
    const records: IncomingRecord[] = []
    const deadline = Date.now() + (options.timeoutMs ?? WAIT_MS)
    while (records.length < count) {
      const left = deadline - Date.now()
      assert.ok(left > 0, `only ${records.length} of ${count} records arrived in time`)
      const batch = await this.next(left)
      if (!batch) continue
      records.push(...batch.records)
      if (options.commit) await batch.commit()
    }
    return records
  }
}

const text = (record: IncomingRecord) => record.value.toString('utf8')
const where = (record: IncomingRecord) => `${record.partition}/${record.offset}`

function messages(topic: string, count: number, keyOf: (index: number) => string): OutgoingRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    topic,
    key: keyOf(index),
    value: `message ${index}`,
  }))
}

/**
 * The behaviour the roles rely on, written once and run against every broker adapter (the way
 * Hono runs one router suite against each router). Names are unique per test, so runs never meet.
 */
export function runBrokerContract(name: string, factory: () => Promise<BrokerUnderTest>): void {
  function contractTest(title: string, test: () => Promise<void>, timeout = TEST_TIMEOUT_MS): void {
    it(title, { timeout }, test)
  }

  describe(`broker contract: ${name}`, { timeout: TEST_TIMEOUT_MS * 12 }, () => {
    let subject: BrokerUnderTest
    let broker: Broker
    const subscriptions: Subscription[] = []

    beforeEach(async () => {
      subject = await factory()
      broker = subject.broker
    })

    afterEach(async () => {
      await Promise.allSettled(subscriptions.splice(0).map((subscription) => subscription.close()))
      await subject.cleanup()
    })

    async function topicWith(partitions: number): Promise<string> {
      const topic = uniqueName('contract')
      await broker.ensureTopics([{ name: topic, partitions, replicationFactor: 1 }])
      return topic
    }

    async function reader(
      groupId: string,
      topic: string,
      maxBatch = 100,
      maxWaitMs = 100,
    ): Promise<BatchReader> {
      const subscription = await broker.subscribe({ groupId, topics: [topic], maxBatch, maxWaitMs })
      subscriptions.push(subscription)
      return new BatchReader(subscription)
    }

    async function restart(): Promise<void> {
      await Promise.allSettled(subscriptions.splice(0).map((subscription) => subscription.close()))
      if (subject.reopen) broker = await subject.reopen()
    }

    /** Publishes `calls` concurrent calls of `perCall` records, keys spread so each call feeds every key. */
    async function publishConcurrently(topic: string, calls: number, perCall: number): Promise<void> {
      await Promise.all(
        Array.from({ length: calls }, (_, call) =>
          broker.publish(
            Array.from({ length: perCall }, (_, index) => ({
              topic,
              key: `sensor-${index % 6}`,
              value: JSON.stringify({ call, index }),
            })),
          ),
        ),
      )
    }

    /** Reads until `count` distinct values came (a duplicate must not end the read early). */
    async function takeDistinct(consumer: BatchReader, count: number): Promise<IncomingRecord[]> {
      const records: IncomingRecord[] = []
      const values = new Set<string>()
      const deadline = Date.now() + WAIT_MS
      while (values.size < count) {
        assert.ok(Date.now() < deadline, `only ${values.size} of ${count} records arrived in time`)
        const batch = await consumer.next(deadline - Date.now())
        if (!batch) continue
        for (const record of batch.records) values.add(text(record))
        records.push(...batch.records)
        await batch.commit()
      }
      // Whatever else is already there (duplicates) comes within a short wait.
      for (let batch = await consumer.next(500); batch; batch = await consumer.next(500)) {
        records.push(...batch.records)
      }
      return records
    }

    contractTest('delivers each record with the headers it was published with', async () => {
      const topic = await topicWith(2)
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
      await broker.publish([
        { topic, key: 'sensor-1', value: 'with headers', headers: { traceparent, 'x-flowline': 'é ü' } },
        { topic, key: 'sensor-2', value: 'without headers' },
      ])
      const records = await (await reader(uniqueName('group'), topic)).take(2, { commit: true })
      const byValue = new Map(records.map((record) => [text(record), record]))
      assert.deepEqual(byValue.get('with headers')?.headers, { traceparent, 'x-flowline': 'é ü' })
      assert.equal(byValue.get('without headers')?.headers, undefined)
    })

    contractTest('keeps the order of each key across concurrent publish calls', async () => {
      const topic = await topicWith(3)
      await publishConcurrently(topic, 8, 60)
      const records = await takeDistinct(await reader(uniqueName('group'), topic), 8 * 60)
      const lastOffset = new Map<number, bigint>()
      const lastIndex = new Map<string, number>()
      const seen = new Set<string>()
      for (const record of records) {
        assert.ok(
          record.offset > (lastOffset.get(record.partition) ?? -1n),
          'offsets rise within a partition',
        )
        lastOffset.set(record.partition, record.offset)
        // Order is about first deliveries; whether a record is stored twice is the next test's business.
        if (seen.has(text(record))) continue
        seen.add(text(record))
        const { call, index } = JSON.parse(text(record)) as { call: number; index: number }
        const stream = `${record.key}/${call}`
        assert.ok(
          index > (lastIndex.get(stream) ?? -1),
          `${stream}: ${index} came after ${lastIndex.get(stream)}`,
        )
        lastIndex.set(stream, index)
      }
    })

    contractTest('stores each record of concurrent publish calls once', async () => {
      const topic = await topicWith(3)
      await publishConcurrently(topic, 8, 60)
      const records = await takeDistinct(await reader(uniqueName('group'), topic), 8 * 60)
      const copies = records.length - new Set(records.map(text)).size
      assert.equal(copies, 0, `${copies} records were stored more than once`)
    })

    contractTest('puts all records of one key in one partition', async () => {
      const topic = await topicWith(4)
      await broker.publish(messages(topic, 400, (index) => `device-${index % 40}`))
      const records = await (await reader(uniqueName('group'), topic)).take(400, { commit: true })
      const partitionsOfKey = new Map<string, Set<number>>()
      for (const record of records) {
        const partitions = partitionsOfKey.get(record.key ?? '') ?? new Set()
        partitions.add(record.partition)
        partitionsOfKey.set(record.key ?? '', partitions)
      }
      assert.equal(partitionsOfKey.size, 40)
      for (const [key, partitions] of partitionsOfKey)
        assert.equal(partitions.size, 1, `${key} is in one partition`)
      assert.ok(new Set(records.map((record) => record.partition)).size > 1, 'keys spread over partitions')
    })

    contractTest('starts a new group at the earliest offset', async () => {
      const topic = await topicWith(1)
      await broker.publish(messages(topic, 10, () => 'only-key'))
      const records = await (await reader(uniqueName('group'), topic)).take(10, { commit: false })
      assert.deepEqual(
        records.map((record) => [record.offset, text(record)]),
        Array.from({ length: 10 }, (_, index) => [BigInt(index), `message ${index}`]),
      )
    })

    contractTest('resumes a group after its committed offset', async () => {
      const topic = await topicWith(1)
      const groupId = uniqueName('group')
      await broker.publish(messages(topic, 10, () => 'only-key'))
      const first = await (await reader(groupId, topic, 4)).next(WAIT_MS)
      assert.ok(first && first.records.length > 0, 'a first batch arrives')
      await first.commit()
      const committed = (first.records.at(-1) as IncomingRecord).offset + 1n
      await restart()
      const rest = await (await reader(groupId, topic, 100)).take(10 - Number(committed), { commit: false })
      assert.equal(rest[0]?.offset, committed)
      assert.equal(rest.at(-1)?.offset, 9n)
    })

    contractTest('delivers uncommitted records again after a restart', async () => {
      const topic = await topicWith(1)
      const groupId = uniqueName('group')
      await broker.publish(messages(topic, 5, () => 'only-key'))
      const first = await (await reader(groupId, topic)).take(5, { commit: false })
      assert.equal(first[0]?.offset, 0n)
      await restart()
      const again = await (await reader(groupId, topic)).take(5, { commit: false })
      assert.deepEqual(again.map(text), first.map(text))
      assert.equal(again[0]?.offset, 0n)
    })

    contractTest('starts a partition where startAt says, not at the committed offset', async () => {
      const topic = await topicWith(2)
      const groupId = uniqueName('group')
      await broker.publish(messages(topic, 40, (index) => `device-${index % 8}`))
      // Commit everything first: startAt must win over the group's committed offsets.
      const all = await (await reader(groupId, topic)).take(40, { commit: true })
      const ends = new Map<string, bigint>()
      for (const record of all) ends.set(`${topic}/${record.partition}`, record.offset + 1n)
      await restart()
      const asked: string[] = []
      const committedSeen = new Map<string, bigint | undefined>()
      const subscription = await broker.subscribe({
        groupId,
        topics: [topic],
        maxBatch: 100,
        maxWaitMs: 100,
        startAt: async (askedTopic, partition, committed) => {
          asked.push(`${askedTopic}/${partition}`)
          committedSeen.set(`${askedTopic}/${partition}`, committed)
          // Partition 0 restarts at offset 2; partition 1 keeps the committed offset (its end).
          return partition === 0 ? 2n : undefined
        },
      })
      subscriptions.push(subscription)
      const consumer = new BatchReader(subscription)
      const replayed: IncomingRecord[] = []
      for (let batch = await consumer.next(WAIT_MS); batch; batch = await consumer.next(2000)) {
        replayed.push(...batch.records)
      }
      assert.ok(replayed.length > 0, 'records of partition 0 are delivered again')
      assert.ok(
        replayed.every((record) => record.partition === 0),
        'partition 1 resumes after its committed offset',
      )
      assert.equal(replayed[0]?.offset, 2n, 'partition 0 starts at the offset startAt gave')
      assert.deepEqual(
        replayed.map((record) => record.offset),
        replayed.map((_, index) => BigInt(index + 2)),
        'from there in order',
      )
      assert.deepEqual(new Set(asked), new Set([`${topic}/0`, `${topic}/1`]))
      assert.deepEqual(committedSeen, ends, "startAt is told the group's committed offset of each partition")
    })

    contractTest('reports lag as end offset minus committed offset', async () => {
      const topic = await topicWith(1)
      await broker.publish(messages(topic, 10, () => 'only-key'))
      const consumer = await reader(uniqueName('group'), topic, 4)
      const batch = await consumer.next(WAIT_MS)
      assert.ok(batch && batch.records.length > 0, 'a first batch arrives')
      await batch.commit()
      const expected = 10 - Number((batch.records.at(-1) as IncomingRecord).offset + 1n)
      const lag = await eventually(async () => {
        const lags = await consumer.subscription.lag()
        return lags.length === 1 && lags[0]?.lag === expected ? lags : undefined
      }, `a lag of ${expected}`)
      assert.deepEqual(lag, [{ topic, partition: 0, lag: expected }])
    })

    contractTest(
      'shares partitions between the members of a group',
      async () => {
        const partitions = 4
        const topic = await topicWith(partitions)
        const groupId = uniqueName('group')
        const members = [await reader(groupId, topic, 20), await reader(groupId, topic, 20)]
        const received = members.map(() => [] as IncomingRecord[])
        /** When each member held a batch of a partition: from handing out to commit. */
        const holding: { member: number; partition: number; from: number; to: number }[] = []
        let pumping = true
        const pumps = members.map(async (member, index) => {
          while (pumping) {
            const batch = await member.next(200)
            if (!batch) continue
            const from = performance.now()
            received[index]?.push(...batch.records)
            await new Promise((resolve) => setTimeout(resolve, 5))
            await batch.commit()
            const to = performance.now()
            for (const partition of new Set(batch.records.map((record) => record.partition))) {
              holding.push({ member: index, partition, from, to })
            }
          }
        })
        try {
          // The group is settled when the two members own disjoint partitions that cover the topic.
          await eventually(async () => {
            const owned = await Promise.all(
              members.map(async (member) => (await member.subscription.lag()).map((lag) => lag.partition)),
            )
            const all = owned.flat()
            const settled =
              owned.every((list) => list.length > 0) &&
              new Set(all).size === partitions &&
              all.length === partitions
            return settled ? owned : undefined
          }, 'both members to own partitions')
          await broker.publish(messages(topic, 200, (index) => `device-${index % 50}`))
          await eventually(
            async () => (new Set(received.flat().map(where)).size >= 200 ? true : undefined),
            'all records',
          )
        } finally {
          pumping = false
          await Promise.all(pumps)
        }
        const readers = new Map<number, Set<number>>()
        for (const [member, records] of received.entries()) {
          for (const record of records)
            readers.set(record.partition, (readers.get(record.partition) ?? new Set()).add(member))
        }
        for (const [partition, memberSet] of readers)
          assert.equal(memberSet.size, 1, `partition ${partition} had one reader`)
        assert.ok(
          received.every((records) => records.length > 0),
          'both members received records',
        )
        assert.equal(received.flat().length, 200, 'no record delivered twice')
        for (const a of holding) {
          for (const b of holding) {
            if (a.member === b.member || a.partition !== b.partition) continue
            assert.ok(
              a.to <= b.from || b.to <= a.from,
              `partition ${a.partition} held by both members at once`,
            )
          }
        }
      },
      GROUP_TEST_TIMEOUT_MS,
    )

    contractTest(
      'gives the partitions of a member that leaves to the others',
      async () => {
        const topic = await topicWith(4)
        const groupId = uniqueName('group')
        const staying = await reader(groupId, topic, 50)
        const leaving = await reader(groupId, topic, 50)
        await broker.publish(messages(topic, 100, (index) => `device-${index % 20}`))
        // Both read until everything published so far is committed by one of them.
        const seen = new Set<string>()
        await eventually(async () => {
          for (const member of [staying, leaving]) {
            const batch = await member.next(100)
            if (!batch) continue
            for (const record of batch.records) seen.add(where(record))
            await batch.commit()
          }
          return seen.size >= 100 ? true : undefined
        }, 'the first 100 records')
        await leaving.subscription.close()
        await broker.publish(messages(topic, 100, (index) => `device-${index % 20}`))
        const rest = await staying.take(100, { commit: true, timeoutMs: WAIT_MS * 1.5 })
        assert.deepEqual(
          new Set(rest.map((record) => record.partition)).size,
          4,
          'the staying member reads all partitions',
        )
        assert.equal(
          rest.filter((record) => seen.has(where(record))).length,
          0,
          'committed records are not redelivered',
        )
      },
      GROUP_TEST_TIMEOUT_MS,
    )
  })
}
